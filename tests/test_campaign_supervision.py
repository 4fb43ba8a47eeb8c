"""Supervision of a campaign's day: contacts by status, failures with reasons, queues and overdue tasks, the day's
imports with their rejected rows, and the alerts when the tick or a channel is stuck."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.twilio_standin import Failure, TwilioStandIn

SID, TOKEN = "AC" + "1" * 32, "jeton-secret"
CSV = ("reference;stade;nom;prenom;adresse;code_postal;commune;telephone\n"
       "C-1;commandement_de_payer;Roux;Inès;3 rue Kervégan;44000;Nantes;\n"
       "C-2;commandement_de_payer;Petit;Luc;8 rue Crébillon;44000;Nantes;\n"
       "C-3;demain;Blanc;Eva;1 rue Racine;44000;Nantes;\n")


@pytest.fixture
def failing_sms(pg_runtime: Runtime) -> Iterator[tuple[Runtime, TwilioStandIn]]:
    with TwilioStandIn(SID, TOKEN) as standin:
        settings = pg_runtime.settings.model_copy(update={
            "sms_provider": "twilio", "twilio_account_sid": SID, "twilio_auth_token": TOKEN,
            "twilio_from_number": "+33612000000", "twilio_api_base_url": standin.base_url,
            "public_base_url": "https://chaine.example.fr"})
        yield Runtime(settings, clock=pg_runtime.clock), standin


def test_supervision_of_a_day_and_the_alerts(failing_sms: tuple[Runtime, TwilioStandIn], clock: Clock) -> None:
    runtime, standin = failing_sms
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign_id = campaign(runtime, owner="DDETS 44", steps=[
        {"channel": "courrier", "template": "information_etat"},
        {"channel": "sms", "template": "relance"},
        {"channel": "appel"},
    ])
    rows = [signalement(f"R-{i}", nom=f"Nom{i}", numero_allocataire=f"{i:07d}", date_naissance=f"0{i}/02/1980",
                        adresse=f"{i} rue de Strasbourg", telephone=f"06 10 20 30 4{i}") for i in range(1, 6)]
    rows.append(signalement("R-6", nom="Sans", numero_allocataire="0000066", date_naissance="06/06/1966",
                            adresse="6 rue du Calvaire", telephone=None))
    standin.fail_next(Failure.server_error(), times=5)
    with TestClient(create_app(runtime)) as client:
        client.post("/api/v1/signalements", headers=bailleur, json=rows)
        imported = client.post("/api/v1/signalements", headers={**bailleur, "Content-Type": "text/csv"},
                               content=CSV.encode())
        assert imported.status_code == 202
        runtime.join_background(30)
        quiet = client.get(f"/api/v1/campagnes/{campaign_id}/supervision", headers=ddets).json()
        assert quiet["alertes"] == []
        runtime.tick()
        report = client.get(f"/api/v1/campagnes/{campaign_id}/supervision", headers=ddets).json()

        assert report["jour"] == "2026-11-25" and report["menages"] == 8
        today = report["contacts_du_jour"]
        assert today["courrier"] == {"delivered": 8}
        # Five SMS failed at Twilio (retried later); three households have no phone.
        assert today["sms"] == {"temporary_failure": 5, "skipped": 3}
        assert today["appel"] == {"delivered": 5, "skipped": 3}
        failures = {(f["canal"], f["statut"], f["motif"]) for f in report["echecs"]}
        assert failures == {("sms", "temporary_failure", "provider_error"), ("sms", "skipped", "no_channel"),
                            ("appel", "skipped", "no_channel")}
        assert {f["libelle"] for f in report["echecs"]} == {"erreur du prestataire",
                                                           "coordonnées manquantes ou invalides"}
        assert report["files"] == [{"structure": "DDETS 44", "en_attente": 5, "en_cours": 0, "en_retard": 0}]
        pushed, job = report["imports"]
        assert (pushed["lignes"], pushed["rejetees"], pushed["rejets"]) == (6, 0, [])
        assert (job["partenaire"], job["lignes"], job["rejetees"]) == ("Habitat 44", 3, 1)
        assert job["rejets"][0]["ligne"] == 4 and job["rejets"][0]["champ"] == "stade"
        # The last five SMS attempts all failed: the channel is stuck.
        [alert] = report["alertes"]
        assert alert["type"] == "canal" and alert["message"].startswith(
            "Le canal SMS semble bloqué : ses 5 dernières tentatives ont échoué")

        # Nobody ran the tick since: on Monday the SMS retries are long overdue, and the calls are late too.
        clock.advance(days=5)
        late = client.get(f"/api/v1/campagnes/{campaign_id}/supervision", headers=ddets).json()
        kinds = [a["type"] for a in late["alertes"]]
        assert kinds == ["tick", "canal"]
        assert late["alertes"][0]["message"].startswith("Le tick semble arrêté : 5 contacts sont dus depuis plus de "
                                                        "10 minutes sans avoir été pris en charge")
        assert late["files"][0]["en_retard"] == 5
        assert late["contacts_du_jour"] == {} and late["contacts_total"]["delivered"] == 13
        yesterday = client.get(f"/api/v1/campagnes/{campaign_id}/supervision", headers=ddets,
                               params={"jour": "2026-11-25"}).json()
        assert yesterday["contacts_du_jour"]["courrier"] == {"delivered": 8}
        runtime.tick()
        recovered = client.get(f"/api/v1/campagnes/{campaign_id}/supervision", headers=ddets).json()
        assert recovered["alertes"] == [] and recovered["contacts_du_jour"]["sms"] == {"sending": 5}
        # A bailleur is no pilot: the supervision of a campaign it neither owns nor runs is not found.
        assert client.get(f"/api/v1/campagnes/{campaign_id}/supervision", headers=bailleur).status_code == 404
