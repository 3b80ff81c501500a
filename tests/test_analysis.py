"""barometer.analysis: one call gives the respondents' figure and the calibrated estimate beside it.

The respondents' columns are what the published report computed (unweighted); the estimate
columns come from the one raked design. Checked here: the two kinds of columns are what they
claim to be, a calibration that changes nothing changes no figure, the over-representation of
large municipalities moves the estimate the expected way, every estimate is kept for
``estimates.csv``, and an empty group gives reasons instead of errors.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from barometer import analysis
from barometer.survey import load_survey


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def test_a_table_holds_the_respondents_figure_and_the_estimate(survey):
    table = analysis.option_counts(survey, "views")
    assert (table["pct"] == 100 * table["count"] / table["n"]).all()
    assert (table["low"] <= table["estimate"]).all() and (table["estimate"] <= table["high"]).all()
    assert (table["bound_low"] <= table["low"] + 1e-9).all() and (table["high"] <= table["bound_high"] + 1e-9).all()
    assert set(table["method"]) == {"svyciprop-logit"}
    assert not np.allclose(table["estimate"], table["pct"])  # the calibration moves the figures


def test_calibrating_to_the_samples_own_margins_changes_no_figure(survey):
    """A frame whose margins are the respondents' own (five copies of them) gives equal weights."""
    frame = pd.concat([survey.respondents] * 5, ignore_index=True)
    twin = replace(survey, frame=frame)
    table = analysis.single_counts(twin, "heard_of_concept")
    assert analysis.design(twin).weights.to_numpy() == pytest.approx(len(frame) / survey.n)
    assert table["estimate"].to_numpy() == pytest.approx(table["pct"].to_numpy())
    means = analysis.item_means(twin, "obstacles")
    assert means["estimate"].to_numpy() == pytest.approx(means["mean"].to_numpy())


def test_over_represented_large_municipalities_are_weighted_down(survey):
    """Large municipalities answered more often and are more often concerned: the estimate is lower."""
    row = analysis.single_share(survey, "concerned", "concerned")
    assert row["estimate"] < row["pct"]
    assert row["n_eff"] < row["n"]


def test_every_estimate_is_kept_for_the_estimates_file(survey):
    analysis.single_counts(survey, "heard_of_concept", "wallonia")
    ledger = analysis.estimates(survey).set_index("key")
    row = ledger.loc["heard_of_concept.yes_well.wallonia.proportion"]
    table = analysis.single_counts(survey, "heard_of_concept", "wallonia")
    assert row["estimate"] == pytest.approx(table.loc["yes_well", "estimate"] / 100)  # the file keeps proportions, as R
    assert row["group"] == "wallonia" and row["statistic"] == "proportion"


def test_an_empty_group_gives_reasons_not_errors(survey):
    without = survey.respondents[survey.respondents["region"] != "brussels"]
    twin = replace(survey, respondents=without, choices=survey.choices[survey.choices["respondent_id"].isin(without.index)])
    table = analysis.single_counts(twin, "heard_of_concept", "brussels")
    assert (table["n"] == 0).all() and table["estimate"].isna().all()
    assert table["reason"].notna().all()
    assert math.isnan(analysis.option_counts(twin, "views", "brussels")["pct"].iloc[0])
    # the other groups are still estimated, Brussels merged into its neighbour for the raking
    assert analysis.single_counts(twin, "heard_of_concept", "wallonia")["estimate"].notna().all()
    assert "brussels" in analysis.design(twin).merged.get("region", {})
