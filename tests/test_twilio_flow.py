"""SMS through the real twilio client and a local stand-in: receipts, replies, STOP, forged callbacks, hours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from api.app import create_app
from campaigns.models import Dispatch, Response
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.twilio_standin import Failure, TwilioStandIn, twilio_runtime

SID, TOKEN = "AC" + "0" * 32, "secret-token"
BASE = "https://chaine.example.fr"


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(SID, TOKEN) as server:
        yield server


@pytest.fixture
def sms_runtime(pg_runtime: Runtime, standin: TwilioStandIn) -> Runtime:
    return twilio_runtime(pg_runtime, standin, sid=SID, token=TOKEN, public_base_url=BASE)


@pytest.fixture
def sms_client(sms_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sms_runtime)) as client:
        yield client


def _signed(client: TestClient, path: str, form: dict[str, str], token: str = TOKEN) -> int:
    signature = RequestValidator(token).compute_signature(BASE + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature}).status_code


def _sms(runtime: Runtime) -> list[Dispatch]:
    with runtime.session_factory() as session:
        return list(session.scalars(select(Dispatch).where(Dispatch.channel == "sms").order_by(Dispatch.id)))


def _start(runtime: Runtime, client: TestClient, steps: list[dict[str, object]]) -> dict[str, str]:
    new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=steps)
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    return bailleur


def test_sms_goes_through_twilio_and_the_receipt_finishes_it(
    sms_runtime: Runtime, sms_client: TestClient, standin: TwilioStandIn
) -> None:
    _start(sms_runtime, sms_client, [{"channel": "sms", "template": "relance"}])
    standin.fail_next(Failure.server_error())  # the first try fails: retried later, sent once
    sms_runtime.tick()
    assert [d.status for d in _sms(sms_runtime)] == ["temporary_failure"]
    sms_runtime.clock.advance(minutes=10)  # type: ignore[attr-defined]
    sms_runtime.tick()
    [sent] = standin.created
    assert sent.params["To"] == "+33612345678" and sent.params["StatusCallback"] == BASE + "/api/v1/twilio/statut"
    assert "Bonjour" in sent.params["Body"]
    [dispatch] = _sms(sms_runtime)
    assert (dispatch.status, dispatch.provider_ref) == ("sending", sent.sid)
    receipt = {"MessageSid": sent.sid or "", "MessageStatus": "delivered"}
    assert sms_client.post("/api/v1/twilio/statut", data=receipt).status_code == 403  # unsigned
    assert _signed(sms_client, "/api/v1/twilio/statut", receipt, token="forged") == 403
    assert _signed(sms_client, "/api/v1/twilio/statut", receipt) == 204
    assert _signed(sms_client, "/api/v1/twilio/statut", {**receipt, "MessageStatus": "sent"}) == 204  # late
    assert [d.status for d in _sms(sms_runtime)] == ["delivered"]


def test_a_reply_is_a_response_and_stop_opts_out_everywhere(
    sms_runtime: Runtime, sms_client: TestClient, standin: TwilioStandIn, clock: Clock
) -> None:
    _start(sms_runtime, sms_client, [{"channel": "sms", "template": "relance"},
                                     {"channel": "sms", "template": "relance", "delay_days": 3}])
    sms_runtime.tick()
    reply = {"From": "+33612345678", "Body": "Oui rappelez-moi", "MessageSid": "SM1"}
    assert _signed(sms_client, "/api/v1/twilio/entrant", reply) == 200
    with sms_runtime.session_factory() as session:
        assert [(r.channel, r.nature) for r in session.scalars(select(Response))] == [("sms", "sms")]
    assert [(d.status, d.reason) for d in _sms(sms_runtime)] == [("sending", None), ("cancelled", "responded")]
    stop = {"From": "+33612345678", "Body": "Arrêt", "MessageSid": "SM2"}
    first = sms_client.post("/api/v1/twilio/entrant", data=stop, headers={
        "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(BASE + "/api/v1/twilio/entrant", stop)})
    assert "ne recevrez plus de SMS" in first.text
    again = sms_client.post("/api/v1/twilio/entrant", data=stop, headers={
        "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(BASE + "/api/v1/twilio/entrant", stop)})
    assert "<Message>" not in again.text  # acknowledged once
    # Another campaign's SMS to the same number is not sent.
    campaign(sms_runtime, owner="DDETS 44", name="Autre", stages=["assignation"],
             steps=[{"channel": "sms", "template": "relance"}])
    new_partner(sms_runtime, "Habitat 2", "bailleur_social")
    sms_client.post("/api/v1/signalements", headers=_start_headers(sms_runtime), json=[
        signalement("R-1", stade="assignation", date_stade="24/11/2026")])
    sms_runtime.tick()
    assert [(d.status, d.reason) for d in _sms(sms_runtime)][-1] == ("skipped", "opted_out")
    assert len(standin.created) == 1


def _start_headers(runtime: Runtime) -> dict[str, str]:
    from campaigns.accounts.partners import issue_key
    from campaigns.models import Partner

    with runtime.session_factory.begin() as session:
        partner = session.scalars(select(Partner).where(Partner.name == "Habitat 44")).one()
        return {"Authorization": f"Bearer {issue_key(session, partner=partner, now=runtime.clock())}"}


@pytest.mark.parametrize(("moment", "opening"), [
    (datetime(2026, 11, 29, 10, 0, tzinfo=UTC), datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),  # Sunday -> Monday 9h
    (datetime(2027, 7, 14, 9, 0, tzinfo=UTC), datetime(2027, 7, 15, 7, 0, tzinfo=UTC)),  # 14 juillet -> 15, 9h
    (datetime(2026, 11, 28, 18, 30, tzinfo=UTC), datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),  # Saturday 19h30
])
def test_sms_waits_for_sending_hours_checked_when_it_runs(
    sms_runtime: Runtime, sms_client: TestClient, standin: TwilioStandIn, moment: datetime, opening: datetime
) -> None:
    _start(sms_runtime, sms_client, [{"channel": "sms", "template": "relance"}])
    sms_runtime.tick(now=moment)
    [dispatch] = _sms(sms_runtime)
    assert (dispatch.status, dispatch.reason, dispatch.due_at) == ("planned", "quiet_hours", opening)
    assert standin.created == []
    sms_runtime.tick(now=opening)
    assert len(standin.created) == 1
