"""Rounding as the report rounds, estimates with their base and interval, and tests of differences.

The published report rounds half up (SPSS's convention), not half to even as Python's
``round`` does; every figure the compendium quotes goes through :func:`round_half_up`.

Estimates (:func:`share`, :func:`mean` and their weighted forms) carry their base n and a
95% interval with the finite population correction: the 113 respondents are a fifth of a
known population of 589 municipalities (and of a known number per region or class).
Shares get Wilson's score interval (Wilson 1927), means a *t* interval; both are computed
on the *effective* sample size n* = n_eff · (N − 1) / (N − n), where n_eff is Kish's
effective size of the weights (n when unweighted) and (N − n) / (N − 1) the squared finite
population correction (Cochran 1977, ch. 2–3): the variance of an estimate is that of a
simple random sample of size n*.

Tests: :func:`independence` (Pearson's χ² with Cramér's V from pingouin, and an exact test
where an expected count is below :data:`MIN_EXPECTED`: Fisher's for two by two tables, the
Fisher–Freeman–Halton extension otherwise), :func:`kruskal` for scores, :func:`goodness_of_fit`
of the sample against the frame, and :func:`holm` for the family of tests of a notebook.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from scipy import stats as _st

CONFIDENCE = 0.95
Z95 = float(_st.norm.ppf(0.5 + CONFIDENCE / 2))
#: Bases (unweighted respondents) below this are flagged as of low reliability. The project's
#: convention, in the spirit of the publication rules of official statistics that suppress or
#: flag cells resting on few observations; see the method page.
LOW_RELIABILITY_N = 20
#: Significance level of every test (after the multiple-test correction).
ALPHA = 0.05
#: Below this expected count in a cell, the χ² approximation is not trusted and an exact test decides.
MIN_EXPECTED = 5


def _round(value: float, digits: int, mode) -> float:
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=mode))


def round_half_up(value: float, digits: int = 0) -> float:
    """Round as SPSS and the published report do: 0.5 goes up (away from zero)."""
    return _round(value, digits, ROUND_HALF_UP)


def round_floor(value: float, digits: int = 0) -> float:
    return _round(value, digits, ROUND_FLOOR)


def round_ceiling(value: float, digits: int = 0) -> float:
    return _round(value, digits, ROUND_CEILING)


# --- estimates ------------------------------------------------------------------------------


def fpc(n: int, population: int | None) -> float:
    """Finite population correction factor sqrt((N - n) / (N - 1)); 1 when N is unknown."""
    if not population or population <= 1:
        return 1.0
    return math.sqrt(max(population - n, 0) / (population - 1))


def effective_n(weights) -> float:
    """Kish's effective sample size (Σw)² / Σw²: n for equal weights, less the more they vary."""
    w = np.asarray(weights, dtype=float)
    if len(w) == 0 or not np.any(w):
        return 0.0
    return float(w.sum() ** 2 / (w ** 2).sum())


@dataclass(frozen=True)
class Estimate:
    """A share (in %) or a mean with its base, its 95% interval and (if weighted) its effective base."""

    value: float
    n: int
    low: float
    high: float
    population: int | None = None
    n_eff: float | None = None  # Kish's effective sample size when the estimate is weighted

    @property
    def low_base(self) -> bool:
        return is_low_base(self.n)

    @property
    def weighted(self) -> bool:
        return self.n_eff is not None


def is_low_base(n: int) -> bool:
    """Whether a base is below the threshold of low reliability (LOW_RELIABILITY_N)."""
    return n < LOW_RELIABILITY_N


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval of a proportion p observed on n (n may be an effective, non-integer size)."""
    if math.isinf(n):
        return p, p
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _corrected_n(n_eff: float, n: int, population: int | None) -> float:
    """The size of a simple random sample (with replacement) as precise as this one: n_eff / fpc²."""
    f = fpc(n, population)
    return math.inf if f == 0 else n_eff / (f * f)


def share(k: int, n: int, population: int | None = None) -> Estimate:
    """k of n in %, with Wilson's interval on the sample size corrected for the finite population.

    With n = N the interval has no width (the whole population answered); without N it is
    the plain Wilson interval.
    """
    if n == 0:
        return Estimate(math.nan, 0, math.nan, math.nan, population)
    p = k / n
    low, high = wilson(p, _corrected_n(n, n, population))
    return Estimate(100 * p, n, 100 * low, 100 * high, population)


def weighted_share(chosen, weights, population: int | None = None) -> Estimate:
    """Weighted % of ``chosen`` (booleans), Wilson's interval on the effective, corrected size."""
    x = np.asarray(chosen, dtype=float)
    w = np.asarray(weights, dtype=float)
    n = len(x)
    if n == 0 or w.sum() <= 0:
        return Estimate(math.nan, n, math.nan, math.nan, population, 0.0)
    p = float((w * x).sum() / w.sum())
    n_eff = effective_n(w)
    low, high = wilson(p, _corrected_n(n_eff, n, population))
    return Estimate(100 * p, n, 100 * low, 100 * high, population, n_eff)


