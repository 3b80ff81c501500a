"""From a collector's export (Dutch or French answer text) to coded answers: one codebook.

Each question's columns are found by their header texts, each cell is mapped to its code,
and anything that does not fit the codebook raises an InputError that names the file, the
spreadsheet row, the column and what was expected: never a silent missing value. A whole
question the export lacks, or one the codebook does not know, is listed instead and not read
(an export worded otherwise is read through a mapping: :mod:`barometer.align`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import layout
from .codebook import LANGUAGES, Codebook, Question
from .errors import InputError
from .qtypes import norm
from .surveymonkey import CANONICAL_FIXED, PERSONAL_COLUMNS, answer_columns

#: Where a researcher whose export is worded otherwise is sent (see barometer.align).
MAPPING_HINT = "mapping.yml beside the exports: `python -m barometer.cli align`"


@dataclass
class Collector:
    """One export file read and recoded: its language and each respondent's coded answers."""

    path: Path
    lang: str
    header_layout: str
    records: list[dict]  # per respondent: fixed fields, "_row", "_answered" and coded answers
    column_names: dict[str, str] = field(default_factory=dict)  # question -> the file's name for it, if not its text
    missing: list[str] = field(default_factory=list)  # codebook questions the export lacks (not read)
    unknown: list[str] = field(default_factory=list)  # the export's questions the codebook does not know (not read)
    matched: dict[str, str | None] | None = None  # question -> how it was found ("mapping"...); None: by wording

    def column_name(self, question: Question) -> str:
        """How an error names the question's column in this file (its wording, or e.g. its SPSS variable)."""
        return self.column_names.get(question.name, question.text[self.lang])


def detect_language(path: Path, df: pd.DataFrame, codebook: Codebook) -> str:
    """The collector's language: the one whose question wordings the export's headers carry."""
    headers = {norm(q) for q, _ in answer_columns(df)}
    scores = {lang: sum(norm(q.text[lang]) in headers for q in codebook) for lang in LANGUAGES}
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        raise InputError(path, "not an export of the barometer questionnaire: no question of the codebook found",
                         expected=f"question texts of {codebook.path.name} in Dutch or French (or a {MAPPING_HINT})")
    return best


def _locate(path: Path, df: pd.DataFrame, codebook: Codebook,
            lang: str) -> tuple[dict[tuple[str, str], tuple], list[str], list[str]]:
    """Map each expected (question, row-2) header to the export's column.

    Returns the columns found, the codebook questions whose wording heads no column (missing:
    not read, reported) and the export's question texts the codebook does not know (unknown:
    not read, reported). A question that is there with a column missing or one too many is
    refused, as a required question that is missing: its answers would be misread or lost.
    """
    present = {(norm(q), norm(r)): (q, r) for q, r in answer_columns(df)}
    texts = {key[0] for key in present}
    found: dict[tuple[str, str], tuple] = {}
    missing = []
    for q in codebook:
        if norm(q.text[lang]) not in texts:
            if q.required:
                raise InputError(path, f"the questionnaire does not match the codebook: question {q.id} ({q.name}), "
                                 "which every respondent answers, is not found", column=q.text[lang],
                                 expected=f"a question headed {q.text[lang]!r} (or a {MAPPING_HINT})")
            missing.append(q.name)
            continue
        for col in layout.question_columns(q, lang):
            key = (norm(col.header[0]), norm(col.header[1]))
            if key not in present:
                raise InputError(
                    path, f"the questionnaire does not match the codebook: column of {q.id} ({q.name}) not found",
                    column=f"{col.header[0]} / {col.header[1]}",
                    expected=f"a column headed {col.header[0]!r} over {col.header[1]!r}")
            found[col.header] = present.pop(key)
    known = {norm(q.text[lang]) for q in codebook}
    unknown: list[str] = []
    for (key, _), (q, r) in present.items():
        if key in known:
            lost = f" (and {', '.join(codebook[m].id for m in missing)} not found: a question's text lost?)" if missing else ""
            raise InputError(path, f"the questionnaire does not match the codebook: column not in the codebook{lost}",
                             column=f"{q} / {r}", expected=f"only the columns of {codebook.path.name} under {q!r}")
        if q not in unknown:
            unknown.append(q)
    return found, missing, unknown


def _decode_question(path: Path, q: Question, lang: str, cells: dict, row: int):
    """(coded answer, "other" text) of one question from its cells ({Column: text or None}); None if unanswered."""
    def fail(column: layout.Column, problem: str, found: object, expected: str):
        raise InputError(path, problem, row=row, column=f"{column.header[0]} / {column.header[1]}", found=found,
                         expected=expected)

    return q.kind.read(lang, cells, fail)


def recode_export(path: Path, df: pd.DataFrame, codebook: Codebook, *, lang: str | None = None) -> Collector:
    """Every respondent of one export as coded answers (personal questions are not read).

    Questions the export lacks are not read and listed in ``Collector.missing``; questions the
    codebook does not know are listed in ``Collector.unknown`` (see :func:`_locate`).
    """
    lang = lang or detect_language(path, df, codebook)
    located, missing, unknown = _locate(path, df, codebook, lang)
    fixed_names = [n for n in CANONICAL_FIXED if n not in PERSONAL_COLUMNS and (n, "") in df.columns]
    columns = {q.name: layout.question_columns(q, lang) for q in codebook}
    records = []
    for row, values in df.iterrows():
        record = {name: values[(name, "")] for name in fixed_names}
        record["_row"] = int(row)
        answered = []
        for q in codebook:
            if q.personal or q.name in missing:
                continue
            cells = {c: values[located[c.header]] for c in columns[q.name]}
            cells = {c: (None if pd.isna(v) else v) for c, v in cells.items()}
            answer, other = _decode_question(path, q, lang, cells, int(row))
            if answer is not None:
                record[q.name] = answer
            if other is not None:
                record[f"{q.name}__other"] = other
            if answer is not None or other is not None:
                answered.append(q.name)
        record["_answered"] = answered
        records.append(record)
    return Collector(path=path, lang=lang, header_layout=df.attrs.get("header_layout", ""), records=records,
                     missing=missing, unknown=unknown)
