"""deliver_batch(): the contacts of one `chaine.deliver_batch` task, set-based.

Each contact keeps its state machine (`queued` → `sending` → an outcome) and the exactly-once argument of deliver()
(docs/operations.md, "faults"), taken a task at a time instead of a contact at a time:

1. One transaction locks the task's `queued` rows (`FOR UPDATE`, in id order), reads what their send-time checks
   need, runs every guard of `dispatch._start` on each contact (in household order: the household locks of the
   coordination are taken in one order by every task), marks those that go `sending` and commits, before any
   provider call. A contact the checks end or hold back is recorded in the same transaction.
2. The provider calls, one after the other, outside any transaction; while they go on, the task's contacts not
   answered yet have their claim renewed every quarter of the lease, so that none is handed out again meanwhile.
3. One transaction writes their answers (`outcomes.save_many`: an `UPDATE … FROM (VALUES …)`), each only while the
   row is still `sending` for this attempt.

A crash before 1 commits leaves the task's rows `queued`; after it, its rows not yet answered are `sending`, handed
out again after the lease as in doubt and looked up before anything is resent, as one contact's were. Anything else
that goes wrong in step 1 (a row no push may carry, the database unreachable, a deadlock) rolls the whole step back:
the task then runs one contact at a time through deliver(), which sets aside what it cannot handle, exactly as
before. A contact in doubt whose provider can be asked goes through deliver() on its own too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from campaigns.delivery import dispatch as dispatching
from campaigns.delivery import outcomes, task_reads
from campaigns.delivery.claims import deliver_each
from campaigns.delivery.dispatch import _Attempt, deliver
from campaigns.delivery.outcomes import OUTCOME_UNKNOWN, RETRY_BASE
from campaigns.links.tokens import LinkPolicy, defer_links, write_deferred_links
from campaigns.models import Dispatch, DispatchStatus
from campaigns.planning.coordination import CoordinationRules
from campaigns.platform.dialect import any_of
from campaigns.platform.logs import bound
from campaigns.platform.memo import batch_memo
from campaigns.platform.ports import Channel, ReconcilableChannel, SendResult

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Started:
    """What step 1 left: the statuses of the contacts it settled, the attempts to make, the contacts to deliver on
    their own (in doubt, their provider to be asked first)."""

    statuses: dict[int, str] = field(default_factory=dict)
    attempts: dict[int, _Attempt] = field(default_factory=dict)
    alone: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """What deliver() takes besides the contact and its time."""

    session_factory: sessionmaker[Session]
    channels: Mapping[str, Channel]
    max_attempts: int
    rules: CoordinationRules
    print_cutoff: time | None = None
    retry_base: timedelta = RETRY_BASE
    links: LinkPolicy | None = None
    # The claim lease of the tick: a task's contacts marked `sending` have their lease renewed while their calls go
    # on, so that none is handed out again before its own call (None: never renewed).
    lease: timedelta | None = None


def deliver_batch(dispatch_ids: Sequence[int], *, now: datetime | None, clock: Callable[[], datetime],
                  settings: BatchSettings) -> list[str]:
    """Delivers a task's claimed contacts and returns their statuses (in the order given). `now`: the time of every
    step, else `clock()` read when checking and again when recording. A contact whose own delivery raises (deliver())
    stays `queued` while the others go on; the first such error is raised at the end (the task counted as failed)."""

    def one(dispatch_id: int) -> str:
        with bound(contact_id=dispatch_id):
            return deliver(dispatch_id, now=now or clock(), session_factory=settings.session_factory,
                           channels=settings.channels, max_attempts=settings.max_attempts, rules=settings.rules,
                           print_cutoff=settings.print_cutoff, retry_base=settings.retry_base, links=settings.links)

    try:
        with batch_memo():  # a fresh memo: what this step read is not kept if it rolls back
            started = _start_all(dispatch_ids, now=now or clock(), settings=settings)
    except Exception as exc:
        log.warning("a task of %s contacts is delivered one contact at a time (%s)", len(dispatch_ids),
                    type(exc).__name__, exc_info=exc)
        with batch_memo():
            return deliver_each(dispatch_ids, one)
    answers: list[tuple[int, int, dict[str, Any]]] = []
    waiting = list(started.attempts)
    renewed = now or clock()
    for dispatch_id, attempt in started.attempts.items():
        current = now or clock()
        if settings.lease is not None and current - renewed > settings.lease / 4:
            # Slow calls: the task's contacts keep their lease until their answers are written at the end (one
            # handed out again before its own call, or called and not yet recorded, could be sent by two workers).
            # If the renewal fails, none of the rest is called now: they are in doubt after the lease, looked up,
            # and sent once.
            if not _renew_lease(settings.session_factory, waiting, at=current):
                break
            renewed = current
        outcome: SendResult | Exception
        with bound(contact_id=dispatch_id):
            try:
                outcome = attempt.channel.send(attempt.message)
            except Exception as exc:
                outcome = exc
            answers.append((dispatch_id, attempt.attempts, outcomes.changes(
                dispatch_id, outcome, attempts=attempt.attempts, max_attempts=settings.max_attempts,
                now=now or clock(), retry_base=settings.retry_base)))
    failure: Exception | None = None
    try:
        started.statuses.update(outcomes.save_many(settings.session_factory, answers))
    except Exception as exc:  # the database stayed unreachable: those rows are in doubt after the lease
        failure = exc
    if started.alone:
        try:
            with batch_memo():
                started.statuses.update(zip(started.alone, deliver_each(started.alone, one), strict=True))
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return [started.statuses.get(dispatch_id, "missing") for dispatch_id in dispatch_ids]


def _renew_lease(session_factory: sessionmaker[Session], dispatch_ids: Sequence[int], *, at: datetime) -> bool:
    """Moves the claim of the task's contacts not answered yet (`sending`, no provider reference) to `at`; False if
    the database failed."""
    try:
        with session_factory.begin() as session:
            session.execute(
                update(Dispatch).where(any_of(session, Dispatch.id, sorted(dispatch_ids)),
                                       Dispatch.status == DispatchStatus.SENDING, Dispatch.provider_ref.is_(None))
                .values(claimed_at=at), execution_options={"synchronize_session": False})
    except Exception as exc:
        log.warning("the lease of %s contacts could not be renewed (%s)", len(dispatch_ids), type(exc).__name__)
        return False
    return True


def _start_all(dispatch_ids: Sequence[int], *, now: datetime, settings: BatchSettings) -> _Started:
    """Step 1: the task's rows locked, checked and marked `sending` (or settled) in one committed transaction."""
    started = _Started()
    with settings.session_factory.begin() as session:
        session.info["held"] = []  # rows read once for the whole task (dispatch._hold)
        defer_links(session)  # the contacts' answer links: one INSERT for the task, before the commit
        rows = session.scalars(select(Dispatch).where(any_of(session, Dispatch.id, sorted(set(dispatch_ids))))
                               .order_by(Dispatch.id).with_for_update()).all()
        queued = []
        for row in rows:
            if row.status != DispatchStatus.QUEUED:
                started.statuses[row.id] = row.status  # someone else delivered or cancelled it
            elif (row.reason == OUTCOME_UNKNOWN and row.sent_at is not None
                  and isinstance(settings.channels[row.channel], ReconcilableChannel)):
                started.alone.append(row.id)
            else:
                queued.append(row)
        task_reads.read_task(session, queued, now=now)
        previous: int | None = None
        for dispatch in sorted(queued, key=lambda row: (row.household_id, row.id)):
            if dispatch.household_id == previous:
                # What the checks wrote on this household's rows (a `sending` mark, a rival letter cancelled) is
                # what its next contact's coordination reads; the other households' rows wait for the commit, where
                # the task's marks go in one executemany instead of one UPDATE each.
                session.flush()
            previous = dispatch.household_id
            if dispatch.status != DispatchStatus.QUEUED:
                # Settled by an earlier contact's checks in this task (a rival letter merged into it): as deliver()
                # would find it, it is not checked again (its merge and status stay).
                started.statuses[dispatch.id] = dispatch.status
                continue
            with bound(contact_id=dispatch.id), session.no_autoflush:
                attempt = dispatching._start(session, dispatch, settings.channels, now=now, rules=settings.rules,
                                             print_cutoff=settings.print_cutoff, links=settings.links)
            if attempt is None:
                started.statuses[dispatch.id] = dispatch.status
            else:
                started.attempts[dispatch.id] = attempt
        write_deferred_links(session)
    # The attempts in the order given (the order the tick claimed them).
    order = {dispatch_id: position for position, dispatch_id in enumerate(dispatch_ids)}
    started.attempts = dict(sorted(started.attempts.items(), key=lambda item: order[item[0]]))
    return started