def _clean(values) -> list[float]:
    return [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]


def mean(values, population: int | None = None) -> Estimate:
    """Mean of the answered values, with a t interval corrected for the finite population."""
    values = _clean(values)
    n = len(values)
    if n == 0:
        return Estimate(math.nan, 0, math.nan, math.nan, population)
    m = sum(values) / n
    if n == 1:
        return Estimate(m, 1, math.nan, math.nan, population)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    half = float(_st.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / math.sqrt(n) * fpc(n, population)
    return Estimate(m, n, m - half, m + half, population)


def weighted_mean(values, weights, population: int | None = None) -> Estimate:
    """Weighted mean, with a t interval on Kish's effective size, corrected for the finite population.

    The standard deviation is the weighted one (with the n / (n − 1) correction); the t
    quantile has n_eff − 1 degrees of freedom. Equal weights give exactly :func:`mean`.
    """
    pairs = [(float(v), float(w)) for v, w in zip(values, weights)
             if v is not None and not (isinstance(v, float) and math.isnan(v))]
    n = len(pairs)
    if n == 0:
        return Estimate(math.nan, 0, math.nan, math.nan, population, 0.0)
    x = np.array([v for v, _ in pairs])
    w = np.array([w for _, w in pairs])
    m = float((w * x).sum() / w.sum())
    n_eff = effective_n(w)
    if n == 1 or n_eff <= 1:
        return Estimate(m, n, math.nan, math.nan, population, n_eff)
    variance = float((w * (x - m) ** 2).sum() / w.sum()) * n / (n - 1)
    half = (float(_st.t.ppf(0.5 + CONFIDENCE / 2, n_eff - 1)) * math.sqrt(variance / n_eff)
            * fpc(n, population))
    return Estimate(m, n, m - half, m + half, population, n_eff)


# --- tests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    """One test of a difference: statistic, p-value, effect size, base, and Holm's adjusted p."""

    method: str  # "chi2", "fisher" (2 x 2), "fisher_freeman_halton" (larger), "fisher_monte_carlo", "kruskal", "gof"
    statistic: float  # χ² (Yates-corrected for 2 x 2 tables) or H
    dof: int
    p: float  # the p-value that decides: exact where an expected count is small
    effect: float  # Cramér's V, ε² (Kruskal–Wallis) or Cohen's w (goodness of fit)
    n: int
    small_expected: bool = False  # an expected count below MIN_EXPECTED
    p_chi2: float | None = None  # the χ² p-value, also when an exact test decides
    p_adjusted: float | None = None  # Holm-adjusted p within the notebook's family of tests
    family: int | None = None  # number of tests in that family

    __test__ = False  # not a pytest test class

    @property
    def exact(self) -> bool:
        return self.method in ("fisher", "fisher_freeman_halton", "fisher_monte_carlo")

    @property
    def significant(self) -> bool:
        """Significant at ALPHA, on the adjusted p when the test belongs to a family."""
        return (self.p if self.p_adjusted is None else self.p_adjusted) < ALPHA


def _log_factorials(n: int) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])


def _compositions(total: int, caps: tuple[int, ...]):
    """Every way to split ``total`` into len(caps) non-negative parts, part i at most caps[i]."""
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    rest = sum(caps[1:])
    for first in range(max(0, total - rest), min(caps[0], total) + 1):
        for tail in _compositions(total - first, caps[1:]):
            yield (first, *tail)


class TooManyTables(ValueError):
    """The exact r x c test would have to list more tables than allowed."""


def fisher_exact(table, *, max_tables: int = 1_000_000) -> float:
    """Two-sided exact test of independence of an r x c table of counts.

    2 x 2: Fisher's exact test (scipy). Larger tables: the Fisher–Freeman–Halton test, by full
    enumeration of the tables with the observed margins; the p-value sums the probabilities
    of the tables no more probable than the observed one (with R's relative tolerance of
    1e-7 for ties). Deterministic, unlike scipy's Monte Carlo version for r x c tables.
    Raises :class:`TooManyTables` beyond ``max_tables`` tables (a few seconds of work).
    """
    t = np.asarray(table, dtype=int)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.ndim != 2 or min(t.shape) < 2:
        return 1.0
    if t.shape == (2, 2):
        return float(_st.fisher_exact(t).pvalue)
    if t.shape[0] > t.shape[1]:
        t = t.T  # enumerate over the longer side: fewer, longer columns
    rows, cols = tuple(int(v) for v in t.sum(axis=1)), [int(v) for v in t.sum(axis=0)]
    total = sum(rows)
    lf = _log_factorials(total)
    constant = lf[list(rows)].sum() + lf[cols].sum() - lf[total]
    observed = constant - lf[t].sum()
    threshold = observed + math.log1p(1e-7)
    p, count = 0.0, 0

    def walk(j: int, remaining: tuple[int, ...], logp: float) -> None:
        nonlocal p, count
        if j == len(cols) - 1:  # the last column is what the rows have left
            count += 1
            if count > max_tables:
                raise TooManyTables(f"more than {max_tables} tables to enumerate")
            q = logp - lf[list(remaining)].sum()
            if q <= threshold:
                p += math.exp(q)
            return
        for column in _compositions(cols[j], remaining):
            walk(j + 1, tuple(r - c for r, c in zip(remaining, column)), logp - lf[list(column)].sum())

    walk(0, rows, constant)
    return min(p, 1.0)


