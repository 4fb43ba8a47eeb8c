"""`chaine.deliver_batch`: several claimed contacts a task, checked and marked `sending` together before any provider
call, their outcomes written together, so a failure or a crash in the middle of a batch loses none and sends none
twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from campaigns.delivery import dispatch as dispatching
from campaigns.delivery.sms_events import phone_hash
from campaigns.models import Case, Dispatch, Partner, Response, SmsOptOut
from campaigns.platform.memo import batch_memo, memoised
from campaigns.platform.ports import OutboundMessage, PermanentChannelError, RetryableChannelError, SendResult
from campaigns.runtime.root import Runtime
from channels.outbox import OutboxChannel
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.test_workers import _journal

BATCH = 10


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs in the worker, no except clause catches it."""


class DyingOutbox(OutboxChannel):
    """Writes the first messages, then the worker dies during the call for the `fatal`-th one."""

    def __init__(self, runtime: Runtime, fatal: int) -> None:
        super().__init__(runtime.settings.resolved_outbox_dir, "sms")
        self.calls, self.fatal = 0, fatal

    def send(self, message: OutboundMessage) -> SendResult:
        self.calls += 1
        if self.calls == self.fatal:
            raise WorkerKilled
        return super().send(message)


def _plan(runtime: Runtime) -> Runtime:
    """BATCH households, each with one SMS due now (outbox)."""
    new_partner(runtime, "DDETS 44", "etat")
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}],
             sending_hours={"days": list(range(7)), "start": "00:00", "end": "23:59"})
    from campaigns.intake.jobs import push_items

    rows = [signalement(f"R-{i}", nom=f"Nom{i}", numero_allocataire=str(100_000 + i), adresse=f"{i} rue Neuve",
                        telephone=f"06{i:08d}") for i in range(BATCH)]
    with runtime.session_factory.begin() as session:
        push_items(session, partner=session.get_one(Partner, partner_id), items=rows, now=runtime.clock())
    return runtime


@pytest.fixture
def planned(pg_runtime: Runtime) -> Iterator[Runtime]:
    yield _plan(pg_runtime)


def _claim(runtime: Runtime) -> list[int]:
    with runtime.session_factory.begin() as session:
        return dispatching.claim_due(session, now=runtime.clock(), limit=100, lease=_lease(runtime))


def _lease(runtime: Runtime) -> timedelta:
    return timedelta(seconds=runtime.settings.claim_lease_seconds)


def _statuses(runtime: Runtime) -> dict[int, str]:
    with runtime.session_factory() as session:
        return {row.id: row.status for row in session.execute(select(Dispatch.id, Dispatch.status))}


def test_a_batch_delivers_each_contact_once_even_when_handed_out_twice(planned: Runtime) -> None:
    ids = _claim(planned)
    assert len(ids) == BATCH
    assert planned.deliver_batch(ids) == ["delivered"] * BATCH
    # The broker gives the message again (a worker lost after the batch, before its acknowledgement).
    assert planned.deliver_batch(ids) == ["delivered"] * BATCH
    journal = _journal(planned.settings.resolved_outbox_dir)
    assert len(journal) == BATCH and max(journal.values()) == 1


def test_the_tick_cuts_each_claim_in_tasks(planned: Runtime) -> None:
    batches: list[list[int]] = []
    count = dispatching.tick(planned.session_factory, now=planned.clock(), batch_size=7, lease=_lease(planned),
                             enqueue=batches.append, per_task=3, spread=2)
    # Two claims of 7 and 3 rows, each cut in at least 2 tasks of at most 3 contacts.
    assert count == BATCH and [len(b) for b in batches] == [3, 3, 1, 2, 1]
    assert sorted(i for b in batches for i in b) == sorted(_statuses(planned))
    assert set(_statuses(planned).values()) == {"queued"}


def test_a_contact_that_fails_does_not_lose_the_others(planned: Runtime, monkeypatch: pytest.MonkeyPatch,
                                                       clock: Clock) -> None:
    ids = _claim(planned)
    broken = ids[3]
    real_start = dispatching._start

    def start(session, dispatch, *args, **kwargs):  # type: ignore[no-untyped-def]
        if dispatch.id == broken:
            raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
        return real_start(session, dispatch, *args, **kwargs)

    monkeypatch.setattr(dispatching, "_start", start)
    with pytest.raises(OperationalError):  # the task is counted as failed, after the others were delivered
        planned.deliver_batch(ids)
    statuses = _statuses(planned)
    assert statuses[broken] == "queued"
    assert Counter(statuses.values()) == Counter({"delivered": BATCH - 1, "queued": 1})
    monkeypatch.setattr(dispatching, "_start", real_start)
    # The database back, the lease over: the contact left behind is claimed again and sent, once.
    assert _claim(planned) == []
    clock.advance(seconds=planned.settings.claim_lease_seconds + 1)
    assert _claim(planned) == [broken]
    planned.deliver_batch([broken])
    journal = _journal(planned.settings.resolved_outbox_dir)
    assert len(journal) == BATCH and max(journal.values()) == 1


