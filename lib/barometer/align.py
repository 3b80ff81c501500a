"""From an export worded otherwise to the codebook: propose a mapping, and read exports through it.

The codebook (``data/codebook/questionnaire.yml``) is a reconstruction; a real export words its
questions, options, items and scale points in its own way. The loader matches an export by
exact wording only, so a researcher with another wording runs ``barometer.cli align``:

* :func:`align` reads the exports (header rows -> question blocks, :func:`export_blocks`) and
  proposes, for each codebook question, the export's block, by wording similarity (question
  numbers and asides in parentheses aside), answer labels (row-2 texts and the answers in the
  cells) and position, in the collector's language; then, within each block, the export's
  column for each codebook column and the export's label for each option and scale point.
  Similarity is RapidFuzz's normalised Indel ratio; blocks and columns are assigned to the
  codebook's by the Hungarian method (SciPy), so no block serves two questions. A block is
  proposed only when its wording, or its own options and items, say so: position, shape and
  yes/no answers alone would pass a question the codebook does not know for one it lacks.
* :func:`write_mapping` writes the proposal as ``mapping.yml``: one line per question, column
  and answer label, each with its confidence (1 = the same words), and the leftovers: codebook
  questions not found, export blocks the codebook does not know. The researcher reviews and
  commits it beside the exports.
* :func:`translate` (called by :func:`barometer.survey.load_survey` when the data folder holds
  a ``mapping.yml``, :func:`read_mapping`) rewrites an export's headers and answer labels into
  the codebook's through that file, to be recoded as usual: the codebook's codes stay, the
  export's wording serves only to find the columns and read the answers. Errors name the
  export's own columns (:func:`exported_names`).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from rapidfuzz import fuzz, process
from scipy.optimize import linear_sum_assignment

from .codebook import LANGUAGES, Codebook, Question
from .errors import InputError
from .qtypes import NOT_RANKED, Column, norm
from .recode import Collector
from .surveymonkey import answer_columns, clean_text

__all__ = ["MAPPING_FILE", "Block", "Alignment", "QuestionMatch", "Match", "Mapping", "Translation", "export_blocks",
           "text_similarity", "column_key", "answer_groups", "align", "mapping_text", "write_mapping", "report",
           "read_mapping", "translate", "exported_names"]

#: The mapping's file name in a data folder, beside the exports.
MAPPING_FILE = "mapping.yml"

#: Weights of the evidence that a block holds a question: wording, row-2 labels (and the
#: number of columns), answer labels in the cells, position in the questionnaire.
WEIGHTS = {"wording": 0.5, "columns": 0.25, "answers": 0.2, "position": 0.05}
#: A block is proposed for a question only from this score on ...
MIN_SCORE = 0.6
#: ... and when its wording is this close, or its own row-2 texts (options, items) are.
MIN_WORDING = 0.75
MIN_LABELS = 0.8
#: An answer label in the cells is taken for an option only from this similarity on.
MIN_ANSWER = 0.5
#: Lines proposed with less confidence are flagged for review in the report.
REVIEW_BELOW = 0.8

_PREFIX = re.compile(r"^(?:(?:q|question|vraag)\s*\d+[a-z]?\s*[.):\-\u2013]?|\d+[a-z]?\s*[.):\-\u2013])\s*", re.I)
_ASIDE = re.compile(r"\s*\([^()]*\)")
_SPACES = re.compile(r"\s+")
#: SurveyMonkey's own row-2 texts: they tell a column's kind, not which question it is.
_GENERIC_ROW2 = {norm("Response"), norm("Open-Ended Response")}


# --------------------------------------------------------------------------- blocks and similarity


@dataclass(frozen=True)
class Block:
    """One question of an export: its header text over consecutive columns (row 1), and those columns."""

    position: int  # 1-based, among the export's question blocks
    text: str
    columns: tuple[tuple[str, str], ...]

    @property
    def row2(self) -> list[str]:
        return [c[1] for c in self.columns]


def export_blocks(df: pd.DataFrame) -> list[Block]:
    """The question blocks of a frame from :func:`barometer.surveymonkey.read_export`, in file order."""
    runs: list[list[tuple[str, str]]] = []
    for column in answer_columns(df):
        if runs and runs[-1][0][0] == column[0]:
            runs[-1].append(column)
        else:
            runs.append([column])
    return [Block(i, run[0][0], tuple(run)) for i, run in enumerate(runs, start=1)]


def wording_key(text: object) -> str:
    """A question's wording as compared: cleaned, normalised, without a leading number ("1.", "Q1")."""
    return _PREFIX.sub("", norm(clean_text(text)), count=1)


