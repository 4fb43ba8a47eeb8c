"""Daily facts: built from stays (pure), and kept up to date by the tick, stay by stay (idempotent).

Why two fact tables. `daily_facts` counts contacts, so it adds up over days for anything counted per contact
(letters sent, NPAI returns, costs, responses credited to a step). Household-level rates do not add up that way:
a household that got three letters on three days is one household. `daily_reach` therefore records each stay once
per value of each dimension, on the day of its *first* contact with that value, with whether a response was
credited to a contact with that value (last touch within 14 days). Summing `daily_reach` over the days of a period
gives, exactly, the stays whose first contact with the value falls in the period (a cohort) and how many responded:
the evaluation is computed from these sums, whether the events still exist or were purged. Every row keeps the
bailleur, the park and the stage, so that the evaluation can be filtered by them. `monthly_facts` and
`monthly_reach` hold the same sums by calendar month (see campaigns.models.facts).

Refresh, stay by stay. A stay's rows depend on its contacts, responses, landlord's answers and profile only.
`fact_stays` keeps what they were built from; the refresh finds the stays touched since the last refresh (contacts
finished, responses and landlords' answers recorded, cases changed, with 30 seconds of margin for transactions that
committed late, and the stays of the days whose count of returned letters differs from the facts: an NPAI return has
no timestamp of its own), builds each one's rows from the stored inputs and from the live events, and applies the
difference to the daily and monthly tables. A new response thus costs one stay's rows, where rebuilding every day
the stay was contacted used to cost thousands of other stays' (14 s for 100 responses at 1,000,000 contacts).
Running it twice changes nothing (the difference is then zero). A stay whose events were purged is left alone: its
facts are final (the purge may only remove events older than `FROZEN_AFTER`, 90 days, when no response can still be
credited). `refresh_facts(full=True)` rebuilds every day that still has events: for a first build or a repair, never
after a purge has started.
Kaplan–Meier curves come from the facts too: `daily_reach` keeps, per channel, how many stays first contacted by it
on a day responded after how many whole days (rounded up; dimension `delai`; a response more than 90 days after the
contact counts as none: the curves follow households for 90 days), which is enough to censor them at the end of any
period, to the day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from campaigns.facts.build import DELAY_HORIZON_DAYS, FactRows, accumulate, build_facts, credited
from campaigns.facts.closures import rebuild_closures
from campaigns.facts.stays import (
    CONTACT_STATUSES,
    day_of,
    day_start,
    in_days,
    load_stays,
    stays_contacted_on,
)
from campaigns.facts.store import (
    CUBE_KEY,
    MONTHLY_CUBE_KEY,
    MONTHLY_REACH_KEY,
    REACH_KEY,
    apply_sums,
    difference,
    month_of,
    monthly_cube,
    monthly_reach,
    rebuild_months,
    stays_of_households,
    store_stays,
    stored_stays,
)
from campaigns.models import (
    Case,
    DailyFact,
    DailyReach,
    Dispatch,
    DispatchStatus,
    ExperimentAssignment,
    FactsRefresh,
    LandlordAnswer,
    MonthlyFact,
    MonthlyReach,
    Response,
    StageEntry,
)
from campaigns.models.stages import Stage
from campaigns.platform.dialect import advisory_lock, any_of, bulk_insert, count_by_paris_day

__all__ = ["DELAY_HORIZON_DAYS", "FactRows", "RefreshOutcome", "accumulate", "build_facts", "credited",
           "refresh_facts"]

REFRESH_NAME = "facts"
MARGIN = timedelta(seconds=30)
FROZEN_AFTER = timedelta(days=90)
CHUNK_DAYS = 31
CHUNK_STAYS = 2_000
_LOCK_KEY = 4_402_001  # pg_advisory_xact_lock: one refresh at a time


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    days: int  # days whose facts changed (rebuilt, for a full refresh)
    closure_days: int
    full: bool
    stays: int = 0  # stays looked at again (incremental refresh)


def _paris_days(session: Session, column: Any, *conditions: Any) -> Counter[date]:
    """How many rows fall on each Paris day."""
    return count_by_paris_day(session, column, *conditions)


def _returned_mismatch(session: Session, oldest: date) -> set[int]:
    """The stays with a letter returned on a day whose count of returned letters differs from the facts."""
    live = _paris_days(session, Dispatch.sent_at, Dispatch.status == DispatchStatus.RETURNED.value,
                       Dispatch.sent_at >= day_start(oldest))
    stored = Counter({
        day: int(n) for day, n in session.execute(
            select(DailyFact.day, func.sum(DailyFact.contacts))
            .where(DailyFact.status == DispatchStatus.RETURNED.value, DailyFact.day >= oldest)
            .group_by(DailyFact.day)
        )
    })
    days = {day for day in live.keys() | stored.keys() if live[day] != stored[day]}
    if not days:
        return set()
    return set(session.scalars(select(Dispatch.stage_entry_id).where(
        Dispatch.status == DispatchStatus.RETURNED.value, in_days(Dispatch.sent_at, days)).distinct()))


def _changed(session: Session, since: datetime, oldest: date) -> tuple[set[int], set[date]]:
    """The stays touched since `since`, and the days of closures to count again."""
    stays = set(session.scalars(
        select(Dispatch.stage_entry_id)
        .where(Dispatch.finished_at >= since, Dispatch.status.in_(CONTACT_STATUSES)).distinct()
    ))
    stays |= {s for s in session.scalars(
        select(Response.stage_entry_id).where(Response.created_at >= since).distinct()) if s is not None}
    stays |= _returned_mismatch(session, oldest)
    # Stays left (a stage move or a closure: no longer open), and households newly drawn into an experiment arm.
    stays |= set(session.scalars(select(StageEntry.id).where(StageEntry.left_at >= since)))
    stays |= set(session.scalars(select(ExperimentAssignment.stage_entry_id).where(
        ExperimentAssignment.assigned_at >= since)))
    changed_cases = set(session.scalars(select(Case.household_id).where(Case.updated_at >= since)))
    # A landlord's answer has no stay of its own: the stays of its household are built again.
    changed_cases |= set(session.scalars(select(LandlordAnswer.household_id).where(LandlordAnswer.created_at >= since)))
    stays |= stays_of_households(session, changed_cases)
    closed = set(session.scalars(select(Case.household_id).where(
        Case.stage == Stage.CLOTURE.value, Case.updated_at >= since)))
    if stays:
        closed |= set(session.scalars(select(StageEntry.household_id).where(
            any_of(session, StageEntry.id, sorted(stays)))))
    closure_days = {day_of(at) for at in session.scalars(select(StageEntry.entered_at).where(
        StageEntry.stage == Stage.CLOTURE.value, StageEntry.entered_at >= since))}
    if closed:
        closure_days |= {day_of(at) for at in session.scalars(select(StageEntry.entered_at).where(
            StageEntry.stage == Stage.CLOTURE.value, any_of(session, StageEntry.household_id, sorted(closed))))}
    return stays, {day for day in closure_days if day >= oldest}


def apply_stays(session: Session, stay_ids: Collection[int]) -> set[date]:
    """Takes these stays' stored contribution out of the facts and puts in the one of their live events; returns
    the days that changed. Stays without any contact left (events purged) keep their facts."""
    live = {stay.stay_id: stay for stay in load_stays(session, stay_ids) if stay.contacts or stay.experiments}
    old = stored_stays(session, live)
    new_cube, new_reach = accumulate(live.values())
    old_cube, old_reach = accumulate(old.values())
    cube, reach = difference(new_cube, old_cube), difference(new_reach, old_reach)
    apply_sums(session, DailyFact, CUBE_KEY, ("contacts", "responded"), cube)
    apply_sums(session, DailyReach, REACH_KEY, ("households", "responded"), reach)
    apply_sums(session, MonthlyFact, MONTHLY_CUBE_KEY, ("contacts", "responded"), monthly_cube(cube))
    apply_sums(session, MonthlyReach, MONTHLY_REACH_KEY, ("households", "responded"), monthly_reach(reach))
    store_stays(session, live.values(), replaced=live)
    return {key[0] for key in cube} | {key[0] for key in reach}


def rebuild_days(session: Session, days: Sequence[date]) -> None:
    """Replaces the contact facts of these days by rows built from the live events (and stores the inputs of the
    stays read, for the next incremental refresh)."""
    stays = load_stays(session, stays_contacted_on(session, days))
    rows = build_facts(stays, days)
    session.execute(delete(DailyFact).where(DailyFact.day.in_(days)))
    session.execute(delete(DailyReach).where(DailyReach.day.in_(days)))
    bulk_insert(session, DailyFact, rows.cube)
    bulk_insert(session, DailyReach, rows.reach)
    store_stays(session, stays, replaced=[s.stay_id for s in stays])


def refresh_facts(session: Session, *, now: datetime, full: bool = False) -> RefreshOutcome:
    """Brings the facts up to date with the events; the first call (or `full`) rebuilds every day."""
    advisory_lock(session, _LOCK_KEY)
    state = session.get(FactsRefresh, REFRESH_NAME)
    touched: list[int] = []
    if state is None or full:
        days = set(_paris_days(session, Dispatch.sent_at, Dispatch.status.in_(CONTACT_STATUSES)))
        days |= set(_paris_days(session, ExperimentAssignment.assigned_at))
        closure_days = {day_of(at) for at in session.scalars(
            select(StageEntry.entered_at).where(StageEntry.stage == Stage.CLOTURE.value))}
        ordered = sorted(days)
        for start in range(0, len(ordered), CHUNK_DAYS):
            rebuild_days(session, ordered[start:start + CHUNK_DAYS])
        rebuild_months(session, {month_of(day) for day in days})
    else:
        stays, closure_days = _changed(session, state.refreshed_at - MARGIN, day_of(now - FROZEN_AFTER))
        touched = sorted(stays)
        days = set()
        for start in range(0, len(touched), CHUNK_STAYS):
            days |= apply_stays(session, touched[start:start + CHUNK_STAYS])
    closures = sorted(closure_days)
    for start in range(0, len(closures), CHUNK_DAYS):
        rebuild_closures(session, closures[start:start + CHUNK_DAYS])
    if state is None:
        session.add(FactsRefresh(name=REFRESH_NAME, refreshed_at=now))
    else:
        state.refreshed_at = max(state.refreshed_at, now)
    session.flush()
    return RefreshOutcome(len(days), len(closure_days), state is None or full, len(touched))
