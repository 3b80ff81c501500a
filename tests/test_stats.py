"""barometer.stats against cases that can be checked by hand or in the literature.

Wilson's interval: the example of Newcombe (1998, Statistics in Medicine 17:857–872), 81 of
263, whose Wilson (score) interval is 0.2553 to 0.3662. The finite population correction:
no width when the whole population answered, the plain interval for an infinite one. The t
interval: a small set worked out by hand with the tabled t quantile. Exact tests: Fisher's
tea-tasting table, and the r x c enumeration against a brute-force listing of the tables.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from barometer import stats


# --- rounding ---------------------------------------------------------------------------------


def test_round_half_up_rounds_halves_away_from_zero():
    assert stats.round_half_up(0.5) == 1
    assert stats.round_half_up(2.5) == 3  # Python's round gives 2
    assert stats.round_half_up(3.45, 1) == 3.5
    assert stats.round_floor(1.79, 1) == 1.7 and stats.round_ceiling(2.11, 1) == 2.2


# --- Wilson interval and the finite population correction -------------------------------------


def test_wilson_interval_of_newcombes_example():
    """81 of 263: Wilson's score interval is [0.2553, 0.3662] (Newcombe 1998, Wilson 1927)."""
    est = stats.share(81, 263)
    assert est.value == pytest.approx(100 * 81 / 263)
    assert est.low == pytest.approx(25.53, abs=0.005)
    assert est.high == pytest.approx(36.62, abs=0.005)


def test_wilson_interval_by_its_formula():
    """p̃ ± z sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n), p̃ = (p + z²/2n) / (1 + z²/n)."""
    k, n, z = 17, 113, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    est = stats.share(k, n)
    assert (est.low, est.high) == pytest.approx((100 * (centre - half), 100 * (centre + half)))


def test_wilson_interval_stays_within_0_and_100():
    assert stats.share(0, 8).low == 0 and stats.share(0, 8).high > 0
    assert stats.share(8, 8).high == 100 and stats.share(8, 8).low < 100


def test_fpc_factor():
    assert stats.fpc(113, None) == 1.0
    assert stats.fpc(113, 589) == pytest.approx(math.sqrt(476 / 588))
    assert stats.fpc(19, 19) == 0.0


def test_share_has_no_width_when_the_whole_population_answered():
    est = stats.share(7, 19, population=19)
    assert est.low == est.high == pytest.approx(100 * 7 / 19)


def test_share_with_an_infinite_population_is_the_plain_wilson_interval():
    plain = stats.share(81, 263)
    huge = stats.share(81, 263, population=10**12)
    assert (huge.low, huge.high) == pytest.approx((plain.low, plain.high), abs=1e-6)


def test_fpc_narrows_the_interval_inside_the_plain_one():
    plain, finite = stats.share(40, 113), stats.share(40, 113, population=589)
    assert plain.low < finite.low < finite.value < finite.high < plain.high
    # the correction works on the sample size: n* = n (N - 1) / (N - n)
    n_star = 113 * 588 / 476
    low, high = stats.wilson(40 / 113, n_star)
    assert (finite.low, finite.high) == pytest.approx((100 * low, 100 * high))


def test_low_base_flag():
    assert stats.share(2, stats.LOW_RELIABILITY_N - 1).low_base
    assert not stats.share(2, stats.LOW_RELIABILITY_N).low_base


# --- t interval ---------------------------------------------------------------------------------


def test_t_interval_of_a_small_set_by_hand():
    """2, 4, 4, 4, 5, 5, 7, 9: mean 5, s² = 32/7, t(0.975; 7) = 2.3646 (tables): 5 ± 1.787."""
    values = [2, 4, 4, 4, 5, 5, 7, 9]
    half = 2.3646 * math.sqrt(32 / 7) / math.sqrt(8)
    est = stats.mean(values)
    assert est.value == 5 and est.n == 8
    assert est.low == pytest.approx(5 - half, abs=1e-3)
    assert est.high == pytest.approx(5 + half, abs=1e-3)
    finite = stats.mean(values, population=16)  # correction sqrt((16 - 8) / 15)
    assert finite.high - finite.value == pytest.approx(half * math.sqrt(8 / 15), abs=1e-3)
    assert stats.mean(values, population=8).low == stats.mean(values, population=8).high == 5