def _without_asides(text: str) -> str:
    return _SPACES.sub(" ", _ASIDE.sub("", text)).strip()


def text_similarity(a: object, b: object) -> float:
    """How alike two question wordings are (0..1), asides in parentheses and question numbers aside."""
    a, b = wording_key(a), wording_key(b)
    a2, b2 = _without_asides(a), _without_asides(b)
    return max(fuzz.ratio(a, b), fuzz.ratio(a2, b2), fuzz.token_sort_ratio(a2, b2)) / 100


def wording_matrix(texts: list[str], others: list[str]) -> np.ndarray:
    """:func:`text_similarity` of each text to each other text, at once."""
    if not texts or not others:
        return np.zeros((len(texts), len(others)))
    a, b = [wording_key(x) for x in texts], [wording_key(y) for y in others]
    a2, b2 = [_without_asides(x) for x in a], [_without_asides(y) for y in b]
    return np.maximum.reduce([process.cdist(a, b, scorer=fuzz.ratio), process.cdist(a2, b2, scorer=fuzz.ratio),
                              process.cdist(a2, b2, scorer=fuzz.token_sort_ratio)]) / 100


_PUNCTUATION = re.compile(r"[^\w\s]+")


@lru_cache(maxsize=65536)
def _label_key(text: str) -> str:
    """A label as compared: normalised, punctuation aside ("2." is "2", "Ja, goed" is "Ja goed")."""
    key = norm(text)
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", key)).strip() or key


def _label_matrix(expected: list[str], found: list[str]) -> np.ndarray:
    """Similarity (0..1) of each expected label to each found label."""
    if not expected or not found:
        return np.zeros((len(expected), len(found)))
    return process.cdist([_label_key(x) for x in expected], [_label_key(y) for y in found], scorer=fuzz.ratio) / 100


def _assign(score: np.ndarray) -> list[tuple[int, int]]:
    """The pairs (row, column) of highest total score, each row and column used at most once."""
    if score.size == 0:
        return []
    rows, cols = linear_sum_assignment(score, maximize=True)
    return list(zip(rows.tolist(), cols.tolist()))


def column_key(column: Column) -> str:
    """How a codebook column is named in the mapping: response, other, an option or item code, or slot.field."""
    if column.role in ("response", "other"):
        return column.role
    if column.role == "slot_field":
        return f"{column.slot}.{column.code}"
    return str(column.code)


def answer_groups(q: Question, lang: str) -> list[tuple[list[str], dict[str, str]]]:
    """The answer labels a question's cells hold: (its column keys, {answer key: codebook label}) per group.

    Single: its options in the response column; matrix: the scale points (by value) in the item
    columns; project list: each choice field's options (``field.code``) in that field's columns.
    A multiple-choice cell holds its column's own label, and the other types hold no label.
    """
    if q.type == "single":
        return [(["response"], {o.code: o.labels[lang] for o in q.options})]
    if q.type == "matrix":
        return [([str(i.code) for i in q.items], {str(p.value): p.labels[lang] for p in q.scale})]
    if q.type == "project_list":
        return [([f"{n}.{f.name}" for n in range(1, q.slots + 1)], {f"{f.name}.{o.code}": o.labels[lang] for o in f.options})
                for f in q.fields if f.type == "single"]
    return []


# --------------------------------------------------------------------------- proposing


@dataclass
class Match:
    """One proposed line: the export's text for a codebook text, and how sure the proposal is."""

    export: str | None
    confidence: float


