"""The loader fuzzed with SurveyMonkey exports generated from the codebook.

Hypothesis draws whole data folders: respondents with random valid coded answers for every
question of ``data/codebook/questionnaire.yml`` (and random item non-response), municipalities
drawn from the 589-municipality frame and typed as people type them (Dutch, French or German
name, NIS code, upper/lower case, accents dropped, padded, hyphens as spaces), a few test
responses, shuffled over one to three collector files in Dutch or French, each in either
header generation (current/legacy), CRLF or LF, UTF-8 with or without BOM or Windows-1252.
The files are written through the real layout (``barometer.layout``) and writer
(``surveymonkey.write_export``), then read back with ``load_survey``.

* Round trip: every respondent is in the log, kept or excluded for the reason the cleaning
  rules give, and every kept respondent's answers come back exactly as generated.
* Corruptions (a truncated row, an extra cell, an unknown label, swapped or inserted header
  cells, a duplicated header): each ends in an InputError that names the
  file and a row or column, or in exactly the outcome an independent decoding of the
  corrupted cells predicts (what cannot be detected by design is spelled out where it is
  asserted). Nothing is silently changed and no respondent is silently lost. A renamed
  question, or one appended, is not an error: it is reported as missing and as unknown.

The examples are derandomized (same examples on every run, no example database), so CI is
stable; each test stays well under 20 s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from unidecode import unidecode

from barometer import cleaning, layout, spss
from barometer.codebook import load_codebook
from barometer.errors import InputError
from barometer.frame import MunicipalityMatcher, load_frame, normalise_name
from barometer.survey import load_survey
from barometer.surveymonkey import LAYOUTS, clean_text, write_export

CB = load_codebook()
FRAME = load_frame()
MATCHER = MunicipalityMatcher(FRAME)
LANGS = ("nl", "fr")
COLUMNS = {lang: layout.export_columns(CB, lang) for lang in LANGS}
N_FIXED = len(LAYOUTS["current"])
WIDTH = {lang: N_FIXED + len(COLUMNS[lang]) for lang in LANGS}
RESEARCH = [q.name for q in CB if q.part in cleaning.RESEARCH_PARTS and not q.applies_if and not q.personal]
LABEL_ROLES = ("response", "option", "item", "slot_field")


def fuzz(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.filter_too_much])


# --------------------------------------------------------------------------- strategies

# Open texts: separators, quotes of every kind, line breaks (LF, CR, CRLF, U+2028), tabs,
# accents, the euro sign, non-breaking spaces, and anything else Unicode has (except
# surrogates and control characters, which no SurveyMonkey text box sends).
_SPECIAL = list(',;"\'\n\r\t -éèêëàâçôöüïœÉÀ’«»“”€\u00a0\u2028&<>')
TEXT = st.text(st.one_of(st.sampled_from(_SPECIAL), st.sampled_from("abcdefghijklmnopqrstuvwxyzAZ019"),
                         st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))),
               min_size=1, max_size=25)
# Only what Windows-1252 can encode (a third of the data folders), so cp1252 files get written.
CP1252 = [ch for b in range(0x20, 0x100) if unicodedata.category(ch := bytes([b]).decode("cp1252", "replace")) != "Cc"
          and ch != "\ufffd"]
TEXT_CP1252 = st.text(st.one_of(st.sampled_from([c for c in _SPECIAL if c in CP1252 or c in "\r\n\t"]),
                                st.sampled_from(CP1252)), min_size=1, max_size=25)


def _spellings() -> dict[str, list[str]]:
    """Per NIS code: the code and each frame name that names no other municipality.

    A name several municipalities share once normalised ("Saint-Nicolas") is refused by the
    matcher by design (tested in test_frame.py), so it is not drawn here.
    """
    owners: dict[str, set[str]] = defaultdict(set)
    for row in FRAME.itertuples(index=False):
        for name in (row.name_nl, row.name_fr, row.name_de):
            owners[normalise_name(name)].add(row.nis_code)
    out = {}
    for row in FRAME.itertuples(index=False):
        names = {n for n in (row.name_nl, row.name_fr, row.name_de) if owners[normalise_name(n)] == {row.nis_code}}
        out[row.nis_code] = [row.nis_code, *sorted(names)]
    return out


SPELLINGS = _spellings()
NIS_CODES = sorted(SPELLINGS)
TYPINGS = (lambda s: s, str.upper, str.lower, unidecode, lambda s: f"  {s} ", lambda s: s.replace("-", " "))
# Personal cells as people fill them in: with commas, quotes and line breaks, even first.
PERSONAL = st.sampled_from(["", "Jan", "Marie, Anne", ",komma eerst", ",", "\nregel eerst", '"Jos" Peeters',
                            "x@example.org"])
TEST_ANSWERS = ("Test", "test SCI", "Essai", "PROEF gemeente", " test 2")


# --------------------------------------------------------------------------- question types
# How the fuzz tests answer each question type, and what the loader must give back for it:
# stated here apart from barometer.qtypes, so the oracle for corrupted rows shares nothing
# with the loader's decoding. A type the codebook uses without an entry here fails (KeyError).


class _Type:
    """One question type as the fuzz tests see it; ``drawn``: answers drawn for it by type."""

    drawn = True
    column = False  # its answers are a column of the respondents table
    labels = True  # its cells hold labels (or ranks), not free text or numbers

    @staticmethod
    def strategy(q, text):
        """Strategy for one valid coded answer (never empty)."""
        raise NotImplementedError

    @staticmethod
    def seeded(q, rnd: random.Random, cp1252: bool):
        """The same kind of answer from a seeded generator."""
        raise NotImplementedError

    @staticmethod
    def view(q, value):
        """The answer as the loader must return it (None: nothing returned)."""
        raise NotImplementedError

    @staticmethod
    def decode(q, lang: str, main: list, match):
        """The answer the filled cells [(column, text)] say, by exact label matching; raises Invalid."""
        raise NotImplementedError

    @staticmethod
    def cell(value):
        """A respondents-table value in the shape of view()."""
        return str(value)


class _Municipality(_Type):
    drawn = False  # the municipality is drawn with the respondent, and matched rather than returned
    labels = False


class _Single(_Type):
    column = True

    @staticmethod
    def strategy(q, text):
        return st.sampled_from(q.codes)

    @staticmethod
    def seeded(q, rnd, cp1252):
        return rnd.choice(q.codes)

    @staticmethod
    def view(q, value):
        return value

    @staticmethod
    def decode(q, lang, main, match):
        return match(q.options, main[0][1])


class _Multiple(_Type):
    @staticmethod
    def strategy(q, text):
        return st.lists(st.sampled_from(q.codes), min_size=1, max_size=q.max_choices or len(q.codes), unique=True)

    @staticmethod
    def seeded(q, rnd, cp1252):
        return rnd.sample(q.codes, rnd.randint(1, q.max_choices or len(q.codes)))

    @staticmethod
    def view(q, value):
        return frozenset(value)

    @staticmethod
    def decode(q, lang, main, match):
        chosen = set()
        for c, v in main:
            if not (_same(v, q.option(c.code).labels[lang]) or v.strip() == "1"):
                raise Invalid(v)
            chosen.add(c.code)
        if q.max_choices and len(chosen) > q.max_choices:
            raise Invalid(chosen)
        return frozenset(chosen)


class _Matrix(_Type):
    @staticmethod
    def strategy(q, text):
        return st.dictionaries(st.sampled_from(q.item_codes), st.sampled_from([int(p.value) for p in q.scale]),
                               min_size=1)

    @staticmethod
    def seeded(q, rnd, cp1252):
        return {c: rnd.choice([int(p.value) for p in q.scale])
                for c in rnd.sample(q.item_codes, rnd.randint(1, len(q.items)))}

    @staticmethod
    def view(q, value):
        return dict(value)

    @staticmethod
    def decode(q, lang, main, match):
        values = {p.code: int(p.value) for p in q.scale}
        return {c.code: values[match(q.scale, v)] for c, v in main}


class _Ranking(_Type):
    @staticmethod
    def strategy(q, text):  # a permutation; sometimes only the first k ranked, the rest N/A
        n = len(q.items)
        return st.tuples(st.permutations(q.item_codes), st.one_of(st.just(n), st.integers(1, n))).map(
            lambda pk: {code: rank for rank, code in enumerate(pk[0][: pk[1]], start=1)})

    @staticmethod
    def seeded(q, rnd, cp1252):
        order = rnd.sample(q.item_codes, len(q.items))
        k = len(order) if rnd.random() < 0.5 else rnd.randint(1, len(order))
        return {c: rank for rank, c in enumerate(order[:k], start=1)}

    @staticmethod
    def view(q, value):
        return dict(value)

    @staticmethod
    def decode(q, lang, main, match):
        ranks = {}
        for c, v in main:
            if v.strip().upper() == layout.NOT_RANKED:
                continue
            if not (re.fullmatch("[0-9]+", v.strip()) and 1 <= int(v.strip()) <= len(q.items)):
                raise Invalid(v)
            ranks[c.code] = int(v.strip())
        if len(set(ranks.values())) != len(ranks):
            raise Invalid(ranks)
        return ranks or None


class _Number(_Type):
    column = True
    labels = False

    @staticmethod
    def strategy(q, text):
        return st.one_of(st.integers(int(q.minimum), int(q.maximum)),
                         st.floats(q.minimum, q.maximum, allow_nan=False, allow_infinity=False))

    @staticmethod
    def seeded(q, rnd, cp1252):
        return (rnd.randint(int(q.minimum), int(q.maximum)) if rnd.random() < 0.5
                else rnd.uniform(q.minimum, q.maximum))

    @staticmethod
    def view(q, value):
        return float(value)

    @staticmethod
    def decode(q, lang, main, match):
        try:
            number = float(main[0][1].replace(",", ".").strip())
        except ValueError:
            raise Invalid(main[0][1]) from None
        if not q.minimum <= number <= q.maximum:
            raise Invalid(main[0][1])
        return number

    @staticmethod
    def cell(value):
        return float(value)


class _Open(_Type):
    column = True
    labels = False

    @staticmethod
    def strategy(q, text):
        return text

    @staticmethod
    def seeded(q, rnd, cp1252):
        return _random_text(rnd, cp1252)

    @staticmethod
    def view(q, value):
        return _text(value)

    @staticmethod
    def decode(q, lang, main, match):
        return main[0][1].strip()


class _ProjectList(_Type):
    @staticmethod
    def strategy(q, text):
        fields = {f.name: (text if f.type == "open" else st.sampled_from([o.code for o in f.options]))
                  for f in q.fields}
        return st.lists(st.fixed_dictionaries({}, optional=fields), min_size=1, max_size=q.slots)

    @staticmethod
    def seeded(q, rnd, cp1252):
        return [{f.name: (_random_text(rnd, cp1252) if f.type == "open" else rnd.choice([o.code for o in f.options]))
                 for f in q.fields if rnd.random() < 0.8} for _ in range(rnd.randint(1, q.slots))]

    @staticmethod
    def view(q, value):
        projects = tuple((n, _text(p.get("name")), p.get("dimension"), p.get("initiator"))
                         for n, p in enumerate(value, start=1))
        return tuple(p for p in projects if any(v is not None for v in p[1:])) or None

    @staticmethod
    def decode(q, lang, main, match):
        slots: dict[int, dict] = defaultdict(dict)
        for c, v in main:
            spec = q.field(c.code)
            slots[c.slot][c.code] = match(spec.options, v) if spec.type == "single" else v.strip()
        return tuple((n, slots[n].get("name"), slots[n].get("dimension"), slots[n].get("initiator"))
                     for n in sorted(slots))


TYPES = {"municipality": _Municipality, "single": _Single, "multiple": _Multiple, "matrix": _Matrix,
         "ranking": _Ranking, "number": _Number, "open": _Open, "project_list": _ProjectList}


def fuzz_type(q) -> type[_Type]:
    """How the fuzz tests treat the question's type."""
    return TYPES[q.type]


