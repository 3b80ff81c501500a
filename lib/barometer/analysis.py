"""The computations the chapters share: one call gives a figure of the respondents and its estimate.

Every table of shares or means has, per answer code, two kinds of columns:

- **the respondents' figure**, as the published report computed it: ``count`` (respondents
  with that answer), ``n`` (respondents who answered: the item's own base) and ``pct`` (or
  ``mean``). It describes the respondents; it has no interval, because the respondents are
  not a random sample of anything.
- **the calibrated estimate** for Belgian municipalities (:mod:`barometer.design`): the
  respondents raked to the frame's margins and treated as random within the raking cells,
  ``estimate`` with ``se``, its 95% interval ``low``–``high``, the effective base ``n_eff``,
  the R ``survey`` call it reproduces (``method``), and for shares the no-assumption bounds
  ``bound_low``–``bound_high`` (what the known answers allow whatever the others answered).
  ``reason`` says why an estimate is missing (an empty or one-respondent group, or a question
  the data lack: ``not_available``, see :func:`available`).

Shares and bounds are in %. Groups are the report's: all municipalities, urban/rural
(DEGURBA) and the three regions, each a domain (subset) of the one calibrated design.
Every estimate computed is also kept in :func:`estimates` (the book's ``estimates.csv``).
"""

from __future__ import annotations

import math

import pandas as pd

from . import design as _design
from .survey import Survey

GROUPS = ("all", "urban", "rural", "flanders", "wallonia", "brussels")
GROUP_COLUMN = {"urban": "urbanity", "rural": "urbanity", "flanders": "region",
                "wallonia": "region", "brussels": "region"}
#: Derived variables, named as the exported respondents' columns: the item a respondent ranked first
#: (``<question>.first``) and a rating question's answer as its value on the scale (``<question>.value``).
FIRST, VALUE = "first", "value"
#: Columns of the calibrated estimate, in the order tables carry them.
ESTIMATE_COLUMNS = ("estimate", "se", "low", "high", "n_eff", "bound_low", "bound_high", "method", "reason")

_DESIGNS: dict[int, tuple[Survey, _design.Design]] = {}
_LEDGER: dict[int, dict[str, dict]] = {}


def design(survey: Survey) -> _design.Design:
    """The calibrated design of a survey (computed once per loaded survey)."""
    cached = _DESIGNS.get(id(survey))
    if cached is None or cached[0] is not survey:
        units = survey.respondents
        cached = (survey, _design.Design(units, survey.frame))
        _DESIGNS[id(survey)] = cached
        _LEDGER[id(survey)] = {}
    return cached[1]


def available(survey: Survey, question: str) -> bool:
    """Whether the data hold the codebook question ``question``: not one the loader found in no export.

    Every analysis of a missing question (the survey's ``missing_questions``) gives a table without
    figures whose reason is ``not_available``, so a chapter says that its figure is not available for
    these data rather than "no respondents".
    """
    return question not in survey.missing_questions


def _not_available(**figure) -> dict:
    """The row of an analysis of a question the data lack: no respondents' figure, no estimate."""
    return {**figure, "n": 0, "estimate": math.nan, "se": math.nan, "low": math.nan, "high": math.nan,
            "n_eff": math.nan, "bound_low": math.nan, "bound_high": math.nan, "method": "", "reason": "not_available"}


def domain(group: str) -> tuple | None:
    """The design domain of a group: None for all municipalities, else (column, class).

    A group is one of :data:`GROUPS`, or ``<column>=<value>`` / ``<column>!=<value>`` for the
    respondents with (or without) an answer, e.g. ``smart_city_manager=yes``.
    """
    if group == "all":
        return None
    if "!=" in group:
        column, value = group.split("!=", 1)
        return column, value, "!="
    if "=" in group:
        return tuple(group.split("=", 1))
    return GROUP_COLUMN[group], group


def group_ids(survey: Survey, group: str) -> pd.Index:
    """Respondent ids of a group (see :func:`domain`)."""
    r = survey.respondents
    spec = domain(group)
    if spec is None:
        return r.index
    return r.index[_design.Design._in(r, spec)]


def group_population(survey: Survey, group: str) -> int:
    """Number of municipalities of the group in the frame."""
    f = survey.frame
    if group == "all":
        return len(f)
    return int((f[GROUP_COLUMN[group]] == group).sum())


def _columns(est: _design.Estimate, scale: float) -> dict:
    """An estimate as table columns (shares scaled to %)."""
    return {"estimate": scale * est.estimate, "se": scale * est.se, "low": scale * est.low,
            "high": scale * est.high, "n_eff": est.n_eff, "bound_low": scale * est.bound_low,
            "bound_high": scale * est.bound_high, "method": est.method, "reason": est.reason}


