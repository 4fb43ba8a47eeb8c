"""The facts a period reads: its scope (bailleur, stage, park), and the sums of the daily and monthly fact tables.

A period reads the calendar months it covers whole from the monthly roll-ups and its other days from the daily
tables (campaigns.models.facts): a year is a few thousand summed rows whatever the number of contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from campaigns.facts.stays import day_start
from campaigns.facts.store import ASKED_KEY
from campaigns.models import ClosureFact, DailyFact, DailyReach, MonthlyFact, MonthlyReach, Partner, PartnerKind
from campaigns.platform.db import table_of


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` to `end`, both included, in Europe/Paris days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("la fin de la période précède son début")

    @property
    def end_instant(self) -> datetime:
        return day_start(self.end + timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose households and whose contacts (docs/security.md, rule E1).

    Everybody's (pilots), or a partner's own view (`reader_id` set): then only the contacts of the campaigns of
    `contacts_of` and of the calls and visits of `queue_of`'s queue are counted, and the households are those they
    reached (`campaigns.evaluation.restricted`, from the stays kept in `fact_stays`). `bailleur_id` keeps the
    households of that bailleur only; `bailleur_reader`: the reader is that bailleur itself. Optionally one stage
    and one park.
    """

    bailleur_id: int | None = None
    label: str = "tous les ménages"
    stage: str | None = None
    parc: str | None = None
    bailleur_reader: bool = False
    reader_id: int | None = None
    contacts_of: frozenset[int] = frozenset()
    queue_of: int | None = None

    @property
    def restricted(self) -> bool:
        """A partner's own view, computed from its own contacts only (not from the all-partner facts)."""
        return self.reader_id is not None


def pilot_ids(session: Session) -> frozenset[int]:
    """The coordination's owners (DDETS/DRIHL, Département): their campaigns' contacts are the procedure's own."""
    owners = [kind.value for kind in PartnerKind if kind.is_owner]
    return frozenset(session.scalars(select(Partner.id).where(Partner.kind.in_(owners))))


def reader_scope(session: Session, partner_id: int, partner_name: str, kind: PartnerKind, *,
                 institution: bool = False) -> Scope | None:
    """What a partner's reader may see (docs/security.md E1 to E3, docs/domain.md §10.2), for the API and the web
    page alike. The pilots (DDETS/DRIHL, Département): every household. A bailleur: its own households, reached by
    its own campaigns or the pilots' (never who else writes to its tenants). Another institution (CAF, CCAS, ADIL,
    association), when `institution` (its web evaluators and administrators): the households its own campaigns
    and its queue reached, by those contacts only. Otherwise nothing (None)."""
    if kind in (PartnerKind.BAILLEUR_SOCIAL, PartnerKind.BAILLEUR_PRIVE):
        return Scope(partner_id, f"ménages signalés par {partner_name}", bailleur_reader=True, reader_id=partner_id,
                     contacts_of=pilot_ids(session) | {partner_id})
    if kind.is_owner:
        return Scope()
    if institution:
        return Scope(label=f"ménages contactés par les campagnes ou la file de {partner_name}", reader_id=partner_id,
                     contacts_of=frozenset({partner_id}), queue_of=partner_id)
    return None


@dataclass(frozen=True, slots=True)
class ReachSum:
    dimension: str
    value: str
    bailleur_id: int | None
    parc: str | None
    stage: str | None
    households: int
    responded: int


@dataclass(frozen=True, slots=True)
class CubeSum:
    owner_id: int
    bailleur_id: int | None
    campaign_id: int
    stage: str
    step: int
    channel: str
    parc: str | None
    status: str
    contacts: int
    responded: int
    # The template, the language and register asked for, and whether another variant went (None: not recorded).
    template: str | None = None
    requested_locale: str | None = None
    requested_falc: bool | None = None
    fallback: bool | None = None


@dataclass(frozen=True, slots=True)
class FactSums:
    reach: list[ReachSum]
    cube: list[CubeSum]
    closures: list[tuple[str, bool, bool, str | None, int]]  # motif, responded, returned, parc, households