def fisher_monte_carlo(table, *, n_resamples: int = 100_000, seed: int = 0) -> float:
    """The Fisher–Freeman–Halton p-value estimated from random tables with the margins (scipy, seeded)."""
    t = np.asarray(table, dtype=int)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    method = _st.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
    return float(_st.fisher_exact(t, method=method).pvalue)


def independence(data: pd.DataFrame, x: str, y: str, *, exact: bool | None = None) -> TestResult:
    """Test of independence of two categorical columns: χ² and Cramér's V (pingouin), exact where needed.

    ``exact=None`` (default): the exact test decides when an expected count is below
    MIN_EXPECTED, else Pearson's χ² (Yates-corrected for 2 x 2, as pingouin does). ``exact=True``
    always decides with the exact test, ``False`` never.
    """
    import pingouin as pg

    data = data[[x, y]].dropna().astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin warns on low expected counts: reported as small_expected
        expected, _, result = pg.chi2_independence(data, x=x, y=y)
    observed = pd.crosstab(data[x], data[y])  # pingouin returns the Yates-corrected table for 2 x 2
    row = result.set_index("test").loc["pearson"]
    small = bool((expected.to_numpy() < MIN_EXPECTED).any())
    use_exact = small if exact is None else exact
    p_chi2 = float(row["pval"])
    if use_exact:
        method = "fisher" if observed.shape == (2, 2) else "fisher_freeman_halton"
        try:
            p = fisher_exact(observed.to_numpy())
        except TooManyTables:  # a large table: the same test, its p-value estimated by simulation
            p, method = fisher_monte_carlo(observed.to_numpy()), "fisher_monte_carlo"
    else:
        p, method = p_chi2, "chi2"
    return TestResult(method=method, statistic=float(row["chi2"]), dof=int(row["dof"]), p=p,
                      effect=float(row["cramer"]), n=len(data), small_expected=small, p_chi2=p_chi2)


def kruskal(data: pd.DataFrame, dv: str, between: str) -> TestResult:
    """Kruskal–Wallis test of a score across groups (pingouin), with ε² = H / (n − 1) as effect size."""
    import pingouin as pg

    data = data[[dv, between]].dropna()
    data = data.assign(**{between: data[between].astype(str), dv: data[dv].astype(float)})
    result = pg.kruskal(data=data, dv=dv, between=between).iloc[0]
    h, n = float(result["H"]), len(data)
    return TestResult(method="kruskal", statistic=h, dof=int(result["ddof1"]), p=float(result["p_unc"]),
                      effect=h / (n - 1) if n > 1 else math.nan, n=n)


def goodness_of_fit(observed, population_counts) -> TestResult:
    """χ² test of the sample's counts against the frame's distribution, with Cohen's w = sqrt(χ²/n).

    The statistic is Pearson's, as the published report used. ``p`` is its plain χ² p-value;
    ``p_chi2`` holds the same. See :func:`gof_fpc_p` for the finite-population version.
    """
    observed = np.asarray(observed, dtype=float)
    frame = np.asarray(population_counts, dtype=float)
    expected = frame / frame.sum() * observed.sum()
    test = _st.chisquare(observed, expected)
    n = int(observed.sum())
    return TestResult(method="gof", statistic=float(test.statistic), dof=len(observed) - 1,
                      p=float(test.pvalue), effect=math.sqrt(float(test.statistic) / n) if n else math.nan,
                      n=n, small_expected=bool((expected < MIN_EXPECTED).any()), p_chi2=float(test.pvalue))


def gof_fpc_p(result: TestResult, population: int) -> float:
    """The goodness-of-fit p-value for a sample drawn without replacement from a population of N.

    Under simple random sampling without replacement the counts are multivariate
    hypergeometric, whose covariance is the multinomial one times (N − n) / (N − 1); Pearson's
    statistic divided by that factor is again asymptotically χ² (the first-order correction
    of Rao & Scott 1981 with a design effect equal to the finite population correction).
    """
    factor = fpc(result.n, population) ** 2
    if factor == 0:
        return 0.0 if result.statistic > 1e-9 else 1.0  # a census: any difference is real
    return float(_st.chi2.sf(result.statistic / factor, result.dof))


def holm(results: list[TestResult]) -> list[TestResult]:
    """Holm's step-down adjustment (Holm 1979, via statsmodels) across a family of tests.

    Returns the results with ``p_adjusted`` and ``family`` (the number of tests) filled in,
    in the order given.
    """
    from statsmodels.stats.multitest import multipletests

    if not results:
        return []
    _, adjusted, _, _ = multipletests([r.p for r in results], alpha=ALPHA, method="holm")
    return [replace(r, p_adjusted=float(a), family=len(results)) for r, a in zip(results, adjusted)]

