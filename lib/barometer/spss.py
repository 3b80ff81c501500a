"""Where each codebook question sits in a SurveyMonkey SPSS export (.sav), in both directions.

SurveyMonkey's SPSS export names variables by position: question N of the survey is
``qNNNN`` when it fills one column, else ``qNNNN_0001``, ``qNNNN_0002``... in the order of
the CSV export's expanded columns (options, matrix rows, ranking items, project fields;
see :mod:`barometer.layout`). An "Other (please specify)" text is ``qNNNN_other`` (the
next number is accepted too), and ``qNNNN_0001`` is accepted for a one-column question.
Answers are codes 1..n with value labels in the collector's language, multi-select
options 1/empty dummies, ranks plain numbers: each question type (:mod:`barometer.qtypes`)
states which of its variables hold text, their value labels and values.

The generic reading and writing of .sav files is :mod:`barometer.surveymonkey`'s; this
module maps them onto the codebook. :func:`map_sav` turns a .sav into the frame
:func:`barometer.surveymonkey.read_export` returns for a CSV:
the codebook's headers, in the language the labels are written in, over each cell's
text. The recoding, cleaning and checks are then the very ones a CSV or XLSX export goes
through, and their errors name the SPSS variable. The positional mapping is checked
against the variable labels: a question whose labels name neither its wording nor its
options or items is refused, so a questionnaire in another order than the codebook
fails loudly instead of being read into the wrong questions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import layout
from .codebook import LANGUAGES, Codebook, Question
from .errors import InputError
from .qtypes import norm
from .recode import Collector, recode_export
from .surveymonkey import CANONICAL_FIXED, clean_text, read_sav_responses, sav_cell_text, write_sav

HEADER_LAYOUT = "spss"
#: Labels that say nothing about which question a variable holds.
_GENERIC_LABELS = {norm(layout.RESPONSE), norm(layout.OPEN_RESPONSE), ""}
#: How much of a question's wording a label must repeat to name it (labels are cut at 256 bytes).
_WORDING_PREFIX = 40


@dataclass(frozen=True)
class Variable:
    """One SPSS variable of a question: its name, the names also accepted, and its export column."""

    name: str
    accepted: tuple[str, ...]
    column: layout.Column


def variables(codebook: Codebook, lang: str) -> list[Variable]:
    """The question variables of an export, in questionnaire order (columns headed in ``lang``)."""
    result = []
    for number, q in enumerate(codebook, start=1):
        stem = f"q{number:04d}"
        columns = layout.question_columns(q, lang)
        main = [c for c in columns if c.role != "other"]
        for position, column in enumerate(main, start=1):
            numbered = f"{stem}_{position:04d}"
            accepted = (stem, numbered) if len(main) == 1 else (numbered,)
            result.append(Variable(accepted[0], accepted, column))
        for column in columns:
            if column.role == "other":
                result.append(Variable(f"{stem}_other", (f"{stem}_other", f"{stem}_{len(main) + 1:04d}"), column))
    return result


def header_text(column: layout.Column) -> str:
    """A column's two header texts as recoding errors name them."""
    return f"{column.header[0]} / {column.header[1]}"


# --------------------------------------------------------------------------- reading


def map_sav(path: str | Path, codebook: Codebook) -> pd.DataFrame:
    """A .sav export as the frame :func:`barometer.surveymonkey.read_export` gives for a CSV.

    ``attrs["variables"]`` maps each column's header text (as errors name it) to its SPSS
    variable, ``attrs["question_variables"]`` each question to its first variable. Answers
    to personal questions are not copied.
    """
    path = Path(path)
    frame, labels = read_sav_responses(path)
    fixed = [c for c in CANONICAL_FIXED if c in frame.columns]
    by_name = {str(v).lower(): v for v in frame.columns if v not in fixed}
    lang = _sav_language(path, frame, labels, by_name, codebook)
    found = _resolve(path, by_name, codebook, lang)
    _check_labels(path, found, labels, codebook, lang)
    data = {(c, ""): frame[c] for c in fixed}
    for spec, variable in found:
        q = codebook[spec.column.question]
        texts = [None] * len(frame) if q.personal else [sav_cell_text(v) for v in frame[variable].astype(object)]
        data[spec.column.header] = pd.Series(texts, index=frame.index, dtype="str")
    df = pd.DataFrame({i: s for i, s in enumerate(data.values())}, index=frame.index)
    df.columns = pd.MultiIndex.from_tuples(list(data), names=("question", "row2"))
    df.attrs = {"source": str(path), "header_layout": HEADER_LAYOUT, "rows": list(frame.attrs["rows"]),
                "variables": {header_text(spec.column): variable for spec, variable in found},
                "question_variables": {}}
    for spec, variable in reversed(found):  # the first variable of each question wins
        df.attrs["question_variables"][spec.column.question] = variable
    return df


def recode(path: str | Path, codebook: Codebook) -> Collector:
    """Read and recode a .sav export; recoding errors name the SPSS variable."""
    path = Path(path)
    df = map_sav(path, codebook)
    named = df.attrs["variables"]
    try:
        collector = recode_export(path, df, codebook)
    except InputError as err:
        if err.column not in named:
            raise
        raise InputError(err.path, err.problem, row=err.row, column=f"{named[err.column]} ({err.column})",
                         expected=err.expected, found=err.found) from None
    collector.column_names = dict(df.attrs["question_variables"])
    return collector


