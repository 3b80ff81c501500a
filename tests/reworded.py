"""Exports worded otherwise than the codebook, made from the synthetic ones in a seeded, documented way.

A real export words the questionnaire its own way. :func:`reword_exports` rewrites each
collector export of a folder as such an export would differ, and returns the truth: which
block, row-2 text and answer label stands for each codebook question, column and answer.
What it does, all drawn from ``random.Random(seed)``:

* **question numbers**: every question text is prefixed with its number in the new export,
  in one style per seed: ``"1. "``, ``"Q1 "`` or ``"Q1. "``;
* **asides dropped**: text in parentheses is removed from question texts ("(maximaal 3 antwoorden)");
* **typos**: a third of the question texts get a typo (two adjacent letters of a long word
  swapped), another third a spelling correction from :data:`SPELLINGS` (or a typo where none applies);
* **options reworded**: for half of the questions with labels, every option, item, scale point,
  project field, field option and "other" label is reworded by :func:`reword_label`, in the
  headers and in the cells alike (SurveyMonkey's own "Response" texts stay);
* **order**: two questions swapped, one question dropped (never the required municipality), and
  one question the codebook does not know (:data:`ADDED`, answered yes/no at random) inserted.

The same choices apply to both collectors (one questionnaire, two languages).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from barometer.align import answer_groups, column_key
from barometer.codebook import Codebook
from barometer.qtypes import OPEN_RESPONSE, RESPONSE
from barometer.recode import detect_language
from barometer.surveymonkey import read_export, write_export

#: Spelling corrections a real export may carry ("typos corrected"), per language: (codebook, export).
SPELLINGS = {
    "nl": [("smart city-", "smartcity"), ("'smart city'", '"smart city"'), ("privéactoren", "private actoren"),
           ("e-mailadres", "emailadres"), ("Smart City Manager", "smartcitymanager")],
    "fr": [("« smart city »", "« Smart City »"), ("smart city", "Smart City"), ("privés", "privé"),
           ("Smart City Manager", "smart city manager")],
}
#: The question the codebook does not know: its text, and its options.
ADDED = {
    "nl": ("Beschikt uw gemeente over een eigen website voor burgers?", ["Ja", "Nee", "Weet niet"]),
    "fr": ("Votre commune dispose-t-elle de son propre site web pour les citoyens ?", ["Oui", "Non", "Ne sait pas"]),
}
_ARTICLES = {"nl": ("de ", "het ", "een "), "fr": ("le ", "la ", "les ", "un ", "une ", "des ", "l'")}
_ASIDE = re.compile(r"\s*\([^()]*\)")
_SCALE = re.compile(r"^(\d+) - (.+)$")
_GENERIC = {RESPONSE, OPEN_RESPONSE}


def reword_label(label: str, lang: str) -> str:
    """A label as another questionnaire might word it; the first rule that applies:

    a scale point "5 - Zeer belangrijk" becomes "5 = zeer belangrijk"; a leading article is
    dropped ("Een vaag concept" -> "Vaag concept"); " en " / " et " becomes " & "; ", "
    becomes " - "; else a full stop is added ("Burgemeester" -> "Burgemeester.").
    """
    if m := _SCALE.match(label):
        return f"{m.group(1)} = {m.group(2)[0].lower()}{m.group(2)[1:]}"
    lowered = label.lower()
    for article in _ARTICLES[lang]:
        if lowered.startswith(article) and len(label) > len(article) + 2:
            rest = label[len(article):]
            return rest[0].upper() + rest[1:]
    joiner = " en " if lang == "nl" else " et "
    if joiner in label:
        return label.replace(joiner, " & ", 1)
    if ", " in label:
        return label.replace(", ", " - ", 1)
    return label + "."


def _typo(text: str, rng: random.Random) -> str:
    """Two adjacent letters of one long word swapped (a different text guaranteed)."""
    words = [m for m in re.finditer(r"[^\W\d_]{6,}", text)]
    for _ in range(20):
        word = rng.choice(words)
        i = rng.randrange(word.start() + 1, word.end() - 2)
        if text[i] != text[i + 1]:
            return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    raise AssertionError(f"no typo possible in {text!r}")


@dataclass
class Truth:
    """What the rewording did to one collector: the export's text for each codebook text."""

    texts: dict[str, str] = field(default_factory=dict)  # question id -> block text
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> column key -> row-2 text
    answers: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> answer key -> label in the cells
    order: list[str] = field(default_factory=list)  # question ids in the new export's order (None: the added one)
    dropped: str = ""
    added: str = ""


