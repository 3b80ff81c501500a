"""The tests behind claims, built on the exported variables so that anyone can recompute them.

A chapter states a comparison by naming variables as ``respondents.csv`` names them
(:func:`barometer.export.answers`): ``views.technological_challenge`` (0/1),
``components.first`` (the item ranked first), ``stakeholders_public.mayor`` (a score),
``heard_of_concept`` (a code). Each function runs the design-based test
(:mod:`barometer.design`) and returns a :class:`~barometer.claims.Claim` whose ``question``,
``code`` and ``by`` say exactly which variables and which R call, so that ``tests/r/crosscheck.R``
recomputes it from the exported data:

=====================  ==========================  ==================================================
function               R                           columns of tests.csv
=====================  ==========================  ==================================================
:func:`contrast`       svycontrast(svymean(~a+b))  question, code = ``a-b`` (or ``a>b``), by = group or empty
:func:`difference`     svyglm(y ~ I(by == level))  question, code, by = ``column=level``
:func:`association`    svychisq(~x + by, "F")      question (x), code = its classes or empty, by (a column)
:func:`level`          svymean(~I(y - value))      question, code, by = ``value=<value>``
=====================  ==========================  ==================================================

A variable is ``<question>.<code>`` when that column exists (0/1 or a number), else the
indicator ``<question> == code`` (missing where the answer is). Claims are Holm-adjusted per
chapter by :meth:`barometer.notebook.Notebook.claim`.

How a contrast's code is read: ``a-b`` is the mean of ``a`` minus that of ``b``; ``a>b`` (a scale
where lower is better, such as ranks: ``a`` above ``b`` when its mean is lower) is the mean of ``b``
minus that of ``a``. Either way the first named is the one claimed above, and a positive difference
supports it. A side that names another question's variable is written ``<question>.<code>``
(``municipal_council-stakeholders_societal.citizens``). An association's code lists the classes
the answers are merged into, separated by ``,``, each its codes joined by ``+``; the answers of no
listed class form one class more (``yes``: yes against every other answer).
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
    if question not in v:  # a question (or an item) without any answer in these data
        return pd.Series(float("nan"), index=v.index)
    column = v[question]
    if code is None:
        return column
    return (column == code).astype(float).where(column.notna())


def _group(survey: Survey, group: str | None):
    return None if group in (None, "all") else analysis.domain(group)


Side = str | tuple[str, str]  # a code of the contrast's question, or (another question, its code)


def _side(question: str, side: Side) -> tuple[str, str]:
    return (question, side) if isinstance(side, str) else side


def _named(question: str, side: Side) -> str:
    """A side as the contrast's code names it: its code, or ``<question>.<code>`` for another question."""
    q, code = _side(question, side)
    return code if q == question else f"{q}.{code}"


def contrast(survey: Survey, key: str, claim: str, question: str, a: Side, b: Side, *, group: str | None = None,
             shares: bool = False, lower_is_better: bool = False) -> claims.Claim:
    """``a`` against ``b`` within the same respondents (those who answered both): a above b is supported when
    significant.

    ``a`` and ``b`` are codes of ``question`` or (question, code) pairs of another question.
    ``lower_is_better`` (ranks): a is above b when its mean is lower; the difference is then b minus a
    and the code ``a>b``.
    """
    va, vb = variable(survey, *_side(question, a)), variable(survey, *_side(question, b))
    first, second = (vb, va) if lower_is_better else (va, vb)
    est = analysis.design(survey).contrast(first, second, _group(survey, group))
    code = f"{_named(question, a)}{'>' if lower_is_better else '-'}{_named(question, b)}"
    return claims.from_estimate(key, claim, est, question=question, code=code,
                                by="" if group in (None, "all") else group, shares=shares)


def difference(survey: Survey, key: str, claim: str, question: str, code: str, by: str, level: str, *,
               shares: bool = False) -> claims.Claim:
    """The respondents of ``by == level`` against all others, on one variable (a domain contrast)."""
    groups = survey.respondents[by].astype(object)
    flag = (groups == level).map({True: "level", False: "rest"}).where(groups.notna())
    est = analysis.design(survey).difference(variable(survey, question, code), flag, "level", "rest")
    return claims.from_estimate(key, claim, est, question=question, code=code, by=f"{by}={level}", shares=shares)


def _merged(merged) -> list[tuple[str, ...]]:
    return [(m,) if isinstance(m, str) else tuple(m) for m in merged]


def classes(survey: Survey, question: str, merged=()) -> pd.Series:
    """A categorical answer with its codes merged into classes: each of ``merged`` (a code or a sequence of
    codes) is one class, named by its codes joined by ``+``; every other answer falls into one class more."""
    column = variable(survey, question)
    merged = _merged(merged)
    if not merged:
        return column
    name = {code: "+".join(m) for m in merged for code in m}
    return column.map(lambda v: name.get(v, "(rest)")).where(column.notna())


def association(survey: Survey, key: str, claim: str, question: str, by: str, merged=()) -> claims.Claim:
    """Whether the answer to ``question`` (a categorical column, its codes merged as :func:`classes` does)
    depends on ``by`` (a frame column)."""
    merged = _merged(merged)
    test = analysis.design(survey).chisq(classes(survey, question, merged), survey.respondents[by].astype(object))
    return claims.from_test(key, claim, test, question=question, code=",".join("+".join(m) for m in merged), by=by)


def level(survey: Survey, key: str, claim: str, question: str, code: str | None, value: float) -> claims.Claim:
    """A mean against a fixed ``value`` (e.g. a scale's midpoint): above it when positive and significant."""
    est = analysis.design(survey).mean(variable(survey, question, code) - value)
    return claims.from_estimate(key, claim, est, question=question, code=code or "", by=f"value={value:g}")
