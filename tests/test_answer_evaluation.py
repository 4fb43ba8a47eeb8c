"""The answer link in the evaluation, through GET /api/v1/evaluation (docs/evaluation.md): a channel of its own
(« lien de réponse »: the stays that got a message carrying a link, answered through one of them), by bailleur and
by message (channel and template), compared with the other channels. SQLite, ten households, one tick."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader

from campaigns.locale.clock import local_date
from campaigns.runtime.root import Runtime
from tests.answer_world import LINK_RE, checked, csrf, letters
from tests.conftest import new_partner
from tests.factories import campaign, signalement

NAMES = ("Benali", "Martin", "Nguyen", "Lefèvre", "Diallo", "Moreau", "Garcia", "Rousseau", "Haddad", "Fontaine")
FIRST = ("Aïcha", "Paul", "Linh", "Odile", "Mamadou", "Claire", "Lucia", "Marc", "Samir", "Jeanne")


def _line(section: dict[str, Any], **wanted: str) -> dict[str, Any]:
    [line] = [row for row in section["lignes"] if all(row[k] == v for k, v in wanted.items())]
    return line


def test_the_answer_link_is_a_channel_of_its_own_by_bailleur_and_by_template(sqlite_runtime: Runtime) -> None:
    from api.app import create_app

    runtime = sqlite_runtime
    with TestClient(create_app(runtime)) as client:
        _, state = new_partner(runtime, "DDETS 44", "etat")
        _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
        _, other = new_partner(runtime, "Harmonie Habitat", "bailleur_social")
        campaign(runtime, owner="DDETS 44")
        rows = [signalement(f"R-{n}", nom=name, prenom=first, date_naissance=f"{n + 1:02d}/0{n % 9 + 1}/19{60 + n}",
                            adresse=f"{n + 1} rue des Lilas", telephone=f"06 12 34 56 {n:02d}",
                            numero_allocataire=f"98765{n:02d}")
                for n, (name, first) in enumerate(zip(NAMES, FIRST, strict=True))]
        pushed = client.post("/api/v1/signalements", headers=bailleur, json=rows)
        assert pushed.status_code == 200, pushed.text
        runtime.tick()
        tokens: dict[str, str] = {}
        for pdf in letters(runtime):
            text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages).replace("\n", "")
            # The reference read outside the link: a random token may itself hold "R-" and a digit.
            link, reference = LINK_RE.search(text), re.search(r"R-\d+", LINK_RE.sub("", text))
            assert link and reference
            tokens[reference.group(0)] = link.group(1)
        assert len(tokens) == 10
        # Five households answer through their link (each a different answer), five never open it.
        for n, action in enumerate(("recu", "sms", "recu", "sms", "recu")):
            token = tokens[f"R-{n}"]
            checked(client, token, answer=f"R-{n}")
            page = client.get(f"/r/{token}")
            assert client.post(f"/r/{token}/{action}", data={"csrf_token": csrf(page.text)}).status_code == 200
        runtime.refresh_facts(now=runtime.clock())

        today = local_date(runtime.clock())
        period = {"debut": (today - timedelta(days=1)).isoformat(), "fin": (today + timedelta(days=1)).isoformat()}
        report = client.get("/api/v1/evaluation", headers=state, params=period)
        assert report.status_code == 200, report.text
        sections = report.json()["sections"]
        link = _line(sections["taux_canal"], valeur="lien de réponse")
        letter = _line(sections["taux_canal"], valeur="courrier")
        assert (link["menages"], link["repondants"], link["taux"]) == (10, 5, 0.5)
        assert (letter["menages"], letter["repondants"]) == (10, 5)
        by_bailleur = _line(sections["taux_canal_bailleur"], canal="lien de réponse", bailleur="Habitat 44")
        assert (by_bailleur["menages"], by_bailleur["repondants"]) == (10, 5)
        by_template = _line(sections["taux_lien_modele"], valeur="courrier · information_etat")
        assert (by_template["menages"], by_template["repondants"]) == (10, 5)
        assert any({c["a"], c["b"]} == {"courrier", "lien de réponse"}
                   for c in sections["comparaisons"]["lignes"] if c["famille"] == "canal contre canal")

        # The bailleur's own view counts the State's letters to its tenants, and so their links.
        own = client.get("/api/v1/evaluation", headers=bailleur, params=period).json()["sections"]
        own_link = _line(own["taux_canal"], valeur="lien de réponse")
        assert (own_link["menages"], own_link["repondants"]) == (10, 5)
        # Another bailleur: none of its households got a link, no line.
        theirs = client.get("/api/v1/evaluation", headers=other, params=period).json()["sections"]
        assert not [row for row in theirs["taux_canal"]["lignes"] if row["valeur"] == "lien de réponse"]
