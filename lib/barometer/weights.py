"""Calibration (raking) weights: the respondents weighted to the frame's margins.

The 113 respondents over-represent the large municipalities (8 of the 9 over 100,000
inhabitants answered). Raking, or iterative proportional fitting, gives each respondent a
weight such that the weighted sample reproduces the frame's distribution of every
calibration variable at once: region, urbanity (DEGURBA) and size class. It is the
simplest calibration estimator of Deville & Särndal (1992), with the raking distance; the
weights correct the visible imbalance of the sample on these variables only, not a
self-selection that these variables do not explain.

Weights are scaled to a mean of 1 (they sum to the number of respondents), so a weighted
count reads as a number of respondents; multiply by N / n for expansion weights.

Software. Raking is done by weightipy (the RIM algorithm of quantipy, maintained as a small
library). Evaluated for the issue "Survey inference the SPSS report did not have":

- **weightipy 0.4.2** (MIT, pure Python on numpy/pandas) works with pandas 3.1: its
  ``scheme_from_dict`` + ``weight`` reproduce the margins of a hand example exactly
  (tests/test_weights.py). Two properties are handled here: its default convergence
  criterion (relative improvement below 1%) stops early, so :func:`rake` asks for
  convergence to numerical precision and then checks every margin itself; and it *prints*
  (not warns) when it fails to converge, so its output is captured and turned into a
  :class:`CalibrationError`.
- **samplics 0.6.1** was the alternative: the project is archived upstream and its rake API
  breaks with the pandas of this environment, so it was not used.

Diagnostics (:func:`diagnostics`): the weights' range and ratio, Kish's design effect due to
weighting 1 + CV² (Kish 1965) and the effective sample size n / deff.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .stats import effective_n

#: The frame's variables the weights are calibrated to, in the order raking adjusts them.
MARGINS = ("region", "urbanity", "size_class")
#: Largest tolerated relative difference between a weighted margin and its target.
TOLERANCE = 1e-6
SCHEME_NAME = "calibration"


class CalibrationError(ValueError):
    """The weights cannot reproduce the margins (e.g. a class without respondents, or no convergence)."""


@dataclass(frozen=True)
class Diagnostics:
    """What the weights cost: range, Kish's design effect and effective sample size."""

    n: int
    minimum: float
    maximum: float
    deff: float  # 1 + CV² (population CV of the weights)
    n_eff: float  # n / deff = (Σw)² / Σw²

    @property
    def ratio(self) -> float:
        return self.maximum / self.minimum


def weightipy_version() -> str:
    """The installed weightipy's version (quoted by the method page)."""
    from importlib.metadata import version

    return version("weightipy")


def kish_deff(weights) -> float:
    """Kish's design effect of unequal weights, 1 + CV² = n Σw² / (Σw)² (1 for equal weights)."""
    w = np.asarray(weights, dtype=float)
    return float(len(w) * (w ** 2).sum() / w.sum() ** 2)


def diagnostics(weights) -> Diagnostics:
    w = np.asarray(weights, dtype=float)
    return Diagnostics(n=len(w), minimum=float(w.min()), maximum=float(w.max()), deff=kish_deff(w),
                       n_eff=effective_n(w))


def frame_margins(frame: pd.DataFrame, columns=MARGINS) -> dict[str, dict[str, int]]:
    """Counts of municipalities per class of each calibration variable, in the frame's class order."""
    return {c: {str(k): int(v) for k, v in frame[c].value_counts(sort=False).items()} for c in columns}


def collapse_empty(sample: pd.DataFrame, targets: dict[str, dict[str, float]]
                   ) -> tuple[pd.DataFrame, dict[str, dict[str, float]], dict[str, dict[str, str]]]:
    """Merge every class without respondents into its neighbour (the next class, else the previous).

    Raking cannot give weight to a class nobody in the sample belongs to; its target is then
    carried by the adjacent class of the variable's order (size classes are ordered; for the
    region and urbanity the frame's order is used). Returns the recoded sample, the merged
    targets and, per variable, which class went into which.
    """
    sample = sample.copy()
    targets = {var: dict(classes) for var, classes in targets.items()}
    merged: dict[str, dict[str, str]] = {}
    for var, classes in targets.items():
        values = sample[var].astype(str)
        order = list(classes)
        while len(order) > 1:
            empty = [c for c in order if not (values == c).any()]
            if not empty:
                break
            c = empty[0]
            i = order.index(c)
            into = order[i + 1] if i + 1 < len(order) else order[i - 1]
            targets[var][into] += targets[var].pop(c)
            merged.setdefault(var, {})[c] = into
            order.remove(c)
        sample[var] = values
    return sample, targets, merged