def test_a_worker_killed_mid_batch_leaves_the_unsent_to_be_claimed_again(planned: Runtime, clock: Clock) -> None:
    ids = _claim(planned)
    planned.channels["sms"] = DyingOutbox(planned, fatal=4)
    with pytest.raises(WorkerKilled):
        planned.deliver_batch(ids)
    statuses = _statuses(planned)
    # The task's `sending` marks were committed before its first provider call, its outcomes are written once its
    # calls are done: the process died with three messages out, the fourth in flight, none recorded yet.
    assert [statuses[i] for i in ids] == ["sending"] * BATCH
    assert len(_journal(planned.settings.resolved_outbox_dir)) == 3
    del planned.channels  # the next worker builds its own channels
    clock.advance(seconds=planned.settings.claim_lease_seconds + 1)
    again = _claim(planned)
    assert sorted(again) == sorted(ids)
    with planned.session_factory() as session:
        # Each is in doubt: looked up (the outbox is idempotent on its key), never resent blindly.
        assert {row.reason for row in session.scalars(select(Dispatch))} == {"outcome_unknown"}
    planned.deliver_batch(again)
    assert set(_statuses(planned).values()) == {"delivered"}
    journal = _journal(planned.settings.resolved_outbox_dir)
    assert len(journal) == BATCH and max(journal.values()) == 1


def test_memoised_look_ups_last_one_batch() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert memoised("k", compute) == 1 and memoised("k", compute) == 2  # outside a batch: always computed
    with batch_memo():
        assert memoised("k", compute) == 3 and memoised("k", compute) == 3
        assert memoised("none", lambda: None, keep_none=False) is None
        assert memoised("none", lambda: 7, keep_none=False) == 7
    with batch_memo():
        assert memoised("k", compute) == 4  # a new batch reads again


class FailingOutbox(OutboxChannel):
    """The outbox, except for the contacts told: a refused number, a provider down for a while."""

    def __init__(self, runtime: Runtime, refused: int, unavailable: int) -> None:
        super().__init__(runtime.settings.resolved_outbox_dir, "sms")
        self.refused, self.unavailable = refused, unavailable

    def send(self, message: OutboundMessage) -> SendResult:
        if message.dispatch_id == self.refused:
            raise PermanentChannelError("invalid number")
        if message.dispatch_id == self.unavailable:
            raise RetryableChannelError("503", retry_after=timedelta(hours=2))
        return super().send(message)


def _respond(runtime: Runtime, dispatch_id: int, *, partner: str, evidence: str | None) -> None:
    """A response recorded between the claim and the send (as the API or an SMS reply may)."""
    with runtime.session_factory.begin() as session:
        row = session.get_one(Dispatch, dispatch_id)
        partner_id = session.scalars(select(Partner.id).where(Partner.name == partner)).one()
        session.add(Response(household_id=row.household_id, partner_id=partner_id, stage=row.stage,
                             stage_entry_id=row.stage_entry_id, channel="telephone", nature="contact",
                             responded_at=runtime.clock(), created_at=runtime.clock(), evidence=evidence))


