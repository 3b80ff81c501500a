"""Rounding as the report rounds, shares and means with their base, and survey intervals.

The published report rounds half up (SPSS's convention), not half to even as Python's
``round`` does; every figure the compendium quotes goes through :func:`round_half_up`.
Intervals use the finite population correction: the 113 respondents are a fifth of a
known population of 589 municipalities (and of a known number per region or class).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from scipy import stats as _st

Z95 = float(_st.norm.ppf(0.975))
LOW_RELIABILITY_N = 20  # bases below this are flagged (see flag_low_base)


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


def fpc(n: int, population: int | None) -> float:
    """Finite population correction factor sqrt((N - n) / (N - 1)); 1 when N is unknown."""
    if not population or population <= 1:
        return 1.0
    return math.sqrt(max(population - n, 0) / (population - 1))


@dataclass(frozen=True)
class Estimate:
    """A share (in %) or a mean with its base and its 95% interval."""

    value: float
    n: int
    low: float
    high: float
    population: int | None = None

    @property
    def low_base(self) -> bool:
        return self.n < LOW_RELIABILITY_N


def share(k: int, n: int, population: int | None = None) -> Estimate:
    """k of n in %, with a Wilson interval whose width is shrunk by the finite population correction.

    The Wilson score interval behaves at 0 and 100% and for small n; the correction is
    applied to its half-widths around the point estimate (as Cochran, Sampling Techniques,
    ch. 3, applies it to the variance of a proportion).
    """
    if n == 0:
        return Estimate(math.nan, 0, math.nan, math.nan, population)
    p = k / n
    z2 = Z95 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    f = fpc(n, population)
    low = p - (p - (centre - half)) * f
    high = p + ((centre + half) - p) * f
    return Estimate(100 * p, n, 100 * max(low, 0.0), 100 * min(high, 1.0), population)


def mean(values, population: int | None = None) -> Estimate:
    """Mean of the answered values, with a t interval corrected for the finite population."""
    values = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    n = len(values)
    if n == 0:
        return Estimate(math.nan, 0, math.nan, math.nan, population)
    m = sum(values) / n
    if n == 1:
        return Estimate(m, 1, math.nan, math.nan, population)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    half = float(_st.t.ppf(0.975, n - 1)) * sd / math.sqrt(n) * fpc(n, population)
    return Estimate(m, n, m - half, m + half, population)
