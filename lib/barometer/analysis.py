"""The computations the notebooks share: groups, shares, counts, rankings and means.

Each function takes the loaded :class:`~barometer.survey.Survey` and returns plain tables
with the base (n) of every figure and its 95% interval, so a notebook states a claim and
shows its base beside it. Groups are the report's: all municipalities, urban/rural
(DEGURBA) and the three regions. Finite population sizes for the intervals come from the
frame, per group (:func:`group_population`).

Every estimate takes optional ``weights`` (a Series indexed by respondent id, see
:mod:`barometer.weights`): shares and means are then weighted, with intervals on Kish's
effective sample size (column ``n_eff``); counts and bases stay numbers of respondents.
"""

from __future__ import annotations

import pandas as pd

from . import stats
from .survey import Survey

GROUPS = ("all", "urban", "rural", "flanders", "wallonia", "brussels")
GROUP_COLUMN = {"urban": "urbanity", "rural": "urbanity", "flanders": "region",
                "wallonia": "region", "brussels": "region"}


def group_ids(survey: Survey, group: str) -> pd.Index:
    """Respondent ids of a group ("all", "urban", "rural", "flanders", "wallonia", "brussels")."""
    r = survey.respondents
    if group == "all":
        return r.index
    return r.index[r[GROUP_COLUMN[group]] == group]


def group_population(survey: Survey, group: str) -> int:
    """Number of municipalities of the group in the frame: the N of the finite population correction."""
    f = survey.frame
    if group == "all":
        return len(f)
    return int((f[GROUP_COLUMN[group]] == group).sum())


def _weights_of(weights: pd.Series | None, ids) -> pd.Series | None:
    """The weights of the respondents ``ids`` (None when unweighted)."""
    return None if weights is None else weights.reindex(pd.Index(ids)).astype(float)


def share_of(chosen: pd.Series, population: int | None, weights: pd.Series | None = None) -> stats.Estimate:
    """% of respondents for whom ``chosen`` (booleans indexed by respondent id) is true, weighted or not."""
    if weights is None:
        return stats.share(int(chosen.sum()), len(chosen), population)
    return stats.weighted_share(chosen.to_numpy(dtype=bool), _weights_of(weights, chosen.index).to_numpy(), population)


def mean_of(values: pd.Series, population: int | None, weights: pd.Series | None = None) -> stats.Estimate:
    """Mean of ``values`` (indexed by respondent id), weighted or not."""
    values = values.dropna().astype(float)
    if weights is None:
        return stats.mean(values.tolist(), population)
    return stats.weighted_mean(values.to_numpy(), _weights_of(weights, values.index).to_numpy(), population)


def single_share(survey: Survey, question: str, codes, group: str = "all",
                 weights: pd.Series | None = None) -> stats.Estimate:
    """% of the group's respondents who answered ``question`` with one of ``codes``."""
    if isinstance(codes, str):
        codes = survey.codebook[question].groups.get(codes, (codes,))
    answers = survey.respondents.loc[group_ids(survey, group), question].dropna()
    return share_of(answers.isin(codes), group_population(survey, group), weights)


def single_counts(survey: Survey, question: str, group: str = "all", weights: pd.Series | None = None) -> pd.DataFrame:
    """Count and % of each option of a single-choice question, base = those who answered."""
    answers = survey.respondents.loc[group_ids(survey, group), question].dropna()
    codes = survey.codebook[question].codes
    return _table({code: answers == code for code in codes}, group_population(survey, group), weights)


def _table(chosen: dict[str, pd.Series], population: int | None, weights: pd.Series | None) -> pd.DataFrame:
    """One row per code: count (unweighted), base n, % with its interval (weighted if ``weights``)."""
    rows = []
    for code, flags in chosen.items():
        est = share_of(flags, population, weights)
        row = {"code": code, "count": int(flags.sum()), "n": est.n, "pct": est.value, "low": est.low,
               "high": est.high}
        if weights is not None:
            row["n_eff"] = est.n_eff
        rows.append(row)
    return pd.DataFrame(rows).set_index("code")


def option_counts(survey: Survey, question: str, group: str = "all", weights: pd.Series | None = None) -> pd.DataFrame:
    """Multiple choice: respondents choosing each option, base = respondents who chose any."""
    ids = group_ids(survey, group)
    chosen = survey.choices[(survey.choices["question"] == question) & survey.choices["respondent_id"].isin(ids)]
    base = pd.Index(chosen["respondent_id"].unique())
    return _table({code: pd.Series(base.isin(chosen.loc[chosen["option"] == code, "respondent_id"]), index=base)
                   for code in survey.codebook[question].codes}, group_population(survey, group), weights)