def test_in_a_batch_the_contacts_a_check_stops_end_and_the_others_go(planned: Runtime) -> None:
    ids = _claim(planned)
    _respond(planned, ids[1], partner="Habitat 44", evidence="reponse_sms")  # evidence: stops every campaign
    _respond(planned, ids[2], partner="Habitat 44", evidence=None)  # another partner's word: stops nothing of it
    with planned.session_factory.begin() as session:
        case = session.scalars(select(Case).where(Case.household_id == session.get_one(Dispatch, ids[4])
                                                  .household_id)).one()
        assert case.telephone is not None
        session.add(SmsOptOut(phone_hash=phone_hash(session, case.telephone), created_at=planned.clock()))
    statuses = planned.deliver_batch(ids)
    assert statuses[1] == "cancelled" and statuses[4] == "skipped"
    assert [s for i, s in enumerate(statuses) if i not in (1, 4)] == ["delivered"] * (BATCH - 2)
    with planned.session_factory() as session:
        rows = {row.id: row for row in session.scalars(select(Dispatch))}
    assert (rows[ids[1]].reason, rows[ids[4]].reason) == ("responded_other_campaign", "opted_out")
    assert rows[ids[1]].attempts == rows[ids[4]].attempts == 0 and rows[ids[2]].attempts == 1
    journal = _journal(planned.settings.resolved_outbox_dir)
    assert len(journal) == BATCH - 2 and max(journal.values()) == 1


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_a_provider_error_on_one_contact_leaves_the_others_outcomes_right(dialect: str,
                                                                         request: pytest.FixtureRequest) -> None:
    # SQLite (embedded mode) writes the outcomes one statement a row, PostgreSQL one UPDATE … FROM (VALUES …).
    planned = _plan(request.getfixturevalue("pg_runtime" if dialect == "postgresql" else "sqlite_runtime"))
    ids = _claim(planned)
    planned.channels["sms"] = FailingOutbox(planned, refused=ids[0], unavailable=ids[5])
    statuses = planned.deliver_batch(ids)
    assert statuses[0] == "permanent_failure" and statuses[5] == "temporary_failure"
    assert [s for i, s in enumerate(statuses) if i not in (0, 5)] == ["delivered"] * (BATCH - 2)
    now = planned.clock()
    with planned.session_factory() as session:
        rows = {row.id: row for row in session.scalars(select(Dispatch))}
    refused, unavailable = rows[ids[0]], rows[ids[5]]
    assert (refused.reason, refused.last_error, refused.finished_at) == ("provider_error", "PermanentChannelError",
                                                                          now)
    # Retried after the provider's own wait (longer than the backoff), not counted as sent.
    assert (unavailable.reason, unavailable.last_error) == ("provider_error", "RetryableChannelError")
    assert unavailable.due_at == now + timedelta(hours=2) and unavailable.finished_at is None
    for i in (1, 2, 3, 4, 6, 7, 8, 9):
        assert rows[ids[i]].provider_ref is not None and rows[ids[i]].finished_at == now
        assert rows[ids[i]].last_error is None and rows[ids[i]].reason is None


class SettledMeanwhile(OutboxChannel):
    """While the provider is called, the contact's row is settled by someone else (a reconciliation after the
    lease, its receipt)."""

    def __init__(self, runtime: Runtime, target: int) -> None:
        super().__init__(runtime.settings.resolved_outbox_dir, "sms")
        self.runtime, self.target = runtime, target

    def send(self, message: OutboundMessage) -> SendResult:
        if message.dispatch_id == self.target:
            with self.runtime.session_factory.begin() as session:
                session.execute(update(Dispatch).where(Dispatch.id == self.target)
                                .values(status="failed_elsewhere", provider_ref="SM-other"))
        return super().send(message)


def test_an_outcome_is_written_only_on_the_attempt_still_sending(planned: Runtime) -> None:
    ids = _claim(planned)
    planned.channels["sms"] = SettledMeanwhile(planned, ids[2])
    statuses = planned.deliver_batch(ids)
    assert statuses[2] == "failed_elsewhere"  # its record stands, and is the status returned
    assert statuses.count("delivered") == BATCH - 1
    with planned.session_factory() as session:
        assert session.get_one(Dispatch, ids[2]).provider_ref == "SM-other"


def test_the_sms_cap_counts_the_task_s_own_marks(pg_runtime: Runtime) -> None:
    """Two partners' SMS to the same households in one task, one SMS a day allowed: the first goes, the second waits
    for the cap (coordination's rule, counted from the task's one read of the households' recent SMS)."""
    open_hours = {"days": list(range(7)), "start": "00:00", "end": "23:59"}
    new_partner(pg_runtime, "DDETS 44", "etat")
    partner_id, _ = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    campaign(pg_runtime, owner="DDETS 44", name="État", steps=[{"channel": "sms", "template": "relance"}],
             sending_hours=open_hours)
    campaign(pg_runtime, owner="Habitat 44", name="Bailleur", steps=[{"channel": "sms", "template": "relance"}],
             sending_hours=open_hours)
    from campaigns.intake.jobs import push_items

    rows = [signalement(f"R-{i}", nom=f"Nom{i}", numero_allocataire=str(100_000 + i), adresse=f"{i} rue Neuve",
                        telephone=f"06{i:08d}") for i in range(3)]
    with pg_runtime.session_factory.begin() as session:
        push_items(session, partner=session.get_one(Partner, partner_id), items=rows, now=pg_runtime.clock())
    ids = _claim(pg_runtime)
    assert len(ids) == 6
    statuses = pg_runtime.deliver_batch(ids)
    assert Counter(statuses) == Counter({"delivered": 3, "planned": 3})
    with pg_runtime.session_factory() as session:
        rows_by_household: dict[int, list[Dispatch]] = {}
        for row in session.scalars(select(Dispatch).order_by(Dispatch.id)):
            rows_by_household.setdefault(row.household_id, []).append(row)
    for first, second in rows_by_household.values():
        assert first.status == "delivered" and first.sent_at == pg_runtime.clock()
        assert (second.status, second.reason, second.attempts) == ("planned", "cap_reached", 0)
        assert second.due_at > pg_runtime.clock() + timedelta(hours=24)