@dataclass
class QuestionMatch:
    """A codebook question and the export block proposed for it, with its columns and answer labels."""

    question: Question
    block: Block
    confidence: float
    columns: dict[str, Match]
    answers: dict[str, Match]
    extra_columns: list[str] = field(default_factory=list)  # row-2 texts of the block no codebook column took
    extra_answers: list[str] = field(default_factory=list)  # answer labels in the cells no option took


@dataclass
class Alignment:
    """One collector's proposal: its language, its files, the matches and the leftovers."""

    lang: str
    sources: list[str]
    matches: list[QuestionMatch]
    missing: list[Question]
    unknown: list[Block]
    runners_up: dict[str, tuple[str, float]] = field(default_factory=dict)  # question id -> (other question id, score)


class _Candidate:
    """The evidence that one block holds one question, and the column assignment it implies."""

    def __init__(self, q: Question, lang: str, block: Block, values: dict, position: float, wording: float):
        self.q, self.block = q, block
        expected = q.kind.columns(lang)
        self.expected = expected
        labels = _label_matrix([c.header[1] for c in expected], block.row2)
        n, m = labels.shape
        place = np.array([[1 - abs(i / max(n - 1, 1) - j / max(m - 1, 1)) for j in range(m)] for i in range(n)]) \
            if n and m else labels
        self.pairs = _assign(0.75 * labels + 0.25 * place)
        self.labels = labels
        self.column_score = sum(labels[i, j] for i, j in self.pairs) / max(n, m, 1)
        specific = [labels[i, j] for i, j in self.pairs if norm(expected[i].header[1]) not in _GENERIC_ROW2]
        self.specific = min(specific) if specific else None
        self.wording = wording
        self.answers = self._answer_score(lang, values)
        parts = {"wording": self.wording, "columns": self.column_score, "answers": self.answers, "position": position}
        present = {k: v for k, v in parts.items() if v is not None}
        self.score = sum(WEIGHTS[k] * v for k, v in present.items()) / sum(WEIGHTS[k] for k in present)

    def column_of(self) -> dict[str, tuple[str, str]]:
        """Codebook column key -> the block's column."""
        return {column_key(self.expected[i]): self.block.columns[j] for i, j in self.pairs}

    def _answer_score(self, lang: str, values: dict) -> float | None:
        """How well the cells' contents fit the question's answers (None when they say nothing)."""
        q, columns = self.q, self.column_of()
        groups = answer_groups(q, lang)
        if groups:
            scores = []
            for keys, labels in groups:
                found = sorted({v for k in keys if k in columns for v in values[columns[k]]})
                if found:
                    scores.append(float(_label_matrix(found, list(labels.values())).max(axis=1).mean()))
            return float(np.mean(scores)) if scores else None
        cells = [(k, v) for k, col in columns.items() if k != "other" for v in values[col]]
        if not cells:
            return None
        if q.type == "ranking":
            n = len(q.items)
            ok = [v.strip().upper() == NOT_RANKED or (v.strip().isdigit() and 1 <= int(v.strip()) <= n) for _, v in cells]
        elif q.type == "number":
            ok = [_is_number(v) for _, v in cells]
        elif q.type == "scale10":
            ok = [v.strip().isdigit() and 0 <= int(v.strip()) <= 10 for _, v in cells]
        elif q.type == "multiple":
            by_key = {k: norm(columns[k][1]) for k in columns}
            ok = [norm(v) in (by_key[k], "1") for k, v in cells]
        else:
            return None
        return sum(ok) / len(ok)

    @property
    def telling(self) -> bool:
        """Whether the wording, or else the row-2 labels of its own (options, items), back the proposal.

        Position, shape and answers in the cells alone do not: a yes/no question the codebook
        does not know would pass for any yes/no question the export lacks.
        """
        return self.wording >= MIN_WORDING or (self.specific is not None and self.specific >= MIN_LABELS)


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", ".").strip())
    except ValueError:
        return False
    return True


