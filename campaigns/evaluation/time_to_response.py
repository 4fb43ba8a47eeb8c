"""Time to response: Kaplan–Meier curves per channel, from the delays kept in the facts (`daily_reach` to the day,
`monthly_reach` for the months followed for the whole horizon)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from campaigns.evaluation.period import CHANNEL_LABELS, Curve, Evaluation, evaluate
from campaigns.evaluation.restricted import restricted_delays
from campaigns.evaluation.sums import Period, Scope, month_spans, next_month, scope_conditions
from campaigns.facts.daily import DELAY_HORIZON_DAYS
from campaigns.facts.stays import day_of
from campaigns.models import Case, DailyReach, Dispatch, MonthlyReach
from campaigns.platform.db import table_of
from campaigns.platform.dialect import without_jit
from campaigns.platform.statistics import KaplanMeier


def _scope_filter(scope: Scope) -> list[ColumnElement[bool]]:
    """The scope on live contacts: the households the bailleur pushed, those of the park, the stage."""
    where: list[ColumnElement[bool]] = []
    if scope.bailleur_id is not None:
        where.append(Dispatch.household_id.in_(select(Case.household_id).where(Case.partner_id == scope.bailleur_id)))
    if scope.parc is not None:
        where.append(Dispatch.household_id.in_(select(Case.household_id).where(Case.parc == scope.parc)))
    if scope.stage is not None:
        where.append(Dispatch.stage == scope.stage)
    return where


def _delay_rows(session: Session, *, period: Period, scope: Scope, last_day: date
                ) -> list[tuple[date, date, str, int]]:
    """(first day, last day, channel|delay, stays) of the delays of the period. A month that ended more than
    `DELAY_HORIZON_DAYS` before `last_day` comes from the monthly roll-up: every stay of it was followed for the
    whole horizon, so the day of its first contact no longer matters; the other days come from `daily_reach`."""
    months, ranges = month_spans(Period(period.start, last_day))
    rolled = [m for m in months if (last_day - (next_month(m) - timedelta(days=1))).days >= DELAY_HORIZON_DAYS]
    ranges += [(m, next_month(m) - timedelta(days=1)) for m in months if m not in rolled]
    result: list[tuple[date, date, str, int]] = []
    for model, column, spans in ((DailyReach, DailyReach.day, ranges), (MonthlyReach, MonthlyReach.month, rolled)):
        if not spans:
            continue
        table = table_of(model)
        where = [table.c.dimension == "delai", *scope_conditions(scope, table)[0]]
        if model is DailyReach:
            where.append(or_(*(and_(column >= a, column <= b) for a, b in ranges)))
        else:
            where.append(column.in_(rolled))
        rows = session.execute(select(column, table.c.value, func.sum(table.c.households))
                               .where(*where).group_by(column, table.c.value))
        for first, value, count in rows:
            last = first if model is DailyReach else next_month(first) - timedelta(days=1)
            result.append((first, last, value, int(count)))
    return result


def response_curves(session: Session, *, period: Period, scope: Scope, now: datetime) -> list[Curve]:
    """Kaplan–Meier per channel, from the facts: the stays first contacted by the channel in the period, with the
    whole days to their first response after that contact, censored at the end of the period (or today) and at
    90 days, to the day. The points of a curve at whole days are exact: "responded within t days" is "delay
    rounded up ≤ t"."""
    last_day = min(period.end, day_of(now))
    if last_day < period.start:
        return []
    without_jit(session)
    events: dict[str, Counter[int]] = defaultdict(Counter)
    censored: dict[str, Counter[int]] = defaultdict(Counter)
    rows = (restricted_delays(session, Period(period.start, last_day), scope) if scope.restricted
            else _delay_rows(session, period=period, scope=scope, last_day=last_day))
    for first, last, value, count in rows:
        channel, delay = value.split("|", 1)
        if first == last:
            horizon = min((last_day - first).days, DELAY_HORIZON_DAYS)
            if delay != "-" and int(delay) <= horizon:
                events[channel][int(delay)] += count
            else:
                censored[channel][horizon] += count
        elif delay != "-":  # a rolled-up month: followed for the whole horizon
            events[channel][int(delay)] += count
        else:
            censored[channel][DELAY_HORIZON_DAYS] += count
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


def evaluate_with_events(session: Session, *, period: Period, scope: Scope, now: datetime) -> Evaluation:
    """The whole evaluation: the facts' sections and the response curves."""
    evaluation = evaluate(session, period=period, scope=scope, now=now)
    evaluation.curves = response_curves(session, period=period, scope=scope, now=now)
    return evaluation
