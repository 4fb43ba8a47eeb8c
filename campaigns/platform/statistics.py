"""Rates and comparisons with honest intervals: Wilson, Newcombe, chi²/Fisher, Holm, Kaplan–Meier.

SciPy and statsmodels are imported by the functions that need them: together they take ~125 MB, which an API or
worker process that never computes a rate (an import, a delivery) does not pay (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

ALPHA = 0.05
# Below this expected count the chi² approximation is unreliable (Cochran's rule): Fisher's exact test is used.
MIN_EXPECTED = 5.0
SMALL_CELL_THRESHOLD = 5
_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Rate:
    """`successes` out of `n`, with its 95% Wilson interval; all three are None when n = 0 (nothing to estimate)."""

    successes: int
    n: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Comparison:
    """a − b with its Newcombe interval and a two-sided test; `p_adjusted` is filled in by `compare_many` only."""

    difference: float
    low: float
    high: float
    test: Literal["chi2", "fisher"]
    p_value: float
    p_adjusted: float | None = None


def rate(successes: int, n: int) -> Rate:
    """The Wilson score interval keeps its nominal coverage for small n and for rates near 0 or 1, unlike Wald's."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"taux impossible : {successes} sur {n}")
    if n == 0:
        return Rate(successes, n, None, None, None)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=ALPHA, method="wilson")
    return Rate(successes, n, successes / n, float(low), float(high))


def compare(a: Rate, b: Rate) -> Comparison:
    """Difference a − b with Newcombe's hybrid score interval (method 10, built on the two Wilson intervals).

    The test is Fisher's exact test when any expected count of the 2×2 table is below 5, otherwise Pearson's chi²
    *without* Yates' correction: small tables already go to Fisher, and uncorrected chi² equals the two-proportion
    z-test, so p-values agree with the usual presentation.
    """
    if a.n == 0 or b.n == 0:
        raise ValueError("comparaison impossible : un des deux groupes ne compte aucun ménage")
    from scipy.stats import chi2_contingency, fisher_exact
    from scipy.stats.contingency import expected_freq
    from statsmodels.stats.proportion import confint_proportions_2indep

    table = [[a.successes, a.n - a.successes], [b.successes, b.n - b.successes]]
    low, high = confint_proportions_2indep(a.successes, a.n, b.successes, b.n, method="newcomb", alpha=ALPHA)
    test: Literal["chi2", "fisher"]
    # A zero margin (nobody, or everybody, responded in both groups) gives zero expected cells: Fisher copes (p = 1).
    if float(expected_freq(table).min()) < MIN_EXPECTED:
        test, p_value = "fisher", float(fisher_exact(table, alternative="two-sided").pvalue)
    else:
        test, p_value = "chi2", float(chi2_contingency(table, correction=False).pvalue)
    difference = a.successes / a.n - b.successes / b.n
    return Comparison(difference, float(low), float(high), test, p_value)


def compare_many(pairs: Mapping[str, tuple[Rate, Rate]]) -> dict[str, Comparison]:
    """Compare each pair and add Holm-adjusted p-values: looking at many channels or bailleurs at once would
    otherwise turn chance differences into "findings". Holm controls the family-wise error rate without
    Bonferroni's loss of power."""
    results = {name: compare(a, b) for name, (a, b) in pairs.items()}
    if not results:
        return {}
    adjusted = holm([c.p_value for c in results.values()])
    return {name: replace(c, p_adjusted=p) for (name, c), p in zip(results.items(), adjusted, strict=True)}


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: the k-th smallest is multiplied by (m − k + 1), kept non-decreasing,
    capped at 1. The same as statsmodels' `multipletests(method="holm")` (the tests check it), which we do not call
    here because it runs a full garbage collection on every call: 80 ms each in the web server's process."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class KaplanMeier:
    """Share of households still without response after each day where a response happened.

    `survival[i]` is S(times[i]), the estimated probability of no response by day `times[i]` (step function,
    right-continuous, S = 1 before the first time). `median_days` is None when fewer than half responded.
    """

    times: tuple[float, ...]
    survival: tuple[float, ...]
    median_days: float | None

    def response_curve(self) -> tuple[tuple[float, float], ...]:
        """(day, share of households that responded by that day), i.e. 1 − S(t)."""
        return tuple((t, 1.0 - s) for t, s in zip(self.times, self.survival, strict=True))

    def responded_by(self, day: float) -> float:
        """Estimated share of households that responded within `day` days of the first contact (1 − S(day))."""
        survival = 1.0
        for t, s in zip(self.times, self.survival, strict=True):
            if t > day:
                break
            survival = s
        return 1.0 - survival


