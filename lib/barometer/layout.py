"""Where each codebook question sits in a SurveyMonkey export, and how its cells are written.

SurveyMonkey's "All individual responses" export (expanded columns, actual answer text)
puts every question under its wording (header row 1) with one column per answer slot
(header row 2). This module lays the questionnaire out once, for both directions: the
recoding reads an export through it, and tests and the synthetic generator write exports
through it. Each question's own columns and cell texts are its type's
(:mod:`barometer.qtypes`, where the coded answers of each type are described).
"""

from __future__ import annotations

from .codebook import Codebook, Question
from .qtypes import NOT_RANKED, OPEN_RESPONSE, RESPONSE, Column

__all__ = ["NOT_RANKED", "OPEN_RESPONSE", "RESPONSE", "Column", "choice_labels", "encode_respondent", "export_columns",
           "question_columns"]


def question_columns(q: Question, lang: str) -> list[Column]:
    """The export columns of one question in one collector's language."""
    return q.kind.columns(lang)


def export_columns(codebook: Codebook, lang: str) -> list[Column]:
    """All question columns of a collector's export, in questionnaire order."""
    return [c for q in codebook for c in question_columns(q, lang)]


def encode_respondent(codebook: Codebook, answers: dict, lang: str) -> list[str | None]:
    """One export row (question columns only) for a respondent's coded answers."""
    row: list[str | None] = []
    for q in codebook:
        row.extend(q.kind.cells(answers, lang))
    return row


def choice_labels(codebook: Codebook, lang: str) -> dict[tuple[str, str], dict[int, str]]:
    """Per choice column (its two header texts), the label of each answer number a "Numerical value" export writes.

    The numbers are the SPSS export's codes (the answers' positions in the codebook); a
    multi-select option's column may hold the option's position or 1.
    """
    labels = {}
    for q in codebook:
        for column in question_columns(q, lang):
            by_number = q.kind.value_labels(column, lang)
            if by_number and column.role == "option":
                by_number = {**by_number, list(q.codes).index(column.code) + 1: by_number[1]}
            if by_number:
                labels[column.header] = by_number
    return labels