def ranked(table: pd.DataFrame, column: str, *, ascending: bool = False) -> list[str]:
    """Codes ordered by ``column``; ties keep questionnaire order (a stable sort)."""
    return list(table.sort_values(column, ascending=ascending, kind="stable").index)


def first_ranked_counts(survey: Survey, question: str, group: str = "all",
                        weights: pd.Series | None = None) -> pd.DataFrame:
    """Ranking: how many respondents put each item first, base = respondents who ranked."""
    ids = group_ids(survey, group)
    r = survey.rankings[(survey.rankings["question"] == question) & survey.rankings["respondent_id"].isin(ids)]
    base = pd.Index(r["respondent_id"].unique())
    first = r[r["rank"] == 1]
    return _table({item: pd.Series(base.isin(first.loc[first["item"] == item, "respondent_id"]), index=base)
                   for item in survey.codebook[question].item_codes}, group_population(survey, group), weights)


def mean_ranks(survey: Survey, question: str, group: str = "all", weights: pd.Series | None = None) -> pd.DataFrame:
    """Ranking: mean rank of each item among respondents who ranked it (lower = higher priority)."""
    ids = group_ids(survey, group)
    r = survey.rankings[(survey.rankings["question"] == question) & survey.rankings["respondent_id"].isin(ids)]
    rows = []
    for item in survey.codebook[question].item_codes:
        values = r.loc[r["item"] == item].set_index("respondent_id")["rank"]
        est = mean_of(values, group_population(survey, group), weights)
        rows.append({"code": item, "mean_rank": est.value, "n": est.n, "low": est.low, "high": est.high,
                     **({} if weights is None else {"n_eff": est.n_eff})})
    return pd.DataFrame(rows).set_index("code")


def item_means(survey: Survey, question: str, group: str = "all", weights: pd.Series | None = None) -> pd.DataFrame:
    """Matrix (1–5): mean, base and 95% interval of each item, plus the distribution of answers.

    The distribution columns ``n_<value>`` count respondents; with ``weights`` they hold the
    sums of the respondents' weights (so that shares drawn from them are weighted shares).
    """
    ids = group_ids(survey, group)
    q = survey.codebook[question]
    r = survey.ratings[(survey.ratings["question"] == question) & survey.ratings["respondent_id"].isin(ids)]
    rows = []
    for item in q.item_codes:
        values = r.loc[r["item"] == item].set_index("respondent_id")["value"]
        est = mean_of(values, group_population(survey, group), weights)
        row = {"code": item, "mean": est.value, "n": est.n, "low": est.low, "high": est.high}
        if weights is not None:
            row["n_eff"] = est.n_eff
        w = _weights_of(weights, values.index)
        for point in q.scale:
            hit = (values == point.value).to_numpy()
            row[f"n_{point.value}"] = int(hit.sum()) if w is None else float(w.to_numpy()[hit].sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("code")


def scale_mean(survey: Survey, question: str, group: str = "all", weights: pd.Series | None = None) -> stats.Estimate:
    """Mean of a single-choice rating question, through its options' values."""
    q = survey.codebook[question]
    values = {o.code: o.value for o in q.options}
    answers = survey.respondents.loc[group_ids(survey, group), question].dropna()
    return mean_of(answers.astype(object).map(values).astype(float), group_population(survey, group), weights)


def project_counts(survey: Survey, field: str, weights: pd.Series | None = None) -> pd.DataFrame:
    """Projects by dimension or initiator: count and % of projects where the field is given.

    With ``weights`` each project carries its municipality's weight. The intervals treat
    projects as independent, which projects of one municipality are not: they are not shown.
    """
    p = survey.projects
    given = p.dropna(subset=[field])
    codes = [o.code for o in survey.codebook["projects"].field(field).options]
    project_weights = None
    if weights is not None:
        project_weights = pd.Series(_weights_of(weights, given["respondent_id"]).to_numpy(), index=given.index)
    return _table({code: given[field] == code for code in codes}, None, project_weights)


def frame_comparison(survey: Survey, column: str) -> pd.DataFrame:
    """Sample against the frame for one variable: counts, shares and coverage per class."""
    frame_counts = survey.frame[column].value_counts(sort=False)
    sample_counts = survey.respondents[column].value_counts(sort=False).reindex(frame_counts.index, fill_value=0)
    table = pd.DataFrame({"frame": frame_counts.astype(int), "sample": sample_counts.astype(int)})
    table["frame_pct"] = 100 * table["frame"] / table["frame"].sum()
    table["sample_pct"] = 100 * table["sample"] / table["sample"].sum()
    table["coverage_pct"] = 100 * table["sample"] / table["frame"]
    return table