def _distinct_values(df: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Each question column's distinct answers (the answer labels a block shows)."""
    return {c: sorted({str(v) for v in df[c].tolist() if isinstance(v, str)}) for c in answer_columns(df)}


def _propose(df: pd.DataFrame, codebook: Codebook, lang: str, sources: list[str],
             values: dict | None = None) -> tuple[Alignment, float]:
    """One language's proposal for one export, and its total score (to choose the language)."""
    blocks = export_blocks(df)
    values = _distinct_values(df) if values is None else values
    questions = list(codebook)
    nq, nb = len(questions), len(blocks)
    wording = wording_matrix([q.text[lang] for q in questions], [b.text for b in blocks])
    grid = [[_Candidate(q, lang, b, values, 1 - abs(i / max(nq - 1, 1) - j / max(nb - 1, 1)), wording[i, j])
             for j, b in enumerate(blocks)] for i, q in enumerate(questions)]
    score = np.array([[c.score for c in row] for row in grid]) if nb else np.zeros((nq, 0))
    matches, used, total = {}, set(), 0.0
    runners_up = {}
    for i, j in _assign(score):
        candidate = grid[i][j]
        if candidate.score < MIN_SCORE or not candidate.telling:
            continue
        matches[i] = _question_match(candidate, lang, values)
        used.add(j)
        total += candidate.score
        rivals = [(score[k, j], questions[k].id) for k in range(nq) if k != i]
        best = max(rivals, default=None)
        if best is not None and best[0] > candidate.score - 0.05:
            runners_up[questions[i].id] = (best[1], round(float(best[0]), 2))
    alignment = Alignment(
        lang=lang, sources=sources, matches=[matches[i] for i in sorted(matches)],
        missing=[q for i, q in enumerate(questions) if i not in matches],
        unknown=[b for j, b in enumerate(blocks) if j not in used], runners_up=runners_up)
    return alignment, total


def _question_match(candidate: _Candidate, lang: str, values: dict) -> QuestionMatch:
    """The columns and answer labels of a proposed block, each with its confidence."""
    q, block = candidate.q, candidate.block
    columns = {column_key(candidate.expected[i]): Match(block.columns[j][1], round(float(candidate.labels[i, j]), 2))
               for i, j in candidate.pairs}
    for column in candidate.expected:
        columns.setdefault(column_key(column), Match(None, 0.0))
    taken = {block.columns[j] for _, j in candidate.pairs}
    extra_columns = [c[1] for c in block.columns if c not in taken]
    located = candidate.column_of()
    answers: dict[str, Match] = {}
    extra_answers: list[str] = []
    for keys, labels in answer_groups(q, lang):
        found = sorted({v for k in keys if k in located for v in values[located[k]]})
        codes = list(labels)
        similarity = _label_matrix([labels[c] for c in codes], found)
        taken_values = set()
        for i, j in _assign(similarity):
            if similarity[i, j] >= MIN_ANSWER:
                answers[codes[i]] = Match(found[j], round(float(similarity[i, j]), 2))
                taken_values.add(j)
        for code in codes:
            answers.setdefault(code, Match(None, 0.0))
        extra_answers += [v for j, v in enumerate(found) if j not in taken_values]
    return QuestionMatch(q, block, round(float(candidate.score), 2), columns, answers, extra_columns, extra_answers)


def align(files: list[Path], codebook: Codebook, frames: dict[Path, pd.DataFrame] | None = None) -> list[Alignment]:
    """Propose the mapping of each collector's export (CSV or XLSX) onto the codebook, one per language.

    Each file's language is the one whose proposal scores higher. Several files in one language
    (collectors reopened) are aligned on the first; the others are listed as its sources.
    """
    from .surveymonkey import read_export

    by_lang: dict[str, Alignment] = {}
    for path in files:
        df = frames[path] if frames and path in frames else read_export(path)
        values = _distinct_values(df)
        proposals = [_propose(df, codebook, lang, [path.name], values) for lang in LANGUAGES]
        alignment, _ = max(proposals, key=lambda p: p[1])
        if alignment.lang in by_lang:
            by_lang[alignment.lang].sources.append(path.name)
        else:
            by_lang[alignment.lang] = alignment
    return [by_lang[lang] for lang in LANGUAGES if lang in by_lang]


# --------------------------------------------------------------------------- the mapping file


_HEADER = """\
# How the exports' wording maps onto the codebook ({codebook}).
# Proposed by `python -m barometer.cli align`; review it, then keep it beside the exports as
# mapping.yml. The loader then finds each codebook question's columns and reads its answers
# by the `export` texts below; the codebook's codes and wording stay those of the codebook.
#
# Each line: the export's text and how sure the proposal is (1.0 = the same words, case,
# punctuation and question numbers aside; lines below {review} need a look). `text` is a question's header (row 1); `columns` its
# columns' row-2 headers (response, other, an option or item code, slot.field of a
# project); `answers` the labels in its cells (single: option code; matrix: scale value;
# project: field.code). `export: null` = not seen in these data: the codebook's label is
# accepted. To read a block listed under `unknown` as a codebook question, add that
# question under `questions`; to leave a question unread, delete its entry (and list it
# under `missing`). `missing` and `unknown` are for the reader: the loader works them out.
"""


def _flow(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10**9).strip()


def _scalar(value: object) -> str:
    """One YAML scalar, quoted where YAML needs it (a list of one, without its brackets)."""
    return _flow([value])[1:-1]


def _line(match: Match) -> str:
    return _flow({"export": match.export, "confidence": float(match.confidence)})


def mapping_text(alignments: list[Alignment], codebook: Codebook) -> str:
    """The mapping file's text: one line per question, column and answer, leftovers listed."""
    out = [_HEADER.format(codebook=codebook.path.name, review=REVIEW_BELOW), "collectors:"]
    for a in alignments:
        out += [f"  {a.lang}:", f"    sources: {_flow(a.sources)}", "    questions:" + ("" if a.matches else " {}")]
        for m in a.matches:
            q = m.question
            note = f"  # {q.name} ({q.type})"
            if q.id in a.runners_up:
                other, score = a.runners_up[q.id]
                note += f"; check: {other} scores {score} on this block too"
            out.append(f"      {q.id}:{note}")
            out.append(f"        text: {_flow({'export': m.block.text, 'confidence': float(m.confidence), 'block': m.block.position})}")
            out.append("        columns:")
            out += [f"          {_scalar(key)}: {_line(match)}" for key, match in m.columns.items()]
            if m.answers:
                out.append("        answers:")
                out += [f"          {_scalar(key)}: {_line(match)}" for key, match in m.answers.items()]
            if m.extra_columns:
                out.append(f"        # columns of this block no codebook column took: {_flow(m.extra_columns)}")
            if m.extra_answers:
                out.append(f"        # answers in these cells no option took (the loader refuses them): {_flow(m.extra_answers)}")
        out.append("    missing:  # codebook questions not found in this export: not available for these data"
                   + ("" if a.missing else " []"))
        out += [f"      - {q.id}  # {q.name}: {q.text[a.lang]}" for q in a.missing]
        out.append("    unknown:  # export blocks the codebook does not know: ignored unless mapped above"
                   + ("" if a.unknown else " []"))
        out += [f"      - {_flow({'block': b.position, 'text': b.text, 'columns': len(b.columns)})}" for b in a.unknown]
    return "\n".join(out) + "\n"


def write_mapping(path: str | Path, alignments: list[Alignment], codebook: Codebook) -> Path:
    path = Path(path)
    path.write_text(mapping_text(alignments, codebook), encoding="utf-8")
    return path


def report(alignments: list[Alignment]) -> str:
    """A short account of a proposal: per collector what was matched, what needs a look, what is left."""
    lines = []
    for a in alignments:
        review = [m for m in a.matches if m.confidence < REVIEW_BELOW
                  or any(x.export is not None and x.confidence < REVIEW_BELOW for x in (*m.columns.values(), *m.answers.values()))]
        lines.append(f"{a.lang}: {', '.join(a.sources)}: {len(a.matches)} questions matched, "
                     f"{sum(1 for m in a.matches if m.confidence < REVIEW_BELOW)} below {REVIEW_BELOW}, "
                     f"{len(review)} with a line to review")
        for m in review:
            weak = [f"{key} <- {x.export!r} ({x.confidence})" for key, x in (*m.columns.items(), *m.answers.items())
                    if x.export is not None and x.confidence < REVIEW_BELOW]
            lines.append(f"  review {m.question.id} ({m.question.name}) <- block {m.block.position}: {m.block.text[:60]!r} "
                         f"(confidence {m.confidence})" + (f"; {', '.join(weak[:3])}" if weak else ""))
        for m in a.matches:
            if m.extra_columns or m.extra_answers:
                lines.append(f"  {m.question.id}: left over in its block: {m.extra_columns + m.extra_answers}")
        for q in a.missing:
            lines.append(f"  not found: {q.id} ({q.name})")
        for b in a.unknown:
            lines.append(f"  unknown to the codebook: block {b.position}: {b.text[:70]!r}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- reading through a mapping


@dataclass(frozen=True)
class Entry:
    """One question's mapping: its header text, its columns' row-2 texts and its answer labels."""

    text: str
    columns: dict[str, str]
    answers: dict[str, str | None]


@dataclass(frozen=True)
class Mapping:
    """A reviewed mapping file: per language, the entries of the questions it maps."""

    path: Path
    collectors: dict[str, dict[str, Entry]]  # lang -> question name -> entry


def _export_of(path: Path, value: object, where: str, *, nullable: bool = False) -> str | None:
    """A line's export text: ``{export: ..., confidence: ...}`` or the text alone."""
    if isinstance(value, dict):
        if "export" not in value:
            raise InputError(path, f"{where}: no export text", column=where, found=value,
                             expected="{export: <the export's text>, confidence: <0..1>}")
        value = value["export"]
    if value is None and nullable:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, f"{where}: the export text is missing or not text", column=where, found=value,
                         expected="the export's text" + (" (or null)" if nullable else ""))
    return value


def read_mapping(folder: str | Path, codebook: Codebook) -> Mapping | None:
    """The ``mapping.yml`` of a data folder (or beside an export file), checked against the codebook; None if none."""
    folder = Path(folder)
    path = (folder if folder.is_dir() else folder.parent) / MAPPING_FILE
    if not path.is_file():
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(path, f"not valid YAML ({getattr(err, 'problem', err)})",
                         row=None if mark is None else mark.line + 1, expected="the mapping written by barometer.cli align") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("collectors"), dict):
        raise InputError(path, "not a mapping file", expected="a YAML mapping with `collectors:` per language (nl, fr)")
    collectors: dict[str, dict[str, Entry]] = {}
    for lang, section in raw["collectors"].items():
        if lang not in LANGUAGES:
            raise InputError(path, "unknown collector language", column=f"collectors/{lang}", expected=f"one of {LANGUAGES}")
        questions = (section or {}).get("questions") or {}
        if not isinstance(questions, dict):
            raise InputError(path, "`questions` is not a mapping", column=f"collectors/{lang}/questions",
                             expected="question id -> {text, columns, answers}")
        entries: dict[str, Entry] = {}
        for key, spec in questions.items():
            where = f"collectors/{lang}/questions/{key}"
            try:
                q = codebook[str(key)]
            except KeyError:
                raise InputError(path, "no such question in the codebook", column=where,
                                 expected=f"a question id of {codebook.path.name} (q01...)") from None
            if q.name in entries:
                raise InputError(path, "the question is mapped twice", column=where, expected="one entry per question")
            entries[q.name] = _entry(path, where, q, lang, spec)
        texts = [norm(e.text) for e in entries.values()]
        if len(set(texts)) != len(texts):
            twice = next(e.text for e in entries.values() if texts.count(norm(e.text)) > 1)
            raise InputError(path, "two questions are mapped to one export question", column=f"collectors/{lang}",
                             found=twice, expected="each export question for one codebook question")
        collectors[lang] = entries
    return Mapping(path=path, collectors=collectors)


