"""Attack: a bailleur's own letters must not reveal a protection measure another partner brought (docs/security.md,
rule 1). The Département knows its tenant is under curatelle; the bailleur's campaign writes to the same household
in print-batch mode: no copy to the curator in the bailleur's batch nor in its outbox, no "aux bons soins de", no
curator's name (the pilots' letters do carry the copy: tests/test_print_batches.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pypdf
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from campaigns.models import Dispatch
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement

CURATOR = "UDAF Nantes"
MEASURE = {"mesure_protection": "curatelle", "mandataire_nom": CURATOR, "mandataire_adresse": "3 rue Rosière d'Artois",
           "mandataire_code_postal": "44100", "mandataire_commune": "Nantes"}


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)


def test_a_bailleurs_batch_never_carries_the_curator_another_partner_knows(sqlite_runtime: Runtime) -> None:
    runtime = Runtime(sqlite_runtime.settings.model_copy(update={"letters_mode": "lots", "print_cutoff": "16:00"}),
                      clock=sqlite_runtime.clock)
    _, departement = new_partner(runtime, "Département de Loire-Atlantique", "departement")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="Habitat 44", name="Relance du bailleur", stages=["assignation"],
             steps=[{"channel": "courrier", "template": "information_etat"}])
    with TestClient(create_app(runtime)) as client:
        assert client.post("/api/v1/signalements", headers=departement,
                           json=[signalement("D-1", stade="assignation", **MEASURE)]).status_code == 200
        assert client.post("/api/v1/signalements", headers=bailleur,
                           json=[signalement("H-1", stade="assignation")]).status_code == 200
        runtime.tick(now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
        runtime.tick(now=datetime(2026, 11, 25, 15, 5, tzinfo=UTC))
    with runtime.session_factory() as session:
        assert session.scalars(select(Dispatch.status)).all() == ["delivered"]
    outbox = runtime.settings.resolved_outbox_dir
    assert not list(outbox.rglob("*.copie-*"))
    batch = outbox / "lots" / "2026-11-25" / "habitat-44.pdf"
    manifest = Path(str(batch).removesuffix(".pdf") + ".manifest.csv").read_text("utf-8-sig").splitlines()
    assert [line.split(";")[-1] for line in manifest[1:]] == ["original"]
    text = _text(batch)
    assert "BENALI" in text.upper()
    for word in (CURATOR, "bons soins", "a/s de", "curatelle", "Rosière"):
        assert word.lower() not in text.lower(), word
