"""Question types: everything that depends on the kind of a question, one class per kind.

The codebook names each question's type (``type: matrix``); ``question.kind`` is that type
bound to the question. A type says, in one place:

* its **export columns**: :meth:`QuestionType.columns`, the question's columns in a
  SurveyMonkey export (header row 2 per column) in a collector's language;
* its **coded answer** and how it is written (:meth:`~QuestionType.cells`, the texts
  SurveyMonkey puts in those columns) and read back (:meth:`~QuestionType.read`, export
  cells to codes, refusing what does not fit with the column and what was expected);
* its **SPSS variables**: which hold text, their value labels and values
  (:meth:`~QuestionType.sav_text`, :meth:`~QuestionType.value_labels`,
  :meth:`~QuestionType.sav_value`); the variables' names follow the columns;
* its **tidy table**: :attr:`~QuestionType.table`, either ``"respondents"`` (one column per
  question, :meth:`~QuestionType.column`), one of :data:`LONG_TABLES`
  (:meth:`~QuestionType.rows`), or None when the answer is used otherwise (the municipality).

Coded answers (what a respondent answered, in codebook terms) are a dict keyed by question
name; each type's docstring says what its value is. An "Other (please specify)" text is
under ``"<name>__other"`` for every type whose question has ``other``. Adding a type is one
class here, registered with :func:`register`; the codebook accepts every registered type.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, NoReturn

import pandas as pd

if TYPE_CHECKING:
    from .codebook import Question

#: Header row 2 over a one-column choice question, and over a free-text or number question.
RESPONSE = "Response"
OPEN_RESPONSE = "Open-Ended Response"
#: What SurveyMonkey writes under a ranking item the respondent left unranked.
NOT_RANKED = "N/A"

#: The long tidy tables, each with its columns after ``respondent_id``.
LONG_TABLES: dict[str, tuple[str, ...]] = {
    "choices": ("question", "option"),
    "ratings": ("question", "item", "value"),
    "rankings": ("question", "item", "rank"),
    "projects": ("slot", "name", "dimension", "initiator"),
}

_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00ab": '"', "\u00bb": '"', "\u201c": '"', "\u201d": '"'})


def norm(text: object) -> str:
    """A label as compared: Unicode NFC, typographic quotes folded, spaces collapsed, case folded."""
    text = unicodedata.normalize("NFC", str(text)).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class Column:
    """One export column of a question: its two header texts and what it holds."""

    question: str  # question name
    header: tuple[str, str]
    role: str  # response | option | other | item | slot_field
    code: str | None = None  # option or item code, or field name
    slot: int | None = None


#: ``fail(column, problem, found, expected)``: raise the reader's error for one cell.
Fail = Callable[[Column, str, object, str], NoReturn]
#: How free texts are kept when read: stripped by the loader, as typed by the generator's checks.
Text = Callable[[str], str]


def _strip(text: str) -> str:
    return text.strip()


def _labels(options, lang: str) -> str:
    return "one of " + "; ".join(repr(o.labels[lang]) for o in options)


def _fmt_number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


class QuestionType:
    """One kind of question, bound to a question of the codebook (``question.kind``)."""

    #: The type's name in the codebook.
    name: ClassVar[str]
    #: What its codebook entry gives beyond the wording: "options", "items", "scale", "range", "slots".
    needs: ClassVar[tuple[str, ...]] = ()
    #: The tidy table its answers feed: "respondents", a key of LONG_TABLES, or None.
    table: ClassVar[str | None] = None

    def __init__(self, question: Question):
        self.q = question

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.q.name!r})"

    # ------------------------------------------------------------------ export columns

    def columns(self, lang: str) -> list[Column]:
        """The question's columns in an export in ``lang``, "Other (please specify)" last."""
        columns = self.answer_columns(lang)
        if self.q.other:
            columns.append(Column(self.q.name, (self.q.text[lang], self.q.other[lang]), "other"))
        return columns

    def answer_columns(self, lang: str) -> list[Column]:
        """The columns of the answer itself (without "Other (please specify)")."""
        raise NotImplementedError

    # ------------------------------------------------------------------ writing an export

    def cells(self, answers: dict, lang: str) -> list[str | None]:
        """The texts SurveyMonkey writes in the question's columns for a respondent's coded answers."""
        return [self.cell(column, answers, lang) for column in self.columns(lang)]

    def cell(self, column: Column, answers: dict, lang: str) -> str | None:
        if column.role == "other":
            return answers.get(f"{self.q.name}__other") or None
        value = answers.get(self.q.name)
        return None if value is None else self.encode(column, value, lang)

    def encode(self, column: Column, value, lang: str) -> str | None:
        """The text of one answer column for a given (not None) coded answer."""
        raise NotImplementedError

    # ------------------------------------------------------------------ reading an export

    def read(self, lang: str, cells: dict[Column, object], fail: Fail, text: Text = _strip):
        """(coded answer, "other" text) of the question's cells ({column: text or None}); None when empty.

        Anything that does not fit the codebook goes to ``fail``, which raises.
        """
        filled = {c: v for c, v in cells.items() if v is not None and str(v).strip() != ""}
        other = next((text(str(v)) for c, v in filled.items() if c.role == "other"), None)
        main = {c: v for c, v in filled.items() if c.role != "other"}
        return (self.decode(lang, main, fail, text) if main else None), other

    def decode(self, lang: str, main: dict[Column, object], fail: Fail, text: Text):
        """The coded answer of the question's filled answer columns (at least one)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ SPSS

    def sav_text(self, column: Column) -> bool:
        """Whether the column's SPSS variable holds text (else numbers)."""
        return column.role == "other" or self.answer_sav_text(column)

    def answer_sav_text(self, column: Column) -> bool:
        """Whether an answer column's variable holds text."""
        return False

    def value_labels(self, column: Column, lang: str) -> dict[int, str]:
        """The value labels of the column's SPSS variable (codes 1..n), empty when it has none."""
        return {} if column.role == "other" else self.answer_value_labels(column, lang)

    def answer_value_labels(self, column: Column, lang: str) -> dict[int, str]:
        """The value labels of an answer column's variable."""
        return {}

    def sav_value(self, column: Column, answers: dict):
        """The SPSS value of the column's variable for a respondent's coded answers (None when empty)."""
        if column.role == "other":
            return answers.get(f"{self.q.name}__other") or None
        value = answers.get(self.q.name)
        return None if value is None else self.to_sav(column, value)

    def to_sav(self, column: Column, value):
        """The SPSS value of an answer column for a given (not None) coded answer."""
        return value

    # ------------------------------------------------------------------ tidy tables

    def column(self, values: list):
        """The question's column of the respondents table (table "respondents")."""
        raise NotImplementedError

    def rows(self, answer) -> list[tuple]:
        """The question's rows of its long table for one answer, without the respondent ID."""
        raise NotImplementedError

    def finish(self, table: pd.DataFrame) -> None:
        """Give the long table's columns the types this question's answers need (in place)."""


