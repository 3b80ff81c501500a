"""From a collector's export (Dutch or French answer text) to coded answers: one codebook.

Each question's columns are found by their header texts, each cell is mapped to its code,
and anything that does not fit the codebook raises an InputError that names the file, the
spreadsheet row, the column and what was expected: never a silent missing value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import layout
from .codebook import LANGUAGES, Codebook, Question
from .errors import InputError
from .surveymonkey import CANONICAL_FIXED, PERSONAL_COLUMNS, answer_columns

_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00ab": '"', "\u00bb": '"', "\u201c": '"', "\u201d": '"'})


def norm(text: object) -> str:
    """A label as compared: Unicode NFC, typographic quotes folded, spaces collapsed, case folded."""
    text = unicodedata.normalize("NFC", str(text)).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip().casefold()


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


def _fail(path, row, header, problem, value, expected):
    raise InputError(path, problem, row=row, column=f"{header[0]} / {header[1]}", found=value, expected=expected)


def _decode_question(path: Path, q: Question, lang: str, cells: dict, row: int):
    """Coded answer of one question from its cells ({Column: text or None}); None if unanswered."""
    filled = {c: v for c, v in cells.items() if v is not None and str(v).strip() != ""}
    other = next((str(v).strip() for c, v in filled.items() if c.role == "other"), None)
    main = {c: v for c, v in filled.items() if c.role != "other"}
    if q.type in ("municipality", "open"):
        value = next(iter(main.values()), None)
        return (None if value is None else str(value).strip()), other
    if q.type == "number":
        col, value = next(iter(main.items()), (None, None))
        if value is None:
            return None, other
        try:
            number = float(str(value).replace(",", ".").strip())
        except ValueError:
            _fail(path, row, col.header, "not a number", value, f"a number from {q.minimum} to {q.maximum}")
        if not q.minimum <= number <= q.maximum:
            _fail(path, row, col.header, "number out of range", value, f"a number from {q.minimum} to {q.maximum}")
        return (int(number) if number.is_integer() else number), other
    if q.type == "single":
        col, value = next(iter(main.items()), (None, None))
        if value is None:
            return None, other
        for o in q.options:
            if norm(o.labels[lang]) == norm(value):
                return o.code, other
        _fail(path, row, col.header, "unknown answer label", value,
              "one of " + "; ".join(repr(o.labels[lang]) for o in q.options))
    if q.type == "multiple":
        chosen = []
        for col, value in main.items():
            option = q.option(col.code)
            if norm(value) != norm(option.labels[lang]) and norm(value) != "1":
                _fail(path, row, col.header, "unknown answer label", value, f"empty or {option.labels[lang]!r}")
            chosen.append(col.code)
        if q.max_choices and len(chosen) > q.max_choices:
            _fail(path, row, next(iter(main)).header, "too many options chosen", len(chosen),
                  f"at most {q.max_choices}")
        return (chosen or None), other
    if q.type == "matrix":
        ratings = {}
        for col, value in main.items():
            ratings[col.code] = _scale_value(path, q, lang, col, value, row)
        return (ratings or None), other
    if q.type == "ranking":
        ranks = {}
        n = len(q.items)
        for col, value in main.items():
            text = str(value).strip()
            if text.upper() == layout.NOT_RANKED:
                continue
            if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= n:  # not "²" (isdigit, not int)
                _fail(path, row, col.header, "rank out of range", value, f"a rank from 1 to {n} or N/A")
            ranks[col.code] = int(text)
        if len(set(ranks.values())) != len(ranks):
            _fail(path, row, next(iter(main)).header, "the same rank given twice", sorted(ranks.values()),
                  "distinct ranks")
        return (ranks or None), other
    if q.type == "project_list":
        slots: dict[int, dict] = {}
        for col, value in main.items():
            spec = q.field(col.code)
            if spec.type == "single":
                match = [o.code for o in spec.options if norm(o.labels[lang]) == norm(value)]
                if not match:
                    _fail(path, row, col.header, "unknown answer label", value,
                          "one of " + "; ".join(repr(o.labels[lang]) for o in spec.options))
                slots.setdefault(col.slot, {})[col.code] = match[0]
            else:
                slots.setdefault(col.slot, {})[col.code] = str(value).strip()
        projects = [dict(slot=n, **slots[n]) for n in sorted(slots)]
        return (projects or None), other
    raise ValueError(q.type)  # pragma: no cover


def _scale_value(path, q, lang, col, value, row) -> int:
    text = norm(value)
    for point in q.scale:
        if text == norm(point.labels[lang]):
            return int(point.value)
    lo, hi = q.scale[0].value, q.scale[-1].value
    if re.fullmatch(r"-?[0-9]+", text) and not lo <= int(text) <= hi:  # "1" for "1 - ...": a wrong label
        _fail(path, row, col.header, "Likert value out of range", value, f"a value from {lo} to {hi}")
    _fail(path, row, col.header, "unknown scale label", value,
          "one of " + "; ".join(repr(p.labels[lang]) for p in q.scale))


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