@dataclass
class Plan:
    """The seed's choices, the same for every collector."""

    style: str
    dropped: str
    swapped: tuple[str, str]
    reworded: set[str]
    text_edits: dict[str, str]  # question id -> "typo" | "spelling" | ""
    added_at: int
    rng_seed: int


def plan(codebook: Codebook, seed: int) -> Plan:
    rng = random.Random(seed)
    ids = [q.id for q in codebook]
    optional = [q.id for q in codebook if not q.required and not q.personal]
    dropped = rng.choice(optional)
    swapped = tuple(rng.sample([i for i in optional if i != dropped], 2))
    labelled = [q.id for q in codebook if q.type in ("single", "multiple", "matrix", "ranking", "project_list") or q.other]
    reworded = {i for i in labelled if rng.random() < 0.5}
    text_edits = {i: rng.choice(["typo", "spelling", ""]) for i in ids}
    return Plan(style=rng.choice(["{n}. ", "Q{n} ", "Q{n}. "]), dropped=dropped, swapped=swapped, reworded=reworded,
                text_edits=text_edits, added_at=rng.randrange(1, len(ids)), rng_seed=rng.randrange(2**31))


def reword_export(source: Path, target: Path, codebook: Codebook, seed: int, *, wording: bool = True) -> Truth:
    """Rewrite one collector export (see the module docstring); ``wording=False``: order changes only."""
    choices = plan(codebook, seed)
    rng = random.Random(choices.rng_seed)
    df = read_export(source)
    lang = detect_language(source, df, codebook)
    truth = Truth(dropped=choices.dropped)
    order = [q.id for q in codebook if q.id != choices.dropped]
    a, b = (order.index(x) for x in choices.swapped)
    order[a], order[b] = order[b], order[a]
    order.insert(choices.added_at, None)
    columns: list[tuple[str, str]] = []
    cells: dict[tuple[str, str], list] = {}
    for number, qid in enumerate(order, start=1):
        prefix = choices.style.format(n=number) if wording else ""
        if qid is None:
            text, options = ADDED[lang]
            truth.added = prefix + text
            header = (truth.added, RESPONSE)
            columns.append(header)
            cells[header] = [rng.choice(options + [None]) for _ in range(len(df))]
            truth.order.append(None)
            continue
        q = codebook[qid]
        text = q.text[lang]
        if wording:
            text = _ASIDE.sub("", text)
            edit = choices.text_edits[qid]
            if edit == "spelling":
                spelled = text
                for old, new in SPELLINGS[lang]:
                    spelled = spelled.replace(old, new)
                text = spelled if spelled != text else _typo(text, rng)
            elif edit == "typo":
                text = _typo(text, rng)
            text = prefix + text
        truth.texts[qid] = text
        truth.order.append(qid)
        relabel = wording and qid in choices.reworded
        new_labels = _reworded_labels(q, lang, relabel)
        truth.columns[qid], truth.answers[qid] = {}, {}
        groups = {key: labels for keys, labels in answer_groups(q, lang) for key in keys}
        for column in q.kind.columns(lang):
            key = column_key(column)
            row2 = column.header[1] if column.header[1] in _GENERIC else new_labels.get(column.header[1], column.header[1])
            truth.columns[qid][key] = row2
            values = df[column.header]
            rename = {label: new_labels.get(label, label) for label in groups.get(key, {}).values()}
            if q.type == "multiple":
                rename = {column.header[1]: row2}
            header = (text, row2)
            columns.append(header)
            cells[header] = [None if pd.isna(v) else rename.get(v, v) for v in values]
        for _, labels in answer_groups(q, lang):
            truth.answers[qid].update({k: new_labels.get(label, label) for k, label in labels.items()})
    write_export(target, df, columns, [[cells[c][i] for c in columns] for i in range(len(df))])
    return truth


def _reworded_labels(q, lang: str, relabel: bool) -> dict[str, str]:
    """Codebook label -> the export's, for one question (unchanged where rewording would make two alike)."""
    if not relabel:
        return {}
    labels = [c.header[1] for c in q.kind.columns(lang) if c.header[1] not in _GENERIC]
    labels += [label for _, group in answer_groups(q, lang) for label in group.values()]
    new = {label: reword_label(label, lang) for label in dict.fromkeys(labels)}
    if len(set(new.values())) != len(new):
        return {}
    return new


def reword_exports(source: Path, target: Path, codebook: Codebook, seed: int, *, wording: bool = True) -> dict[str, Truth]:
    """Every collector export of ``source`` rewritten into ``target`` (created); the truth per file name."""
    target.mkdir(parents=True, exist_ok=True)
    return {path.name: reword_export(path, target / path.name, codebook, seed, wording=wording)
            for path in sorted(source.glob("*.csv"))}
