"""barometer.weights: raking reproduces margins, and Kish's design effect.

Hand examples: four respondents, one per cell of sex x age, raked to sex 50/50 and age 60/40,
get the weights 1.2 and 0.8 (young and old), which one raking pass already gives; a sample
with an unbalanced cell is raked until both margins hold exactly. Kish's deff of equal weights
is 1, and of the weights 1, 1, 1, 3 it is n Σw² / (Σw)² = 4 · 12 / 36 = 4/3 = 1 + CV².
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from barometer import weights
from barometer.survey import load_survey


@pytest.fixture(scope="module")
def survey():
    return load_survey()


# --- raking -------------------------------------------------------------------------------------


def test_raking_a_balanced_two_by_two_by_hand():
    sample = pd.DataFrame({"sex": ["m", "m", "f", "f"], "age": ["young", "old", "young", "old"]})
    w = weights.rake(sample, {"sex": {"m": 50, "f": 50}, "age": {"young": 60, "old": 40}})
    assert w.to_list() == pytest.approx([1.2, 0.8, 1.2, 0.8], abs=1e-12)


def _margin(sample, w, column):
    return (w.groupby(sample[column].to_numpy()).sum() / w.sum()).to_dict()


def test_raking_reproduces_both_margins_exactly():
    sample = pd.DataFrame({"sex": ["m", "m", "m", "f", "f"], "age": ["young", "young", "old", "old", "young"]},
                          index=list("abcde"))
    targets = {"sex": {"m": 40, "f": 60}, "age": {"young": 50, "old": 50}}
    w = weights.rake(sample, targets)
    assert list(w.index) == list("abcde") and w.mean() == pytest.approx(1)
    assert _margin(sample, w, "sex") == pytest.approx({"m": 0.4, "f": 0.6}, abs=1e-9)
    assert _margin(sample, w, "age") == pytest.approx({"young": 0.5, "old": 0.5}, abs=1e-9)
    # counts work as targets too: only the proportions matter
    w2 = weights.rake(sample, {"sex": {"m": 2, "f": 3}, "age": {"young": 7, "old": 7}})
    assert w2.to_list() == pytest.approx(w.to_list())


def test_raking_refuses_a_class_without_respondents():
    sample = pd.DataFrame({"sex": ["m", "f"], "age": ["young", "young"]})
    with pytest.raises(weights.CalibrationError):
        weights.rake(sample, {"sex": {"m": 1, "f": 1}, "age": {"young": 1, "old": 1}})
    with pytest.raises(weights.CalibrationError):
        weights.rake(pd.DataFrame({"sex": ["m", "x"]}), {"sex": {"m": 1, "f": 1}})


def test_raking_reports_margins_it_cannot_reach():
    """Sex and age coincide in the sample, so incompatible margins cannot both hold."""
    sample = pd.DataFrame({"sex": ["m", "m", "f"], "age": ["young", "young", "old"]})
    with pytest.raises(weights.CalibrationError):
        weights.rake(sample, {"sex": {"m": 50, "f": 50}, "age": {"young": 80, "old": 20}}, max_iterations=200)


def test_empty_classes_are_merged_into_their_neighbour():
    sample = pd.DataFrame({"size": ["s", "s", "m", "m"]})
    collapsed, targets, merged = weights.collapse_empty(sample, {"size": {"s": 10, "m": 20, "l": 5}})
    assert targets == {"size": {"s": 10, "m": 25}} and merged == {"size": {"l": "m"}}
    collapsed, targets, merged = weights.collapse_empty(pd.DataFrame({"size": ["m", "l"]}),
                                                        {"size": {"s": 10, "m": 20, "l": 5}})
    assert targets == {"size": {"m": 30, "l": 5}} and merged == {"size": {"s": "m"}}


# --- Kish ---------------------------------------------------------------------------------------


def test_kish_design_effect_of_equal_weights_is_one():
    assert weights.kish_deff([0.7] * 10) == pytest.approx(1)
    assert weights.effective_n([0.7] * 10) == pytest.approx(10)


def test_kish_design_effect_of_a_known_set():
    w = np.array([1, 1, 1, 3])
    cv2 = w.var() / w.mean() ** 2  # population variance: 0.75 / 2.25
    assert weights.kish_deff(w) == pytest.approx(4 * 12 / 36) == pytest.approx(1 + cv2)
    assert weights.effective_n(w) == pytest.approx(3)
    d = weights.diagnostics(w)
    assert (d.minimum, d.maximum, d.ratio, d.n) == (1, 3, 3, 4)
    assert d.n_eff == pytest.approx(d.n / d.deff)


# --- the survey ---------------------------------------------------------------------------------


def test_calibration_weights_reproduce_the_frame_margins(survey):
    w = weights.calibration_weights(survey)
    assert w.index.equals(survey.respondents.index)
    assert (w > 0).all() and w.mean() == pytest.approx(1)
    margins = weights.weighted_margins(survey, w)
    assert margins["weighted_pct"].to_numpy() == pytest.approx(margins["frame_pct"].to_numpy(), abs=1e-6)
    d = weights.diagnostics(w)
    assert 1 < d.deff < 2 and d.n_eff == pytest.approx(len(w) / d.deff)
