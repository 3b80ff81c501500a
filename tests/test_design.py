"""barometer.design: raking, domains, tests; and the same numbers as R's survey package.

The R cross-check writes the synthetic survey's respondents, the frame margins and a list of
requests to CSV, runs tests/r/crosscheck.R (svydesign + rake + svyciprop/svymean/...) and
compares. It is not skipped when R is missing: `make test` installs R and survey.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from barometer.design import (MARGINS, MIN_CELL, NEIGHBOURS, Design, Estimate, cramers_v_corrected,
                              no_assumption_bounds)
from barometer.design import Test as DesignTest  # not "Test*": pytest would try to collect it
from barometer.survey import load_survey

ROOT = Path(__file__).resolve().parents[1]
CROSSCHECK = ROOT / "tests" / "r" / "crosscheck.R"
GROUPS = ("all", "urban", "rural", "flanders", "wallonia", "brussels", "size:gt100k", "province:Provincie Namen")
VIEWS = ("technological_challenge", "vague_concept", "citizen_participation")
ITEMS = ("economy", "environment")


def _requests() -> list[dict]:
    rows = []
    for g in GROUPS:
        rows += [dict(key=f"p.heard.{g}", statistic="proportion", question="heard_of_concept", code="yes_well", group=g),
                 dict(key=f"p.open.{g}", statistic="proportion", question="open_data", code="yes", group=g),
                 dict(key=f"p.views.{g}", statistic="proportion", question="views", code="vague_concept", group=g),
                 dict(key=f"m.proj.{g}", statistic="mean", question="n_projects", group=g),
                 dict(key=f"m.econ.{g}", statistic="mean", question="dimensions_importance", code="economy", group=g),
                 dict(key=f"t.proj.{g}", statistic="total", question="n_projects", group=g)]
    rows += [
        dict(key="c.econ-env", statistic="contrast", question="dimensions_importance", code="economy",
             question_b="dimensions_importance", code_b="environment", group="all"),
        dict(key="c.econ-env.wallonia", statistic="contrast", question="dimensions_importance", code="economy",
             question_b="dimensions_importance", code_b="environment", group="wallonia"),
        dict(key="c.econ-env.brussels", statistic="contrast", question="dimensions_importance", code="economy",
             question_b="dimensions_importance", code_b="environment", group="brussels"),
        dict(key="d.proj.urbanity", statistic="difference", question="n_projects", by="urbanity",
             level_a="urban", level_b="rural"),
        dict(key="d.tech.region", statistic="difference", question="views", code="technological_challenge",
             by="region", level_a="flanders", level_b="wallonia"),
        dict(key="x.heard.urbanity", statistic="chisq", question="heard_well", by="urbanity"),
        dict(key="x.open.urbanity", statistic="chisq", question="open_data", by="urbanity"),
        dict(key="x.open.region", statistic="chisq", question="open_data", by="region"),  # small cells: forced
        dict(key="f.open.region", statistic="fisher", question="open_data", by="region"),
        dict(key="f.heard.brussels", statistic="fisher", question="heard_well", by="brussels"),
        dict(key="r.proj.urbanity", statistic="ranktest", question="n_projects", by="urbanity"),
        dict(key="r.econ.region", statistic="ranktest", question="dimensions_importance", code="economy", by="region"),
        dict(key="r.econ.size", statistic="ranktest", question="dimensions_importance", code="economy",
             by="size_class"),
    ]
    return rows


REQUESTS = _requests()


@pytest.fixture(scope="module")
def data():
    """Respondents (with a province column), frame, and answer columns in the cross-check's layout."""
    s = load_survey()
    units = s.respondents.copy()
    units["province"] = units["province_nl"]
    frame = s.frame.copy()
    frame["province"] = frame["province_nl"]
    r = s.respondents
    answers = pd.DataFrame(index=r.index)
    for q in ("heard_of_concept", "open_data", "has_projects"):
        answers[q] = r[q].astype(object)
    answers["heard_well"] = r["heard_of_concept"].astype(object).map(
        lambda v: ("well" if v == "yes_well" else "other") if isinstance(v, str) else np.nan)
    answers["brussels"] = np.where(r["region"].astype(object) == "brussels", "yes", "no")
    answers["n_projects"] = r["n_projects"].astype(float)
    chosen = s.choices[s.choices.question == "views"]
    for o in VIEWS:
        answers[f"views.{o}"] = r.index.isin(chosen.respondent_id[chosen.option == o]).astype(float)
    rated = s.ratings[s.ratings.question == "dimensions_importance"]
    for item in ITEMS:
        answers[f"dimensions_importance.{item}"] = (rated[rated.item == item].set_index("respondent_id")["value"]
                                                    .reindex(r.index).astype(float))
    return units, frame, answers


