"""Scenario 5 of docs/domain.md §13: assignation → DSF deadline chain with letter coordination, through the command
line and the HTTP API. A private-park household is assigned on Wednesday 25 November 2026, the hearing is on
Tuesday 2 February 2027 (ten weeks later); the State's M16 letter, the Département's DSF chain, a CLIL letter and
the State's request for the landlord's observations (M17) are all scheduled."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf

from tests.conftest import Clock
from tests.scenarios.service import Service, service

ASSIGNATION = "assignation"
HEARING = "02/02/2027"


def _tenant(reference: str) -> dict[str, Any]:
    return {"reference": reference, "stade": ASSIGNATION, "date_stade": "25/11/2026", "parc": "prive",
            "nom": "Quéméneur", "prenom": "Odile", "date_naissance": "11/06/1964",
            "adresse": "27 rue Émile Zola", "code_postal": "91100", "commune": "Corbeil-Essonnes",
            "telephone": "06 71 42 18 90", "montant_dette": "3 480,00", "allocataire": "non",
            "date_audience": HEARING}


def _setup(s: Service) -> None:
    s.partner("DDETS de l'Essonne", "etat")
    s.partner("Département de l'Essonne", "departement")
    s.partner("CCAS de Corbeil-Essonnes", "ccas")
    s.partner("SCI du Moulin Galant", "bailleur_prive", "--adresse", "SCI du Moulin Galant|4 quai de l'Essonne|"
              "91100 Corbeil-Essonnes")
    pilot = "DDETS de l'Essonne"
    s.campaign(pilot, {"name": "Courrier de l'État à l'assignation (M16)", "owner": pilot, "stages": [ASSIGNATION],
                       "priority": 1,
                       "steps": [{"channel": "courrier", "template": "etape_assignation", "regulatory": True}]})
    s.campaign(pilot, {"name": "Diagnostic social et financier", "owner": "Département de l'Essonne",
                       "stages": [ASSIGNATION], "segment": {"parc": ["prive"]},
                       "steps": [{"channel": "appel", "dsf": True}]})
    s.campaign(pilot, {"name": "Recommandation de la CLIL", "owner": "CCAS de Corbeil-Essonnes",
                       "stages": [ASSIGNATION], "priority": 50, "coordination": "merge",
                       "steps": [{"channel": "courrier", "template": "information_etat", "delay_days": 3}]})
    s.campaign(pilot, {"name": "Observations du bailleur (M17)", "owner": pilot, "stages": [ASSIGNATION],
                       "steps": [{"channel": "courrier", "template": "courrier_bailleur"}]})


def _by_kind(tasks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["type"]: t for t in tasks}


def test_scenario_5_dsf_deadlines_and_letter_coordination(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    with service(tmp_path, clock) as s:
        _setup(s)
        assert s.push("DDETS de l'Essonne", [_tenant("ASS-91-0042")])["crees"] == 1
        assert s.push("SCI du Moulin Galant", [_tenant("MG-17")])["crees"] == 1
        s.send(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
        s.send(datetime(2026, 11, 25, 9, 5, tzinfo=UTC))  # a second run opens nothing twice

        # The DSF chain, in working days (Monday–Friday, public holidays excluded), each due at the end of its day
        # in Paris (23:00 UTC in winter): first contact ≤ 15 working days after receipt (16 December), second
        # offer at D − 15 (12 January), CCAPEX request at D − 10 (19 January), transmission at D − 5 (26 January).
        departement = "Département de l'Essonne"
        chain = _by_kind(s.tasks(departement, a_venir=True))
        assert sorted(chain) == ["dsf_ccapex", "dsf_contact", "dsf_relance", "dsf_transmission"]
        assert chain["dsf_contact"]["echeance"] == "2026-12-16T23:00:00+00:00"
        assert chain["dsf_relance"]["echeance"] == "2027-01-12T23:00:00+00:00"
        assert chain["dsf_ccapex"]["echeance"] == "2027-01-19T23:00:00+00:00"
        assert chain["dsf_transmission"]["echeance"] == "2027-01-26T23:00:00+00:00"
        # The second offer waits for its day: it is due only if the household has not answered by then.
        assert sorted(_by_kind(s.tasks(departement))) == ["dsf_ccapex", "dsf_contact", "dsf_transmission"]

        # No response to the first offer: the second offer opens on its day, D − 15 working days.
        worker = s.post(departement, "/api/v1/agents", {"nom": "Nadia Benali"}, expected=201)["id"]
        s.post(departement, f"/api/v1/taches/{chain['dsf_contact']['id']}/terminer",
               {"agent_id": worker, "resultat": "pas_de_reponse"})
        assert "dsf_relance" not in _by_kind(s.tasks(departement))
        clock.now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
        assert "dsf_relance" in _by_kind(s.tasks(departement))

        # The regulatory M16 letter is sent; the CLIL letter due three days later, inside the 15-day window, is
        # merged into it; the State's request for observations goes to the landlord, not to the tenant.
        state = {c["campagne"]: c for c in s.contacts("DDETS de l'Essonne", "ASS-91-0042")}
        assert state["Courrier de l'État à l'assignation (M16)"]["statut"] == "delivered"
        assert state["Observations du bailleur (M17)"]["statut"] == "delivered"
        ids = {c["name"]: c["id"] for c in s.get("DDETS de l'Essonne", "/api/v1/campagnes")["campagnes"]}

        def sent(name: str) -> dict[str, int]:
            day = s.get("DDETS de l'Essonne", f"/api/v1/campagnes/{ids[name]}/supervision", jour="2026-11-25")
            return dict(day["contacts_total"])

        assert sent("Recommandation de la CLIL") == {"cancelled": 1}
        assert sent("Courrier de l'État à l'assignation (M16)") == {"delivered": 1}
        letters = {}
        for pdf in sorted((tmp_path / "outbox").rglob("*.pdf")):
            text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
            letters["bailleur" if "SCI du Moulin Galant\n4 quai de l'Essonne" in text else "locataire"] = text
        assert sorted(letters) == ["bailleur", "locataire"]
        assert "Odile QUÉMÉNEUR" in letters["locataire"] and "CCAS de Corbeil-Essonnes" in letters["locataire"]
        assert "vos\nobservations pour le diagnostic social et financier" in letters["bailleur"]
        assert "Odile QUÉMÉNEUR\n" not in letters["bailleur"]
        landlord = "SCI du Moulin Galant"
        # The landlord never sees the DSF: no task in its queue, nothing about it in its case view.
        assert s.tasks(landlord, statut="toutes", a_venir=True) == []
        view = s.client.get("/api/v1/signalements/MG-17", headers=s.keys[landlord])
        assert view.status_code == 200 and "dsf" not in view.text.lower() and "diagnostic" not in view.text.lower()