def _label_names(label: object, q: Question, column: layout.Column, lang: str) -> bool:
    """Whether a variable label names this question (its wording, cut or not) or this column."""
    text = norm(clean_text(label))
    wording = norm(q.text[lang])
    if wording[:_WORDING_PREFIX] in text or (len(text) >= 12 and wording.startswith(text)):
        return True
    specific = norm(column.header[1])
    return specific not in _GENERIC_LABELS and specific in text


def _present(spec: Variable, by_name: dict[str, str]) -> list[str]:
    return [by_name[name] for name in spec.accepted if name in by_name]


def _sav_language(path: Path, frame: pd.DataFrame, labels: dict, by_name: dict, codebook: Codebook) -> str:
    """The collector's language: the one the variable and value labels are written in."""
    scores = {}
    for lang in LANGUAGES:
        score = 0
        for spec in variables(codebook, lang):
            q = codebook[spec.column.question]
            for variable in _present(spec, by_name):
                if labels.get(variable) and _label_names(labels[variable], q, spec.column, lang):
                    score += 1
                values = frame[variable]
                if isinstance(values.dtype, pd.CategoricalDtype):
                    allowed = {norm(label) for label in q.kind.value_labels(spec.column, lang).values()}
                    score += bool(allowed) and all(norm(c) in allowed for c in values.cat.categories)
        scores[lang] = score
    best = max(scores, key=scores.get)
    if scores[best] == 0 or list(scores.values()).count(scores[best]) > 1:
        raise InputError(path, f"cannot tell the collector's language from the labels (matches: {scores})",
                         expected=f"variable and value labels with the Dutch or French texts of {codebook.path.name}")
    return best


def _resolve(path: Path, by_name: dict[str, str], codebook: Codebook, lang: str) -> list[tuple[Variable, str]]:
    """Each codebook column's variable; fail on a missing, doubled or unknown one."""
    found = []
    for spec in variables(codebook, lang):
        present = _present(spec, by_name)
        q = codebook[spec.column.question]
        if not present:
            raise InputError(path, f"the questionnaire does not match the codebook: variable of {q.id} ({q.name}) "
                             "not found", column=spec.name,
                             expected=f"a variable {' or '.join(spec.accepted)} for {header_text(spec.column)!r}")
        if len(present) > 1:
            raise InputError(path, f"two variables for one column of {q.id} ({q.name})", column=present[1],
                             found=present, expected=f"one of {spec.accepted}")
        found.append((spec, present[0]))
    used = {variable for _, variable in found}
    unknown = [v for v in by_name.values() if v not in used]
    if unknown:
        raise InputError(path, "the questionnaire does not match the codebook: variable not in the codebook",
                         column=unknown[0], expected=f"only the fixed variables and the q0001..q{len(codebook):04d} "
                         f"variables of {codebook.path.name}")
    return found


def _check_labels(path: Path, found: list[tuple[Variable, str]], labels: dict, codebook: Codebook, lang: str) -> None:
    """Refuse a question whose variable labels all name something else (another question order)."""
    by_question: dict[str, list[tuple[Variable, str]]] = {}
    for spec, variable in found:
        by_question.setdefault(spec.column.question, []).append((spec, variable))
    for name, pairs in by_question.items():
        q = codebook[name]
        telling = [(spec, v) for spec, v in pairs
                   if spec.column.role != "other" and norm(clean_text(labels.get(v))) not in _GENERIC_LABELS]
        if telling and not any(_label_names(labels[v], q, spec.column, lang) for spec, v in telling):
            spec, variable = telling[0]
            raise InputError(path, f"the questionnaire does not match the codebook: the variable of {q.id} "
                             f"({q.name}) is labelled for something else", column=variable, found=labels[variable],
                             expected=f"a label with the question {q.text[lang]!r} or {spec.column.header[1]!r}")


# --------------------------------------------------------------------------- writing


def write_coded(path: str | Path, fixed: pd.DataFrame, codebook: Codebook, respondents: list[dict],
                lang: str) -> Path:
    """Write coded respondents as SurveyMonkey's SPSS export (tests, and the synthetic data in .sav).

    ``fixed`` holds the canonical fixed columns, as :func:`barometer.surveymonkey.write_sav` takes them.
    """
    data: dict[str, list] = {}
    column_labels: dict[str, str] = {}
    value_labels: dict[str, dict] = {}
    for spec in variables(codebook, lang):
        q = codebook[spec.column.question]
        cells = [q.kind.sav_value(spec.column, answers) for answers in respondents]
        data[spec.name] = ["" if c is None else str(c) for c in cells] if q.kind.sav_text(spec.column) else \
            [math.nan if c is None else float(c) for c in cells]
        header = spec.column.header
        column_labels[spec.name] = header[0] if header[1] in (layout.RESPONSE, layout.OPEN_RESPONSE) \
            else f"{header[0]} - {header[1]}"
        labels = q.kind.value_labels(spec.column, lang)
        if labels:
            value_labels[spec.name] = labels
    return write_sav(path, fixed, data, labels=column_labels, value_labels=value_labels)