ANSWERS = {cp1252: {q.name: fuzz_type(q).strategy(q, TEXT_CP1252 if cp1252 else TEXT)
                    for q in CB if fuzz_type(q).drawn}
           for cp1252 in (False, True)}


@dataclass
class Respondent:
    rid: str
    file: int
    answers: dict
    start: dt.datetime
    end: dt.datetime
    nis: str | None  # None for a test response
    personal: tuple = ()  # email, first name, last name, custom data (dropped on reading)


@dataclass
class ExportFile:
    name: str
    lang: str
    layout: str
    encoding: str
    newline: str
    collector_id: str


@dataclass
class Dataset:
    files: list[ExportFile]
    respondents: list[Respondent]

    def in_file(self, index: int) -> list[Respondent]:
        return [r for r in self.respondents if r.file == index]

    def row_of(self, r: Respondent) -> int:
        return 3 + self.in_file(r.file).index(r)


@st.composite
def respondent_answers(draw, municipality: str, rate: int, cp1252: bool = False) -> dict:
    answers = {"municipality": municipality}
    for q in CB:
        if not fuzz_type(q).drawn:
            continue
        if draw(st.integers(0, 99)) < rate:
            answers[q.name] = draw(ANSWERS[cp1252][q.name])
        if q.other and draw(st.integers(0, 99)) < 20:
            answers[f"{q.name}__other"] = draw(TEXT_CP1252 if cp1252 else TEXT)
    return answers


