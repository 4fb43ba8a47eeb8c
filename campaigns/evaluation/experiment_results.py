"""The results of the campaigns' experiments: per arm, households drawn and responses, the difference with the
reference arm (Newcombe interval, chi² or Fisher, Holm across the arms of one experiment) and the households per
arm that a conclusive answer would need (80 % power, two-sided 5 % test).

Unit: the household at the stay where it was drawn (once per experiment, whatever happens next); it responded if
a response is recorded at that stay. Households drawn in the period count, analysed in the arm they were drawn in
(intention to treat: a household of the "letter + SMS" arm without a mobile number stays in that arm). The counts
come from the facts (`daily_reach`, dimension `experience`, by day of the draw), filtered like the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Experiment
from campaigns.platform.statistics import SMALL_CELL_THRESHOLD, Comparison, Rate, compare_many, households_needed, rate

if TYPE_CHECKING:
    from campaigns.evaluation.sums import Scope


def publishable(value: Rate, threshold: int = SMALL_CELL_THRESHOLD) -> bool:
    """A rate may be shown (and compared) when its group has 5 households or more and its numerator is not a
    small cell: otherwise the rate would give the hidden count back."""
    return value.n >= threshold and not 0 < value.successes < threshold


@dataclass(frozen=True, slots=True)
class ArmResult:
    name: str
    rate: Rate
    comparison: Comparison | None  # against the reference arm; None for it, or when a group is too small
    needed_observed: int | None  # per arm, at the reference rate and the observed difference
    needed_minimal: int | None  # per arm, at the reference rate and the experiment's minimal effect


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    key: str
    campaign: str
    owner_partner_id: int
    running: bool
    minimal_effect: float | None
    arms: list[ArmResult]


def _needed(reference: Rate, difference: float | None) -> int | None:
    """None when there is nothing to size: no publishable reference rate, no difference, or a rate out of [0, 1]."""
    if reference.value is None or not difference:
        return None
    target = reference.value + difference
    if not 0.0 <= target <= 1.0:
        target = reference.value - difference
    if not 0.0 <= target <= 1.0 or target == reference.value:
        return None
    return households_needed(reference.value, target)


def experiment_results(session: Session, counts: dict[tuple[int, str], tuple[int, int]], scope: Scope
                       ) -> list[ExperimentResult]:
    """The experiments of these (experiment id, arm) → (households, responded) counts (a partner reading its own
    view: only the experiments of its own campaigns)."""
    by_experiment: dict[int, dict[str, tuple[int, int]]] = {}
    for (experiment_id, arm), cell in counts.items():
        by_experiment.setdefault(experiment_id, {})[arm] = cell
    if not by_experiment:
        return []
    experiments = session.execute(
        select(Experiment, Campaign.name, Campaign.owner_partner_id)
        .join(Campaign, Campaign.id == Experiment.campaign_id)
        .where(Experiment.id.in_(list(by_experiment)))
    ).all()
    results = []
    for experiment, campaign, owner in sorted(experiments, key=lambda row: (row[1], row[0].key)):
        if scope.restricted and owner != scope.reader_id:
            continue
        results.append(_result(experiment, campaign, owner, by_experiment[experiment.id]))
    return results


def _result(experiment: Experiment, campaign: str, owner: int, counts: dict[str, tuple[int, int]]
            ) -> ExperimentResult:
    # The experiment's arms in their order (the first is the reference), then arms since removed from it.
    names = [str(a["name"]) for a in experiment.arms]
    names += sorted(set(counts) - set(names))
    rates = {name: rate(counts.get(name, (0, 0))[1], counts.get(name, (0, 0))[0]) for name in names}
    reference = rates[names[0]]
    compared = compare_many({
        name: (rates[name], reference) for name in names[1:]
        if publishable(rates[name]) and publishable(reference)
    })
    arms = []
    for name in names:
        comparison = compared.get(name)
        observed = comparison.difference if comparison is not None else None
        shown = publishable(reference)
        arms.append(ArmResult(
            name, rates[name], comparison,
            _needed(reference, observed) if shown and name != names[0] else None,
            _needed(reference, experiment.minimal_effect) if shown else None,
        ))
    return ExperimentResult(experiment.key, campaign, owner, experiment.ended_at is None, experiment.minimal_effect,
                            arms)