def _log(survey: Survey, key: dict, row: dict) -> None:
    name = ".".join(str(key[k]) for k in ("question", "code", "group", "statistic"))
    _LEDGER.setdefault(id(survey), {})[name] = {"key": name, **key, **row}


def estimates(survey: Survey) -> pd.DataFrame:
    """Every calibrated estimate computed so far for this survey (one row per key; shares as proportions, as R gives them)."""
    rows = list(_LEDGER.get(id(survey), {}).values())
    return pd.DataFrame(rows)


def share(survey: Survey, chosen: pd.Series, group: str = "all", *, question: str = "", code: str = "") -> dict:
    """A share of a group's respondents: ``chosen`` is boolean, indexed by the respondents of the base.

    Returns the respondents' figure (count, n, pct) and the calibrated estimate, in %.
    """
    ids = group_ids(survey, group)
    chosen = chosen[chosen.index.isin(ids)].astype(bool)
    n = len(chosen)
    count = int(chosen.sum())
    est = design(survey).proportion(chosen, domain(group))
    _log(survey, {"question": question, "code": code, "group": group, "statistic": "proportion"},
         {"n": n, **_columns(est, 1.0)})
    return {"count": count, "n": n, "pct": 100 * count / n if n else math.nan, **_columns(est, 100.0)}


def mean(survey: Survey, values: pd.Series, group: str = "all", *, question: str = "", code: str = "",
         column: str = "mean") -> dict:
    """A mean of a group's respondents' values (indexed by respondent id), and its calibrated estimate."""
    ids = group_ids(survey, group)
    values = values[values.index.isin(ids)].dropna().astype(float)
    est = design(survey).mean(values, domain(group))
    row = {column: float(values.mean()) if len(values) else math.nan, "n": len(values), **_columns(est, 1.0)}
    _log(survey, {"question": question, "code": code, "group": group, "statistic": "mean"}, row)
    return row


def _table(survey: Survey, chosen: dict[str, pd.Series], group: str, question: str) -> pd.DataFrame:
    if not available(survey, question.split(".")[0]):
        rows = [{"code": code, **_not_available(count=0, pct=math.nan)} for code in chosen]
    else:
        rows = [{"code": code, **share(survey, flags, group, question=question, code=code)}
                for code, flags in chosen.items()]
    columns = ["code", "count", "n", "pct", *ESTIMATE_COLUMNS]
    return pd.DataFrame(rows, columns=columns).set_index("code")


def single_share(survey: Survey, question: str, codes, group: str = "all") -> dict:
    """Share of the group's respondents who answered ``question`` with one of ``codes`` (or a named group of codes)."""
    if isinstance(codes, str):
        codes = survey.codebook[question].groups.get(codes, (codes,))
    if not available(survey, question):
        return _not_available(count=0, pct=math.nan)
    answers = survey.respondents[question].dropna()
    return share(survey, answers.isin(codes), group, question=question, code="+".join(codes))


