"""Statistics: Wilson, Newcombe, chi²/Fisher, Holm, Kaplan–Meier, sample size, small-cell suppression."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

from campaigns.platform.statistics import (
    compare,
    compare_many,
    holm,
    households_needed,
    kaplan_meier,
    rate,
    suppress_small,
    time_to_response,
)


def _pct(value: float | None) -> float:
    assert value is not None
    return round(100 * value, 1)


# --- Wilson ------------------------------------------------------------------------------------------------------


def test_wilson_13_of_39_matches_statsmodels_and_the_closed_form():
    r = rate(13, 39)
    low, high = proportion_confint(13, 39, alpha=0.05, method="wilson")
    assert (r.successes, r.n) == (13, 39)
    assert r.value == pytest.approx(1 / 3)
    assert (r.low, r.high) == (pytest.approx(low), pytest.approx(high))
    # Wilson (1927) by hand: centre (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n)·√(p(1−p)/n + z²/4n²).
    z, n, p = 1.959963984540054, 39, 1 / 3
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (r.low, r.high) == (pytest.approx(centre - half), pytest.approx(centre + half))
    assert (round(r.low, 4), round(r.high, 4)) == (0.2063, 0.4902)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3 (score).
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_reproduces_newcombe_1998_published_intervals(successes, n, low, high):
    r = rate(successes, n)
    assert r.low is not None
    assert r.high is not None
    assert (round(r.low, 4), round(r.high, 4)) == (low, high)


def test_rate_of_nobody_has_no_value_and_impossible_rates_are_refused():
    empty = rate(0, 0)
    assert (empty.value, empty.low, empty.high) == (None, None, None)
    for successes, n in [(5, 4), (-1, 3), (0, -1)]:
        with pytest.raises(ValueError, match="taux impossible"):
            rate(successes, n)


def test_essonne_closure_reasons_reproduce_the_printed_summary():
    closed = 292
    assert closed == 153 + 49 + 15 + 55 + 10 + 8 + 1 + 1
    no_contact = rate(153, closed)
    left_or_npai = rate(49 + 15, closed)
    contacted = rate(1 + 1 + 8 + 10 + 55, closed)
    assert _pct(no_contact.value) == 52.4
    assert _pct(left_or_npai.value) == 21.9  # printed 21%
    assert _pct(contacted.value) == 25.7  # printed "77 ménages / 27%": the reason list gives 75
    assert no_contact.low is not None and no_contact.high is not None
    assert no_contact.low < 0.5 < no_contact.high  # "52%" is not distinguishable from one in two


def test_vendee_ccas_sans_suite():
    sans_suite = rate(12, 52)
    assert _pct(sans_suite.value) == 23.1
    assert _pct(rate(40, 52).value) == 76.9
    # The "plus de 50 %" before the scheme is far above the whole interval.
    assert sans_suite.high is not None and sans_suite.high < 0.5


# --- Newcombe, chi² / Fisher ---------------------------------------------------------------------------------------


def test_adil44_incoming_calls_prive_vs_social():
    prive, social = rate(5, 28), rate(17, 39)
    result = compare(prive, social)
    assert result.difference == pytest.approx(5 / 28 - 17 / 39)
    assert result.low < result.difference < result.high
    assert result.high < 0  # the social park answers the letter more, beyond chance
    low, high = confint_proportions_2indep(5, 28, 17, 39, method="newcomb", alpha=0.05)
    assert (result.low, result.high) == (pytest.approx(low), pytest.approx(high))
    # Smallest expected count is 28·22/67 = 9.2 ≥ 5: chi², which without Yates equals the two-proportion z-test.
    assert result.test == "chi2"
    assert result.p_value == pytest.approx(proportions_ztest([5, 17], [28, 39])[1])
    assert result.p_value == pytest.approx(0.02696, abs=1e-5)
    assert result.p_adjusted is None


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    # Newcombe (1998), "Interval estimation for the difference between independent proportions", method 10.
    [((56, 70), (48, 80), 0.0524, 0.3339), ((9, 10), (3, 10), 0.1705, 0.8090), ((5, 56), (0, 29), -0.0381, 0.1926)],
)
def test_newcombe_reproduces_published_intervals(a, b, low, high):
    result = compare(rate(*a), rate(*b))
    assert (round(result.low, 4), round(result.high, 4)) == (low, high)


def test_fisher_is_chosen_when_an_expected_count_is_below_five():
    # ADIL 44 first home visit: 3/28 privé vs 8/39 social; expected visits in privé = 28·11/67 = 4.6.
    result = compare(rate(3, 28), rate(8, 39))
    assert result.test == "fisher"
    assert result.p_value == pytest.approx(fisher_exact([[3, 25], [8, 31]]).pvalue)
    assert result.low < result.difference < result.high


def test_nobody_responded_anywhere_gives_fisher_with_p_one():
    result = compare(rate(0, 10), rate(0, 20))
    assert (result.test, result.p_value, result.difference) == ("fisher", pytest.approx(1.0), 0.0)
    assert result.low < 0 < result.high


def test_comparing_an_empty_group_is_refused():
    with pytest.raises(ValueError, match="aucun ménage"):
        compare(rate(0, 0), rate(3, 10))


# --- Holm ----------------------------------------------------------------------------------------------------------


def test_holm_adjusted_p_values_are_monotone_and_never_below_raw():
    modes = {"appel_sortant": ((19, 28), (13, 39)), "appel_entrant": ((5, 28), (17, 39)),
             "vad_1": ((3, 28), (8, 39)), "vad_2": ((1, 28), (1, 39))}  # fmt: skip
    results = compare_many({name: (rate(*a), rate(*b)) for name, (a, b) in modes.items()})
    assert list(results) == list(modes)
    raw = [results[name].p_value for name in modes]
    _, expected, _, _ = multipletests(raw, alpha=0.05, method="holm")
    for name, adjusted in zip(modes, expected, strict=True):
        c = results[name]
        assert c.p_adjusted == pytest.approx(adjusted)
        assert c.p_adjusted is not None and c.p_value <= c.p_adjusted <= 1.0
    ordered = sorted(results.values(), key=lambda c: c.p_value)
    adjusted_in_order = [c.p_adjusted for c in ordered]
    assert adjusted_in_order == sorted(adjusted_in_order)
    # The smallest p is multiplied by the number of tests (4).
    assert ordered[0].p_adjusted == pytest.approx(min(1.0, 4 * ordered[0].p_value))


def test_holm_is_statsmodels_holm_on_random_families_with_ties() -> None:
    rng = random.Random(6)
    for size in (1, 2, 3, 7, 20):
        for _ in range(12):  # statsmodels runs a full gc.collect per call: ~0.5 s in a loaded process
            raw = [round(rng.random() ** 3, 3) for _ in range(size)]  # rounding makes ties
            _, expected, _, _ = multipletests(raw, alpha=0.05, method="holm")
            assert holm(raw) == pytest.approx(list(expected), abs=1e-12)


def test_compare_many_of_nothing():
    assert compare_many({}) == {}


# --- Kaplan–Meier --------------------------------------------------------------------------------------------------


def test_kaplan_meier_hand_computed_with_censoring():
    # Days to response; the household censored at day 2 is still at risk at day 2 (events before censoring).
    # t=1: 5 at risk, 1 event → 4/5 = 0.8; t=2: 4 at risk, 1 event → 0.8·3/4 = 0.6; t=3: 2 at risk → 0.6·1/2 = 0.3.
    km = kaplan_meier([1, 2, 2, 3, 5], [True, True, False, True, False])
    assert km.times == (1.0, 2.0, 3.0)
    assert km.survival == pytest.approx((0.8, 0.6, 0.3))
    assert km.median_days == 3.0
    curve = km.response_curve()
    assert [t for t, _ in curve] == [1.0, 2.0, 3.0]
    assert [share for _, share in curve] == pytest.approx([0.2, 0.4, 0.7])
    assert km.responded_by(0.5) == 0.0
    assert km.responded_by(2.5) == pytest.approx(0.4)
    assert km.responded_by(365) == pytest.approx(0.7)  # the censored household at day 5 is not counted as a "no"


def test_kaplan_meier_without_enough_responses_has_no_median():
    km = kaplan_meier([3, 10, 10, 10], [True, False, False, False])
    assert km.survival == pytest.approx((0.75,))
    assert km.median_days is None
    none = kaplan_meier([4, 7], [False, False])
    assert (none.times, none.survival, none.median_days) == ((), (), None)
    assert kaplan_meier([], []).response_curve() == ()


def test_kaplan_meier_refuses_inconsistent_input():
    with pytest.raises(ValueError, match="longueurs"):
        kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError, match="négative"):
        kaplan_meier([-1], [True])


def test_time_to_response_censors_at_the_end_of_the_period():
    start = datetime(2021, 3, 1, 9, tzinfo=UTC)
    end = start + timedelta(days=30)
    assert time_to_response(start, start + timedelta(days=6, hours=12), end) == (6.5, True)
    assert time_to_response(start, None, end) == (30.0, False)
    # Known only after the period closed: at the end of the period it was still unanswered.
    assert time_to_response(start, end + timedelta(days=2), end) == (30.0, False)
    with pytest.raises(ValueError, match="antérieure"):
        time_to_response(start, start - timedelta(days=1), end)


# --- Sample size ---------------------------------------------------------------------------------------------------


def test_households_needed_for_20_vs_30_percent():
    n = households_needed(0.20, 0.30)
    direct = NormalIndPower().solve_power(
        effect_size=abs(proportion_effectsize(0.20, 0.30)), alpha=0.05, power=0.8, ratio=1.0
    )
    assert n == math.ceil(direct) == 292
    assert 290 <= n <= 300
    assert households_needed(0.30, 0.20) == n
    assert households_needed(0.20, 0.30, power=0.9) > n
    assert households_needed(0.20, 0.30, alpha=0.01) > n


def test_households_needed_refuses_identical_or_impossible_rates():
    with pytest.raises(ValueError, match="identiques"):
        households_needed(0.2, 0.2)
    with pytest.raises(ValueError, match="entre 0 et 1"):
        households_needed(1.2, 0.3)


# --- Small cells ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "< 5"), (4, "< 5"), (5, 5), (292, 292), (None, "n.d.")])
def test_suppress_small_boundaries(count, shown):
    assert suppress_small(count) == shown


def test_suppress_small_with_another_threshold_and_negative_counts():
    assert suppress_small(9, threshold=10) == "< 10"
    assert suppress_small(10, threshold=10) == 10
    with pytest.raises(ValueError, match="négatif"):
        suppress_small(-1)
