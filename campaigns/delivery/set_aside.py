"""Households and contacts the tick sets aside: whatever a stored row holds, one that fails never stops the others.

A contact whose guards, coordination or rendering raise an unexpected error ends `permanent_failure` with the
reason `set_aside` and the error kept on its row; a household whose stored procedure dates lie beyond their bounds
(campaigns/models/stages.py: a hearing on 0001-01-01 overflowed the working-day arithmetic) is left out of the
tick's date arithmetic. Both are shown to the operator among the alerts (campaigns/campaign/alerts.py) and in the
campaign's supervision; docs/security.md says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from campaigns.delivery import outcomes
from campaigns.locale.clock import local_date
from campaigns.models import Case, Dispatch, DispatchStatus
from campaigns.planning.procedure_dates import PROCEDURE_FLOOR, procedure_ceiling

log = logging.getLogger(__name__)

SET_ASIDE = "set_aside"
_ERROR_LENGTH = 300
# A contact still waiting for the tick can be set aside; one already settled keeps its record.
_OPEN = (DispatchStatus.PLANNED.value, DispatchStatus.QUEUED.value, DispatchStatus.TEMPORARY_FAILURE.value)


@dataclass(frozen=True, slots=True)
class SetAside:
    """What the operator is told: how many households, a few of their ids and the first error recorded."""

    households: list[int]
    first_error: str | None


def describe(exc: BaseException) -> str:
    """The error kept on the row: its kind and message, never a database statement's parameters."""
    if isinstance(exc, DBAPIError):
        return f"erreur de la base de données ({type(exc.orig).__name__})"
    return f"{type(exc).__name__} : {exc}"[:_ERROR_LENGTH]


def set_aside_dispatch(session_factory: sessionmaker[Session], dispatch_id: int, exc: BaseException, *,
                       now: datetime) -> str:
    """Ends a contact that made its delivery fail (in a transaction of its own); returns its status."""
    log.error("dispatch %s set aside: %s", dispatch_id, type(exc).__name__, exc_info=exc)
    with session_factory.begin() as session:
        dispatch = session.get(Dispatch, dispatch_id, with_for_update=True)
        if dispatch is None:
            return "missing"
        if dispatch.status in _OPEN:
            outcomes.finish(dispatch, DispatchStatus.PERMANENT_FAILURE, SET_ASIDE, now)
            dispatch.last_error = describe(exc)
        return dispatch.status


def out_of_bounds_cases(today: date) -> ColumnElement[bool]:
    """A filter on cases: a procedure date no push may carry (stored before the bounds, or forced)."""
    floor, ceiling = PROCEDURE_FLOOR, procedure_ceiling(today)
    return or_(*(column.is_not(None) & ((column < floor) | (column > ceiling))
                 for column in (Case.date_stade, Case.date_audience, Case.date_premier_impaye)))


def households_with_bad_dates(session: Session, *, today: date) -> list[int]:
    return list(session.scalars(
        select(Case.household_id).where(out_of_bounds_cases(today)).distinct().order_by(Case.household_id)))


def set_aside(session: Session, *, now: datetime) -> SetAside:
    """Every household set aside now: contacts ended `set_aside`, and cases holding out-of-bounds dates."""
    rows = session.execute(
        select(Dispatch.household_id, Dispatch.last_error).where(Dispatch.reason == SET_ASIDE)
        .order_by(Dispatch.finished_at, Dispatch.id)
    ).all()
    households = {household_id for household_id, _ in rows}
    bad_dates = households_with_bad_dates(session, today=local_date(now))
    households.update(bad_dates)
    first_error = rows[0].last_error if rows else None
    if first_error is None and bad_dates:
        first_error = "date de procédure hors limites enregistrée dans un dossier"
    return SetAside(sorted(households), first_error)