def test_mean_ignores_missing_values():
    assert stats.mean([1, None, 3, float("nan")]).n == 2


# --- weighted estimates -------------------------------------------------------------------------


def test_effective_n():
    assert stats.effective_n([1, 1, 1, 1]) == 4
    assert stats.effective_n([1, 1, 2, 2]) == pytest.approx(36 / 10)


def test_equal_weights_give_the_unweighted_estimates():
    chosen = [True] * 30 + [False] * 83
    a, b = stats.share(30, 113, 589), stats.weighted_share(chosen, [2.5] * 113, 589)
    assert (b.value, b.low, b.high, b.n) == pytest.approx((a.value, a.low, a.high, a.n))
    assert b.n_eff == pytest.approx(113) and b.weighted and not a.weighted
    values = [1, 2, 2, 3, 4, 4, 5, 5, 5]
    m, w = stats.mean(values, 40), stats.weighted_mean(values, [0.7] * 9, 40)
    assert (w.value, w.low, w.high) == pytest.approx((m.value, m.low, m.high))


def test_weighted_share_by_hand():
    """Weights 1, 1, 2, 2 on yes, no, yes, no... : p = (1 + 2) / 6; interval on n_eff = 3.6."""
    est = stats.weighted_share([True, False, True, False], [1, 1, 2, 2])
    assert est.value == pytest.approx(50.0)
    low, high = stats.wilson(0.5, 3.6)
    assert (est.low, est.high) == pytest.approx((100 * low, 100 * high))
    est = stats.weighted_share([True, False, False, False], [3, 1, 1, 1])
    assert est.value == pytest.approx(50.0)


# --- exact tests --------------------------------------------------------------------------------


def _brute_force_p(table) -> float:
    """Fisher–Freeman–Halton p-value by listing every table with the same margins (exact fractions)."""
    t = np.asarray(table)
    rows, cols = [int(v) for v in t.sum(axis=1)], [int(v) for v in t.sum(axis=0)]
    total = sum(rows)

    def prob(m):
        num = math.prod(math.factorial(r) for r in rows) * math.prod(math.factorial(c) for c in cols)
        den = math.factorial(total) * math.prod(math.factorial(int(x)) for x in np.ravel(m))
        return Fraction(num, den)

    observed, p = prob(t), Fraction(0)
    r_, c_ = len(rows) - 1, len(cols) - 1
    for free in itertools.product(*[range(min(rows[i], cols[j]) + 1) for i in range(r_) for j in range(c_)]):
        m = np.zeros((r_ + 1, c_ + 1), dtype=int)
        m[:r_, :c_] = np.array(free).reshape(r_, c_)
        m[:r_, c_] = np.array(rows[:-1]) - m[:r_, :c_].sum(axis=1)
        m[r_, :] = np.array(cols) - m[:r_, :].sum(axis=0)
        if (m >= 0).all():
            q = prob(m)
            if q <= observed:
                p += q
    return float(p)


def test_fisher_tea_tasting():
    """Fisher's lady tasting tea, 3 of 4 cups right: two-sided p = 34/70 = 0.4857."""
    assert stats.fisher_exact([[3, 1], [1, 3]]) == pytest.approx(34 / 70)


@pytest.mark.parametrize("table", [
    [[6, 52], [9, 38], [2, 6]],
    [[3, 0, 2], [1, 4, 1]],
    [[2, 3, 1], [4, 0, 2], [1, 1, 5]],
    [[0, 5], [5, 0], [2, 2]],
])
def test_fisher_freeman_halton_matches_a_brute_force_listing(table):
    assert stats.fisher_exact(table) == pytest.approx(_brute_force_p(table), rel=1e-9)


def test_fisher_two_by_two_matches_scipy():
    assert stats.fisher_exact([[9, 38], [8, 58]]) == pytest.approx(st.fisher_exact([[9, 38], [8, 58]]).pvalue)


def test_fisher_refuses_a_table_too_large_to_list():
    job = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]])
    with pytest.raises(stats.TooManyTables):
        stats.fisher_exact(job, max_tables=1000)
    # R's fisher.test(Job) gives 0.7827; the seeded simulation is close to it and reproducible
    p = stats.fisher_monte_carlo(job)
    assert p == pytest.approx(0.7827, abs=0.01) and p == stats.fisher_monte_carlo(job)