@pytest.fixture(scope="module")
def design(data):
    units, frame, _ = data
    return Design(units, frame)


def write_crosscheck(folder: Path, design: Design, units: pd.DataFrame, answers: pd.DataFrame, requests) -> None:
    """respondents.csv, margins.csv (raking classes after merging) and requests.csv for crosscheck.R."""
    out = units[["region", "urbanity", "size_class", "province"]].astype(object).join(answers)
    for margin, _ in design.raking:
        if margin in design.merged:
            out[f"rake.{margin}"] = design.raking_class[margin].astype(object)
    out.index.name = "respondent_id"
    out.to_csv(folder / "respondents.csv")
    rows = [("(population)", "", design.population)]
    for margin, classes in design.raking:
        group = design.raking_class[margin]
        frame_values = design.frame[margin].astype(str)
        mapping = {c: c for c in frame_values.unique()} | design.merged.get(margin, {})
        counts = frame_values.map(mapping).value_counts()
        rows += [(margin, c, int(counts[c])) for c in classes]
        assert set(group.astype(str)) <= set(classes)
    pd.DataFrame(rows, columns=["variable", "category", "count"]).to_csv(folder / "margins.csv", index=False)
    pd.DataFrame(requests).to_csv(folder / "requests.csv", index=False)


def run_r(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    done = subprocess.run(["Rscript", str(CROSSCHECK), str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    results = pd.read_csv(folder / "results.csv").set_index("key")
    weights = pd.read_csv(folder / "weights.csv", dtype={"respondent_id": str}).set_index("respondent_id")["weight"]
    return results, weights


@pytest.fixture(scope="module")
def r_run(tmp_path_factory, data, design):
    units, _, answers = data
    folder = tmp_path_factory.mktemp("crosscheck")
    write_crosscheck(folder, design, units, answers, REQUESTS)
    return run_r(folder)


def domain_of(group: str):
    if group == "all":
        return None
    if group in ("urban", "rural"):
        return ("urbanity", group)
    if group in ("flanders", "wallonia", "brussels"):
        return ("region", group)
    kind, value = group.split(":", 1)
    return ({"size": "size_class"}.get(kind, kind), value)


def column(answers, question, code=None):
    name = f"{question}.{code}"
    return answers[name] if isinstance(code, str) and name in answers else answers[question]


def binary(answers, question, code):
    name = f"{question}.{code}"
    if name in answers:
        return answers[name].map(lambda v: v == 1 if v == v else np.nan)
    return answers[question].map(lambda v: (v == code) if isinstance(v, str) else np.nan)


def python_result(design: Design, units, answers, req: dict):
    statistic, code = req["statistic"], req.get("code")
    if statistic == "proportion":
        return design.proportion(binary(answers, req["question"], code), domain_of(req["group"]))
    if statistic == "mean":
        return design.mean(column(answers, req["question"], code), domain_of(req["group"]))
    if statistic == "total":
        return design.total(column(answers, req["question"], code), domain_of(req["group"]))
    if statistic == "contrast":
        return design.contrast(column(answers, req["question"], code),
                               column(answers, req["question_b"], req["code_b"]), domain_of(req["group"]))
    by = answers[req["by"]] if req["by"] in answers else units[req["by"]].astype(object)
    if statistic == "difference":
        return design.difference(column(answers, req["question"], code), by, req["level_a"], req["level_b"])
    if statistic == "chisq":
        return design.chisq(answers[req["question"]], by, exact=False)
    if statistic == "fisher":
        return design.chisq(answers[req["question"]], by, exact=True)
    if statistic == "ranktest":
        return design.rank_test(column(answers, req["question"], code), by)
    raise ValueError(statistic)


# --- R cross-check -------------------------------------------------------------------------


def test_weights_equal_r(r_run, design):
    _, weights = r_run
    got = design.weights.copy()
    got.index = got.index.astype(str)
    assert np.allclose(got.to_numpy(), weights.reindex(got.index).to_numpy(), rtol=0, atol=1e-8)


@pytest.mark.parametrize("req", REQUESTS, ids=[r["key"] for r in REQUESTS])
def test_same_as_r(req, r_run, design, data):
    units, _, answers = data
    want = r_run[0].loc[req["key"]]
    got = python_result(design, units, answers, req)
    if isinstance(got, Estimate):
        assert got.estimate == pytest.approx(want.estimate, abs=1e-6)
        assert got.se == pytest.approx(want.se, abs=1e-4)
        low, high = want.low, want.high
        if got.method == "svyciprop-logit":  # R's interval, cut to the no-assumption bounds
            low, high = max(low, got.bound_low), min(high, got.bound_high)
        assert got.low == pytest.approx(low, abs=1e-4)
        assert got.high == pytest.approx(high, abs=1e-4)
        assert got.n == want.n
        assert got.df == want.df
    else:
        assert isinstance(got, DesignTest)
        assert got.p == pytest.approx(want.p, abs=1e-4)
        if req["statistic"] != "fisher":
            assert got.statistic == pytest.approx(want.stat, rel=1e-6, abs=1e-4)
            assert got.df1 == pytest.approx(want.df1, abs=1e-4)
            assert got.df2 == pytest.approx(want.df2, abs=1e-4)
        if req["statistic"] == "ranktest" and got.df1 == 1:
            assert got.effect == pytest.approx(want.estimate, abs=1e-8)


def test_merged_classes_equal_r(tmp_path, data):
    """Brussels and the largest size class cut to one respondent each: merged before raking, as R is given."""
    units, frame, answers = data
    keep = units.index[((units.region != "brussels") | (units.index == units.index[units.region == "brussels"][0]))
                       & ((units.size_class != "gt100k")
                          | (units.index == units.index[units.size_class == "gt100k"][0]))]
    units, answers = units.loc[keep], answers.loc[keep]
    d = Design(units, frame)
    assert d.merged["region"] == {"brussels": "wallonia"}
    assert d.merged["size_class"] == {"gt100k": "50k_100k"}
    requests = [r for r in REQUESTS if r["statistic"] in ("proportion", "mean") and r.get("group") in
                ("all", "wallonia", "brussels", "rural")]
    write_crosscheck(tmp_path, d, units, answers, requests)
    results, weights = run_r(tmp_path)
    got = d.weights.copy()
    got.index = got.index.astype(str)
    assert np.allclose(got.to_numpy(), weights.reindex(got.index).to_numpy(), rtol=0, atol=1e-8)
    for req in requests:
        want, e = results.loc[req["key"]], python_result(d, units, answers, req)
        assert e.estimate == pytest.approx(want.estimate, abs=1e-6), req["key"]
        assert e.se == pytest.approx(want.se, abs=1e-4, nan_ok=True), req["key"]
        if e.method == "svymean-t":
            assert e.low == pytest.approx(want.low, abs=1e-4, nan_ok=True), req["key"]


# --- raking and merging ----------------------------------------------------------------------


def test_raking_reproduces_margins(design, data):
    units, frame, _ = data
    assert design.weights.sum() == pytest.approx(len(frame), abs=1e-8)
    assert design.population == len(frame) == 589
    for margin in MARGINS:
        got = design.weights.groupby(units[margin].astype(str).to_numpy()).sum()
        want = frame[margin].astype(str).value_counts()
        for c, v in want.items():
            assert got[c] == pytest.approx(v, abs=1e-6)
    assert design.merged == {} and design.dropped == ()


def test_neighbours_are_classes_of_the_frame(data):
    _, frame, _ = data
    for margin, mapping in NEIGHBOURS.items():
        classes = set(frame[margin].astype(str))
        assert set(mapping) == classes
        assert set(mapping.values()) <= classes
        assert all(k != v for k, v in mapping.items())
    assert MIN_CELL == 2


def test_empty_classes_merge_and_single_class_margin_is_dropped(data):
    units, frame, _ = data
    small = units[(units.region == "flanders") & (units.urbanity == "urban")
                  & units.size_class.isin(["lt10k", "10k_20k", "20k_50k"])]
    d = Design(small, frame)
    assert d.merged["region"] == {"wallonia": "flanders", "brussels": "flanders"}
    assert "region" in d.dropped and "urbanity" in d.dropped
    assert set(d.merged["size_class"]) == {"50k_100k", "gt100k"}
    assert d.weights.sum() == pytest.approx(589)
    got = d.weights.groupby(small.size_class.astype(str).to_numpy()).sum()
    counts = frame.size_class.astype(str).value_counts()
    assert got["20k_50k"] == pytest.approx(counts["20k_50k"] + counts["50k_100k"] + counts["gt100k"])


def test_chained_merge_follows_the_neighbour():
    frame = pd.DataFrame({"size_class": ["lt10k"] * 5 + ["10k_20k"] * 5 + ["20k_50k"] * 5 + ["50k_100k"] * 3
                          + ["gt100k"] * 2})
    units = pd.DataFrame({"size_class": ["lt10k"] * 4 + ["10k_20k"] * 3 + ["20k_50k"] * 3 + ["50k_100k"]},
                         index=[f"r{i}" for i in range(11)])
    d = Design(units, frame, margins=("size_class",))
    assert d.merged == {"size_class": {"50k_100k": "20k_50k", "gt100k": "20k_50k"}}
    assert d.weights[units.size_class == "50k_100k"].iloc[0] == pytest.approx(d.weights[units.size_class == "20k_50k"].iloc[0])


# --- domains that are empty or tiny -------------------------------------------------------------


def test_no_and_one_respondent_domains_give_reasons(design, data):
    units, _, answers = data
    y = binary(answers, "heard_of_concept", "yes_well")
    one = units.index[units.region == "brussels"][:1]
    only_one = y.where(y.index.isin(one) | (units.region != "brussels"))
    e = design.proportion(only_one, ("region", "brussels"))
    assert e.n == 1 and e.reason == "one_respondent" and math.isnan(e.low) and math.isnan(e.high)
    assert e.estimate in (0.0, 1.0)
    e = design.proportion(y, ("region", "nowhere"))
    assert e.n == 0 and e.reason == "no_respondents" and math.isnan(e.estimate)
    e = design.mean(answers["n_projects"].where(units.region != "brussels"), ("region", "brussels"))
    assert e.n == 0 and e.reason == "no_respondents"
    e = design.mean(answers["n_projects"].where(units.index.isin(one) | (units.region != "brussels")),
                    ("region", "brussels"))
    assert e.n == 1 and e.reason == "one_respondent" and math.isnan(e.low)
    assert design.domain_population(("region", "brussels")) == 19
    assert design.domain_population(None) == 589


def test_tiny_groups_in_tests_give_reasons(design, data):
    units, _, answers = data
    by = units.region.astype(object).where(units.index != units.index[units.region == "brussels"][0])
    by = by.where((by != "brussels") | (by.index == units.index[units.region == "brussels"][1]))
    t = design.chisq(answers["heard_well"], by)
    assert math.isnan(t.p) and t.reason == "tiny_group"
    t = design.rank_test(answers["n_projects"], by)
    assert math.isnan(t.p) and t.reason == "tiny_group"
    t = design.chisq(pd.Series("same", index=units.index), units.urbanity.astype(object))
    assert t.reason == "one_category"
    t = design.rank_test(answers["n_projects"], pd.Series("g", index=units.index))
    assert t.reason == "one_group"
    e = design.difference(answers["n_projects"], units.urbanity.astype(object), "urban", "nowhere")
    assert math.isnan(e.estimate) and e.reason


def test_zero_share_collapses_like_r(design, data):
    units, _, answers = data
    y = binary(answers, "views", "vague_concept")
    e = design.proportion(y, ("region", "brussels"))
    assert e.estimate == 0 and e.low == 0 and e.high == 0 and e.reason
    assert e.bound_high == pytest.approx(1 - 8 / 19)


# --- bounds, exact tests, effect sizes ------------------------------------------------------------


def test_no_assumption_bounds():
    assert no_assumption_bounds(3, 8, 19) == pytest.approx((3 / 19, 1 - 5 / 19))
    assert no_assumption_bounds(0, 0, 10) == (0.0, 1.0)
    assert no_assumption_bounds(4, 10, 10) == (0.4, 0.4)
    assert all(math.isnan(v) for v in no_assumption_bounds(0, 0, 0))


def test_intervals_lie_within_the_bounds(design, data):
    _, _, answers = data
    for g in GROUPS:
        e = design.proportion(binary(answers, "heard_of_concept", "yes_well"), domain_of(g))
        assert e.bound_low <= e.low <= e.high <= e.bound_high


def test_small_expected_counts_fall_back_to_the_exact_test(design, data):
    units, _, answers = data
    t = design.chisq(answers["open_data"], units.region.astype(object))
    assert t.method == "fisher-exact"
    t2 = design.chisq(answers["heard_well"], answers["brussels"])
    table = pd.crosstab(answers["heard_well"], answers["brussels"])
    assert t2.method == "fisher-exact"
    assert t2.p == pytest.approx(st.fisher_exact(table.to_numpy()).pvalue)
    t3 = design.chisq(answers["heard_well"], units.urbanity.astype(object))
    assert t3.method == "svychisq-F" and t3.effect_name == "cramers_v_bc" and 0 <= t3.effect <= 1


def test_cramers_v_bias_corrected_worked_example():
    # chi2 = 10 on n = 100 in a 2 x 3 table: phi2 = 0.1, corrected 0.1 - 2/99;
    # r~ = 2 - 1/99, c~ = 3 - 4/99; V~ = sqrt(0.0797980 / 0.9898990) = 0.283923
    assert cramers_v_corrected(10, 100, 2, 3) == pytest.approx(math.sqrt((0.1 - 2 / 99) / (1 - 1 / 99)))
    assert cramers_v_corrected(10, 100, 2, 3) == pytest.approx(0.283923, abs=1e-6)
    assert cramers_v_corrected(0.5, 100, 2, 2) == 0.0  # below the bias: corrected to 0
    assert math.isnan(cramers_v_corrected(5, 1, 2, 2))


def test_empty_and_single_respondent_designs_do_not_raise(data):
    units, frame, answers = data
    empty = Design(units.iloc[:0], frame)
    assert set(empty.dropped) == set(MARGINS) and len(empty.weights) == 0
    assert empty.proportion(pd.Series(dtype=object)).reason == "no_respondents"
    assert empty.mean(pd.Series(dtype=float)).reason == "no_respondents"
    assert math.isnan(empty.chisq(pd.Series(dtype=object), pd.Series(dtype=object)).p)
    one = Design(units.iloc[:1], frame)
    assert one.weights.iloc[0] == pytest.approx(589)
    e = one.proportion(pd.Series([True], index=units.index[:1]))
    assert e.estimate == 1 and e.reason == "one_respondent" and math.isnan(e.low)
    assert math.isnan(one.rank_test(answers["n_projects"], units.region.astype(object)).p)


def test_booleans_with_missing_values_are_a_base(design, data):
    units, _, answers = data
    y = (answers["open_data"] == "yes").where(answers["open_data"].notna())
    as_boolean = y.astype("boolean")
    a, b = design.proportion(y), design.proportion(as_boolean)
    assert a == b and a.n == int(answers["open_data"].notna().sum())
    m = design.mean(as_boolean)
    assert m.estimate == pytest.approx(a.estimate) and m.se == pytest.approx(a.se)
    t = design.total(as_boolean)
    assert t.estimate == pytest.approx(a.estimate * design.weights[y.notna()].sum())


# --- what the weights cost (Kish) ----------------------------------------------------------------


def test_kish_design_effect_of_equal_weights_is_one():
    from barometer.design import kish_deff
    from barometer.stats import effective_n

    assert kish_deff([0.7] * 10) == pytest.approx(1)
    assert effective_n([0.7] * 10) == pytest.approx(10)


def test_kish_design_effect_of_a_known_set():
    """Weights 1, 1, 1, 3: n Σw² / (Σw)² = 4 · 12 / 36 = 4/3 = 1 + CV²."""
    from barometer.design import diagnostics, kish_deff

    w = np.array([1, 1, 1, 3])
    cv2 = w.var() / w.mean() ** 2
    assert kish_deff(w) == pytest.approx(4 * 12 / 36) == pytest.approx(1 + cv2)
    d = diagnostics(w)
    assert (d.minimum, d.maximum, d.ratio, d.n) == (1, 3, 3, 4)
    assert d.n_eff == pytest.approx(3) == pytest.approx(d.n / d.deff)


def test_weighted_margins_are_the_frames():
    from barometer.design import weighted_margins
    from barometer.survey import load_survey

    survey = load_survey()
    d = Design(survey.respondents, survey.frame)
    margins = weighted_margins(survey, d.weights)
    assert margins["weighted_pct"].to_numpy() == pytest.approx(margins["frame_pct"].to_numpy(), abs=1e-6)
    assert not np.allclose(margins["sample_pct"], margins["frame_pct"])
