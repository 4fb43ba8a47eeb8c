"""Print batches: letters wait for the cut-off (cancellable until then), then one PDF per partner and a manifest."""

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

CURATELLE = {"mesure_protection": "curatelle", "mandataire_nom": "UDAF Nantes",
             "mandataire_adresse": "3 rue Rosière d'Artois", "mandataire_code_postal": "44100",
             "mandataire_commune": "Nantes"}


def test_letters_are_printed_in_one_batch_per_partner_after_the_cut_off(pg_runtime: Runtime) -> None:
    runtime = Runtime(pg_runtime.settings.model_copy(update={"letters_mode": "lots", "print_cutoff": "16:00"}),
                      clock=pg_runtime.clock)
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "courrier", "template": "information_etat"}])
    with TestClient(create_app(runtime)) as client:
        # R-1's tenant is under curatelle: her letter goes to her curator too, "aux bons soins de".
        client.post("/api/v1/signalements", headers=bailleur, json=[
            signalement(f"R-{i}", nom=f"Nom{i}", numero_allocataire=str(i), adresse=f"{i} rue Basse",
                        date_naissance=f"0{i}/01/1980", telephone=f"060000000{i}", **(CURATELLE if i == 1 else {}))
            for i in range(1, 4)])
        morning = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
        runtime.tick(now=morning)
        with runtime.session_factory() as session:
            rows = session.scalars(select(Dispatch).order_by(Dispatch.id)).all()
            assert {(d.status, d.reason) for d in rows} == {("planned", "print_cutoff")}
            assert {d.due_at for d in rows} == {datetime(2026, 11, 25, 15, 0, tzinfo=UTC)}  # 16:00 in Paris
        # Before the cut-off a response still stops the letter: the bailleur's word with an attributed reason (a
        # plain call note stops only the bailleur's own steps, docs/security.md rule 2).
        answer = client.post("/api/v1/reponses", headers=bailleur, json={
            "reference": "R-2", "canal": "appel", "nature": "appel_entrant", "motif_menage": "plan_apurement_signe"})
        assert answer.status_code in (200, 201), answer.text
        runtime.tick(now=datetime(2026, 11, 25, 15, 5, tzinfo=UTC))
    outbox = runtime.settings.resolved_outbox_dir
    batch = outbox / "lots" / "2026-11-25" / "ddets-44.pdf"
    manifest = Path(str(batch).removesuffix(".pdf") + ".manifest.csv")
    assert batch.exists() and manifest.exists()
    lines = manifest.read_text("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["ordre", "courrier_id", "reference"]
    # The curator's copy is printed with the letter, in its own envelope, in the same partner's batch.
    assert [line.split(";")[2] for line in lines[1:]] == ["R-1", "R-1", "R-3"]
    assert [line.split(";")[-1] for line in lines[1:]] == ["original", "copie 1", "original"]
    reader = pypdf.PdfReader(batch)
    pages = len(reader.pages)
    assert pages >= 3 and pages % 2 == 0  # each letter starts on a recto
    copy_page = int(lines[2].split(";")[3]) - 1
    assert "Aux bons soins de UDAF Nantes" in reader.pages[copy_page].extract_text()
    assert "Aux bons soins" not in reader.pages[0].extract_text()