def kaplan_meier(durations_days: Sequence[float], observed: Sequence[bool]) -> KaplanMeier:
    """Kaplan–Meier estimate of the time to response.

    A household that had not responded when the observation period ended is *censored* at that date
    (`observed` False, duration = end of period − first contact; see `time_to_response`). Counting it as
    a non-responder would bias recent campaigns downwards; dropping it would bias them upwards.
    The median follows statsmodels (SAS convention): the first time where S(t) falls strictly below 0.5.
    """
    if len(durations_days) != len(observed):
        raise ValueError("durées et indicateurs de réponse de longueurs différentes")
    if any(d < 0 or math.isnan(d) for d in durations_days):
        raise ValueError("une durée est négative ou non renseignée")
    if not durations_days:
        return KaplanMeier((), (), None)
    from statsmodels.duration.survfunc import SurvfuncRight

    fit = SurvfuncRight([float(d) for d in durations_days], [1 if o else 0 for o in observed])
    median = float(fit.quantile(0.5))
    return KaplanMeier(
        tuple(float(t) for t in fit.surv_times),
        tuple(float(s) for s in fit.surv_prob),
        None if math.isnan(median) else median,
    )


def time_to_response(first_contact: datetime, response: datetime | None, period_end: datetime) -> tuple[float, bool]:
    """(days, observed) for `kaplan_meier`: a response after the end of the period is not yet known, so it is
    censored at the end of the period exactly like a household that has not responded."""
    if period_end < first_contact:
        raise ValueError("la période se termine avant le premier contact")
    if response is not None and response < first_contact:
        raise ValueError("réponse antérieure au premier contact")
    if response is not None and response <= period_end:
        return (response - first_contact).total_seconds() / _SECONDS_PER_DAY, True
    return (period_end - first_contact).total_seconds() / _SECONDS_PER_DAY, False


def households_needed(p1: float, p2: float, *, alpha: float = ALPHA, power: float = 0.8) -> int:
    """Households per arm for a two-sided test of p1 vs p2 (equal arms), rounded up.

    Uses Cohen's h (arcsine transform) with the normal power of statsmodels; for 20% vs 30% this gives 292.
    """
    if not (0.0 <= p1 <= 1.0 and 0.0 <= p2 <= 1.0):
        raise ValueError("les taux attendus doivent être compris entre 0 et 1")
    if p1 == p2:
        raise ValueError("taux attendus identiques : aucune taille d'échantillon ne permet de les distinguer")
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    effect = abs(float(proportion_effectsize(p1, p2)))
    n = NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power, ratio=1.0, alternative="two-sided")
    return math.ceil(float(n))


def suppress_small(count: int | None, threshold: int = SMALL_CELL_THRESHOLD) -> int | str:
    """Hide counts of 1 to threshold − 1 households in evaluator outputs (§10.1 req. 33): "< 5".

    0 is kept: an empty cell names nobody. Caveats for callers: a 0 next to a small total can still reveal that
    *every* household of a group did something, so suppress the rate when its denominator is small too; and a
    hidden cell must not be recoverable from a published total (secondary suppression is the report's job).
    None (unknown) is shown as "n.d." (non disponible).
    """
    if count is None:
        return "n.d."
    if count < 0:
        raise ValueError(f"effectif négatif : {count}")
    if 0 < count < threshold:
        return f"< {threshold}"
    return count
