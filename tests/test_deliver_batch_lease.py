"""Set-based delivery (campaigns/delivery/batch.py), found by review: a task marks all its contacts `sending` before
its first provider call, then calls one after the other; the lease of those not called yet is renewed. When the
calls together outlast the lease (DELIVER_PER_TASK=50 x a 12-20 s Twilio call, or a 30 s SMTP timeout, vs a 600 s
lease), the tick hands out contacts whose first call has not even started: they are looked up (nothing found) and
sent by another worker, then sent again by this one. Scaled down: 10 contacts, each call taking 70 s."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaigns.delivery import dispatch as dispatching
from campaigns.models import Dispatch
from campaigns.platform.ports import OutboundMessage, SendResult
from campaigns.runtime.root import Runtime
from channels.outbox import OutboxChannel
from tests.conftest import Clock
from tests.test_deliver_batch import _claim, planned  # noqa: F401  (fixture)


class SlowOutbox(OutboxChannel):
    def __init__(self, runtime: Runtime, clock: Clock) -> None:
        super().__init__(runtime.settings.resolved_outbox_dir, "sms")
        self.runtime, self.clock = runtime, clock
        self.handed_out_before_their_call: set[str] = set()
        self.started: set[str] = set()
        self.handed_out: set[str] = set()
        self.keys: dict[int, str] = {}

    def send(self, message: OutboundMessage) -> SendResult:
        # Another tick runs while this call starts: which contacts of the task does it hand out again?
        with self.runtime.session_factory.begin() as session:
            again = dispatching.claim_due(session, now=self.clock(), limit=100,
                                          lease=timedelta(seconds=self.runtime.settings.claim_lease_seconds))
        self.handed_out_before_their_call |= {str(i) for i in again} - self.started
        self.handed_out |= {str(i) for i in again}
        with self.runtime.session_factory() as session:
            self.started.add(str(session.scalar(select(Dispatch.id).where(
                Dispatch.dedup_key == message.idempotency_key))))
        self.clock.advance(seconds=70)
        return super().send(message)


def test_no_contact_is_handed_out_again_before_its_provider_call(planned: Runtime, clock: Clock) -> None:  # noqa: F811
    ids = _claim(planned)
    channel = SlowOutbox(planned, clock)
    planned.channels["sms"] = channel
    planned.deliver_batch(ids)
    assert len(channel.started) == len(ids)
    # Every contact claimed again while this worker had not yet called the provider for it is a double send.
    assert not channel.handed_out_before_their_call
    # Nor one called and not yet recorded (its answer is written with the task's at the end).
    assert not channel.handed_out
