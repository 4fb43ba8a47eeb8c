"""What the tick hands out: claim_due() marks due rows `queued` (FOR UPDATE SKIP LOCKED, partial indexes), tick()
claims batch by batch and hands the ids out in Celery tasks, deliver_each() runs one task's contacts."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, literal, select, text, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from campaigns.delivery.outcomes import OUTCOME_UNKNOWN
from campaigns.models import CLAIMABLE_DUE, CLAIMED_QUEUED, CLAIMED_SENDING, Dispatch, DispatchStatus

log = logging.getLogger(__name__)

# Contacts per Celery task (`chaine.deliver_batch`): each claimed batch is cut in at least SPREAD_PER_CLAIM tasks
# (that many worker processes can share it) of at most DELIVER_PER_TASK contacts. Publishing a Celery message costs
# the tick about a millisecond of CPU: 10,000 due contacts are 200 messages, not 10,000. A task's contacts are checked
# and marked `sending` together, then sent one by one, their outcomes written together (campaigns/delivery/batch.py).
DELIVER_PER_TASK = 50
SPREAD_PER_CLAIM = 10

@dataclass(slots=True)
class ClaimCursor:
    """Where a tick's previous claim stopped, per kind of row: the next claim of the same tick starts after it,
    instead of walking again the index entries of the rows just claimed (dead until vacuumed: with 10,000 due, the
    twentieth claim of 500 walked 9,500 of them). A row skipped meanwhile (locked by another claimer) waits for the
    next tick."""

    after: dict[str, tuple[datetime | None, int]] = field(default_factory=dict)


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta,
              cursor: ClaimCursor | None = None) -> list[int]:
    """Marks up to `limit` due rows `queued` and returns their ids; concurrent claimers skip locked rows.

    Rows `queued` (or `sending` with no provider answer) for longer than `lease` belong to a worker that
    vanished: they are handed out again first; a `sending` one is marked `outcome_unknown` (see deliver()). Then
    the due rows, oldest first. One query per kind of row, each on its partial index (campaigns/models/planning.py):
    with a million households enrolled, the due ones are found without reading those planned for later.
    """
    stale = now - lease
    claims = ((CLAIMED_QUEUED, Dispatch.claimed_at, Dispatch.claimed_at < stale),
              (CLAIMED_SENDING, Dispatch.claimed_at, Dispatch.claimed_at < stale),
              (CLAIMABLE_DUE, Dispatch.due_at, Dispatch.due_at <= now))
    ids: list[int] = []
    for predicate, order, condition in claims:
        if len(ids) >= limit:
            break
        query = select(Dispatch.id, order).where(text(predicate), condition)
        last = cursor.after.get(predicate) if cursor is not None else None
        if last is not None:
            query = query.where(tuple_(order, Dispatch.id) > tuple_(literal(last[0], order.type), last[1]))
        rows = session.execute(query.order_by(order, Dispatch.id).limit(limit - len(ids))
                               .with_for_update(skip_locked=True)).all()
        ids += [row[0] for row in rows]
        if cursor is not None and rows:
            cursor.after[predicate] = (rows[-1][1], rows[-1][0])
    if ids:
        session.execute(
            update(Dispatch)
            .where(Dispatch.id.in_(ids))
            .values(
                status=DispatchStatus.QUEUED.value,
                claimed_at=now,
                # A stale `sending` row's worker died during the provider call: the message may be out.
                reason=case((Dispatch.status == DispatchStatus.SENDING, OUTCOME_UNKNOWN), else_=Dispatch.reason),
            ),
            execution_options={"synchronize_session": False},
        )
    return ids


def deliver_each(dispatch_ids: Sequence[int], deliver_one: Callable[[int], str]) -> list[str]:
    """Delivers a batch one contact after the other (a task whose set-based checks failed, campaigns/delivery/batch.py);
    returns their statuses. A contact whose delivery raises (the
    database unreachable: deliver() sets aside everything else) does not stop the others: it stays `queued` and the
    lease hands it out again. The first such error is raised once the others are done (the task is counted as
    failed). Each contact keeps its own row lock and transactions, so a crash mid-batch loses none and sends none
    twice: those not reached are still `queued`, the one in flight `sending` (looked up after the lease)."""
    statuses: list[str] = []
    failure: Exception | None = None
    for dispatch_id in dispatch_ids:
        try:
            statuses.append(deliver_one(dispatch_id))
        except Exception as exc:
            log.error("dispatch %s: not delivered in its batch (%s)", dispatch_id, type(exc).__name__, exc_info=exc)
            statuses.append("error")
            failure = failure or exc
    if failure is not None:
        raise failure
    return statuses


_BEHIND_PARTS = 64


class _Behind:
    """Hands each claimed batch to `enqueue` from one background thread, in order, while the tick claims the next
    batch: with 10,000 due the 200 broker round trips no longer wait for the 20 claims, nor these for them. An error
    of `enqueue` (the broker down) stops the claims at the next batch and is raised by close(); the batches claimed
    and not handed out stay `queued`, handed out again after the lease, as when the tick process dies."""

    def __init__(self, enqueue: Callable[[list[int]], object]) -> None:
        self._enqueue = enqueue
        # Bounded: when the broker is slow the claims wait for it, instead of marking rows `queued` that nothing
        # hands out before the lease ends.
        self._batches: queue.Queue[list[int] | None] = queue.Queue(maxsize=_BEHIND_PARTS)
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="chaine-tick-hand-out", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (ids := self._batches.get()) is not None:
            if self.error is None:
                try:
                    self._enqueue(ids)
                except Exception as exc:
                    self.error = exc

    def __call__(self, ids: list[int]) -> None:
        self._batches.put(ids)

    def close(self) -> None:
        self._batches.put(None)
        self._thread.join()


def tick(
    session_factory: sessionmaker[Session],
    *,
    now: datetime,
    batch_size: int,
    lease: timedelta,
    enqueue: Callable[[list[int]], object],
    per_task: int = DELIVER_PER_TASK,
    spread: int = SPREAD_PER_CLAIM,
    max_batches: int = 1_000,
    behind: bool = False,
) -> int:
    """Claims due rows batch by batch and hands each batch, after the claim has committed, to `enqueue` in at least
    `spread` parts (fewer when it has fewer rows) of at most `per_task` ids; with `behind`, from a background thread
    while the next batch is claimed (`_Behind`: for a broker, not for deliveries run in this process)."""
    total = 0
    cursor = ClaimCursor()
    publisher = _Behind(enqueue) if behind else None
    hand_out = publisher or enqueue
    try:
        for _ in range(max_batches):
            if publisher is not None and publisher.error is not None:
                break
            with session_factory.begin() as session:
                ids = claim_due(session, now=now, limit=batch_size, lease=lease, cursor=cursor)
            size = min(per_task, max(1, -(-len(ids) // spread)))
            for start in range(0, len(ids), size):
                hand_out(ids[start:start + size])
            total += len(ids)
            if len(ids) < batch_size:
                break
    finally:
        if publisher is not None:
            publisher.close()
    if publisher is not None and publisher.error is not None:
        raise publisher.error
    return total