def month_spans(period: Period) -> tuple[list[date], list[tuple[date, date]]]:
    """The calendar months the period covers whole (read from the monthly roll-ups), and the day ranges left
    (first, last included) read from the daily tables."""
    months: list[date] = []
    first = period.start if period.start.day == 1 else next_month(period.start)
    while next_month(first) - timedelta(days=1) <= period.end:
        months.append(first)
        first = next_month(first)
    if not months:
        return [], [(period.start, period.end)]
    ranges = [(period.start, months[0] - timedelta(days=1)), (next_month(months[-1]), period.end)]
    return months, [(a, b) for a, b in ranges if a <= b]


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _in_spans(daily: Any, monthly: Any, months: list[date], ranges: list[tuple[date, date]]) -> tuple[Any, Any]:
    """Conditions selecting the period's rows in a daily table and in its monthly roll-up."""
    return (or_(*(and_(daily >= a, daily <= b) for a, b in ranges)) if ranges else false(),
            monthly.in_(months) if months else false())


def scope_conditions(scope: Scope, *tables: Any) -> list[list[Any]]:
    """The scope's conditions on each table (bailleur, park, stage columns of the same names)."""
    where: list[list[Any]] = []
    for table in tables:
        conditions = []
        for column, value in (("bailleur_partner_id", scope.bailleur_id), ("parc", scope.parc),
                              ("stage", scope.stage)):
            if value is not None:
                conditions.append(table.c[column] == value)
        where.append(conditions)
    return where


def load_fact_sums(session: Session, period: Period, scope: Scope) -> FactSums:
    """The facts of the period summed (a few thousand rows whatever the volume of contacts): the months it covers
    whole from the monthly roll-ups, its other days from the daily tables."""
    months, ranges = month_spans(period)
    reach_keys = ("dimension", "value", "bailleur_partner_id", "parc", "stage")
    cube_keys = ("owner_partner_id", "bailleur_partner_id", "campaign_id", "stage", "step", "channel", "parc",
                 "status", *ASKED_KEY)
    reach: list[ReachSum] = []
    cube: list[CubeSum] = []
    for daily, monthly, keys, measures, into in (
        (DailyReach, MonthlyReach, reach_keys, ("households", "responded"), reach),
        (DailyFact, MonthlyFact, cube_keys, ("contacts", "responded"), cube),
    ):
        daily_table, monthly_table = table_of(daily), table_of(monthly)
        in_daily, in_monthly = _in_spans(daily_table.c.day, monthly_table.c.month, months, ranges)
        daily_where, monthly_where = scope_conditions(scope, daily_table, monthly_table)
        for table, where in ((daily_table, [in_daily, *daily_where]), (monthly_table, [in_monthly, *monthly_where])):
            if "dimension" in keys:
                where.append(table.c.dimension != "delai")  # the curves read those, to the day
            columns = [table.c[k] for k in keys]
            rows = session.execute(select(*columns, *(func.sum(table.c[m]) for m in measures))
                                   .where(*where).group_by(*columns))
            if into is reach:
                reach.extend(ReachSum(d, v, b, p, s, int(h), int(r)) for d, v, b, p, s, h, r in rows)
            else:
                cube.extend(CubeSum(o, b, c, s, st, ch, p, status, int(n), int(r), *asked)
                            for o, b, c, s, st, ch, p, status, *asked, n, r in rows)
    return FactSums(reach, cube, load_closures(session, period, scope))


def closures_readable(scope: Scope) -> bool:
    """A closure is the entry into `cloture`, at no other stage; closures are kept by bailleur, not by the partner
    that contacted the household, so a reader that is neither a pilot nor a bailleur reads none."""
    return scope.stage is None and (not scope.restricted or scope.bailleur_reader)


def load_closures(session: Session, period: Period, scope: Scope) -> list[tuple[str, bool, bool, str | None, int]]:
    """The closures of the period (motif, responded, returned, park, households), when the scope reads them."""
    if not closures_readable(scope):
        return []
    closure_keys = (ClosureFact.motif, ClosureFact.responded, ClosureFact.returned, ClosureFact.parc)
    closure_where = [ClosureFact.day >= period.start, ClosureFact.day <= period.end,
                     *scope_conditions(Scope(scope.bailleur_id, parc=scope.parc), table_of(ClosureFact))[0]]
    return [(m, bool(r), bool(ret), p, int(n)) for m, r, ret, p, n in session.execute(
        select(*closure_keys, func.sum(ClosureFact.households)).where(*closure_where).group_by(*closure_keys))]
