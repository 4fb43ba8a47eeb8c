"""Daily facts: built from stays (pure), and refreshed by the tick for the days that changed (idempotent).

Why two fact tables. `daily_facts` counts contacts, so it adds up over days for anything counted per contact
(letters sent, NPAI returns, costs, responses credited to a step). Household-level rates do not add up that way:
a household that got three letters on three days is one household. `daily_reach` therefore records each stay once
per value of each dimension, on the day of its *first* contact with that value, with whether a response was
credited to a contact with that value (last touch within 14 days). Summing `daily_reach` over the days of a period
gives, exactly, the stays whose first contact with the value falls in the period (a cohort) and how many responded:
the evaluation is computed from these sums, whether the events still exist or were purged.

Refresh. A day's rows depend on the stays contacted that day, with all their contacts and responses. The refresh
finds the stays touched since the last refresh (contacts finished, responses recorded, 30 seconds of margin for
transactions that committed late), adds the days whose count of returned letters differs from the facts (an NPAI
return has no timestamp of its own), then deletes and rebuilds those days, 31 at a time. Running it twice changes
nothing. Days older than `FROZEN_AFTER` (90 days) are never rebuilt by the tick: by then no response can still be
credited (14-day window) and letters have come back, so their facts are final, and the personal-data purge may
remove their events (it must only remove events older than that). `refresh_facts(full=True)` rebuilds every day
that still has events: for a first build or a repair, never after a purge has started.
Kaplan–Meier curves come from the facts too: `daily_reach` keeps, per channel, how many stays first contacted by it
on a day responded after how many whole days (rounded up; dimension `delai`), which is enough to censor them at the
end of any period, to the day (curves are drawn at whole days).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from campaigns.attribution import DEFAULT_WINDOW, NOT_RECORDED
from campaigns.db import any_of, bulk_insert, is_postgres
from campaigns.evaluation_data import (
    CONTACT_STATUSES,
    Stay,
    StayContact,
    contact_days,
    day_of,
    day_start,
    household_profiles,
    in_days,
    load_stays,
    stays_contacted_on,
)
from campaigns.models import (
    Case,
    ClosureFact,
    DailyFact,
    DailyReach,
    Dispatch,
    DispatchStatus,
    FactsRefresh,
    Response,
    StageEntry,
)
from campaigns.stages import Stage

REFRESH_NAME = "facts"
MARGIN = timedelta(seconds=30)
FROZEN_AFTER = timedelta(days=90)
CHUNK_DAYS = 31
_LOCK_KEY = 4_402_001  # pg_advisory_xact_lock: one refresh at a time
# Which reach dimensions keep the park and the stage (crossed in the report); the others keep the bailleur only
# (for a bailleur's own view), which keeps `daily_reach` small.
_REACH_DETAIL = {"ensemble": (True, True), "canal": (True, True), "courriers": (True, True), "etape": (True, False)}


def credited(stay: Stay, window: timedelta = DEFAULT_WINDOW) -> set[int]:
    """Dispatch ids credited with a response: the last contact in [response − window, response] (the rule of
    `attribution.attribute`, applied within one stay; its tests check both agree)."""
    times = [c.at for c in stay.contacts]
    ids: set[int] = set()
    for responded_at in stay.responses:
        high = bisect_right(times, responded_at)
        if high > bisect_left(times, responded_at - window):
            ids.add(stay.contacts[high - 1].dispatch_id)
    return ids


def _delays(stay: Stay) -> dict[str, tuple[date, int | None]]:
    """Per channel: the day of the stay's first contact by it, and the whole days (rounded up) to the stay's first
    response at or after that contact (None: no response yet). Kaplan–Meier curves are drawn from these."""
    result: dict[str, tuple[date, int | None]] = {}
    for contact in stay.contacts:
        if contact.channel in result:
            continue
        after = [r for r in stay.responses if r >= contact.at]
        delay = None if not after else math.ceil((after[0] - contact.at).total_seconds() / 86_400 - 1e-9)
        result[contact.channel] = (contact.day, max(delay, 0) if delay is not None else None)
    return result


def contact_dimensions(contact: StayContact) -> dict[str, str]:
    """The values of a contact along each contact-level dimension of `daily_reach`."""
    values = {
        "canal": contact.channel,
        "etape": f"{contact.step + 1}:{contact.channel}",
        "pilote": str(contact.owner_id),
        "campagne": str(contact.campaign_id),
        "variante": NOT_RECORDED if contact.template_version_id is None else str(contact.template_version_id),
        "langue": contact.locale or NOT_RECORDED,
        "falc": NOT_RECORDED if contact.falc is None else ("falc" if contact.falc else "standard"),
    }
    if contact.queue_partner_id is not None:
        values["file"] = str(contact.queue_partner_id)
    return values


@dataclass(frozen=True, slots=True)
class FactRows:
    cube: list[dict[str, Any]]
    reach: list[dict[str, Any]]


def build_facts(stays: Iterable[Stay], days: Collection[date], *, window: timedelta = DEFAULT_WINDOW) -> FactRows:
    """The rows of `daily_facts` and `daily_reach` for these days, from the stays contacted on them."""
    wanted = set(days)
    cube: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    reach: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for stay in stays:
        if not stay.contacts:
            continue
        hits = credited(stay, window)
        for contact in stay.contacts:
            if contact.day in wanted:
                cell = cube[(contact.day, contact.owner_id, stay.bailleur_id, contact.campaign_id, stay.stage,
                             contact.step, contact.channel, contact.template_version_id, contact.locale,
                             contact.falc, stay.parc, stay.territory, contact.status)]
                cell[0] += 1
                cell[1] += contact.dispatch_id in hits
        first: dict[tuple[str, str], tuple[date, bool]] = {}
        for contact in stay.contacts:  # oldest first: the first seen is the first day
            hit = contact.dispatch_id in hits
            for dimension, value in contact_dimensions(contact).items():
                known = first.get((dimension, value))
                first[(dimension, value)] = (contact.day, hit) if known is None else (known[0], known[1] or hit)
        for channel, (day, delay) in _delays(stay).items():
            first[("delai", f"{channel}|{'-' if delay is None else delay}")] = (day, delay is not None)
        first_day = stay.contacts[0].day
        letters = sum(1 for c in stay.contacts if c.channel == "courrier")
        for key in (("ensemble", "tous"), ("territoire", stay.territory or NOT_RECORDED), ("courriers", str(letters))):
            first[key] = (first_day, bool(hits))
        for (dimension, value), (day, hit) in first.items():
            if day in wanted:
                keeps_parc, keeps_stage = _REACH_DETAIL.get(dimension, (False, False))
                cell = reach[(day, dimension, value, stay.bailleur_id, stay.parc if keeps_parc else None,
                              stay.stage if keeps_stage else None)]
                cell[0] += 1
                cell[1] += hit
    cube_columns = ("day", "owner_partner_id", "bailleur_partner_id", "campaign_id", "stage", "step", "channel",
                    "template_version_id", "locale", "falc", "parc", "territory", "status")
    reach_columns = ("day", "dimension", "value", "bailleur_partner_id", "parc", "stage")
    return FactRows(
        [{**dict(zip(cube_columns, key, strict=True)), "contacts": c, "responded": r}
         for key, (c, r) in sorted(cube.items(), key=lambda item: repr(item[0]))],
        [{**dict(zip(reach_columns, key, strict=True)), "households": h, "responded": r}
         for key, (h, r) in sorted(reach.items(), key=lambda item: repr(item[0]))],
    )


def normalise_motif(motif: str | None) -> str:
    """Closure reasons are free text: case and spacing are ignored when counting them."""
    text_ = " ".join((motif or "").split()).lower()
    return text_[:200] or NOT_RECORDED


def closure_rows(session: Session, days: Collection[date]) -> list[dict[str, Any]]:
    """Households that entered `cloture` on these days: reason (their freshest closing case), whether they had
    answered at any time, and whether a letter to them came back NPAI."""
    if not days:
        return []
    entries = session.execute(
        select(StageEntry.household_id, StageEntry.entered_at).where(
            StageEntry.stage == Stage.CLOTURE.value, in_days(StageEntry.entered_at, days)
        )
    ).all()
    households = sorted({household_id for household_id, _ in entries})
    if not households:
        return []
    motifs: dict[int, tuple[tuple[date, datetime], str | None]] = {}
    for household_id, date_stade, updated_at, motif in session.execute(
        select(Case.household_id, Case.date_stade, Case.updated_at, Case.motif_cloture).where(
            any_of(session, Case.household_id, households), Case.stage == Stage.CLOTURE.value
        )
    ):
        if household_id not in motifs or (date_stade, updated_at) >= motifs[household_id][0]:
            motifs[household_id] = ((date_stade, updated_at), motif)
    responded = set(session.scalars(
        select(Response.household_id).where(any_of(session, Response.household_id, households)).distinct()
    ))
    returned = set(session.scalars(
        select(Dispatch.household_id).where(
            any_of(session, Dispatch.household_id, households), Dispatch.status == DispatchStatus.RETURNED.value
        ).distinct()
    ))
    profiles = household_profiles(session, households)
    counts: Counter[tuple[Any, ...]] = Counter()
    for household_id, entered_at in entries:
        profile = profiles.get(household_id)
        counts[(day_of(entered_at), profile.bailleur_id if profile else None, profile.parc if profile else None,
                profile.territory if profile else None, normalise_motif(motifs.get(household_id, (None, None))[1]),
                household_id in responded, household_id in returned)] += 1
    columns = ("day", "bailleur_partner_id", "parc", "territory", "motif", "responded", "returned")
    return [{**dict(zip(columns, key, strict=True)), "households": n} for key, n in sorted(counts.items(), key=repr)]


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    days: int
    closure_days: int
    full: bool


def _paris_days(session: Session, column: Any, *conditions: Any) -> Counter[date]:
    """How many rows fall on each Paris day (grouped in the database on PostgreSQL)."""
    if is_postgres(session):
        local_day = func.date(func.timezone("Europe/Paris", column))
        rows = session.execute(select(local_day, func.count()).where(column.is_not(None), *conditions)
                               .group_by(local_day))
        return Counter({day: int(n) for day, n in rows})
    return Counter(day_of(at) for at in session.scalars(select(column).where(column.is_not(None), *conditions)))


def _returned_mismatch(session: Session, oldest: date) -> set[date]:
    live = _paris_days(session, Dispatch.sent_at, Dispatch.status == DispatchStatus.RETURNED.value,
                       Dispatch.sent_at >= day_start(oldest))
    stored = Counter({
        day: int(n) for day, n in session.execute(
            select(DailyFact.day, func.sum(DailyFact.contacts))
            .where(DailyFact.status == DispatchStatus.RETURNED.value, DailyFact.day >= oldest)
            .group_by(DailyFact.day)
        )
    })
    return {day for day in live.keys() | stored.keys() if live[day] != stored[day]}


def _changed(session: Session, since: datetime, oldest: date) -> tuple[set[date], set[date]]:
    stays = set(session.scalars(
        select(Dispatch.stage_entry_id)
        .where(Dispatch.finished_at >= since, Dispatch.status.in_(CONTACT_STATUSES)).distinct()
    ))
    stays |= {s for s in session.scalars(
        select(Response.stage_entry_id).where(Response.created_at >= since).distinct()) if s is not None}
    days = contact_days(session, stays) | _returned_mismatch(session, oldest)
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
    return days, closure_days


def rebuild_days(session: Session, days: Sequence[date]) -> None:
    """Replaces the contact facts of these days by rows built from the live events."""
    rows = build_facts(load_stays(session, stays_contacted_on(session, days)), days)
    session.execute(delete(DailyFact).where(DailyFact.day.in_(days)))
    session.execute(delete(DailyReach).where(DailyReach.day.in_(days)))
    bulk_insert(session, DailyFact, rows.cube)
    bulk_insert(session, DailyReach, rows.reach)


def rebuild_closures(session: Session, days: Sequence[date]) -> None:
    rows = closure_rows(session, days)
    session.execute(delete(ClosureFact).where(ClosureFact.day.in_(days)))
    bulk_insert(session, ClosureFact, rows)


def refresh_facts(session: Session, *, now: datetime, full: bool = False) -> RefreshOutcome:
    """Brings the facts up to date with the events; the first call (or `full`) rebuilds every day."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    state = session.get(FactsRefresh, REFRESH_NAME)
    if state is None or full:
        days = set(_paris_days(session, Dispatch.sent_at, Dispatch.status.in_(CONTACT_STATUSES)))
        closure_days = {day_of(at) for at in session.scalars(
            select(StageEntry.entered_at).where(StageEntry.stage == Stage.CLOTURE.value))}
    else:
        oldest = day_of(now - FROZEN_AFTER)
        days, closure_days = _changed(session, state.refreshed_at - MARGIN, oldest)
        days = {day for day in days if day >= oldest}
        closure_days = {day for day in closure_days if day >= oldest}
    ordered = sorted(days)
    for start in range(0, len(ordered), CHUNK_DAYS):
        rebuild_days(session, ordered[start:start + CHUNK_DAYS])
    closures = sorted(closure_days)
    for start in range(0, len(closures), CHUNK_DAYS):
        rebuild_closures(session, closures[start:start + CHUNK_DAYS])
    if state is None:
        session.add(FactsRefresh(name=REFRESH_NAME, refreshed_at=now))
    else:
        state.refreshed_at = max(state.refreshed_at, now)
    session.flush()
    return RefreshOutcome(len(days), len(closure_days), state is None or full)
