"""The computations the notebooks share: groups, shares, counts, rankings and means.

Each function takes the loaded :class:`~barometer.survey.Survey` and returns plain tables
with the base (n) of every figure, so a notebook states a claim and shows its base beside
it. Groups are the report's: all municipalities, urban/rural (DEGURBA) and the three regions.
Finite population sizes for the intervals come from the frame, per group.
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


def single_share(survey: Survey, question: str, codes, group: str = "all") -> stats.Estimate:
    """% of the group's respondents who answered ``question`` with one of ``codes``."""
    if isinstance(codes, str):
        codes = survey.codebook[question].groups.get(codes, (codes,))
    answers = survey.respondents.loc[group_ids(survey, group), question].dropna()
    return stats.share(int(answers.isin(codes).sum()), len(answers), group_population(survey, group))


def single_counts(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Count and % of each option of a single-choice question, base = those who answered."""
    answers = survey.respondents.loc[group_ids(survey, group), question].dropna()
    counts = answers.value_counts(sort=False).reindex(survey.codebook[question].codes, fill_value=0)
    return _with_shares(counts, len(answers), group_population(survey, group))


def _with_shares(counts: pd.Series, n: int, population: int) -> pd.DataFrame:
    rows = []
    for code, k in counts.items():
        est = stats.share(int(k), n, population)
        rows.append({"code": code, "count": int(k), "n": n, "pct": est.value, "low": est.low, "high": est.high})
    return pd.DataFrame(rows).set_index("code")


def option_counts(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Multiple choice: respondents choosing each option, base = respondents who chose any."""
    ids = group_ids(survey, group)
    chosen = survey.choices[(survey.choices["question"] == question) & survey.choices["respondent_id"].isin(ids)]
    n = chosen["respondent_id"].nunique()
    counts = chosen["option"].value_counts().reindex(survey.codebook[question].codes, fill_value=0)
    return _with_shares(counts, n, group_population(survey, group))


def ranked(table: pd.DataFrame, column: str, *, ascending: bool = False) -> list[str]:
    """Codes ordered by ``column``; ties keep questionnaire order (a stable sort)."""
    return list(table.sort_values(column, ascending=ascending, kind="stable").index)


def first_ranked_counts(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Ranking: how many respondents put each item first, base = respondents who ranked."""
    ids = group_ids(survey, group)
    r = survey.rankings[(survey.rankings["question"] == question) & survey.rankings["respondent_id"].isin(ids)]
    n = r["respondent_id"].nunique()
    counts = r.loc[r["rank"] == 1, "item"].value_counts().reindex(survey.codebook[question].item_codes, fill_value=0)
    return _with_shares(counts, n, group_population(survey, group))


def mean_ranks(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Ranking: mean rank of each item among respondents who ranked it (lower = higher priority)."""
    ids = group_ids(survey, group)
    r = survey.rankings[(survey.rankings["question"] == question) & survey.rankings["respondent_id"].isin(ids)]
    rows = []
    for item in survey.codebook[question].item_codes:
        values = r.loc[r["item"] == item, "rank"]
        est = stats.mean(values.tolist(), group_population(survey, group))
        rows.append({"code": item, "mean_rank": est.value, "n": est.n, "low": est.low, "high": est.high})
    return pd.DataFrame(rows).set_index("code")


def item_means(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Matrix (1–5): mean, base and 95% interval of each item, plus the distribution of answers."""
    ids = group_ids(survey, group)
    q = survey.codebook[question]
    r = survey.ratings[(survey.ratings["question"] == question) & survey.ratings["respondent_id"].isin(ids)]
    rows = []
    for item in q.item_codes:
        values = r.loc[r["item"] == item, "value"]
        est = stats.mean(values.tolist(), group_population(survey, group))
        row = {"code": item, "mean": est.value, "n": est.n, "low": est.low, "high": est.high}
        for point in q.scale:
            row[f"n_{point.value}"] = int((values == point.value).sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("code")


def scale_mean(survey: Survey, question: str, group: str = "all") -> stats.Estimate:
    """Mean of a single-choice rating question, through its options' values."""
    q = survey.codebook[question]
    values = {o.code: o.value for o in q.options}
    answers = survey.respondents.loc[group_ids(survey, group), question].dropna()
    return stats.mean([values[a] for a in answers], group_population(survey, group))


def project_counts(survey: Survey, field: str) -> pd.DataFrame:
    """Projects by dimension or initiator: count and % of projects where the field is given."""
    p = survey.projects
    given = p[field].dropna()
    codes = [o.code for o in survey.codebook["projects"].field(field).options]
    counts = given.value_counts().reindex(codes, fill_value=0)
    return _with_shares(counts, len(given), None)


def frame_comparison(survey: Survey, column: str) -> pd.DataFrame:
    """Sample against the frame for one variable: counts, shares and coverage per class."""
    frame_counts = survey.frame[column].value_counts(sort=False)
    sample_counts = survey.respondents[column].value_counts(sort=False).reindex(frame_counts.index, fill_value=0)
    table = pd.DataFrame({"frame": frame_counts.astype(int), "sample": sample_counts.astype(int)})
    table["frame_pct"] = 100 * table["frame"] / table["frame"].sum()
    table["sample_pct"] = 100 * table["sample"] / table["sample"].sum()
    table["coverage_pct"] = 100 * table["sample"] / table["frame"]
    return table