def _entry(path: Path, where: str, q: Question, lang: str, spec: object) -> Entry:
    if not isinstance(spec, dict) or "text" not in spec:
        raise InputError(path, "a question's entry needs its export text", column=where, found=spec,
                         expected="text: {export: <the export's header>, confidence: ...}")
    keys = {column_key(c) for c in q.kind.columns(lang)}
    answer_keys = {k for _, labels in answer_groups(q, lang) for k in labels}
    columns = {}
    for key, value in (spec.get("columns") or {}).items():
        if str(key) not in keys:
            raise InputError(path, f"no such column of {q.id} ({q.name})", column=f"{where}/columns/{key}",
                             expected=f"one of {sorted(keys)}")
        columns[str(key)] = _export_of(path, value, f"{where}/columns/{key}")
    answers = {}
    for key, value in (spec.get("answers") or {}).items():
        if str(key) not in answer_keys:
            raise InputError(path, f"no such answer of {q.id} ({q.name})", column=f"{where}/answers/{key}",
                             expected=f"one of {sorted(answer_keys)}" if answer_keys else "no answers for this type")
        answers[str(key)] = _export_of(path, value, f"{where}/answers/{key}", nullable=True)
    return Entry(text=_export_of(path, spec["text"], f"{where}/text"), columns=columns, answers=answers)