#: The registered types by codebook name.
TYPES: dict[str, type[QuestionType]] = {}


def register(name: str, *, table: str | None = None, needs: tuple[str, ...] = ()):
    """Make a type known to the codebook under ``name``, with the table its answers feed and what its
    codebook entry must give (the class attributes of :class:`QuestionType`)."""
    def declare(cls: type[QuestionType]) -> type[QuestionType]:
        cls.name, cls.table, cls.needs = name, table, needs
        TYPES[name] = cls
        return cls
    return declare


def of(question: Question) -> QuestionType:
    """The question's type, bound to it."""
    return TYPES[question.type](question)


# --------------------------------------------------------------------------- one column of text


class _OneColumn(QuestionType):
    """A question answered in one column, headed by its text over ``second_row``."""

    second_row = RESPONSE

    def answer_columns(self, lang):
        return [Column(self.q.name, (self.q.text[lang], self.second_row), "response")]

    def decode(self, lang, main, fail, text):
        column, value = next(iter(main.items()))
        return self.decode_cell(lang, column, value, fail, text)

    def decode_cell(self, lang: str, column: Column, value, fail: Fail, text: Text):
        """The coded answer of the one filled cell."""
        raise NotImplementedError


class _OneTextColumn(_OneColumn):
    second_row = OPEN_RESPONSE

    def encode(self, column, value, lang):
        return str(value)

    def decode_cell(self, lang, column, value, fail, text):
        return text(str(value))

    def answer_sav_text(self, column):
        return True


@register("municipality")
class Municipality(_OneTextColumn):
    """The respondent's municipality as typed: str (a name or a NIS code); matched to the frame, not tabulated."""


@register("open", table="respondents")
class Open(_OneTextColumn):
    """A free text: str, outer spaces stripped on reading."""

    def column(self, values):
        return pd.array(values, dtype="str")


