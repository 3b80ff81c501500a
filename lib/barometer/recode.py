"""From a collector's export (Dutch or French answer text) to coded answers: one codebook.

Each question's columns are found by their header texts, each cell is mapped to its code,
and anything that does not fit the codebook raises an InputError that names the file, the
spreadsheet row, the column and what was expected: never a silent missing value.
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


@dataclass
class Collector:
    """One export file read and recoded: its language and each respondent's coded answers."""

    path: Path
    lang: str
    header_layout: str
    records: list[dict]  # per respondent: fixed fields, "_row", "_answered" and coded answers
    column_names: dict[str, str] = field(default_factory=dict)  # question -> the file's name for it, if not its text

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
                         expected=f"question texts of {codebook.path.name} in Dutch or French")
    return best


def _locate(path: Path, df: pd.DataFrame, codebook: Codebook, lang: str) -> dict[tuple[str, str], tuple]:
    """Map each expected (question, row-2) header to the export's column; fail on any mismatch."""
    present = {(norm(q), norm(r)): (q, r) for q, r in answer_columns(df)}
    found: dict[tuple[str, str], tuple] = {}
    for col in layout.export_columns(codebook, lang):
        key = (norm(col.header[0]), norm(col.header[1]))
        if key not in present:
            q = codebook[col.question]
            any_column = any(k[0] == key[0] for k in present)
            what = "column" if any_column else "question"
            raise InputError(
                path, f"the questionnaire does not match the codebook: {what} of {q.id} ({q.name}) not found",
                column=f"{col.header[0]} / {col.header[1]}",
                expected=f"a column headed {col.header[0]!r} over {col.header[1]!r}")
        found[col.header] = present.pop(key)
    if present:
        q, r = next(iter(present.values()))
        raise InputError(path, "the questionnaire does not match the codebook: column not in the codebook",
                         column=f"{q} / {r}", expected=f"only the questions of {codebook.path.name}")
    return found


def _decode_question(path: Path, q: Question, lang: str, cells: dict, row: int):
    """(coded answer, "other" text) of one question from its cells ({Column: text or None}); None if unanswered."""
    def fail(column: layout.Column, problem: str, found: object, expected: str):
        raise InputError(path, problem, row=row, column=f"{column.header[0]} / {column.header[1]}", found=found,
                         expected=expected)

    return q.kind.read(lang, cells, fail)


def recode_export(path: Path, df: pd.DataFrame, codebook: Codebook) -> Collector:
    """Every respondent of one export as coded answers (personal questions are not read)."""
    lang = detect_language(path, df, codebook)
    located = _locate(path, df, codebook, lang)
    fixed_names = [n for n in CANONICAL_FIXED if n not in PERSONAL_COLUMNS and (n, "") in df.columns]
    columns = {q.name: layout.question_columns(q, lang) for q in codebook}
    records = []
    for row, values in df.iterrows():
        record = {name: values[(name, "")] for name in fixed_names}
        record["_row"] = int(row)
        answered = []
        for q in codebook:
            if q.personal:
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
    return Collector(path=path, lang=lang, header_layout=df.attrs.get("header_layout", ""), records=records)
