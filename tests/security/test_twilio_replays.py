"""Twilio webhooks as an attacker or a flaky network sends them: replays, late replies, opt-out words.

Everything goes through the signed HTTP webhooks (the real `twilio` RequestValidator computes the signature).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from api.app import create_app
from campaigns.models import Dispatch, Response
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.twilio_standin import TwilioStandIn, twilio_runtime

SID, TOKEN = "AC" + "1" * 32, "replay-token"
BASE = "https://chaine.example.fr"
PHONE = "+33612345678"


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(SID, TOKEN) as server:
        yield server


@pytest.fixture
def sms_runtime(pg_runtime: Runtime, standin: TwilioStandIn) -> Runtime:
    return twilio_runtime(pg_runtime, standin, sid=SID, token=TOKEN, public_base_url=BASE)


@pytest.fixture
def client(sms_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sms_runtime)) as test_client:
        yield test_client


def _post(client: TestClient, path: str, form: dict[str, str]) -> tuple[int, str]:
    signature = RequestValidator(TOKEN).compute_signature(BASE + path, form)
    answer = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    return answer.status_code, answer.text


def _dispatches(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session_factory() as session:
        return [(d.stage, d.status, d.reason) for d in session.scalars(select(Dispatch).order_by(Dispatch.id))]


def _responses(runtime: Runtime) -> list[str | None]:
    with runtime.session_factory() as session:
        return [r.stage for r in session.scalars(select(Response).order_by(Response.id))]


def _two_stages(runtime: Runtime, client: TestClient, clock: Clock) -> dict[str, str]:
    """An SMS sent at the commandement stage, then the household moves on to the assignation stage, whose
    contacts (an SMS three days later) are planned."""
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}])
    campaign(runtime, owner="DDETS 44", name="Assignations", stages=["assignation"],
             steps=[{"channel": "sms", "template": "relance", "delay_days": 3}])
    assert client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")]).status_code < 300
    runtime.tick()
    clock.advance(days=1)
    moved = signalement("R-1", stade="assignation", date_stade="21/11/2026")
    assert client.post("/api/v1/signalements", headers=bailleur, json=[moved]).status_code < 300
    runtime.tick()
    assert _dispatches(runtime) == [("commandement_de_payer", "sending", None), ("assignation", "planned", None)]
    return bailleur


def test_an_inbound_sms_delivered_twice_is_recorded_once(
    sms_runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    new_partner(sms_runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(sms_runtime, "Habitat 44", "bailleur_social")
    campaign(sms_runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    sms_runtime.tick()
    reply = {"From": PHONE, "Body": "Oui rappelez-moi", "MessageSid": "SM" + "a" * 32}
    assert _post(client, "/api/v1/twilio/entrant", reply)[0] == 200
    assert _post(client, "/api/v1/twilio/entrant", reply)[0] == 200
    legacy = {"From": PHONE, "Body": "Oui", "SmsSid": "SM" + "b" * 32}  # older webhooks name it SmsSid only
    assert _post(client, "/api/v1/twilio/entrant", legacy)[0] == 200
    assert _post(client, "/api/v1/twilio/entrant", legacy)[0] == 200
    assert _responses(sms_runtime) == ["commandement_de_payer", "commandement_de_payer"]


def test_a_late_replay_does_not_cancel_the_next_stage(
    sms_runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    new_partner(sms_runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(sms_runtime, "Habitat 44", "bailleur_social")
    campaign(sms_runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}])
    campaign(sms_runtime, owner="DDETS 44", name="Assignations", stages=["assignation"],
             steps=[{"channel": "sms", "template": "relance", "delay_days": 3}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    sms_runtime.tick()
    reply = {"From": PHONE, "Body": "Je vais payer", "MessageSid": "SM" + "c" * 32}
    assert _post(client, "/api/v1/twilio/entrant", reply)[0] == 200
    clock.advance(days=1)
    moved = signalement("R-1", stade="assignation", date_stade="21/11/2026")
    client.post("/api/v1/signalements", headers=bailleur, json=[moved])
    sms_runtime.tick()
    assert _dispatches(sms_runtime)[-1] == ("assignation", "planned", None)
    assert _post(client, "/api/v1/twilio/entrant", reply)[0] == 200  # Twilio retries the same message
    assert _dispatches(sms_runtime)[-1] == ("assignation", "planned", None)
    assert _responses(sms_runtime) == ["commandement_de_payer"]


def test_a_reply_to_an_earlier_stage_sms_applies_to_that_stage(
    sms_runtime: Runtime, client: TestClient, clock: Clock
) -> None:
    _two_stages(sms_runtime, client, clock)
    late = {"From": PHONE, "Body": "D'accord, merci", "MessageSid": "SM" + "d" * 32}
    assert _post(client, "/api/v1/twilio/entrant", late)[0] == 200
    # It answers the commandement SMS (the only one sent): the assignation SMS stays planned.
    assert _dispatches(sms_runtime)[-1] == ("assignation", "planned", None)
    assert _responses(sms_runtime) == ["commandement_de_payer"]


def test_a_repeated_status_callback_is_applied_once(
    sms_runtime: Runtime, client: TestClient, standin: TwilioStandIn
) -> None:
    new_partner(sms_runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(sms_runtime, "Habitat 44", "bailleur_social")
    campaign(sms_runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    sms_runtime.tick()
    [sent] = standin.created
    failed = {"MessageSid": sent.sid or "", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert _post(client, "/api/v1/twilio/statut", failed)[0] == 204
    assert _post(client, "/api/v1/twilio/statut", failed)[0] == 204
    assert _post(client, "/api/v1/twilio/statut", {**failed, "ErrorCode": "21610"})[0] == 204
    with sms_runtime.session_factory() as session:
        [dispatch] = session.scalars(select(Dispatch))
        assert (dispatch.status, dispatch.last_error) == ("permanent_failure", "twilio:30003")


@pytest.mark.parametrize("body", [
    "STOP", "STOP merci", "stop svp", "Stop SVP !", "ARRÊT", "arret sms", "Arrêt", "Arrêter", "arreter les sms",
    "désinscription", "Desinscription svp", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "STOPALL", "stop all",
])
def test_opt_out_words_stop_sms_and_are_confirmed_in_french(
    sms_runtime: Runtime, client: TestClient, standin: TwilioStandIn, body: str
) -> None:
    new_partner(sms_runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(sms_runtime, "Habitat 44", "bailleur_social")
    campaign(sms_runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"},
                                                   {"channel": "sms", "template": "relance", "delay_days": 3}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    sms_runtime.tick()
    code, text = _post(client, "/api/v1/twilio/entrant", {"From": PHONE, "Body": body, "MessageSid": "SM" + "e" * 32})
    assert code == 200 and "Vous ne recevrez plus de SMS" in text
    assert _dispatches(sms_runtime)[-1] == ("commandement_de_payer", "cancelled", "opted_out")
    assert _responses(sms_runtime) == []


@pytest.mark.parametrize("body", ["Arrêt de travail, je paierai en janvier", "Arrêt maladie", "La fin du mois",
                                  "Je ne peux pas arrêter de payer", "Stopper le loyer ? Non"])
def test_ordinary_replies_are_not_opt_outs(
    sms_runtime: Runtime, client: TestClient, standin: TwilioStandIn, body: str
) -> None:
    new_partner(sms_runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(sms_runtime, "Habitat 44", "bailleur_social")
    campaign(sms_runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}])
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    sms_runtime.tick()
    code, text = _post(client, "/api/v1/twilio/entrant", {"From": PHONE, "Body": body, "MessageSid": "SM" + "f" * 32})
    assert code == 200 and "<Message>" not in text
    assert _responses(sms_runtime) == ["commandement_de_payer"]