def _random_text(rnd: random.Random, cp1252: bool) -> str:
    """A text like TEXT's, from a seeded generator (cheap in Hypothesis' choice budget)."""
    out = []
    for _ in range(rnd.randint(1, 25)):
        pick = rnd.random()
        if pick < 0.4:
            out.append(rnd.choice("abcdefghijklmnopqrstuvwxyz ABC019"))
        elif pick < 0.7:
            out.append(rnd.choice(_SPECIAL if not cp1252 else [c for c in _SPECIAL if c != "\u2028"]))
        elif cp1252:
            out.append(rnd.choice(CP1252))
        else:
            while unicodedata.category(ch := chr(rnd.randint(0x20, 0x10FFFF))) in ("Cs", "Cc"):
                pass
            out.append(ch)
    return "".join(out)


def seeded_answers(seed: int, municipality: str, rate: int, cp1252: bool = False) -> dict:
    """The same kinds of answers as respondent_answers, drawn from a seeded generator.

    Hypothesis' choice budget holds about four respondents drawn value by value; bulk
    respondents drawn from a seed let a data folder hold a dozen (and duplicates, exclusions).
    """
    rnd = random.Random(seed)
    answers = {"municipality": municipality}
    for q in CB:
        if not fuzz_type(q).drawn:
            continue
        if rnd.randrange(100) < rate:
            answers[q.name] = fuzz_type(q).seeded(q, rnd, cp1252)
        if q.other and rnd.randrange(100) < 20:
            answers[f"{q.name}__other"] = _random_text(rnd, cp1252)
    return answers


@st.composite
def datasets(draw, *, unique: bool = False, tests: bool = True, rates=(100, 100, 95, 80, 60, 40, 20),
             max_respondents: int = 7) -> Dataset:
    files = []
    for i in range(draw(st.integers(1, 3))):
        lang = draw(st.sampled_from(LANGS))
        stem = draw(st.sampled_from(["export", "Sheet_1", "collector"]))
        files.append(ExportFile(
            name=f"{stem}-{i}-{lang}.{draw(st.sampled_from(['csv', 'CSV']))}", lang=lang,
            layout=draw(st.sampled_from(sorted(LAYOUTS))),
            encoding=draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])),
            newline=draw(st.sampled_from(["\r\n", "\n"])), collector_id=str(draw(st.integers(10_000_000, 99_999_999)))))
    n = draw(st.sampled_from(range(1, max_respondents + 1)))
    cp1252 = draw(st.integers(0, 2)) == 0  # texts Windows-1252 can encode
    ids = draw(st.lists(st.integers(1, 10**11), min_size=n, max_size=n, unique=True))
    if unique:
        places = draw(st.lists(st.sampled_from(NIS_CODES), min_size=n, max_size=n, unique=True))
    else:  # a small pool, so the same municipality answers twice (in either language)
        pool = draw(st.lists(st.sampled_from(NIS_CODES), min_size=1, max_size=n, unique=True))
        places = [draw(st.sampled_from(pool)) for _ in range(n)]
    respondents = []
    for rid, nis in zip(ids, places):
        rate = draw(st.sampled_from(rates))
        if tests and draw(st.integers(0, 9)) == 0:
            nis, municipality = None, draw(st.sampled_from(TEST_ANSWERS))
        else:
            municipality = draw(st.sampled_from(TYPINGS))(draw(st.sampled_from(SPELLINGS[nis])))
        end = dt.datetime(2016, 6, 1, 9) + dt.timedelta(hours=draw(st.integers(0, 40)))
        respondents.append(Respondent(
            rid=f"{rid:0{draw(st.sampled_from([1, 12]))}d}", file=draw(st.integers(0, len(files) - 1)),
            answers=(draw(respondent_answers(municipality, rate, cp1252)) if draw(st.booleans()) else
                     seeded_answers(draw(st.integers(0, 2**32)), municipality, rate, cp1252)),
            start=end - dt.timedelta(seconds=draw(st.integers(0, 7200))), end=end, nis=nis,
            personal=tuple(draw(PERSONAL) for _ in range(4))))
    return Dataset(files, respondents)


# --------------------------------------------------------------------------- writing


