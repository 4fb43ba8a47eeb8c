"""What a provider's answer does to a Dispatch row: sent, retried with backoff, in doubt, or ended with a reason."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

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
    if isinstance(outcome, SendResult):
        dispatch.provider_ref = outcome.provider_ref
        dispatch.status = outcome.status
        dispatch.reason = None
        if outcome.status == DispatchStatus.DELIVERED:
            dispatch.finished_at = now
        return
    # Only the exception type is kept: provider messages may echo a phone number or an address.
    dispatch.last_error = type(outcome).__name__
    if isinstance(outcome, PermanentChannelError):
        reason = {"no_channel": Reason.NO_CHANNEL, "opted_out": Reason.OPTED_OUT}.get(
            str(outcome), Reason.PROVIDER_ERROR
        )
        status = DispatchStatus.PERMANENT_FAILURE if reason is Reason.PROVIDER_ERROR else DispatchStatus.SKIPPED
        finish(dispatch, status, reason.value, now)
    elif attempts >= max_attempts:
        finish(dispatch, DispatchStatus.PERMANENT_FAILURE, Reason.MAX_ATTEMPTS.value, now)
    else:
        log.warning("dispatch %s: temporary failure (%s), attempt %s", dispatch.id, dispatch.last_error, attempts)
        in_doubt = isinstance(outcome, OutcomeUnknownChannelError)
        retry_after = outcome.retry_after if isinstance(outcome, RetryableChannelError) else None
        dispatch.status = DispatchStatus.TEMPORARY_FAILURE.value
        dispatch.reason = OUTCOME_UNKNOWN if in_doubt else Reason.PROVIDER_ERROR.value
        dispatch.due_at = now + backoff(attempts, base=retry_base, retry_after=retry_after)


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