def _language(path: Path, blocks: list[Block], codebook: Codebook, mapping: Mapping) -> str:
    """The collector's language: the one whose mapped (or codebook) wordings the export's blocks carry most."""
    present = {norm(b.text) for b in blocks}
    scores = {}
    for lang in LANGUAGES:
        entries = mapping.collectors.get(lang, {})
        scores[lang] = sum(norm(entries[q.name].text if q.name in entries else q.text[lang]) in present for q in codebook)
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        raise InputError(path, "not an export of the barometer questionnaire: no question of the codebook or of "
                         f"{mapping.path.name} found", expected=f"question texts of {mapping.path.name} or {codebook.path.name}")
    return best


def _translator(path: Path, column: tuple[str, str], accepted: dict[str, str], passing: set[str], expected: str):
    """Cell text -> the codebook's label; unknown text is refused naming the export's row and column."""
    def translate(row: int, value: object) -> object:
        if value is None or pd.isna(value) or not str(value).strip():
            return value
        key = norm(value)
        if key in accepted:
            return accepted[key]
        if key in passing or key.isdigit():  # a number: a "numerical value" export, read by the codebook's order
            return value
        raise InputError(path, "unknown answer label", row=row, column=f"{column[0]} / {column[1]}", found=value,
                         expected=f"{expected} (as {MAPPING_FILE} maps them)")
    return translate