def write_dataset(ds: Dataset, folder: Path) -> dict[int, Path]:
    """Each collector file through the real layout and writer; cp1252 only when encodable."""
    paths = {}
    for i, f in enumerate(ds.files):
        rs = ds.in_file(i)
        fixed = pd.DataFrame({
            "respondent_id": [r.rid for r in rs],
            "collector_id": [f.collector_id] * len(rs),
            "start_date": [r.start for r in rs],
            "end_date": [r.end for r in rs],
            "ip_address": ["192.0.2.7"] * len(rs),
            **{name: [r.personal[j] if r.personal else "" for r in rs]
               for j, name in enumerate(("email_address", "first_name", "last_name", "custom_data"))},
        })
        columns = [c.header for c in COLUMNS[f.lang]]
        cells = [layout.encode_respondent(CB, r.answers, f.lang) for r in rs]
        path = folder / f.name
        try:
            write_export(path, fixed, columns, cells, layout=f.layout, encoding=f.encoding, newline=f.newline)
        except UnicodeEncodeError:
            assert f.encoding == "cp1252"
            f.encoding = "utf-8"
            write_export(path, fixed, columns, cells, layout=f.layout, encoding=f.encoding, newline=f.newline)
        paths[i] = path
    return paths


def read_rows(path: Path, f: ExportFile) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig" if f.encoding.startswith("utf-8") else f.encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


def _field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(ch in value for ch in ',"\r\n') else value


def record_text(row: list[str]) -> str:
    return ",".join(_field(v) for v in row)


