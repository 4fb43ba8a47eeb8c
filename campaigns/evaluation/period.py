"""Evaluation of the contacts over a period, computed from the daily facts (so it survives the personal-data purge).

Unit: a household's stay at one stage of the procedure ("ménage", counted once per stage where it was contacted).
A stay counts for a value of a dimension (a channel, a bailleur…) when its first contact with that value falls in
the period; it counts as having responded when a response is credited to a contact with that value (the last
contact in the 14 days before the response). Rates carry 95% Wilson intervals; comparisons carry Newcombe
intervals, a chi² or Fisher test (Fisher when an expected count is below 5) and Holm-adjusted p-values within each
family (channels, FALC/standard, bailleurs). The results here are raw: `campaigns.reports.tables` applies the small-cell
suppression before anything is shown. The files still open and the experiments' arms come from the facts too;
the Kaplan–Meier curves are added by `campaigns.evaluation.time_to_response`. The mobile team's summary (closed
files by what their reason says, open files by phase, landlords' answers) is `campaigns.evaluation.mobile_team`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Any

from sqlalchemy.orm import Session

from campaigns.evaluation.experiment_results import ExperimentResult, experiment_results
from campaigns.evaluation.experiment_results import publishable as publishable_rate
from campaigns.evaluation.labels import CHANNEL_LABELS, PARC_LABELS, Labels
from campaigns.evaluation.mobile_team import MobileTeamSummary, mobile_team_summary
from campaigns.evaluation.restricted import all_partners, restricted_sums
from campaigns.evaluation.sections import Sections, build_sections
from campaigns.evaluation.sums import (
    CubeSum,
    FactSums,
    Period,
    ReachSum,
    Scope,
    closures_readable,
    load_fact_sums,
    pilot_ids,
    reader_scope,
)
from campaigns.facts.attribution import NOT_RECORDED
from campaigns.platform.dialect import without_jit
from campaigns.platform.statistics import SMALL_CELL_THRESHOLD, Comparison, KaplanMeier, Rate, compare_many, rate

__all__ = ["CHANNEL_LABELS", "DIMENSIONS", "PARC_LABELS", "ComparisonRow", "CubeSum", "Curve", "Evaluation",
           "FactSums", "Labels", "Period", "RateRow", "ReachSum", "Scope", "evaluate", "pilot_ids",
           "reader_scope"]

# The dimensions whose rates are reported, with their French titles.
DIMENSIONS = {
    "canal": "canal", "etape": "étape de la séquence", "pilote": "pilote de la campagne", "campagne": "campagne",
    "bailleur": "bailleur", "stade": "stade de la procédure", "parc": "parc", "territoire": "territoire",
    "variante": "version du modèle", "langue": "langue", "falc": "FALC ou standard",
    "file": "file d'appels et de visites",
    # The answer link: per message that carried it (channel and template), answered through it.
    "lien_modele": "message portant le lien de réponse",
}


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
    curves: list[Curve] | None = None  # None: not computed
    open_files: list[tuple[str, int]] | None = None
    experiments: list[ExperimentResult] | None = None
    all_partners: Rate | None = None  # a partner's own view: every partner's households, for comparison
    mobile_team: MobileTeamSummary | None = None


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
    return publishable_rate(row.rate, threshold)


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


def open_files(sums: FactSums) -> list[tuple[str, int]]:
    """Stays still open, first contacted in the period: those that responded, and the others by their last contact
    (Essonne: "au stade du 1er courrier", "au stade de la relance")."""
    states: dict[str, int] = defaultdict(int)
    for row in sums.reach:
        if row.dimension == "en_cours":
            if row.value == "repondu":
                states["ont répondu"] += row.households
            else:
                step, channel = row.value.split(":", 1)
                states[f"sans réponse, dernier contact : étape {step} · {CHANNEL_LABELS.get(channel, channel)}"] += (
                    row.households)
    return sorted(states.items(), key=lambda item: (item[0] != "ont répondu", item[0]))


def experiment_counts(sums: FactSums) -> dict[tuple[int, str], tuple[int, int]]:
    """(experiment id, arm) → (households drawn, responded), from the `experience` facts."""
    counts = group((r for r in sums.reach if r.dimension == "experience"), lambda r: r.value)
    return {(int(value.split("|", 1)[0]), value.split("|", 1)[1]): cell for value, cell in counts.items()}


def evaluate(session: Session, *, period: Period, scope: Scope, now: datetime) -> Evaluation:
    """The evaluation of the period from the facts (every section but the response curves)."""
    without_jit(session)
    sums = restricted_sums(session, period, scope) if scope.restricted else load_fact_sums(session, period, scope)
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
                      build_sections(sums, labels, session), open_files=open_files(sums),
                      experiments=experiment_results(session, experiment_counts(sums), scope),
                      all_partners=all_partners(session, period, scope) if scope.restricted else None,
                      mobile_team=mobile_team_summary(sums, closures_readable=closures_readable(scope)))
