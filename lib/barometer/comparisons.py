"""The tests behind claims, built on the exported variables so that anyone can recompute them.

A chapter states a comparison by naming variables as ``respondents.csv`` names them
(:func:`barometer.export.answers`): ``views.technological_challenge`` (0/1),
``components.first`` (the item ranked first), ``stakeholders_public.mayor`` (a score),
``heard_of_concept`` (a code). Each function runs the design-based test
(:mod:`barometer.design`) and returns a :class:`~barometer.claims.Claim` whose ``question``,
``code`` and ``by`` say exactly which variables and which R call, so that ``tests/r/crosscheck.R``
recomputes it from the exported data:

=====================  =========================  ===================================================
function               R                          columns of tests.csv
=====================  =========================  ===================================================
:func:`contrast`       svycontrast(svymean(~a+b))  question, code = ``a-b``, by = group or empty
:func:`difference`     svyglm(y ~ I(by == level))  question, code, by = ``column=level``
:func:`association`    svychisq(~x + by, "F")      question (x), by (a column)
:func:`level`          svymean(~I(y - value))      question, code, by = ``value=<value>``
=====================  =========================  ===================================================

A variable is ``<question>.<code>`` when that column exists (0/1 or a number), else the
indicator ``<question> == code`` (missing where the answer is). Claims are Holm-adjusted per
chapter by :meth:`barometer.notebook.Notebook.claim`.
"""

from __future__ import annotations

import pandas as pd

from . import analysis, claims
from .survey import Survey

_ANSWERS: dict[int, tuple[Survey, pd.DataFrame]] = {}


def variables(survey: Survey) -> pd.DataFrame:
    """The exported answer columns, indexed like the survey's respondents (computed once)."""
    from .export import answers

    cached = _ANSWERS.get(id(survey))
    if cached is None or cached[0] is not survey:
        cached = (survey, answers(survey))
        _ANSWERS[id(survey)] = cached
    return cached[1]


def variable(survey: Survey, question: str, code: str | None = None) -> pd.Series:
    """``<question>.<code>`` as numbers if that column exists, else ``<question> == code`` (or the column)."""
    v = variables(survey)
    if code is not None and f"{question}.{code}" in v:
        return pd.to_numeric(v[f"{question}.{code}"], errors="coerce")
    column = v[question]
    if code is None:
        return column
    return (column == code).astype(float).where(column.notna())


def _group(survey: Survey, group: str | None):
    return None if group in (None, "all") else analysis.domain(group)


def contrast(survey: Survey, key: str, claim: str, question: str, a: str, b: str, *, group: str | None = None,
             shares: bool = False) -> claims.Claim:
    """``a`` against ``b`` within the same respondents (those who answered both): a > b is supported when significant."""
    est = analysis.design(survey).contrast(variable(survey, question, a), variable(survey, question, b),
                                           _group(survey, group))
    return claims.from_estimate(key, claim, est, question=question, code=f"{a}-{b}",
                                by="" if group in (None, "all") else group, shares=shares)


def difference(survey: Survey, key: str, claim: str, question: str, code: str, by: str, level: str, *,
               shares: bool = False) -> claims.Claim:
    """The respondents of ``by == level`` against all others, on one variable (a domain contrast)."""
    groups = survey.respondents[by].astype(object)
    flag = (groups == level).map({True: "level", False: "rest"}).where(groups.notna())
    est = analysis.design(survey).difference(variable(survey, question, code), flag, "level", "rest")
    return claims.from_estimate(key, claim, est, question=question, code=code, by=f"{by}={level}", shares=shares)


def association(survey: Survey, key: str, claim: str, question: str, by: str) -> claims.Claim:
    """Whether the answer to ``question`` (a categorical column) depends on ``by`` (a frame column)."""
    test = analysis.design(survey).chisq(variable(survey, question), survey.respondents[by].astype(object))
    return claims.from_test(key, claim, test, question=question, by=by)


def level(survey: Survey, key: str, claim: str, question: str, code: str | None, value: float) -> claims.Claim:
    """A mean against a fixed ``value`` (e.g. a scale's midpoint): above it when positive and significant."""
    est = analysis.design(survey).mean(variable(survey, question, code) - value)
    return claims.from_estimate(key, claim, est, question=question, code=code or "", by=f"value={value:g}")