@register("number", table="respondents", needs=("range",))
class Number(_OneColumn):
    """A number between the codebook's min and max: int or float (a comma is read as the decimal sign)."""
    second_row = OPEN_RESPONSE

    def encode(self, column, value, lang):
        return _fmt_number(value)

    def decode_cell(self, lang, column, value, fail, text):
        expected = f"a number from {self.q.minimum} to {self.q.maximum}"
        try:
            number = float(str(value).replace(",", ".").strip())
        except ValueError:
            fail(column, "not a number", value, expected)
        if not self.q.minimum <= number <= self.q.maximum:
            fail(column, "number out of range", value, expected)
        return int(number) if number.is_integer() else number

    def column(self, values):
        return pd.array([None if v is None else float(v) for v in values], dtype="Float64")


@register("scale10", table="respondents")
class Scale10(_OneColumn):
    """A 0-10 scale (as the 2018 wave asks): int 0..10; the export's cell and the SPSS value hold the number."""
    LOW, HIGH = 0, 10

    def encode(self, column, value, lang):
        return str(int(value))

    def decode_cell(self, lang, column, value, fail, text):
        digits = str(value).strip()
        if not (digits.isascii() and digits.isdigit()) or not self.LOW <= int(digits) <= self.HIGH:
            fail(column, "scale value out of range", value, f"a whole number from {self.LOW} to {self.HIGH}")
        return int(digits)

    def column(self, values):
        return pd.array(values, dtype="Int64")


# --------------------------------------------------------------------------- choices


@register("single", table="respondents", needs=("options",))
class Single(_OneColumn):
    """One option: its code (str)."""

    def encode(self, column, value, lang):
        return self.q.option(value).labels[lang]

    def decode_cell(self, lang, column, value, fail, text):
        for option in self.q.options:
            if norm(option.labels[lang]) == norm(value):
                return option.code
        fail(column, "unknown answer label", value, _labels(self.q.options, lang))

    def answer_value_labels(self, column, lang):
        return {i: o.labels[lang] for i, o in enumerate(self.q.options, start=1)}

    def to_sav(self, column, value):
        return self.q.codes.index(value) + 1

    def column(self, values):
        return pd.Categorical(values, categories=list(self.q.codes), ordered=True)


@register("multiple", table="choices", needs=("options",))
class Multiple(QuestionType):
    """Several options, one column each (the option's label, or 1, when chosen): list of option codes."""

    def answer_columns(self, lang):
        return [Column(self.q.name, (self.q.text[lang], o.labels[lang]), "option", o.code) for o in self.q.options]

    def encode(self, column, value, lang):
        return self.q.option(column.code).labels[lang] if column.code in value else None

    def decode(self, lang, main, fail, text):
        chosen = []
        for column, value in main.items():
            option = self.q.option(column.code)
            if norm(value) != norm(option.labels[lang]) and norm(value) != "1":
                fail(column, "unknown answer label", value, f"empty or {option.labels[lang]!r}")
            chosen.append(column.code)
        if self.q.max_choices and len(chosen) > self.q.max_choices:
            fail(next(iter(main)), "too many options chosen", len(chosen), f"at most {self.q.max_choices}")
        return chosen

    def answer_value_labels(self, column, lang):
        return {1: self.q.option(column.code).labels[lang]}

    def to_sav(self, column, value):
        return 1 if column.code in value else None

    def rows(self, answer):
        return [(self.q.name, code) for code in answer]


# --------------------------------------------------------------------------- items


class _Items(QuestionType):
    """Items answered one column each; the long table holds (question, item, ``value_column``)."""

    value_column: ClassVar[str]

    def answer_columns(self, lang):
        return [Column(self.q.name, (self.q.text[lang], o.labels[lang]), "item", o.code) for o in self.q.items]

    def rows(self, answer):
        return [(self.q.name, item, value) for item, value in answer.items()]

    def finish(self, table):
        table[self.value_column] = table[self.value_column].astype("int64")