def single_counts(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Each option of a single-choice question; base = the group's respondents who answered."""
    answers = survey.respondents.loc[group_ids(survey, group), question].dropna()
    return _table(survey, {code: answers == code for code in survey.codebook[question].codes}, group, question)


def option_flags(survey: Survey, question: str) -> pd.DataFrame:
    """Multiple choice as 0/1 per option (columns), one row per respondent who chose any option.

    Respondents who chose nothing are not in the base (they did not answer the question).
    """
    chosen = survey.choices[survey.choices["question"] == question]
    base = pd.Index(chosen["respondent_id"].unique(), name="respondent_id")
    return pd.DataFrame({code: base.isin(chosen.loc[chosen["option"] == code, "respondent_id"]).astype(int)
                         for code in survey.codebook[question].codes}, index=base)


def item_answers(survey: Survey, question: str) -> pd.DataFrame:
    """Matrix or ranking as one column per item: each respondent's value on the scale, or rank.

    One row per respondent who answered any item; NaN where a respondent left an item out.
    """
    table = survey.codebook[question].kind.table  # "ratings" or "rankings"
    long, column = getattr(survey, table), {"ratings": "value", "rankings": "rank"}[table]
    rows = long[long["question"] == question]
    wide = rows.pivot_table(index="respondent_id", columns="item", values=column, aggfunc="first")
    return wide.reindex(columns=survey.codebook[question].item_codes).astype(float)


def option_counts(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Multiple choice: each option; base = the group's respondents who chose any option."""
    flags = option_flags(survey, question)
    flags = flags[flags.index.isin(group_ids(survey, group))]
    return _table(survey, {code: flags[code].astype(bool) for code in flags.columns}, group, question)


def ranked(table: pd.DataFrame, column: str, *, ascending: bool = False) -> list[str]:
    """Codes ordered by ``column``; ties keep questionnaire order (a stable sort)."""
    return list(table.sort_values(column, ascending=ascending, kind="stable").index)


def _rankings(survey: Survey, question: str, group: str) -> pd.DataFrame:
    ids = group_ids(survey, group)
    r = survey.rankings
    return r[(r["question"] == question) & r["respondent_id"].isin(ids)]


def first_items(survey: Survey, question: str) -> pd.Series:
    """Ranking: the item each respondent who ranked any item put first (missing if none was ranked first)."""
    r = survey.rankings[survey.rankings["question"] == question]
    first = r[r["rank"] == 1].drop_duplicates("respondent_id").set_index("respondent_id")["item"]
    return first.reindex(pd.Index(r["respondent_id"].unique(), name="respondent_id"))


def first_ranked_counts(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Ranking: each item put first; base = the group's respondents who ranked any item."""
    first = first_items(survey, question)
    first = first[first.index.isin(group_ids(survey, group))]
    return _table(survey, {item: first == item for item in survey.codebook[question].item_codes},
                  group, f"{question}.{FIRST}")


def mean_ranks(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Ranking: mean rank of each item among the respondents who ranked it (lower = higher priority)."""
    r = _rankings(survey, question, group)
    if not available(survey, question):
        rows = [{"code": item, **_not_available(mean_rank=math.nan)} for item in survey.codebook[question].item_codes]
        return pd.DataFrame(rows).set_index("code")
    rows = [{"code": item, **mean(survey, r.loc[r["item"] == item].set_index("respondent_id")["rank"], group,
                                  question=question, code=item, column="mean_rank")}
            for item in survey.codebook[question].item_codes]
    return pd.DataFrame(rows).set_index("code")


def item_means(survey: Survey, question: str, group: str = "all") -> pd.DataFrame:
    """Matrix (rating scale): each item's mean and its estimate, and the respondents' answers (``n_<value>``)."""
    ids = group_ids(survey, group)
    q = survey.codebook[question]
    r = survey.ratings[(survey.ratings["question"] == question) & survey.ratings["respondent_id"].isin(ids)]
    rows = []
    for item in q.item_codes:
        values = r.loc[r["item"] == item].set_index("respondent_id")["value"]
        row = {"code": item, **(mean(survey, values, group, question=question, code=item) if available(survey, question)
                                else _not_available(mean=math.nan))}
        for point in q.scale:
            row[f"n_{point.value}"] = int((values == point.value).sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("code")


def scale_mean(survey: Survey, question: str, group: str = "all") -> dict:
    """Mean of a single-choice rating question, through its options' values."""
    q = survey.codebook[question]
    if not available(survey, question):
        return _not_available(mean=math.nan)
    values = {o.code: o.value for o in q.options}
    answers = survey.respondents[question].dropna()
    return mean(survey, answers.astype(object).map(values).astype(float), group, question=question, code=VALUE)


def project_counts(survey: Survey, field: str) -> pd.DataFrame:
    """Projects by dimension or initiator: count and % of the projects where the field is given.

    A description of the projects listed, without interval: projects of one municipality are
    not independent, and the frame says nothing about projects.
    """
    given = survey.projects.dropna(subset=[field])
    codes = [o.code for o in survey.codebook["projects"].field(field).options]
    counts = pd.Series({code: int((given[field] == code).sum()) for code in codes})
    table = pd.DataFrame({"count": counts, "n": len(given)})
    table["pct"] = 100 * table["count"] / len(given) if len(given) else math.nan
    table.index.name = "code"
    return table


def frame_comparison(survey: Survey, column: str) -> pd.DataFrame:
    """Sample against the frame for one variable: counts, shares and coverage per class."""
    frame_counts = survey.frame[column].value_counts(sort=False)
    sample_counts = survey.respondents[column].value_counts(sort=False).reindex(frame_counts.index, fill_value=0)
    table = pd.DataFrame({"frame": frame_counts.astype(int), "sample": sample_counts.astype(int)})
    table["frame_pct"] = 100 * table["frame"] / table["frame"].sum()
    table["sample_pct"] = 100 * table["sample"] / table["sample"].sum() if table["sample"].sum() else math.nan
    table["coverage_pct"] = 100 * table["sample"] / table["frame"]
    return table