def rake(sample: pd.DataFrame, targets: dict[str, dict[str, float]], *, max_iterations: int = 1000) -> pd.Series:
    """Raking weights (mean 1) that reproduce ``targets`` (class totals or shares per column).

    ``sample`` has one row per respondent and a column per target variable; every class of
    the sample must have a target and every target class a respondent (see
    :func:`collapse_empty`). Raises :class:`CalibrationError` when weightipy does not
    converge or a margin is missed by more than TOLERANCE.
    """
    import weightipy as wp

    columns = list(targets)
    data = sample[columns].astype(str).reset_index(drop=True)
    for var, classes in targets.items():
        unknown = sorted(set(data[var]) - set(classes))
        if unknown:
            raise CalibrationError(f"{var}: classes {unknown} of the sample have no target")
        empty = [c for c, v in classes.items() if v > 0 and not (data[var] == c).any()]
        if empty:
            raise CalibrationError(f"{var}: no respondent in {empty}; collapse the classes first")
    # convcrit 0: iterate until the adjustments stop shrinking (numerical precision), not until
    # they shrink by less than weightipy's default 1% per iteration
    scheme = wp.scheme_from_dict({var: dict(classes) for var, classes in targets.items()}, name=SCHEME_NAME,
                                 rim_params={"convcrit": 0.0, "max_iterations": max_iterations})
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        weights = wp.weight(data, scheme)
    weights = pd.Series(np.asarray(weights, dtype=float), index=sample.index, name="weight")
    weights = weights / weights.mean()
    for var, classes in targets.items():
        total = sum(classes.values())
        got = weights.groupby(data[var].to_numpy()).sum() / len(weights)
        for c, v in classes.items():
            if abs(got.get(c, 0.0) - v / total) > TOLERANCE * max(v / total, 1e-12):
                message = printed.getvalue().strip() or "margins not reproduced"
                raise CalibrationError(f"raking did not reproduce {var} = {c}: {message}")
    return weights


def calibration_weights(survey, columns=MARGINS) -> pd.Series:
    """Raking weights of the survey's respondents to the frame's margins (indexed by respondent id)."""
    sample = survey.respondents[list(columns)]
    if len(sample) == 0:
        raise CalibrationError("no respondents")
    collapsed, targets, _ = collapse_empty(sample, {c: {k: float(v) for k, v in m.items()}
                                                    for c, m in frame_margins(survey.frame, columns).items()})
    return rake(collapsed, targets)


def weighted_margins(survey, weights: pd.Series, columns=MARGINS) -> pd.DataFrame:
    """Per class: frame %, unweighted sample %, weighted sample % (a check that calibration worked)."""
    rows = []
    for column in columns:
        frame = survey.frame[column].value_counts(sort=False)
        values = survey.respondents[column]
        unweighted = values.value_counts(sort=False).reindex(frame.index, fill_value=0)
        weighted = weights.groupby(values.astype(str).to_numpy()).sum().reindex(frame.index.astype(str), fill_value=0)
        for code in frame.index:
            rows.append({"variable": column, "code": str(code), "frame_pct": 100 * frame[code] / frame.sum(),
                         "sample_pct": 100 * unweighted[code] / unweighted.sum(),
                         "weighted_pct": 100 * weighted[str(code)] / weighted.sum(),
                         "mean_weight": float(weights[(values.astype(str) == str(code)).to_numpy()].mean())
                         if unweighted[code] else float("nan")})
    return pd.DataFrame(rows).set_index(["variable", "code"])