def _frame(table, x="x", y="y"):
    """Respondent-level data of a contingency table (rows: x, columns: y)."""
    rows = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            rows += [{x: f"r{i}", y: f"c{j}"}] * count
    return pd.DataFrame(rows)


def test_independence_uses_chi2_with_large_expected_counts():
    data = _frame([[30, 20], [15, 35]])
    result = stats.independence(data, "x", "y")
    expected = st.chi2_contingency([[30, 20], [15, 35]], correction=True)
    assert result.method == "chi2" and not result.small_expected
    assert result.statistic == pytest.approx(expected.statistic) and result.p == pytest.approx(expected.pvalue)
    assert result.effect == pytest.approx(math.sqrt(expected.statistic / 100))  # Cramér's V
    assert result.n == 100


def test_independence_uses_the_exact_test_with_small_expected_counts():
    table = [[6, 52], [9, 38], [2, 6]]
    result = stats.independence(_frame(table), "x", "y")
    assert result.small_expected and result.method == "fisher_freeman_halton"
    assert result.p == pytest.approx(_brute_force_p(table), rel=1e-9)
    assert result.p_chi2 == pytest.approx(st.chi2_contingency(table).pvalue)


def test_independence_exact_two_by_two_counts_the_raw_table():
    """pingouin returns the Yates-corrected table for 2 x 2; the exact test must use the counts."""
    result = stats.independence(_frame([[9, 38], [8, 58]]), "x", "y", exact=True)
    assert result.method == "fisher"
    assert result.p == pytest.approx(st.fisher_exact([[9, 38], [8, 58]]).pvalue)


def test_kruskal_matches_scipy():
    data = pd.DataFrame({"g": list("aaaabbbbcccc"), "v": [1, 2, 2, 3, 2, 3, 3, 3, 1, 1, 2, 1]})
    result = stats.kruskal(data, "v", "g")
    h, p = st.kruskal([1, 2, 2, 3], [2, 3, 3, 3], [1, 1, 2, 1])
    assert result.statistic == pytest.approx(h) and result.p == pytest.approx(p)
    assert result.dof == 2 and result.effect == pytest.approx(h / 11)


# --- goodness of fit and Holm ------------------------------------------------------------------


def test_goodness_of_fit_of_a_perfectly_proportional_sample():
    result = stats.goodness_of_fit([10, 20, 30], [100, 200, 300])
    assert result.statistic == pytest.approx(0) and result.p == pytest.approx(1)


def test_goodness_of_fit_with_the_finite_population_correction():
    """X² / ((N - n) / (N - 1)) on the same degrees of freedom; n = N leaves no sampling error."""
    result = stats.goodness_of_fit([58, 47, 8], [308, 262, 19])
    expected = [113 * 308 / 589, 113 * 262 / 589, 113 * 19 / 589]
    assert result.statistic == pytest.approx(sum((o - e) ** 2 / e for o, e in zip([58, 47, 8], expected)))
    fpc_p = stats.gof_fpc_p(result, 589)
    assert fpc_p == pytest.approx(st.chi2.sf(result.statistic * 588 / 476, 2))
    assert fpc_p < result.p
    assert result.effect == pytest.approx(math.sqrt(result.statistic / 113))
    census = stats.goodness_of_fit([308, 262, 19], [308, 262, 19])
    assert stats.gof_fpc_p(census, 589) == 1.0


def test_holm_by_hand():
    """p = 0.01, 0.04, 0.03: sorted 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.04·1, 0.06) = 0.06."""
    results = [replace_p(p) for p in (0.01, 0.04, 0.03)]
    adjusted = stats.holm(results)
    assert [r.p_adjusted for r in adjusted] == pytest.approx([0.03, 0.06, 0.06])
    assert all(r.family == 3 for r in adjusted)
    assert [r.significant for r in adjusted] == [True, False, False]
    assert stats.holm([]) == []


def replace_p(p):
    return stats.TestResult(method="chi2", statistic=1.0, dof=1, p=p, effect=0.1, n=100)