def _cell_rules(q: Question, lang: str, entry: Entry, column: Column, export_row2: str) -> tuple[dict, set, str] | None:
    """How one column's cells are rewritten: ({export label: codebook label}, texts passed as they are, expected)."""
    key = column_key(column)
    if q.type == "multiple" and column.role == "option":
        label = q.option(column.code).labels[lang]
        return {norm(export_row2): label, norm(label): label}, {"1"}, f"empty, 1 or {export_row2!r}"
    for keys, labels in answer_groups(q, lang):
        if key not in keys:
            continue
        accepted = {}
        for code, label in labels.items():
            export = entry.answers.get(code)
            if export is None:
                accepted.setdefault(norm(label), label)
            else:
                accepted[norm(export)] = label
        shown = [entry.answers.get(c) or labels[c] for c in labels]
        return accepted, set(), "one of " + "; ".join(repr(s) for s in shown)
    return None


@dataclass
class Translation:
    """An export rewritten in the codebook's wording through a mapping, and what was found how."""

    frame: pd.DataFrame  # fixed columns, then the codebook's (question, row-2) headers over the export's cells
    codebook: Codebook
    lang: str
    matched: dict[str, str]  # question name -> "mapping" or "wording"
    unknown: list[str]  # the export's question texts that no question took
    names: dict[str, str]  # the codebook's "question / row-2" -> the export's, to name columns in errors
    column_names: dict[str, str]  # question name -> the export's header, where the mapping found it

    def annotate(self, collector: Collector) -> Collector:
        """Tell the recoded collector how its questions were found, and what the export holds besides."""
        collector.matched = {q.name: self.matched.get(q.name) for q in self.codebook.analytic_questions}
        collector.unknown = list(self.unknown)
        collector.column_names = {**collector.column_names, **self.column_names}
        return collector


