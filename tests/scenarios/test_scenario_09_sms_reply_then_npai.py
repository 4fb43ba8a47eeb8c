"""Scenario 9 of docs/domain.md §13: cross-campaign stop on an SMS reply, then NPAI, through the command line, the
HTTP API and Twilio's signed webhook. Habitat 44 texts its tenants; the Département writes to the same households
and the ADIL 44 calls them a week later. The household answers the bailleur's SMS: that is evidence that the household
answered (docs/security.md, rule 2), so every campaign's pending contacts of the stage stop. Two days later the
Département's letter comes back « n'habite pas à l'adresse indiquée »."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import Clock
from tests.scenarios.service import Service, service

CDP = "commandement_de_payer"
PERIOD = {"debut": "2026-11-01", "fin": "2026-12-31"}
# Six households: under five, the evaluation would hide the figures (small cells).
TENANTS = [("Le Goff", "Maëlle", "14/03/1979", "3 rue de la Ville-en-Pierre", "06 12 34 56 78"),
           ("Diallo", "Ousmane", "02/10/1986", "18 boulevard Jules-Verne", "06 23 45 67 81"),
           ("Rousseau", "Annick", "27/01/1958", "5 allée des Tanneurs", "06 34 56 78 12"),
           ("Benhamou", "Samir", "09/07/1991", "41 rue du Bêle", "06 45 67 81 23"),
           ("Guérin", "Véronique", "30/12/1969", "7 place Mendès-France", "06 56 78 12 34"),
           ("Nguyen", "Thi Lan", "16/05/1983", "22 rue de Coulmiers", "06 67 81 23 45")]


def _row(i: int, reference: str) -> dict[str, Any]:
    nom, prenom, born, street, phone = TENANTS[i]
    return {"reference": reference, "stade": CDP, "date_stade": "24/11/2026", "parc": "social", "nom": nom,
            "prenom": prenom, "date_naissance": born, "adresse": street, "code_postal": "44000", "commune": "Nantes",
            "telephone": phone, "montant_dette": "1 940,00"}


def _international(phone: str) -> str:
    return "+33" + phone.replace(" ", "")[1:]


def _setup(s: Service) -> None:
    s.partner("Département de Loire-Atlantique", "departement")
    s.partner("ADIL 44", "adil")
    s.partner("Habitat 44", "bailleur_social")
    pilot = "Département de Loire-Atlantique"
    s.campaign(pilot, {"name": "SMS du bailleur", "owner": "Habitat 44", "stages": [CDP],
                       "steps": [{"channel": "sms", "template": "relance", "delay_days": 1,
                                  "delay_from": "stage_entry"}]})
    s.campaign(pilot, {"name": "Relance du Département", "owner": pilot, "stages": [CDP],
                       "steps": [{"channel": "courrier", "template": "information_etat"},
                                 {"channel": "courrier", "template": "information_etat", "delay_days": 10}]})
    s.campaign(pilot, {"name": "Appel de l'ADIL", "owner": "ADIL 44", "stages": [CDP],
                       "steps": [{"channel": "appel", "delay_days": 7}]})
    s.campaign(pilot, {"name": "Courrier du bailleur à l'assignation", "owner": "Habitat 44",
                       "stages": ["assignation"],
                       "steps": [{"channel": "courrier", "template": "information_etat"}]})


def test_scenario_9_sms_reply_stops_every_campaign_then_npai(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    departement, bailleur = "Département de Loire-Atlantique", "Habitat 44"
    with service(tmp_path, clock) as s:
        _setup(s)
        assert s.push(bailleur, [_row(i, f"H44-{i}") for i in range(6)])["crees"] == 6
        assert s.push(departement, [_row(i, f"D44-{i}") for i in range(6)])["crees"] == 6
        s.send(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # the Département's first letters
        s.send(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))  # the bailleur's SMS, the day after
        for i in range(6):
            sms = [c for c in s.contacts(bailleur, f"H44-{i}") if c["canal"] == "sms"]
            assert [c["statut"] for c in sms] == ["delivered"], sms

        # Each household answers the bailleur's SMS; Twilio posts the replies, signed.
        clock.now = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
        for i in range(6):
            s.sms_reply(_international(TENANTS[i][4]), "Bonjour, je peux passer à l'agence jeudi", f"SM-9-{i}")
        s.send(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
        # The Département's relance is cancelled (its own view says why), and the ADIL never gets the call.
        letters = [c for c in s.contacts(departement, "D44-0") if c["canal"] == "courrier"]
        assert [(c["etape"], c["statut"], c["motif"]) for c in letters] == [
            (1, "delivered", None), (2, "cancelled", "responded_other_campaign")]
        s.send(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))  # past the ADIL's day 7
        assert s.tasks("ADIL 44", statut="toutes", a_venir=True) == []

        # Two days after the reply, the Département's first letter to the first household comes back NPAI.
        clock.now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
        npai = s.post(departement, "/api/v1/npai", {"courrier_id": letters[0]["id"]}, expected=201)
        assert npai["adresses_invalidees"] == 1 and npai["prochaine_adresse"] is None
        # The case is open: a locate task goes to the sender's queue.
        assert npai["tache_recherche"] is not None
        [locate] = s.tasks(departement)
        assert (locate["id"], locate["type"]) == (npai["tache_recherche"], "recherche")
        # The address is invalid for every campaign: the bailleur's letter at the next stage has nowhere to go.
        s.push(bailleur, [{**_row(0, "H44-0"), "stade": "assignation", "date_stade": "03/12/2026"}])
        s.send(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
        [letter] = [c for c in s.contacts(bailleur, "H44-0") if c["stade"] == "assignation"]
        assert (letter["statut"], letter["motif"]) == ("skipped", "no_channel")

        # Once every partner closed its case, a returned letter opens no locate task.
        for partner, reference in ((bailleur, "H44-1"), (departement, "D44-1")):
            s.push(partner, [{**_row(1, reference), "stade": "cloture", "date_stade": "04/12/2026",
                              "motif_cloture": "plan d'apurement signé"}])
        clock.now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
        [returned] = [c for c in s.contacts(departement, "D44-1") if c["statut"] == "delivered"]
        closed = s.post(departement, "/api/v1/npai", {"courrier_id": returned["id"]}, expected=201)
        assert closed["adresses_invalidees"] == 1 and closed["tache_recherche"] is None

        # Attribution (last touch within 14 days): the six responses are credited to the bailleur's SMS.
        s.send(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
        sections = s.get(departement, "/api/v1/evaluation", **PERIOD)["sections"]
        by_channel = {r["valeur"]: (r["menages"], r["repondants"]) for r in sections["taux_canal"]["lignes"]}
        assert by_channel["SMS"] == (6, 6), by_channel
        assert by_channel["courrier"][1] in (0, "< 5"), by_channel