def write_records(path: Path, f: ExportFile, records: list[str]) -> None:
    """Write already serialised records (some possibly corrupted) in the file's encoding."""
    text = "".join(r + f.newline for r in records)
    try:
        path.write_bytes(text.encode(f.encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8"))


# --------------------------------------------------------------------------- expectations


def _text(value) -> str | None:
    """A free text as the loader keeps it: outer whitespace stripped, blank = no answer."""
    if value is None:
        return None
    return str(value).strip() or None


def view(answers: dict) -> dict:
    """What the loader must return for generated coded answers (personal and municipality aside)."""
    out: dict = {}
    for q in CB:
        if q.personal or not fuzz_type(q).drawn:
            continue
        other = _text(answers.get(f"{q.name}__other"))
        if other is not None:
            out[f"{q.name}__other"] = other
        value = answers.get(q.name)
        if value is None:
            continue
        value = fuzz_type(q).view(q, value)
        if value is not None:
            out[q.name] = value
    return out


class Invalid(Exception):
    """The independent decoding says the loader must refuse this cell."""


def _same(a: str, b: str) -> bool:
    fold = lambda s: " ".join(unicodedata.normalize("NFC", s).split()).casefold()  # noqa: E731
    return fold(a) == fold(b)


def decode(lang: str, cells: list[str | None]) -> dict:
    """Independent, simple decoding of one row's question cells into the shape of view().

    Used as the oracle for corrupted rows: exact (case- and space-insensitive) label
    matching, free texts stripped, numbers parsed. Raises Invalid where the loader must fail.
    """
    def match(options, text):
        for o in options:
            if _same(o.labels[lang], text):
                return o.code
        raise Invalid(text)

    by_question: dict[str, list] = defaultdict(list)
    for col, value in zip(COLUMNS[lang], cells):
        if value is not None and str(value).strip():
            by_question[col.question].append((col, value))
    out: dict = {}
    for q in CB:
        if q.personal or not fuzz_type(q).drawn:
            continue
        filled = by_question.get(q.name, [])
        other = next((v.strip() for c, v in filled if c.role == "other"), None)
        if other is not None:
            out[f"{q.name}__other"] = other
        main = [(c, v) for c, v in filled if c.role != "other"]
        if not main:
            continue
        value = fuzz_type(q).decode(q, lang, main, match)
        if value is not None:
            out[q.name] = value
    return out


@dataclass
class Expected:
    """A respondent as the loader must see it: municipality answer, NIS code, answers."""

    rid: str
    source: str
    row: int
    lang: str
    end: dt.datetime
    start: dt.datetime
    municipality: str | None
    nis: str | None
    answers: dict  # in the shape of view()


class ExpectError(Exception):
    """The loader must raise an InputError naming this file and row."""

    def __init__(self, source: str, row: int):
        super().__init__(f"{source} row {row}")
        self.source, self.row = source, row


def expected_from(ds: Dataset, cells: dict[str, list[str | None]] | None = None) -> list[Expected]:
    """Expected respondents; ``cells`` overrides the full row (fixed + question cells) of some."""
    out = []
    for r in ds.respondents:
        f = ds.files[r.file]
        row = ds.row_of(r)
        if cells and r.rid in cells:
            full = cells[r.rid]
            try:
                answers = decode(f.lang, full[N_FIXED:])
            except Invalid:
                raise ExpectError(f.name, row) from None
            municipality = _text(full[N_FIXED])
            if municipality is None:
                raise ExpectError(f.name, row)
            nis = None if cleaning.is_test(municipality) else MATCHER.match(municipality)
            if nis is None and not cleaning.is_test(municipality):
                raise ExpectError(f.name, row)
        else:
            answers, municipality, nis = view(r.answers), r.answers["municipality"], r.nis
        out.append(Expected(r.rid, f.name, row, f.lang, r.end, r.start, municipality, nis, answers))
    return out


def statuses(expected: list[Expected]) -> dict[str, str | None]:
    """The cleaning rules, restated: test response, then incomplete, then duplicate municipality."""
    reason: dict[str, str | None] = {}
    contenders = defaultdict(list)
    for e in expected:
        answered = {k.removesuffix("__other") for k in e.answers} | {"municipality"}
        share = sum(name in answered for name in RESEARCH) / len(RESEARCH)
        if cleaning.is_test(e.municipality):
            reason[e.rid] = "test_response"
        elif share < cleaning.MIN_ANSWERED_SHARE:
            reason[e.rid] = "incomplete"
        else:
            reason[e.rid] = None
            contenders[e.nis].append((len(answered), e.end, int(e.rid), e.rid))
    for group in contenders.values():
        for *_, rid in sorted(group)[:-1]:  # the most complete, then latest, then highest ID is kept
            reason[rid] = "duplicate"
    return reason


def observed(s) -> dict[str, dict]:
    """The kept respondents' answers as the loader returns them, in the shape of view()."""
    out: dict[str, dict] = {rid: {} for rid in s.respondents.index}
    for q in CB:
        if q.personal or not fuzz_type(q).column:
            continue
        for rid, value in s.respondents[q.name].items():
            if not pd.isna(value):
                out[rid][q.name] = fuzz_type(q).cell(value)
    for t in s.choices.itertuples(index=False):
        out[t.respondent_id][t.question] = out[t.respondent_id].get(t.question, frozenset()) | {t.option}
    for t in s.ratings.itertuples(index=False):
        out[t.respondent_id].setdefault(t.question, {})[t.item] = int(t.value)
    for t in s.rankings.itertuples(index=False):
        out[t.respondent_id].setdefault(t.question, {})[t.item] = int(t.rank)
    na = lambda v: None if pd.isna(v) else v  # noqa: E731
    for t in s.projects.sort_values("slot").itertuples(index=False):
        projects = out[t.respondent_id].get("projects", ())
        out[t.respondent_id]["projects"] = (*projects, (int(t.slot), na(t.name), na(t.dimension), na(t.initiator)))
    for t in s.other_texts.itertuples(index=False):
        out[t.respondent_id][f"{t.question}__other"] = t.text
    return out


def check_survey(s, expected: list[Expected]) -> None:
    """The loaded survey is exactly what the expectations say: log, statuses and answers."""
    reasons = statuses(expected)
    log = s.log
    assert len(log) == len(expected), "a raw row is missing from the log, or one too many"
    assert sorted(zip(log["source"], log["row"], log["respondent_id"])) == sorted(
        (e.source, e.row, e.rid) for e in expected)
    got = {rid: (None if pd.isna(reason) else reason) for rid, reason in zip(log["respondent_id"], log["reason"])}
    assert got == reasons
    assert set(log.loc[log["status"] == "excluded", "respondent_id"]) == {k for k, v in reasons.items() if v}
    assert log.loc[log["status"] == "excluded", "reason_text"].notna().all()
    kept = {e.rid: e for e in expected if reasons[e.rid] is None}
    assert set(s.respondents.index) == set(kept)
    answers = observed(s)
    for rid, e in kept.items():
        r = s.respondents.loc[rid]
        assert (r["nis_code"], r["language"], r["collector"]) == (e.nis, e.lang, e.lang), rid
        assert (r["start_date"], r["end_date"]) == (pd.Timestamp(e.start), pd.Timestamp(e.end)), rid
        assert r["n_answered"] == len({k.removesuffix("__other") for k in e.answers}) + 1, rid
        assert answers[rid] == e.answers, rid
    assert "contact_email" not in s.respondents.columns


def assert_names(err: InputError, source: str, row: int | None = None) -> str:
    """The message names the file and a row or a column (and, when given, this very row)."""
    message = str(err)
    assert message.startswith(source), message
    assert re.search(r"\brow \d+\b", message) or "column" in message, message
    if row is not None:
        assert re.search(rf"\brow {row}\b", message), (row, message)
    return message


def load(folder: Path):
    return load_survey(folder, codebook=CB, frame=FRAME)


def check_outcome(folder: Path, ds: Dataset, cells: dict[str, list[str | None]]) -> str | None:
    """Load and compare with what the independent decoding of the corrupted rows predicts;
    returns the error message when the loader refused (as it must then)."""
    try:
        expected = expected_from(ds, cells)
    except ExpectError as want:
        event("refused, as predicted")
        with pytest.raises(InputError) as err:
            load(folder)
        note(str(err.value))
        return assert_names(err.value, want.source, want.row)
    event("read as predicted")
    check_survey(load(folder), expected)
    return None


# --------------------------------------------------------------------------- round trip


@fuzz(120)
@given(ds=datasets(max_respondents=12))
def test_generated_exports_round_trip(ds):
    """Every raw row is logged, kept or excluded for the rules' reason; kept answers come back as generated."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_dataset(ds, folder)
        note(repr([(f.name, f.layout, f.encoding, repr(f.newline)) for f in ds.files]))
        for f in ds.files:
            event(f"file written in {f.encoding}, {f.layout} layout")
        expected = expected_from(ds)
        for reason in statuses(expected).values():
            event(f"a respondent {reason or 'kept'}")
        for r, e in zip(ds.respondents, expected):  # the oracle used for corruptions agrees with view()
            assert decode(e.lang, layout.encode_respondent(CB, r.answers, e.lang)) == e.answers
        check_survey(load(folder), expected)


@fuzz(40)
@given(ds=datasets(max_respondents=8))
def test_generated_spss_exports_round_trip(ds):
    """The same respondents written as SurveyMonkey's SPSS export come back the same way (rows = cases)."""
    sav = Dataset([replace(f, name=str(Path(f.name).with_suffix(".sav"))) for f in ds.files], ds.respondents)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, f in enumerate(sav.files):
            rs = sav.in_file(i)
            fixed = pd.DataFrame({
                "respondent_id": [r.rid for r in rs], "collector_id": [f.collector_id] * len(rs),
                "start_date": [r.start for r in rs], "end_date": [r.end for r in rs],
                "email_address": [r.personal[0] if r.personal else "" for r in rs],
            })
            spss.write_coded(folder / f.name, fixed, CB, [r.answers for r in rs], f.lang)
        expected = [replace(e, row=e.row - 2) for e in expected_from(sav)]  # case 1 = spreadsheet row 3
        check_survey(load(folder), expected)


@fuzz(40)
@given(ds=datasets(unique=True, tests=False, rates=(100,), max_respondents=12))
def test_complete_answers_for_distinct_municipalities_are_all_kept(ds):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_dataset(ds, folder)
        s = load(folder)
    assert (s.log["status"] == "kept").all() and s.n == len(ds.respondents)
    assert set(s.respondents["nis_code"]) == {r.nis for r in ds.respondents}
    assert s.exclusion_counts().loc["total", "kept"] == len(ds.respondents)


@fuzz(20)
@given(ds=datasets(rates=(100, 90)))
def test_writer_quotes_as_surveymonkey_does(ds):
    """The corruption tests rebuild files from serialised records: the same bytes as the writer."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_dataset(ds, Path(tmp))
        for i, path in paths.items():
            f = ds.files[i]
            rows = read_rows(path, f)
            assert len(rows) == 2 + len(ds.in_file(i))
            text = "".join(record_text(r) + f.newline for r in rows)
            assert path.read_bytes() == text.encode(f.encoding)


def test_exports_without_any_respondent_are_refused_clearly(tmp_path):
    """Header-only exports (a collector nobody answered yet) and nothing else: a clear error."""
    ds = Dataset([ExportFile("empty-nl.csv", "nl", "current", "utf-8", "\r\n", "1"),
                  ExportFile("empty-fr.csv", "fr", "legacy", "utf-8", "\r\n", "2")], [])
    write_dataset(ds, tmp_path)
    with pytest.raises(InputError, match="no respondent"):
        load(tmp_path)


# --------------------------------------------------------------------------- corruptions


def _victim(ds: Dataset, data, paths: dict[int, Path]) -> tuple[Respondent, ExportFile, Path, int]:
    """A drawn respondent, its file's spec and path, and the index of its record in that file."""
    filled = [i for i in range(len(ds.files)) if ds.in_file(i)]
    index = data.draw(st.sampled_from(filled), label="file")
    victim = data.draw(st.sampled_from(ds.in_file(index)), label="respondent")
    return victim, ds.files[index], paths[index], ds.row_of(victim) - 1


@fuzz(120)
@given(ds=datasets(max_respondents=4), data=st.data())
def test_truncated_row(ds, data):
    """A data line cut short anywhere.

    Cut between cells: the missing trailing cells are item non-response, which an export
    legitimately has (SurveyMonkey and Excel trim trailing empty cells), so it cannot be
    detected; the respondent is read with those answers missing (and excluded as
    incomplete if too few remain). Cut inside a cell: a label cut short is refused; a free
    text (open answer, "other" text, number, municipality, project name) cut short is still
    a valid answer and is read as the shorter text, which cannot be detected by design (a
    municipality name may even become another one: "Hamme" -> "Ham"). Cut inside a quoted
    cell: the quote never closes, which must be an error.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_dataset(ds, folder)
        victim, f, path, k = _victim(ds, data, paths)
        rows = read_rows(path, f)
        records = [record_text(r) for r in rows]
        fields = [_field(c) for c in rows[k]]
        starts = [sum(len(x) + 1 for x in fields[:i]) for i in range(len(fields))]
        inside = [i for i, x in enumerate(fields) if len(x) > 1 and not x.startswith('"')]
        quoted = [i for i, x in enumerate(fields) if x.startswith('"')]
        rnd = random.Random(data.draw(st.integers(0, 2**32), label="seed"))  # positions uniform over the row
        kind = data.draw(st.sampled_from(["between cells", "inside a cell", "inside a quoted cell"]), label="kind")
        if kind == "inside a cell" and inside:
            i = rnd.choice(inside)
            cut = starts[i] + rnd.randrange(1, len(fields[i]))
        elif kind == "inside a quoted cell" and quoted:
            # half the time in a personal cell: then the next row's cells can line up again
            personal = [i for i in quoted if i < N_FIXED]
            i = rnd.choice(personal if personal and rnd.random() < 0.5 else quoted)
            cut = starts[i] + rnd.randrange(1, len(fields[i]) - 1)
        else:  # just before or just after a delimiter
            kind = "between cells"
            i = rnd.randrange(1, len(fields))
            cut = starts[i] - rnd.choice([0, 1])
        records[k] = records[k][:cut]
        write_records(path, f, records)
        note(repr(records[k][-40:]))
        try:
            cells = next(csv.reader(io.StringIO(records[k], newline=""), strict=True))
        except csv.Error:  # the quote never closes: the rest of the file runs into the cell
            event("cut inside a quoted cell")
            with pytest.raises(InputError) as err:
                load(folder)
            assert_names(err.value, f.name, k + 1)  # the cut row itself
            return
        event(kind)
        where = "fixed" if i < N_FIXED else CB[COLUMNS[f.lang][i - N_FIXED].question].type
        event(f"{kind}: in the {where} columns")
        # cut in the fixed columns: no municipality (or a date cut short) is an error of that row
        cells = [c if c != "" else None for c in cells] + [None] * (WIDTH[f.lang] - len(cells))
        check_outcome(folder, ds, {victim.rid: cells})


@pytest.mark.parametrize("victim_cell, next_cell", [(1, 1), (1, 2), (0, 3), (3, 3)])
def test_a_quote_left_open_does_not_swallow_the_next_respondent(tmp_path, victim_cell, next_cell):
    """Found by test_truncated_row: a row cut inside a quoted cell, followed by a row whose first
    quoted cell starts with a comma. The open quote runs over the line break into the next
    row and closes at that comma, and when the rest lines up with the header (the cut cell
    at or before the next row's quoted cell) the next respondent vanished without a word:
    the cut row took over its answers. Personal cells are the usual place (dropped unseen)."""
    personal = ["Marie, Anne", ",komma eerst"]
    rows_personal = [tuple(personal[0] if j == victim_cell else "" for j in range(4)),
                     tuple(personal[1] if j == next_cell else "" for j in range(4)),
                     ("", "", "", "")]
    f = ExportFile("export-nl.csv", "nl", "current", "utf-8", "\r\n", "1234")
    end = dt.datetime(2016, 6, 1, 14, 35, 10)
    ds = Dataset([f], [Respondent(str(100 + i), 0, {**_complete(m), "municipality": m}, end, end, nis, p)
                       for i, (m, nis, p) in enumerate(zip(["Gent", "Namur", "Mons"], ["44021", "92094", "53053"],
                                                            rows_personal))])
    path = write_dataset(ds, tmp_path)[0]
    rows = read_rows(path, f)
    records = [record_text(r) for r in rows]
    cell = N_FIXED - 4 + victim_cell
    start = len(record_text(rows[2][:cell])) + 1
    records[2] = records[2][: start + 3]  # inside the quoted cell: the quote is never closed
    write_records(path, f, records)
    with pytest.raises(InputError) as err:
        load(tmp_path)
    assert_names(err.value, f.name, 3)


def _complete(municipality: str) -> dict:
    from conftest import complete_answers

    return complete_answers(municipality)


@pytest.mark.parametrize("matrix_cell, ranking_cell, problem", [
    ("1", None, "unknown scale label"),  # the bare number of the labelled point "1 - ...": not "out of range"
    ("7", None, "Likert value out of range"),
    (None, "\u00b2", "rank out of range"),  # "²" passes str.isdigit() but not int(): was a bare ValueError
    (None, "\u0663", "rank out of range"),  # Arabic-Indic 3
])
def test_number_like_label_cells_get_a_clear_error(tmp_path, matrix_cell, ranking_cell, problem):
    f = ExportFile("export-nl.csv", "nl", "current", "utf-8", "\r\n", "1234")
    end = dt.datetime(2016, 6, 1, 14, 35, 10)
    ds = Dataset([f], [Respondent("7", 0, _complete("Gent"), end, end, "44021")])
    path = write_dataset(ds, tmp_path)[0]
    rows = read_rows(path, f)
    cols = COLUMNS["nl"]
    if matrix_cell is not None:
        rows[2][N_FIXED + next(i for i, c in enumerate(cols) if c.question == "dimensions_importance")] = matrix_cell
    if ranking_cell is not None:
        rows[2][N_FIXED + next(i for i, c in enumerate(cols) if c.question == "components")] = ranking_cell
    write_records(path, f, [record_text(r) for r in rows])
    with pytest.raises(InputError) as err:
        load(tmp_path)
    message = assert_names(err.value, f.name, 3)
    assert problem in message and "expected" in message


@fuzz(30)
@given(ds=datasets(max_respondents=4), data=st.data())
def test_row_with_an_extra_cell(ds, data):
    """A cell shifted right (an extra cell anywhere in a data row): more cells than the header."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_dataset(ds, folder)
        _, f, path, k = _victim(ds, data, paths)
        rows = read_rows(path, f)
        at = data.draw(st.integers(0, len(rows[k])), label="at")
        rows[k].insert(at, data.draw(st.sampled_from(["", "x", "Ja", "3"]), label="extra"))
        write_records(path, f, [record_text(r) for r in rows])
        with pytest.raises(InputError) as err:
            load(folder)
        message = assert_names(err.value, f.name, k + 1)
        assert "cells but the header has" in message


# What a label cell may wrongly hold: any text, a text of no option, digits of any script
# (superscripts, Arabic-Indic), numbers in and out of a scale's range, N/A in other cases.
NOT_A_LABEL = st.one_of(st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=3),
                        st.sampled_from(["0", "1", "6", "-1", "3.0", " 2 ", "n/a", "N/A ", "²"]),
                        TEXT, TEXT.map(lambda t: "?" + t))


@fuzz(100)
@given(ds=datasets(max_respondents=4, rates=(100, 90)), data=st.data())
def test_unknown_answer_label(ds, data):
    """A label cell (single, multiple, matrix, ranking, project field) holding another text.

    Refused with an InputError naming the file, the row and the column (question and row-2
    texts), unless the text is a valid answer for that cell, which is then read as such.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_dataset(ds, folder)
        victim, f, path, k = _victim(ds, data, paths)
        candidates = [i for i, c in enumerate(COLUMNS[f.lang]) if c.role in LABEL_ROLES and
                      fuzz_type(CB[c.question]).labels and
                      (c.role != "slot_field" or CB[c.question].field(c.code).type == "single")]
        rnd = random.Random(data.draw(st.integers(0, 2**32), label="seed"))  # each question type as often
        kind = rnd.choice(sorted({CB[COLUMNS[f.lang][i].question].type for i in candidates}))
        col_index = rnd.choice([i for i in candidates if CB[COLUMNS[f.lang][i].question].type == kind])
        col = COLUMNS[f.lang][col_index]
        rows = read_rows(path, f)
        rows[k][N_FIXED + col_index] = data.draw(NOT_A_LABEL, label="text")
        event(f"{kind}: {rows[k][N_FIXED + col_index]!r}")
        write_records(path, f, [record_text(r) for r in rows])
        message = check_outcome(folder, ds, {victim.rid: [c if c != "" else None for c in rows[k]]})
        if message is not None:
            # the question's column (its first one for a question-wide problem such as a rank given twice)
            assert col.header[0] in message and "expected" in message, message


@fuzz(100)
@given(ds=datasets(max_respondents=4, rates=(100, 90, 60)), data=st.data())
def test_swapped_header_cells(ds, data):
    """Two row-2 cells swapped (columns shifted under their headers).

    The same as swapping the two cells of every data row under the true header: the loader
    must refuse, or read exactly what the swapped cells say. Detected when the two columns
    belong to different questions, or when the swapped cells hold labels (a multi-select
    option, a project's dimension). Not detectable by design: two items of one matrix or
    ranking (the cells hold only a scale value or a rank, the same for every item), the
    names (or dimensions) of two project slots, an option and the "other" text when that
    column is empty: the ratings, ranks or texts are then read under the swapped items.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_dataset(ds, folder)
        index = data.draw(st.sampled_from(range(len(ds.files))), label="file")
        f, path = ds.files[index], paths[index]
        cols = COLUMNS[f.lang]
        same_question = data.draw(st.booleans(), label="same question")
        a = data.draw(st.integers(0, len(cols) - 1), label="a")
        pool = [i for i, c in enumerate(cols) if i != a and (c.question == cols[a].question) == same_question]
        assume(pool)
        b = data.draw(st.sampled_from(pool), label="b")
        rows = read_rows(path, f)
        ia, ib = N_FIXED + a, N_FIXED + b
        rows[1][ia], rows[1][ib] = rows[1][ib], rows[1][ia]
        write_records(path, f, [record_text(r) for r in rows])
        note(f"swapped {cols[a].header} and {cols[b].header}")
        if cols[a].header[1] == cols[b].header[1] and cols[a].question != cols[b].question:
            event("two equal row-2 texts: nothing changed")
            check_survey(load(folder), expected_from(ds))  # e.g. two "Response": nothing changed
            return
        if cols[a].question != cols[b].question:
            event("different questions: refused")
            with pytest.raises(InputError) as err:
                load(folder)
            assert "column" in assert_names(err.value, f.name)
            return
        swapped = {}
        for r, row in zip(ds.in_file(index), rows[2:]):
            cells = [c if c != "" else None for c in row]
            cells[ia], cells[ib] = cells[ib], cells[ia]
            swapped[r.rid] = cells
        check_outcome(folder, ds, swapped)


@fuzz(60)
@given(ds=datasets(max_respondents=3, rates=(100,)), data=st.data())
def test_inserted_header_cell(ds, data):
    """An extra cell inserted in row 1 or row 2 shifts the headers after it: refused.

    Only an empty cell added after the last column changes nothing (Excel pads rows so):
    the file then reads exactly as before.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_dataset(ds, folder)
        index = data.draw(st.sampled_from(range(len(ds.files))), label="file")
        f, path = ds.files[index], paths[index]
        rows = read_rows(path, f)
        which = data.draw(st.sampled_from([0, 1]), label="header row")
        at = data.draw(st.one_of(st.just(len(rows[which])), st.integers(0, len(rows[which]))), label="at")
        extra = data.draw(st.sampled_from(["", "Response", "Open-Ended Response", rows[which][at - 1]]), label="extra")
        rows[which].insert(at, extra)
        write_records(path, f, [record_text(r) for r in rows])
        if at == WIDTH[f.lang] and extra == "":
            check_survey(load(folder), expected_from(ds))
            return
        if at == WIDTH[f.lang] and which == 0 and extra in ("Response", "Open-Ended Response"):
            survey = load(folder)  # a question appended after the last: not in the codebook, listed and not read
            check_survey(survey, expected_from(ds))
            assert survey.unknown_questions == [{"source": f.name, "text": extra}]
            return
        with pytest.raises(InputError) as err:
            load(folder)
        assert_names(err.value, f.name)


@fuzz(30)
@given(ds=datasets(max_respondents=3, rates=(100,)), data=st.data())
def test_duplicated_header(ds, data):
    """A question column duplicated (headers and cells), or the two header rows pasted again
    among the data (two exports concatenated): refused, naming the columns or the row."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_dataset(ds, folder)
        index = data.draw(st.sampled_from(range(len(ds.files))), label="file")
        f, path = ds.files[index], paths[index]
        rows = read_rows(path, f)
        if data.draw(st.booleans(), label="header rows again"):
            at = data.draw(st.integers(2, len(rows)), label="at")
            rows[at:at] = [list(rows[0]), list(rows[1])]
            write_records(path, f, [record_text(r) for r in rows])
            with pytest.raises(InputError) as err:
                load(folder)
            assert_names(err.value, f.name, at + 1)
            return
        c = N_FIXED + data.draw(st.integers(0, len(COLUMNS[f.lang]) - 1), label="column")
        for row in rows:
            row.insert(c + 1, row[c])
        write_records(path, f, [record_text(r) for r in rows])
        with pytest.raises(InputError) as err:
            load(folder)
        assert "same headers" in assert_names(err.value, f.name)


_HARMLESS = (str.upper, lambda s: f"  {s} ", lambda s: s.replace(" ", "\u00a0 "),
             lambda s: f"<strong>{s}</strong>", lambda s: s.replace("'", "&#39;"), lambda s: s.replace(" ", "<br>", 1))


@fuzz(40)
@given(ds=datasets(max_respondents=3, rates=(100,)), data=st.data())
def test_renamed_question(ds, data):
    """A question's wording in row 1 changed: the question is not found and its new wording is
    not the codebook's, both reported, nobody lost; refused, naming a column, when the question
    is the required municipality or its text is emptied (its columns then run on the previous
    question's).

    Changes of case, spacing, HTML markup or entities are not renamings (SurveyMonkey's rich
    text in the header; matched as a reader sees the text): the file reads as before.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_dataset(ds, folder)
        index = data.draw(st.sampled_from(range(len(ds.files))), label="file")
        f, path = ds.files[index], paths[index]
        q = data.draw(st.sampled_from(list(CB)), label="question")
        text = q.text[f.lang]
        rows = read_rows(path, f)
        at = next(i for i, c in enumerate(COLUMNS[f.lang]) if c.question == q.name) + N_FIXED
        assert rows[0][at] == text
        if data.draw(st.booleans(), label="harmless"):
            rows[0][at] = data.draw(st.sampled_from(_HARMLESS), label="how")(text)
            write_records(path, f, [record_text(r) for r in rows])
            check_survey(load(folder), expected_from(ds))
            return
        other = "fr" if f.lang == "nl" else "nl"
        rows[0][at] = data.draw(st.sampled_from([text + " (nieuw)", text[: len(text) // 2], q.text[other], "",
                                                 text.replace("?", "")]), label="renamed")
        assume(rows[0][at] != text)
        write_records(path, f, [record_text(r) for r in rows])
        if q.required or not rows[0][at].strip():
            with pytest.raises(InputError) as err:
                load(folder)
            assert "column" in assert_names(err.value, f.name)
            return
        survey = load(folder)
        assert survey.missing_questions == ([] if q.personal else [q.name])
        assert survey.unknown_questions == [{"source": f.name, "text": clean_text(rows[0][at])}]
        assert sorted(survey.log["respondent_id"]) == sorted(e.rid for e in expected_from(ds))
