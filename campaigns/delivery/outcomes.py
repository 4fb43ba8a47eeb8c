"""What a provider's answer does to a Dispatch row: sent, retried with backoff, in doubt, or ended with a reason."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Table, cast, column, select, update, values
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from campaigns.models import Dispatch, DispatchStatus, Reason
from campaigns.platform.ports import (
    OutcomeUnknownChannelError,
    PermanentChannelError,
    RetryableChannelError,
    SendResult,
)

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(minutes=5)
# The previous attempt may have reached the provider (its worker died during the call, or the answer timed out):
# the row is not sent again before the provider has been asked (dispatching.deliver, ReconcilableChannel).
OUTCOME_UNKNOWN = "outcome_unknown"
# Waits between tries to write down a provider's answer while the database is unreachable (a restart takes
# seconds). The answer exists only in this process: losing it would turn a sent message into an in-doubt one.
SAVE_RETRY_DELAYS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


def finish(dispatch: Dispatch, status: DispatchStatus, reason: str | None, now: datetime) -> None:
    dispatch.status = status.value
    dispatch.reason = reason
    dispatch.finished_at = now


def backoff(attempts: int, *, base: timedelta, retry_after: timedelta | None = None) -> timedelta:
    """Exponential backoff, never shorter than the provider asked for (HTTP 429 Retry-After)."""
    wait = base * int(2 ** max(attempts - 1, 0))
    return max(wait, retry_after) if retry_after is not None else wait


def record(
    dispatch: Dispatch, outcome: SendResult | Exception, *, attempts: int, max_attempts: int, now: datetime,
    retry_base: timedelta = RETRY_BASE,
) -> None:
    for name, value in changes(dispatch.id, outcome, attempts=attempts, max_attempts=max_attempts, now=now,
                               retry_base=retry_base).items():
        setattr(dispatch, name, value)


def changes(
    dispatch_id: int, outcome: SendResult | Exception, *, attempts: int, max_attempts: int, now: datetime,
    retry_base: timedelta = RETRY_BASE,
) -> dict[str, Any]:
    """The columns a provider's answer sets on a `sending` row (what `record` applies; `save_many` writes them for
    a whole task at once)."""
    if isinstance(outcome, SendResult):
        sent: dict[str, Any] = {"provider_ref": outcome.provider_ref, "status": outcome.status, "reason": None}
        if outcome.status == DispatchStatus.DELIVERED:
            sent["finished_at"] = now
        return sent
    # Only the exception type is kept: provider messages may echo a phone number or an address.
    error = type(outcome).__name__
    if isinstance(outcome, PermanentChannelError):
        reason = {"no_channel": Reason.NO_CHANNEL, "opted_out": Reason.OPTED_OUT}.get(
            str(outcome), Reason.PROVIDER_ERROR
        )
        status = DispatchStatus.PERMANENT_FAILURE if reason is Reason.PROVIDER_ERROR else DispatchStatus.SKIPPED
        return {"last_error": error, "status": status.value, "reason": reason.value, "finished_at": now}
    if attempts >= max_attempts:
        return {"last_error": error, "status": DispatchStatus.PERMANENT_FAILURE.value,
                "reason": Reason.MAX_ATTEMPTS.value, "finished_at": now}
    log.warning("dispatch %s: temporary failure (%s), attempt %s", dispatch_id, error, attempts)
    in_doubt = isinstance(outcome, OutcomeUnknownChannelError)
    retry_after = outcome.retry_after if isinstance(outcome, RetryableChannelError) else None
    return {"last_error": error, "status": DispatchStatus.TEMPORARY_FAILURE.value,
            "reason": OUTCOME_UNKNOWN if in_doubt else Reason.PROVIDER_ERROR.value,
            "due_at": now + backoff(attempts, base=retry_base, retry_after=retry_after)}


def save(session_factory: sessionmaker[Session], dispatch_id: int, write: Callable[[Dispatch], None]) -> str:
    """Applies `write` to the locked row in its own transaction, retrying while the database is unreachable;
    returns the row's status. Raises the last database error if it stays unreachable (the lease then hands the
    row out again, and the provider is asked before anything is resent)."""
    last_error: Exception | None = None
    for delay in SAVE_RETRY_DELAYS:
        time.sleep(delay)
        try:
            with session_factory.begin() as session:
                dispatch = session.get_one(Dispatch, dispatch_id, with_for_update=True)
                write(dispatch)
                return dispatch.status
        except (OperationalError, InterfaceError) as exc:
            log.warning("dispatch %s: database unreachable while recording the outcome (%s)", dispatch_id,
                        type(exc).__name__)
            last_error = exc
    assert last_error is not None
    raise last_error


# The columns `changes` may set, in the order of the VALUES list of `save_many`.
_WRITTEN = ("status", "reason", "provider_ref", "last_error", "finished_at", "due_at")


def save_many(session_factory: sessionmaker[Session], answers: Sequence[tuple[int, int, dict[str, Any]]]) -> dict[
        int, str]:
    """Writes a task's provider answers, each `(dispatch id, attempts, changes(...))`, in one transaction, retried
    while the database is unreachable as `save` is; returns every row's status. A row is written only while it is
    still `sending` for this attempt (settled meanwhile by a reconciliation after the lease: its record stands). On
    PostgreSQL one `UPDATE … FROM (VALUES …) RETURNING` per set of columns written (a task's SMS accepted, its
    e-mails and letters delivered: usually one or two statements), instead of a locked read and an update per
    contact."""
    if not answers:
        return {}
    last_error: Exception | None = None
    for delay in SAVE_RETRY_DELAYS:
        time.sleep(delay)
        try:
            with session_factory.begin() as session:
                return _write_answers(session, answers)
        except (OperationalError, InterfaceError) as exc:
            log.warning("%s dispatches: database unreachable while recording the outcomes (%s)", len(answers),
                        type(exc).__name__)
            last_error = exc
    assert last_error is not None
    raise last_error


def _write_answers(session: Session, answers: Sequence[tuple[int, int, dict[str, Any]]]) -> dict[int, str]:
    table: Table = Dispatch.__table__  # type: ignore[assignment]
    groups: dict[tuple[str, ...], list[tuple[int, int, dict[str, Any]]]] = {}
    for answer in answers:
        groups.setdefault(tuple(name for name in _WRITTEN if name in answer[2]), []).append(answer)
    statuses: dict[int, str] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    for names, rows in groups.items():
        if postgres:
            given = values(column("id", Integer), column("attempts", Integer),
                           *(column(name, table.c[name].type) for name in names), name="answers").data(
                [(dispatch_id, attempts, *(fields[name] for name in names)) for dispatch_id, attempts, fields in rows])
            written = session.execute(
                update(table).where(table.c.id == given.c.id, table.c.attempts == given.c.attempts,
                                    table.c.status == DispatchStatus.SENDING.value)
                .values({name: cast(given.c[name], table.c[name].type) for name in names})
                .returning(table.c.id, table.c.status))
            statuses.update((row.id, row.status) for row in written)
            continue
        for dispatch_id, attempts, fields in rows:  # SQLite (embedded): one statement a row
            done = session.execute(update(table).where(
                table.c.id == dispatch_id, table.c.attempts == attempts, table.c.status == DispatchStatus.SENDING.value)
                .values(fields))
            if done.rowcount:  # type: ignore[attr-defined]
                statuses[dispatch_id] = str(fields["status"])
    missing = [dispatch_id for dispatch_id, _attempts, _fields in answers if dispatch_id not in statuses]
    if missing:  # settled meanwhile: their status as it stands
        statuses.update((row.id, row.status) for row in session.execute(
            select(table.c.id, table.c.status).where(table.c.id.in_(missing))))
    return statuses