@register("matrix", table="ratings", needs=("items", "scale"))
class Matrix(_Items):
    """Items rated on a labelled scale, one column each: {item code: scale value (int)}."""

    value_column = "value"

    def encode(self, column, value, lang):
        rating = value.get(column.code)
        if rating is None:
            return None
        return next(p.labels[lang] for p in self.q.scale if p.value == rating)

    def decode(self, lang, main, fail, text):
        return {column.code: self._scale_value(lang, column, value, fail) for column, value in main.items()}

    def _scale_value(self, lang, column, value, fail) -> int:
        label = norm(value)
        for point in self.q.scale:
            if label == norm(point.labels[lang]):
                return int(point.value)
        lo, hi = self.q.scale[0].value, self.q.scale[-1].value
        if re.fullmatch(r"-?[0-9]+", label) and not lo <= int(label) <= hi:  # "1" for "1 - ...": a wrong label
            fail(column, "Likert value out of range", value, f"a value from {lo} to {hi}")
        fail(column, "unknown scale label", value, _labels(self.q.scale, lang))

    def answer_value_labels(self, column, lang):
        return {i: p.labels[lang] for i, p in enumerate(self.q.scale, start=1)}

    def to_sav(self, column, value):
        rating = value.get(column.code)
        return None if rating is None else [p.value for p in self.q.scale].index(rating) + 1


@register("ranking", table="rankings", needs=("items",))
class Ranking(_Items):
    """Items ranked 1..n, one column each (N/A when unranked): {item code: rank (int)}.

    A ranking the respondent skipped is written as empty cells, not N/A.
    """

    value_column = "rank"

    def cells(self, answers, lang):
        if not answers.get(self.q.name):
            return [None] * len(self.columns(lang))
        return super().cells(answers, lang)

    def encode(self, column, value, lang):
        rank = value.get(column.code)
        return NOT_RANKED if rank is None else str(rank)

    def decode(self, lang, main, fail, text):
        ranks = {}
        n = len(self.q.items)
        for column, value in main.items():
            rank = str(value).strip()
            if rank.upper() == NOT_RANKED:
                continue
            if not (rank.isascii() and rank.isdigit()) or not 1 <= int(rank) <= n:  # not "²" (isdigit, not int)
                fail(column, "rank out of range", value, f"a rank from 1 to {n} or N/A")
            ranks[column.code] = int(rank)
        if len(set(ranks.values())) != len(ranks):
            fail(next(iter(main)), "the same rank given twice", sorted(ranks.values()), "distinct ranks")
        return ranks or None

    def to_sav(self, column, value):
        return value.get(column.code)



# --------------------------------------------------------------------------- project list


@register("project_list", table="projects", needs=("slots",))
class ProjectList(QuestionType):
    """Numbered slots of fields (text, or an option), one column per slot and field.

    Coded answer: a list of {field name: text or option code}, slot n at position n - 1;
    read back, each project also carries its ``slot`` number.
    """

    def answer_columns(self, lang):
        q = self.q
        return [Column(q.name, (q.text[lang], f"{q.slot_text(n, lang)} - {f.labels[lang]}"), "slot_field", f.name, n)
                for n in range(1, q.slots + 1) for f in q.fields]

    def _choice(self, column):
        """The column's field when it is a choice (its options coded), else None (a text)."""
        spec = self.q.field(column.code)
        return spec if spec.type == "single" else None

    def encode(self, column, value, lang):
        if column.slot > len(value):
            return None
        field_value = value[column.slot - 1].get(column.code)
        if field_value is None:
            return None
        choice = self._choice(column)
        return choice.option(field_value).labels[lang] if choice is not None else str(field_value)

    def decode(self, lang, main, fail, text):
        slots: dict[int, dict] = {}
        for column, value in main.items():
            choice = self._choice(column)
            if choice is not None:
                match = [o.code for o in choice.options if norm(o.labels[lang]) == norm(value)]
                if not match:
                    fail(column, "unknown answer label", value, _labels(choice.options, lang))
                slots.setdefault(column.slot, {})[column.code] = match[0]
            else:
                slots.setdefault(column.slot, {})[column.code] = text(str(value))
        return [dict(slot=n, **slots[n]) for n in sorted(slots)]

    def answer_sav_text(self, column):
        return self._choice(column) is None

    def answer_value_labels(self, column, lang):
        choice = self._choice(column)
        return {i: o.labels[lang] for i, o in enumerate(choice.options, start=1)} if choice is not None else {}

    def to_sav(self, column, value):
        if column.slot > len(value):
            return None
        field_value = value[column.slot - 1].get(column.code)
        choice = self._choice(column)
        if field_value is None or choice is None:
            return field_value
        return [o.code for o in choice.options].index(field_value) + 1

    def rows(self, answer):
        fields = LONG_TABLES["projects"][1:]
        return [(p["slot"], *(p.get(name) for name in fields)) for p in answer]

    def finish(self, table):
        for spec in self.q.fields:
            if spec.type == "single" and spec.name in table:
                table[spec.name] = pd.Categorical(table[spec.name], categories=[o.code for o in spec.options],
                                                  ordered=True)
