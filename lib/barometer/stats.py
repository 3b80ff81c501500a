"""Rounding as the report rounds, shared thresholds, and the tests R's survey package lacks.

The published report rounds half up (SPSS's convention), not half to even as Python's
``round`` does; every figure the compendium quotes goes through :func:`round_half_up`.

Estimates, intervals and design-based tests are :mod:`barometer.design`'s. Here: the exact
test of independence of an r x c table (:func:`fisher_exact`: Fisher's for two by two tables,
the Fisher–Freeman–Halton extension otherwise), used where an expected count is below
:data:`MIN_EXPECTED`; the goodness-of-fit test of the respondents against the frame
(:func:`goodness_of_fit`, with the finite population correction :func:`gof_fpc_p`); Kish's
effective sample size; and the thresholds of a low base and of significance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
from scipy import stats as _st

CONFIDENCE = 0.95
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


def is_low_base(n: int) -> bool:
    """Whether a base is below the threshold of low reliability (LOW_RELIABILITY_N)."""
    return n < LOW_RELIABILITY_N


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




# --- representativeness -----------------------------------------------------------------------


@dataclass(frozen=True)
class RIndicator:
    """The R-indicator of a response, with its standard error and 95 % interval.

    ``r`` is bias-adjusted, ``r_unadjusted`` is 1 − 2 S(ρ̂) as first defined; ``low``/``high``
    is r ± z·se cut to [0, 1]; ``propensities`` are the fitted response propensities.
    """

    r: float
    r_unadjusted: float
    se: float
    low: float
    high: float
    propensities: np.ndarray


def r_indicator(responded, covariates) -> RIndicator:
    """The R-indicator of Schouten, Cobben & Bethlehem (2009) with the standard error of Shlomo,
    Skinner & Schouten (2012), for a response observed on the whole frame (every unit invited).

    R = 1 − 2 S(ρ̂), ρ̂ the propensities of a logistic model of response on ``covariates`` (a
    design matrix without constant) fitted on the frame. Because every unit was invited (a census of
    invitations, weights 1, no sampling term), the estimator's bias and variance come from the
    estimated model alone: with z_i = ρ̂_i(1 − ρ̂_i) x_i and Σ the model's covariance,
    bias of S² = Σ_i z_i'Σz_i / N, and Var(R̂) ≈ [4 A'ΣA + 2 tr(BΣBΣ)] / S²_ML with A the covariance
    of ρ̂ with z and B the covariance of z (both with divisor N). The adjusted R uses S² (1 − bias/S²).
    Raises ValueError when the model cannot be fitted (e.g. one category answers all or none).
    """
    import statsmodels.api as sm

    y = np.asarray(responded, dtype=float)
    x = sm.add_constant(np.asarray(covariates, dtype=float), has_constant="add")
    if len(y) < 2 or y.min() == y.max():
        raise ValueError("the response model needs both responding and non-responding units")
    try:
        fit = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    except (np.linalg.LinAlgError, sm.tools.sm_exceptions.PerfectSeparationError) as error:
        raise ValueError(f"the response model cannot be fitted: {error}") from error
    sigma = np.asarray(fit.cov_params())
    prop = np.asarray(fit.fittedvalues)
    if not (np.all(np.isfinite(sigma)) and np.all(np.isfinite(prop))):
        raise ValueError("the response model has no finite fit")
    n = len(y)
    z = (prop * (1 - prop))[:, None] * x
    s2 = float(prop.var(ddof=1))
    bias = float(np.einsum("ij,jk,ik->", z, sigma, z)) / n
    factor = 0.0 if bias > s2 else 1 - bias / s2
    s2_ml = float(prop.var(ddof=0))
    a = ((prop - prop.mean())[:, None] * (z - z.mean(axis=0))).mean(axis=0)
    b = np.cov(z, rowvar=False, ddof=0)
    bs = b @ sigma
    variance = (4 * float(a @ sigma @ a) + 2 * float(np.trace(bs @ bs))) / s2_ml if s2_ml > 0 else math.nan
    r = 1 - 2 * math.sqrt(s2 * factor)
    se = math.sqrt(variance) if variance >= 0 else math.nan
    half = float(_st.norm.ppf(0.5 + CONFIDENCE / 2)) * se
    return RIndicator(r=r, r_unadjusted=1 - 2 * math.sqrt(s2), se=se, low=max(r - half, 0.0),
                      high=min(r + half, 1.0), propensities=prop)
