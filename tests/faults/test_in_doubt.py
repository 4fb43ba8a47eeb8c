"""A send whose outcome is unknown (worker killed mid-call, answer lost) is looked up at Twilio, not resent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.delivery.outcomes import OUTCOME_UNKNOWN
from campaigns.models import Dispatch
from campaigns.platform.ports import OutboundMessage, SendResult
from campaigns.runtime.root import Runtime
from channels.sms_twilio import TwilioSmsChannel
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.faults.services import free_port
from tests.twilio_standin import Failure, TwilioStandIn

SID, TOKEN = "AC" + "1" * 32, "doubt-token"


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs in the worker, no except clause catches it."""


class DyingAfterTwilio(TwilioSmsChannel):
    """The provider accepts the message, then the worker dies before it can write the answer down."""

    def send(self, message: OutboundMessage) -> SendResult:
        super().send(message)
        raise WorkerKilled


class DyingBeforeTwilio(TwilioSmsChannel):
    def send(self, message: OutboundMessage) -> SendResult:
        raise WorkerKilled


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(SID, TOKEN) as server:
        yield server


@pytest.fixture
def sms_runtime(pg_runtime: Runtime, standin: TwilioStandIn) -> Runtime:
    settings = pg_runtime.settings.model_copy(update={
        "sms_provider": "twilio", "twilio_account_sid": SID, "twilio_auth_token": TOKEN,
        "twilio_from_number": "+33612000000", "twilio_api_base_url": standin.base_url,
        "twilio_timeout_seconds": 0.5})
    runtime = Runtime(settings, clock=pg_runtime.clock)
    new_partner(runtime, "DDETS 44", "etat")
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}])
    from campaigns.intake.jobs import push_items
    from campaigns.models import Partner

    with runtime.session_factory.begin() as session:
        push_items(session, partner=session.get_one(Partner, partner_id), items=[signalement("R-1")],
                   now=runtime.clock())
    return runtime


def _row(runtime: Runtime) -> Dispatch:
    with runtime.session_factory() as session:
        return session.scalars(select(Dispatch)).one()


def _with_channel(runtime: Runtime, kind: type[TwilioSmsChannel], base_url: str) -> None:
    runtime.channels["sms"] = kind(SID, TOKEN, from_number="+33612000000", base_url=base_url, timeout=0.5)


def test_a_lost_answer_is_looked_up_and_not_sent_again(sms_runtime: Runtime, standin: TwilioStandIn,
                                                       clock: Clock) -> None:
    standin.fail_next(Failure.lost_answer(1.5))  # Twilio creates it, the answer comes after the client gave up
    sms_runtime.tick()
    row = _row(sms_runtime)
    assert (row.status, row.reason, row.attempts) == ("temporary_failure", OUTCOME_UNKNOWN, 1)
    assert len(standin.created) == 1
    clock.advance(minutes=6)
    sms_runtime.tick()
    [created] = standin.created
    row = _row(sms_runtime)
    assert (row.status, row.provider_ref, row.attempts) == ("sending", created.sid, 1)


def test_a_worker_killed_after_twilio_accepted_does_not_send_twice(sms_runtime: Runtime, standin: TwilioStandIn,
                                                                   clock: Clock) -> None:
    _with_channel(sms_runtime, DyingAfterTwilio, standin.base_url)
    with pytest.raises(WorkerKilled):
        sms_runtime.tick()
    assert (_row(sms_runtime).status, _row(sms_runtime).provider_ref) == ("sending", None)
    del sms_runtime.channels  # the next worker builds its own channels
    clock.advance(seconds=sms_runtime.settings.claim_lease_seconds - 60)
    sms_runtime.tick()
    assert _row(sms_runtime).status == "sending" and _row(sms_runtime).provider_ref is None  # lease not over
    clock.advance(minutes=2)
    sms_runtime.tick()
    [created] = standin.created
    row = _row(sms_runtime)
    assert (row.status, row.provider_ref, row.reason, row.attempts) == ("sending", created.sid, None, 1)


def test_a_worker_killed_before_twilio_got_it_sends_once_after_the_lease(
    sms_runtime: Runtime, standin: TwilioStandIn, clock: Clock
) -> None:
    _with_channel(sms_runtime, DyingBeforeTwilio, standin.base_url)
    with pytest.raises(WorkerKilled):
        sms_runtime.tick()
    del sms_runtime.channels
    clock.advance(seconds=sms_runtime.settings.claim_lease_seconds + 60)
    sms_runtime.tick()
    [created] = standin.created
    row = _row(sms_runtime)
    assert (row.status, row.provider_ref, row.attempts) == ("sending", created.sid, 2)


def test_twilio_unreachable_while_in_doubt_keeps_asking_without_sending(
    sms_runtime: Runtime, standin: TwilioStandIn, clock: Clock
) -> None:
    standin.fail_next(Failure.lost_answer(1.5))
    sms_runtime.tick()
    _with_channel(sms_runtime, TwilioSmsChannel, f"http://127.0.0.1:{free_port()}")  # Twilio unreachable
    clock.advance(minutes=6)
    sms_runtime.tick()
    row = _row(sms_runtime)
    assert (row.status, row.reason, row.attempts) == ("temporary_failure", OUTCOME_UNKNOWN, 1)
    del sms_runtime.channels
    clock.advance(minutes=6)
    sms_runtime.tick()
    assert len(standin.created) == 1 and _row(sms_runtime).provider_ref == standin.created[0].sid


def test_429_waits_for_retry_after_and_refused_connections_are_not_in_doubt(
    sms_runtime: Runtime, standin: TwilioStandIn, clock: Clock
) -> None:
    standin.fail_next(Failure.rate_limited(retry_after=900))
    sms_runtime.tick()
    row = _row(sms_runtime)
    assert (row.status, row.reason) == ("temporary_failure", "provider_error")
    assert row.due_at - clock() == timedelta(seconds=900)  # longer than the 5-minute backoff: Twilio's wait wins
    clock.advance(seconds=899)
    sms_runtime.tick()
    assert standin.created == []
    _with_channel(sms_runtime, TwilioSmsChannel, f"http://127.0.0.1:{free_port()}")  # connection refused
    clock.advance(seconds=1)
    sms_runtime.tick()
    row = _row(sms_runtime)
    assert (row.status, row.reason, row.attempts) == ("temporary_failure", "provider_error", 2)
    assert row.due_at - clock() == timedelta(minutes=10)  # backoff doubled