@contextmanager
def exported_names(translation: Translation | None):
    """Errors raised inside name the export's own columns, not the codebook's wording they were read as."""
    try:
        yield
    except InputError as err:
        if translation is None or err.column not in translation.names:
            raise
        raise InputError(err.path, err.problem, row=err.row, column=translation.names[err.column],
                         expected=err.expected, found=err.found) from None


def translate(path: Path, df: pd.DataFrame, codebook: Codebook, mapping: Mapping) -> Translation:
    """One export (frame from read_export) in the codebook's wording through a mapping.

    A codebook question without an entry is found by its codebook wording, as without a mapping.
    A question found nowhere is left out (the recoding lists it as missing); a block no question
    takes is unknown (listed, not read). A block's column that neither the codebook nor the
    mapping names is refused: its answers would be lost. Answer labels are rewritten into the
    codebook's; a label the mapping does not know is refused, naming the export's row and column
    (a whole number is left as it is, for a "numerical value" export).
    """
    blocks = export_blocks(df)
    lang = _language(path, blocks, codebook, mapping)
    entries = mapping.collectors.get(lang, {})
    by_text: dict[str, Block] = {}
    for block in blocks:
        by_text.setdefault(norm(block.text), block)
    questions = set(answer_columns(df))
    data = {c: df[c] for c in df.columns if c not in questions}
    names: dict[str, str] = {}
    used: set[int] = set()
    matched: dict[str, str] = {}
    rows = [int(r) for r in df.index]
    for q in codebook:
        entry = entries.get(q.name)
        block = by_text.get(norm(entry.text if entry else q.text[lang]))
        if block is None or block.position in used:
            continue
        used.add(block.position)
        matched[q.name] = "mapping" if entry else "wording"
        row2 = {norm(c[1]): c for c in block.columns}
        taken = set()
        for column in q.kind.columns(lang):
            label = (entry.columns.get(column_key(column)) if entry else None) or column.header[1]
            source = row2.get(norm(label))
            if source is None:
                raise InputError(path, f"a column of {q.id} ({q.name}) is not found", column=f"{block.text} / {label}",
                                 expected=f"a column headed {label!r} in the block {block.text!r}"
                                          + (f" ({mapping.path.name})" if entry else ""))
            taken.add(source)
            names[f"{column.header[0]} / {column.header[1]}"] = f"{source[0]} / {source[1]}"
            values = df[source]
            rules = _cell_rules(q, lang, entry, column, source[1]) if entry else None
            if rules is not None:
                rewrite = _translator(path, source, *rules)
                values = pd.Series([rewrite(r, v) for r, v in zip(rows, values)], index=df.index, dtype="str")
            data[column.header] = values
        extra = [c for c in block.columns if c not in taken]
        if extra:
            raise InputError(path, f"a column of {q.id} ({q.name}) is neither in the codebook nor in {mapping.path.name}",
                             column=f"{extra[0][0]} / {extra[0][1]}",
                             expected=f"only the columns of {q.id}: map it in {mapping.path.name} or delete it")
    frame = pd.DataFrame({i: s for i, s in enumerate(data.values())}, index=df.index)
    frame.columns = pd.MultiIndex.from_tuples(list(data), names=df.columns.names)
    frame.attrs = dict(df.attrs)
    return Translation(
        frame=frame, codebook=codebook, lang=lang, matched=matched, unknown=[b.text for b in blocks if b.position not in used],
        names=names, column_names={q.name: by_text[norm(entries[q.name].text)].text for q in codebook
                                   if matched.get(q.name) == "mapping"})

