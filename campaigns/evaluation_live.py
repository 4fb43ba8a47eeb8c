"""Time to response (Kaplan–Meier, from the daily facts) and the snapshot of the files still open (from the live
tables: it describes today, not a past period, so it has nothing to keep after the purge)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from campaigns.evaluation import CHANNEL_LABELS, Curve, Evaluation, Period, Scope, evaluate
from campaigns.evaluation_data import CONTACT_STATUSES, day_of, day_start
from campaigns.models import Case, DailyReach, Dispatch, Response, StageEntry
from campaigns.stages import Stage
from campaigns.statistics import KaplanMeier


def _scope_filter(scope: Scope) -> list[ColumnElement[bool]]:
    if scope.bailleur_id is None:
        return []
    return [Dispatch.household_id.in_(select(Case.household_id).where(Case.partner_id == scope.bailleur_id))]


def response_curves(session: Session, *, period: Period, scope: Scope, now: datetime) -> list[Curve]:
    """Kaplan–Meier per channel, from the facts: the stays first contacted by the channel in the period, with the
    whole days to their first response after that contact, censored at the end of the period (or today), to the day.
    The points of a curve at whole days are exact: "responded within t days" is "delay rounded up ≤ t"."""
    last_day = min(period.end, day_of(now))
    if last_day < period.start:
        return []
    where = [DailyReach.dimension == "delai", DailyReach.day >= period.start, DailyReach.day <= last_day]
    if scope.bailleur_id is not None:
        where.append(DailyReach.bailleur_partner_id == scope.bailleur_id)
    rows = session.execute(select(DailyReach.day, DailyReach.value, func.sum(DailyReach.households))
                           .where(*where).group_by(DailyReach.day, DailyReach.value))
    events: dict[str, Counter[int]] = defaultdict(Counter)
    censored: dict[str, Counter[int]] = defaultdict(Counter)
    for day, value, count in rows:
        channel, delay = value.split("|", 1)
        horizon = (last_day - day).days
        if delay != "-" and int(delay) <= horizon:
            events[channel][int(delay)] += int(count)
        else:
            censored[channel][horizon] += int(count)
    channels = sorted(events.keys() | censored.keys(), key=lambda c: CHANNEL_LABELS.get(c, c))
    return [Curve(CHANNEL_LABELS.get(c, c), sum(events[c].values()) + sum(censored[c].values()),
                  sum(events[c].values()), kaplan_meier_counts(events[c], censored[c])) for c in channels]


def kaplan_meier_counts(events: Counter[int], censored: Counter[int]) -> KaplanMeier:
    """`statistics.kaplan_meier` on whole-day delays given as counts (events and censorings per day), without
    expanding them into one value per household; a censoring on the day of an event is still at risk that day.
    The tests check both give the same curve and median."""
    at_risk = sum(events.values()) + sum(censored.values())
    survival, times, values, median = 1.0, [], [], None
    for day in sorted(events.keys() | censored.keys()):
        if events[day]:
            survival *= 1 - events[day] / at_risk
            times.append(float(day))
            values.append(survival)
            if median is None and survival < 0.5:
                median = float(day)
        at_risk -= events[day] + censored[day]
    return KaplanMeier(tuple(times), tuple(values), median)


def open_files(session: Session, *, period: Period, scope: Scope) -> list[tuple[str, int]]:
    """Stays still open, contacted in the period: those that responded, and the others by their last contact
    (Essonne: "au stade du 1er courrier", "au stade de la relance")."""
    rank = func.row_number().over(partition_by=Dispatch.stage_entry_id,
                                  order_by=(Dispatch.sent_at.desc(), Dispatch.id.desc()))
    last = (
        select(Dispatch.stage_entry_id.label("stay"), Dispatch.step_position.label("step"),
               Dispatch.channel.label("channel"), rank.label("rank"))
        .join(StageEntry, StageEntry.id == Dispatch.stage_entry_id)
        .where(StageEntry.left_at.is_(None), StageEntry.stage != Stage.CLOTURE.value,
               Dispatch.status.in_(CONTACT_STATUSES), Dispatch.sent_at >= day_start(period.start),
               Dispatch.sent_at < period.end_instant, *_scope_filter(scope))
        .subquery()
    )
    answered = select(Response.stage_entry_id.label("stay")).distinct().subquery()
    silent = answered.c.stay.is_(None)
    rows = session.execute(
        select(last.c.step, last.c.channel, silent, func.count())
        .outerjoin(answered, answered.c.stay == last.c.stay)
        .where(last.c.rank == 1)
        .group_by(last.c.step, last.c.channel, silent)
    )
    states: Counter[str] = Counter()
    for step, channel, is_silent, count in rows:
        if is_silent:
            label = CHANNEL_LABELS.get(channel, channel)
            states[f"sans réponse, dernier contact : étape {step + 1} · {label}"] += count
        else:
            states["ont répondu"] += count
    return sorted(states.items(), key=lambda item: (item[0] != "ont répondu", item[0]))


def evaluate_with_events(session: Session, *, period: Period, scope: Scope, now: datetime) -> Evaluation:
    """The whole evaluation: the facts, the curves and the files still open."""
    evaluation = evaluate(session, period=period, scope=scope, now=now)
    evaluation.curves = response_curves(session, period=period, scope=scope, now=now)
    evaluation.open_files = open_files(session, period=period, scope=scope)
    return evaluation
