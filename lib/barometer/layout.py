"""Where each codebook question sits in a SurveyMonkey export, and how its cells are written.

SurveyMonkey's "All individual responses" export (expanded columns, actual answer text)
puts every question under its wording (header row 1) with one column per answer slot
(header row 2). This module states that layout once, for both directions: the recoding
reads an export through it, and tests and the synthetic generator write exports through it.

A respondent's answers in codebook terms ("coded answers") are a dict keyed by question name:
  single        option code (str) or None; the "other" text under "<name>__other"
  multiple      list of option codes; the "other" text under "<name>__other"
  matrix        {item code: scale value (int)}
  ranking       {item code: rank (int)}
  number        int or float
  open          str
  municipality  str (as typed: a name or a NIS code)
  project_list  list of {field name: text or option code}
"""

from __future__ import annotations

from dataclasses import dataclass

from .codebook import Codebook, Question

RESPONSE = "Response"
OPEN_RESPONSE = "Open-Ended Response"
NOT_RANKED = "N/A"


@dataclass(frozen=True)
class Column:
    """One export column of a question: its two header texts and what it holds."""

    question: str  # question name
    header: tuple[str, str]
    role: str  # response | option | other | item | slot_field
    code: str | None = None  # option or item code, or field name
    slot: int | None = None


def _fmt_number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def question_columns(q: Question, lang: str) -> list[Column]:
    """The export columns of one question in one collector's language."""
    text = q.text[lang]
    if q.type in ("municipality", "open", "number"):
        cols = [Column(q.name, (text, OPEN_RESPONSE), "response")]
    elif q.type == "single":
        cols = [Column(q.name, (text, RESPONSE), "response")]
    elif q.type == "multiple":
        cols = [Column(q.name, (text, o.labels[lang]), "option", o.code) for o in q.options]
    elif q.type in ("matrix", "ranking"):
        cols = [Column(q.name, (text, o.labels[lang]), "item", o.code) for o in q.items]
    elif q.type == "project_list":
        cols = [
            Column(q.name, (text, f"{q.slot_text(n, lang)} - {f.labels[lang]}"), "slot_field", f.name, n)
            for n in range(1, q.slots + 1)
            for f in q.fields
        ]
    else:  # pragma: no cover - the codebook validates types
        raise ValueError(q.type)
    if q.other:
        cols.append(Column(q.name, (text, q.other[lang]), "other"))
    return cols


def export_columns(codebook: Codebook, lang: str) -> list[Column]:
    """All question columns of a collector's export, in questionnaire order."""
    return [c for q in codebook for c in question_columns(q, lang)]


def encode_cell(q: Question, col: Column, answers: dict, lang: str) -> str | None:
    """The text SurveyMonkey writes in one cell for a respondent's coded answers."""
    value = answers.get(q.name)
    if col.role == "other":
        return answers.get(f"{q.name}__other") or None
    if value is None:
        return None
    if q.type in ("municipality", "open"):
        return str(value)
    if q.type == "number":
        return _fmt_number(value)
    if q.type == "single":
        return q.option(value).labels[lang]
    if q.type == "multiple":
        return q.option(col.code).labels[lang] if col.code in value else None
    if q.type == "matrix":
        v = value.get(col.code)
        if v is None:
            return None
        return next(s.labels[lang] for s in q.scale if s.value == v)
    if q.type == "ranking":
        rank = value.get(col.code)
        return NOT_RANKED if rank is None else str(rank)
    if q.type == "project_list":
        if col.slot > len(value):
            return None
        field_value = value[col.slot - 1].get(col.code)
        if field_value is None:
            return None
        spec = q.field(col.code)
        return spec.option(field_value).labels[lang] if spec.type == "single" else str(field_value)
    raise ValueError(q.type)  # pragma: no cover


def encode_respondent(codebook: Codebook, answers: dict, lang: str) -> list[str | None]:
    """One export row (question columns only) for a respondent's coded answers.

    A ranking question the respondent skipped is written as empty cells, not N/A.
    """
    row: list[str | None] = []
    for q in codebook:
        cols = question_columns(q, lang)
        if q.type == "ranking" and not answers.get(q.name):
            row.extend(None for _ in cols)
            continue
        row.extend(encode_cell(q, c, answers, lang) for c in cols)
    return row
