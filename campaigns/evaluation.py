"""Evaluation of the contacts over a period, computed from the daily facts (so it survives the personal-data purge).

Unit: a household's stay at one stage of the procedure ("ménage", counted once per stage where it was contacted).
A stay counts for a value of a dimension (a channel, a bailleur…) when its first contact with that value falls in
the period; it counts as having responded when a response is credited to a contact with that value (the last
contact in the 14 days before the response). Rates carry 95% Wilson intervals; comparisons carry Newcombe
intervals, a chi² or Fisher test (Fisher when an expected count is below 5) and Holm-adjusted p-values within each
family (channels, FALC/standard, bailleurs). The results here are raw: `campaigns.reports` applies the small-cell
suppression before anything is shown. Kaplan–Meier curves (from the facts, to the day) and the snapshot of the
files still open (from the live tables) are added by `campaigns.evaluation_live`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.attribution import NOT_RECORDED
from campaigns.evaluation_data import day_start
from campaigns.evaluation_sections import Sections, build_sections
from campaigns.models import Campaign, ClosureFact, DailyFact, DailyReach, Partner, TemplateVersion
from campaigns.stages import Stage
from campaigns.statistics import SMALL_CELL_THRESHOLD, Comparison, KaplanMeier, Rate, compare_many, rate

CHANNEL_LABELS = {"courrier": "courrier", "sms": "SMS", "email": "e-mail", "appel": "appel",
                  "visite": "visite à domicile"}
PARC_LABELS = {"prive": "parc privé", "social": "parc social"}
# The dimensions whose rates are reported, with their French titles.
DIMENSIONS = {
    "canal": "canal", "etape": "étape de la séquence", "pilote": "pilote de la campagne", "campagne": "campagne",
    "bailleur": "bailleur", "stade": "stade de la procédure", "parc": "parc", "territoire": "territoire",
    "variante": "version du modèle", "langue": "langue", "falc": "FALC ou standard",
    "file": "file d'appels et de visites",
}


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
    """Whose households: everybody's (owners, evaluators) or one bailleur's own stock."""

    bailleur_id: int | None = None
    label: str = "tous les ménages"


@dataclass(frozen=True, slots=True)
class RateRow:
    value: str
    label: str
    rate: Rate


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    family: str
    a: RateRow
    b: RateRow
    comparison: Comparison


@dataclass(frozen=True, slots=True)
class Curve:
    label: str
    households: int
    responded: int
    km: KaplanMeier


@dataclass
class Evaluation:
    period: Period
    scope: Scope
    generated_at: datetime
    overview: Rate
    rates: dict[str, list[RateRow]]
    channel_by_bailleur: list[tuple[str, RateRow]]
    comparisons: list[ComparisonRow]
    sections: Sections
    curves: list[Curve] | None = None  # None: no events left for the period (purged)
    open_files: list[tuple[str, int]] | None = None


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


@dataclass(frozen=True, slots=True)
class FactSums:
    reach: list[ReachSum]
    cube: list[CubeSum]
    closures: list[tuple[str, bool, bool, str | None, int]]  # motif, responded, returned, parc, households


def load_fact_sums(session: Session, period: Period, scope: Scope) -> FactSums:
    """The facts of the period summed over its days (a few thousand rows whatever the volume of contacts)."""
    reach_keys = (DailyReach.dimension, DailyReach.value, DailyReach.bailleur_partner_id, DailyReach.parc,
                  DailyReach.stage)
    reach_where = [DailyReach.day >= period.start, DailyReach.day <= period.end]
    cube_keys = (DailyFact.owner_partner_id, DailyFact.bailleur_partner_id, DailyFact.campaign_id, DailyFact.stage,
                 DailyFact.step, DailyFact.channel, DailyFact.parc, DailyFact.status)
    cube_where = [DailyFact.day >= period.start, DailyFact.day <= period.end]
    closure_keys = (ClosureFact.motif, ClosureFact.responded, ClosureFact.returned, ClosureFact.parc)
    closure_where = [ClosureFact.day >= period.start, ClosureFact.day <= period.end]
    if scope.bailleur_id is not None:
        reach_where.append(DailyReach.bailleur_partner_id == scope.bailleur_id)
        cube_where.append(DailyFact.bailleur_partner_id == scope.bailleur_id)
        closure_where.append(ClosureFact.bailleur_partner_id == scope.bailleur_id)
    reach = session.execute(select(*reach_keys, func.sum(DailyReach.households), func.sum(DailyReach.responded))
                            .where(*reach_where).group_by(*reach_keys))
    cube = session.execute(select(*cube_keys, func.sum(DailyFact.contacts), func.sum(DailyFact.responded))
                           .where(*cube_where).group_by(*cube_keys))
    closures = session.execute(select(*closure_keys, func.sum(ClosureFact.households))
                               .where(*closure_where).group_by(*closure_keys))
    return FactSums(
        [ReachSum(d, v, b, p, s, int(h), int(r)) for d, v, b, p, s, h, r in reach],
        [CubeSum(o, b, c, s, st, ch, p, status, int(n), int(r)) for o, b, c, s, st, ch, p, status, n, r in cube],
        [(m, bool(r), bool(ret), p, int(n)) for m, r, ret, p, n in closures],
    )


class Labels:
    """French labels for ids and codes: partners, campaigns, template versions, stages, channels, parks."""

    def __init__(self, session: Session) -> None:
        self.partners: dict[int, str] = {i: name for i, name in session.execute(select(Partner.id, Partner.name))}
        self.campaigns: dict[int, str] = {i: name for i, name in session.execute(select(Campaign.id, Campaign.name))}
        self.versions = {
            v.id: f"{v.slug} · {v.locale}{' · FALC' if v.falc else ''} (v{v.id})"
            for v in session.scalars(select(TemplateVersion))
        }

    def partner(self, partner_id: int | None) -> str:
        if partner_id is None:
            return NOT_RECORDED
        return self.partners.get(partner_id, f"partenaire n°{partner_id}")

    def value(self, dimension: str, value: str | None) -> str:
        if value is None or value == NOT_RECORDED:
            return NOT_RECORDED
        if dimension == "canal":
            return CHANNEL_LABELS.get(value, value)
        if dimension == "etape":
            number, channel = value.split(":", 1)
            return f"étape {number} · {CHANNEL_LABELS.get(channel, channel)}"
        if dimension in ("pilote", "file", "bailleur"):
            return self.partner(int(value))
        if dimension == "campagne":
            return self.campaigns.get(int(value), f"campagne n°{value}")
        if dimension == "variante":
            return self.versions.get(int(value), f"version n°{value}")
        if dimension == "stade":
            return Stage(value).label if value in Stage.__members__.values() else value
        if dimension == "parc":
            return PARC_LABELS.get(value, value)
        if dimension == "falc":
            return "FALC" if value == "falc" else "standard"
        if dimension == "territoire":
            return f"département {value}"
        return value


def group(rows: Iterable[ReachSum], key: Callable[[ReachSum], Any]) -> dict[Any, tuple[int, int]]:
    """Households and responders summed by `key` (rows of one dimension: a stay is in one row per value)."""
    sums: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        cell = sums[key(row)]
        cell[0] += row.households
        cell[1] += row.responded
    return {k: (h, r) for k, (h, r) in sums.items()}


def rate_rows(dimension: str, sums: dict[Any, tuple[int, int]], labels: Labels) -> list[RateRow]:
    rows = [RateRow(str(value) if value is not None else NOT_RECORDED, labels.value(dimension, value), rate(r, h))
            for value, (h, r) in sums.items() if h > 0]
    return sorted(rows, key=lambda row: (row.label == NOT_RECORDED, row.label))


def dimension_rates(sums: FactSums, labels: Labels) -> dict[str, list[RateRow]]:
    by_dimension: dict[str, list[ReachSum]] = defaultdict(list)
    for row in sums.reach:
        by_dimension[row.dimension].append(row)
    whole = by_dimension.get("ensemble", [])
    rates: dict[str, list[RateRow]] = {}
    for dimension in DIMENSIONS:
        if dimension == "bailleur":
            grouped = group(whole, lambda r: None if r.bailleur_id is None else str(r.bailleur_id))
        elif dimension == "stade":
            grouped = group(whole, lambda r: r.stage)
        elif dimension == "parc":
            grouped = group(whole, lambda r: r.parc)
        else:
            grouped = group(by_dimension.get(dimension, []), lambda r: r.value)
        rates[dimension] = rate_rows(dimension, grouped, labels)
    return rates


def publishable(row: RateRow, threshold: int = SMALL_CELL_THRESHOLD) -> bool:
    """A rate may be shown (and compared) when its group has 5 households or more and its numerator is not a
    small cell: otherwise the rate would give the hidden count back."""
    return row.rate.n >= threshold and not 0 < row.rate.successes < threshold


def comparisons(rates: dict[str, list[RateRow]]) -> list[ComparisonRow]:
    """Every pair within each family, Holm-adjusted within the family; groups too small to publish are left out."""
    result: list[ComparisonRow] = []
    families = {
        "canal": [r for r in rates["canal"] if r.value != NOT_RECORDED],
        "falc": [r for r in rates["falc"] if r.value in ("falc", "standard")],
        "bailleur": [r for r in rates["bailleur"] if r.value != NOT_RECORDED],
    }
    for family, rows in families.items():
        eligible = [r for r in rows if publishable(r)]
        if family == "falc":
            eligible.sort(key=lambda r: r.value)  # FALC − standard
        pairs = {f"{a.value}|{b.value}": (a, b) for a, b in combinations(eligible, 2)}
        compared = compare_many({name: (a.rate, b.rate) for name, (a, b) in pairs.items()})
        result.extend(ComparisonRow(family, *pairs[name], outcome) for name, outcome in compared.items())
    return result


def evaluate(session: Session, *, period: Period, scope: Scope, now: datetime) -> Evaluation:
    """The evaluation of the period from the facts (every section but the curves and the open files)."""
    sums = load_fact_sums(session, period, scope)
    labels = Labels(session)
    rates = dimension_rates(sums, labels)
    whole = group((r for r in sums.reach if r.dimension == "ensemble"), lambda r: "tous")
    households, responded = whole.get("tous", (0, 0))
    by_pair = group((r for r in sums.reach if r.dimension == "canal"),
                    lambda r: (r.value, None if r.bailleur_id is None else str(r.bailleur_id)))
    crossed = sorted(
        ((labels.value("canal", channel), RateRow(bailleur or NOT_RECORDED, labels.value("bailleur", bailleur),
                                                  rate(r, h)))
         for (channel, bailleur), (h, r) in by_pair.items() if h > 0),
        key=lambda item: (item[0], item[1].label),
    )
    return Evaluation(period, scope, now, rate(responded, households), rates, crossed, comparisons(rates),
                      build_sections(sums, labels, session))
