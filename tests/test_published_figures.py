"""Independent cross-check: every published figure computed with plain pandas from the recoded data.

This deliberately does not use barometer.analysis or the notebooks: it recomputes each
figure from the tidy tables with its own few lines, so a bug in the shared analysis code
shows up as a disagreement here (see also test_reproduction.py, which compares the
notebooks' findings with these numbers).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from scipy.stats import chisquare

from barometer import reproduction
from barometer.survey import load_survey


def r0(x: float) -> int:
    return int(Decimal(repr(float(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def r1(x: float) -> float:
    return float(Decimal(repr(float(x))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def _group(resp, g):
    if g == "all":
        return resp
    col = "urbanity" if g in ("urban", "rural") else "region"
    return resp[resp[col] == g]


def compute(s) -> dict:
    """Every leaf of published_figures.yml, from the survey's tables with plain pandas."""
    resp, frame = s.respondents, s.frame
    out: dict = {}
    n = len(resp)
    out["sample.respondents"] = n
    out["sample.response_rate_pct"] = r0(100 * n / len(frame))
    for key, limit in (("over_100k", 100_000), ("over_50k", 50_000)):
        out[f"sample.{key}.responded"] = int((resp["population"] > limit).sum())
        out[f"sample.{key}.total"] = int((frame["population"] > limit).sum())
    rb, tb = int((resp["region"] == "brussels").sum()), int((frame["region"] == "brussels").sum())
    out["sample.brussels.responded"], out["sample.brussels.total"] = rb, tb
    out["sample.brussels.coverage_pct"] = r0(100 * rb / tb)
    representative = []
    for col, key in (("region", "region"), ("urbanity", "urban_rural"), ("size_class", "size")):
        f = frame[col].value_counts()
        obs = resp[col].value_counts().reindex(f.index, fill_value=0)
        if chisquare(obs, f / f.sum() * obs.sum()).pvalue >= 0.05:
            representative.append(key)
    out["sample.representative_by"] = representative
    fn = resp["respondent_function"].dropna()
    out["sample.respondent_role_director_or_head_pct"] = r0(
        100 * fn.isin(["general_director", "head_of_department"]).mean())

    views = s.choices[s.choices["question"] == "views"]
    counts = views["option"].value_counts()
    out["perception.view_rank"] = list(counts.index[:3])
    for g in ("urban", "flanders", "rural", "brussels", "wallonia"):
        ids = _group(resp, g).index
        out[f"perception.view_top_by_group.{g}"] = views[views["respondent_id"].isin(ids)]["option"].value_counts().index[0]
    comp = s.rankings[(s.rankings["question"] == "components") & (s.rankings["rank"] == 1)]
    for g in ("all", "rural", "wallonia"):
        ids = _group(resp, g).index
        out[f"perception.components_top.{g}"] = comp[comp["respondent_id"].isin(ids)]["item"].value_counts().index[0]
    for g in ("all", "urban", "flanders", "brussels"):
        c = _group(resp, g)["concerned"].dropna()
        out[f"perception.concerned_pct.{g}"] = r0(100 * c.isin(["very_concerned", "rather_concerned"]).mean())
    for g in ("rural", "wallonia"):
        c = _group(resp, g)["concerned"].dropna()
        out[f"perception.not_concerned_or_not_suitable_pct.{g}"] = r0(
            100 * c.isin(["rather_not_concerned", "not_concerned", "not_suitable"]).mean())

    p = s.projects
    out["implementation.projects_total"] = len(p)
    dims = p["dimension"].value_counts()
    for d in ("environment", "governance", "living", "mobility"):
        out[f"implementation.projects_by_dimension.{d}"] = int(dims.get(d, 0))
    inv = s.rankings[s.rankings["question"] == "investment_priorities"].groupby("item")["rank"].mean()
    out["implementation.investment_priority_rank"] = list(inv.sort_values().index[:3])
    init = p["initiator"].dropna()
    for a in ("public", "private", "citizens", "research"):
        out[f"implementation.initiator_pct.{a}"] = r0(100 * (init == a).mean())
    ratings = s.ratings

    def means(q):
        return ratings[ratings["question"] == q].groupby("item")["value"].mean()

    pub = means("stakeholders_public").sort_values(ascending=False)
    for item in pub.index[:4]:
        out[f"implementation.stakeholder_involvement_mean.{item}"] = r1(pub[item])
    out["implementation.stakeholder_lower_than_regional"] = list(pub[pub < pub["regional_government"]].index)
    priv = means("stakeholders_private")
    out["implementation.private_actors_mean_range"] = [math.floor(priv.min() * 10) / 10, math.ceil(priv.max() * 10) / 10]
    out[f"implementation.private_actors_highest.{priv.idxmax()}"] = r1(priv.max())
    out[f"implementation.private_actors_lowest.{priv.idxmin()}"] = r1(priv.min())
    values = {"very_easy": 1, "rather_easy": 2, "neutral": 3, "rather_difficult": 4, "very_difficult": 5}
    out["implementation.implementation_is_difficult"] = bool(resp["difficulty"].dropna().map(values).astype(float).mean() > 3)
    obs = means("obstacles").sort_values(ascending=False)
    out["implementation.obstacle_rank"] = list(obs.index[:3])
    out["implementation.obstacles_also_named"] = list(obs.index[3:6])
    for q, key in (("awareness_tools", "awareness_tools_named"), ("awareness_audiences", "awareness_audiences_first")):
        out[f"implementation.{key}"] = list(s.choices[s.choices["question"] == q]["option"].value_counts().index[:3])

    labels = resp["strategy_label"].dropna()
    shares = labels.value_counts(normalize=True)
    for label in shares.index[:3]:
        out[f"management.strategy_label_pct.{label}"] = r0(100 * shares[label])
    status = resp["strategy_status"].value_counts()
    for code in ("has_strategy", "integrated_in_general_strategy", "plans_one"):
        out[f"management.smart_city_strategy_n.{code}"] = int(status.get(code, 0))
    strat = s.choices[s.choices["question"] == "strategic_management"]
    base = strat["respondent_id"].nunique()
    sc = strat["option"].value_counts()
    out["management.strategic_management_by"] = list(sc[sc > base / 2].index)
    out["management.operational_management_by"] = resp["operational_management"].value_counts().index[0]
    has = resp[resp["smart_city_manager"] == "yes"]
    out["management.smart_city_manager_n.all"] = len(has)
    for g in ("wallonia", "flanders", "brussels"):
        out[f"management.smart_city_manager_n.{g}"] = int((has["region"] == g).sum())
    dep = resp["manager_department"].dropna()
    out["management.manager_in_strategic_department_pct"] = r0(100 * (dep == "strategic_department").mean())
    out["management.dedicated_department_n"] = int((resp["dedicated_department"] == "yes").sum())
    out["management.dedicated_department_planned_n"] = int((resp["dedicated_department"] == "no_planned").sum())
    return out


def test_every_published_figure_is_reproduced(survey):
    computed = compute(survey)
    published = reproduction.published_leaves()
    mismatches = {k: (v, computed.get(k)) for k, v in published.items()
                  if not reproduction.matches(k, v, computed.get(k))}
    assert not mismatches, mismatches


def test_the_check_covers_every_published_leaf(survey):
    assert set(reproduction.published_leaves()) <= set(compute(survey))


def test_matching_rules_distinguish_rankings_from_sets():
    assert reproduction.matches("perception.view_rank", ["a", "b"], ["a", "b"])
    assert not reproduction.matches("perception.view_rank", ["a", "b"], ["b", "a"])
    assert reproduction.matches("implementation.obstacles_also_named", ["a", "b"], ["b", "a"])
    assert not reproduction.matches("sample.respondents", 113, 112)
    assert not reproduction.matches("implementation.implementation_is_difficult", True, None)
