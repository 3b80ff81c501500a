"""The published figures the synthetic data must reproduce, and the rounding the analysts use.

Only the generator and its self-check read ``published_figures.yml``: the analysis never
does (it computes, then the reproduction check compares).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import yaml

from barometer import paths

#: The sections of published_figures.yml the synthetic data must reproduce.
SECTIONS = ("sample", "perception", "implementation", "management")


def load_targets(path: str | Path = paths.PUBLISHED_FIGURES) -> dict:
    """The target sections of the published figures (sample, perception, implementation, management)."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    missing = [s for s in SECTIONS if s not in raw]
    if missing:
        raise ValueError(f"{path}: sections {missing} missing from the published figures")
    return {s: raw[s] for s in SECTIONS}


def exact(value) -> Fraction:
    """A number as an exact fraction (floats through their shortest decimal text: 3.7 -> 37/10)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def round_half_up(value, digits: int = 0) -> Fraction:
    """Round half up (away from zero for the positive numbers used here), exactly."""
    scale = Fraction(10) ** digits
    return Fraction(math.floor(exact(value) * scale + Fraction(1, 2))) / scale


def pct(num: int, den: int) -> int:
    """A percentage rounded half up to a whole number, as published."""
    if den == 0:
        raise ZeroDivisionError("percentage of an empty base")
    return int(round_half_up(Fraction(100 * num, den)))


def mean1(values) -> Fraction:
    """A mean rounded half up to one decimal, as published (/5 scales)."""
    values = list(values)
    return round_half_up(Fraction(sum(values), len(values)), 1)


def floor1(value) -> Fraction:
    return Fraction(math.floor(exact(value) * 10), 10)


def ceil1(value) -> Fraction:
    return Fraction(math.ceil(exact(value) * 10), 10)
