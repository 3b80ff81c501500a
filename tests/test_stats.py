"""barometer.stats against cases that can be checked by hand or in the literature.

The finite population correction factor; Kish's effective n. Exact tests: Fisher's
tea-tasting table, and the r x c enumeration against a brute-force listing of the tables.
Goodness of fit against the frame.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
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


def test_fpc_factor():
    assert stats.fpc(113, None) == 1.0
    assert stats.fpc(113, 589) == pytest.approx(math.sqrt(476 / 588))
    assert stats.fpc(19, 19) == 0.0


def test_low_base_flag():
    assert stats.is_low_base(stats.LOW_RELIABILITY_N - 1)
    assert not stats.is_low_base(stats.LOW_RELIABILITY_N)


# --- t interval ---------------------------------------------------------------------------------


# --- weighted estimates -------------------------------------------------------------------------


def test_effective_n():
    assert stats.effective_n([1, 1, 1, 1]) == 4
    assert stats.effective_n([1, 1, 2, 2]) == pytest.approx(36 / 10)


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


def replace_p(p):
    return stats.TestResult(method="chi2", statistic=1.0, dof=1, p=p, effect=0.1, n=100)


# --- R-indicator ------------------------------------------------------------------------------


def _classes(sizes):
    """A design matrix of dummies (first class the reference) for units in classes of these sizes."""
    labels = np.repeat(np.arange(len(sizes)), sizes)
    return labels, (labels[:, None] == np.arange(1, len(sizes))[None, :]).astype(float)


def test_r_indicator_of_a_saturated_model_is_one_minus_twice_the_spread_of_the_class_rates():
    """With one categorical covariate the propensities are the classes' response rates, so R and the
    bias of S² have closed forms: bias = Σ_g p_g(1 − p_g) / N (the delta-method variance of each
    class rate, p_g(1 − p_g)/n_g, summed over the class's n_g units)."""
    sizes, responding = [300, 200, 89], [30, 50, 40]
    labels, x = _classes(sizes)
    y = np.concatenate([np.r_[np.ones(k), np.zeros(n - k)] for n, k in zip(sizes, responding)])
    result = stats.r_indicator(y, x)
    rates = np.array(responding) / np.array(sizes)
    unit_rates = rates[labels]
    assert result.propensities == pytest.approx(unit_rates, abs=1e-9)
    s2 = unit_rates.var(ddof=1)
    assert result.r_unadjusted == pytest.approx(1 - 2 * np.sqrt(s2), abs=1e-9)
    bias = float((rates * (1 - rates)).sum()) / len(y)
    assert result.r == pytest.approx(1 - 2 * np.sqrt(s2 - bias), abs=1e-7)
    assert result.low < result.r < result.high


def test_r_indicator_standard_error_matches_the_spread_of_repeated_responses():
    """The analytic SE is an approximation of R̂'s spread over repetitions of the response: draw
    responses of 589 units from fixed propensities many times and compare."""
    sizes, true_rates = [250, 200, 139], np.array([0.12, 0.22, 0.35])
    labels, x = _classes(sizes)
    rng = np.random.default_rng(2016)
    results = [stats.r_indicator(rng.random(len(labels)) < true_rates[labels], x) for _ in range(400)]
    spread = np.std([r.r for r in results], ddof=1)
    mean_se = np.mean([r.se for r in results])
    assert mean_se == pytest.approx(spread, rel=0.15)
    covered = np.mean([r.low <= 1 - 2 * true_rates[labels].std(ddof=1) <= r.high for r in results])
    assert covered > 0.9


def test_r_indicator_refuses_a_response_without_variation():
    _, x = _classes([10, 10])
    with pytest.raises(ValueError, match="both responding and non-responding"):
        stats.r_indicator(np.zeros(20), x)
