"""The questionnaire as a codebook: one source for question wording, answer codes and labels.

Everything that maps the Dutch and French answers of an export onto stable codes, and
everything that labels a table or a figure in either language, goes through this module.
The codebook file is validated on load, so a typo in it fails loudly, not in a figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from . import paths, qtypes
from .errors import InputError

LANGUAGES = ("nl", "fr")
#: The question types the codebook accepts: those of barometer.qtypes.
TYPES = tuple(qtypes.TYPES)


@dataclass(frozen=True)
class Option:
    """An answer option, a matrix or ranking item, or a scale point."""

    code: str
    labels: dict[str, str]
    value: int | None = None

    def label(self, lang: str) -> str:
        return self.labels[lang]


@dataclass(frozen=True)
class Field:
    """One field of a project-list slot (e.g. the project's dimension)."""

    name: str
    type: str
    labels: dict[str, str]
    options: tuple[Option, ...] = ()

    def label(self, lang: str) -> str:
        return self.labels[lang]

    def option(self, code: str) -> Option:
        return _by_code(self.options, code, self.name)


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire, with what is needed to read and label its answers."""

    id: str
    name: str
    part: str
    type: str
    text: dict[str, str]
    options: tuple[Option, ...] = ()
    items: tuple[Option, ...] = ()
    scale: tuple[Option, ...] = ()
    scale_name: str | None = None
    fields: tuple[Field, ...] = ()
    slots: int = 0
    slot_label: dict[str, str] = field(default_factory=dict)
    other: dict[str, str] | None = None
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_choices: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    personal: bool = False
    required: bool = False
    applies_if: dict[str, tuple[str, ...]] = field(default_factory=dict)
    actor_group: str | None = None

    def label(self, lang: str) -> str:
        return self.text[lang]

    @cached_property
    def kind(self) -> qtypes.QuestionType:
        """The question's type bound to it: its columns, decoding, SPSS variables and tidy table."""
        return qtypes.of(self)

    def option(self, code: str) -> Option:
        return _by_code(self.options, code, self.name)

    def item(self, code: str) -> Option:
        return _by_code(self.items, code, self.name)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}: no field {name!r}")

    @property
    def codes(self) -> list[str]:
        return [o.code for o in self.options]

    @property
    def item_codes(self) -> list[str]:
        return [o.code for o in self.items]

    def slot_text(self, n: int, lang: str) -> str:
        return self.slot_label[lang].format(n=n)


def _by_code(options, code, where):
    for o in options:
        if o.code == code:
            return o
    raise KeyError(f"{where}: no option {code!r}")


@dataclass(frozen=True)
class Codebook:
    """The whole questionnaire: metadata, parts and questions in order."""

    meta: dict
    parts: dict[str, dict[str, str]]
    questions: tuple[Question, ...]
    path: Path

    def __getitem__(self, key: str) -> Question:
        """A question by its name (``concerned``) or its id (``q09``)."""
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(f"no question {key!r} in the codebook") from None

    def __iter__(self):
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    @cached_property
    def _index(self) -> dict[str, Question]:
        index = {q.name: q for q in self.questions}
        index.update({q.id: q for q in self.questions})
        return index

    def in_part(self, part: str) -> list[Question]:
        return [q for q in self.questions if q.part == part]

    @property
    def analytic_questions(self) -> list[Question]:
        """Questions whose answers are kept (personal ones are not)."""
        return [q for q in self.questions if not q.personal]

    def part_label(self, part: str, lang: str) -> str:
        return self.parts[part][lang]

    def labels(self, lang: str) -> set[str]:
        """Every label text of one language: used to check that no other language leaks."""
        out: set[str] = set()
        for q in self.questions:
            out.add(q.text[lang])
            for o in (*q.options, *q.items, *q.scale):
                out.add(o.labels[lang])
            for f in q.fields:
                out.add(f.labels[lang])
                out.update(o.labels[lang] for o in f.options)
        return out


# ------------------------------------------------------------------ loading and validation


def _texts(raw: dict, where: str, path: Path) -> dict[str, str]:
    out = {}
    for lang in LANGUAGES:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise InputError(path, f"{where}: missing or non-text {lang} label",
                             expected=f"a non-empty {lang} text", found=value)
        out[lang] = value
    return out


def _options(raw_list, where: str, path: Path, *, allowed=("code", "nl", "fr", "value")) -> tuple[Option, ...]:
    if not isinstance(raw_list, list) or not raw_list:
        raise InputError(path, f"{where}: expected a non-empty list of options", found=raw_list)
    seen: set[str] = set()
    options = []
    for i, raw in enumerate(raw_list, start=1):
        if not isinstance(raw, dict):
            raise InputError(path, f"{where}: option {i} is not a mapping", found=raw)
        extra = set(raw) - set(allowed)
        if extra:
            raise InputError(path, f"{where}: option {i} has unknown keys {sorted(map(str, extra))}"
                             " (an unquoted comma inside a label?)", expected=f"only {list(allowed)}")
        code = raw.get("code", raw.get("value"))
        if code is None:
            raise InputError(path, f"{where}: option {i} has no code")
        code = str(code)
        if not re.fullmatch(r"[a-z0-9_]+", code):
            raise InputError(path, f"{where}: option code {code!r} is not snake_case")
        if code in seen:
            raise InputError(path, f"{where}: duplicate option code {code!r}")
        seen.add(code)
        for lang in LANGUAGES:
            if isinstance(raw.get(lang), (int, float)):
                raw = {**raw, lang: str(raw[lang])}
        options.append(Option(code=code, labels=_texts(raw, f"{where}/{code}", path),
                              value=raw.get("value")))
    for lang in LANGUAGES:
        labels = [o.labels[lang] for o in options]
        if len(set(labels)) != len(labels):
            raise InputError(path, f"{where}: two options share a {lang} label", found=labels)
    return tuple(options)


def _question(raw: dict, scales: dict, parts: dict, path: Path) -> Question:
    qid = raw.get("id", "?")
    where = f"question {qid}"
    qtype = raw.get("type")
    if qtype not in qtypes.TYPES:
        raise InputError(path, f"{where}: unknown type", expected=f"one of {tuple(qtypes.TYPES)}", found=qtype)
    needs = qtypes.TYPES[qtype].needs
    if raw.get("part") not in parts:
        raise InputError(path, f"{where}: unknown part", expected=f"one of {list(parts)}", found=raw.get("part"))
    kwargs: dict = dict(
        id=qid, name=raw["name"], part=raw["part"], type=qtype, text=_texts(raw, where, path),
        personal=bool(raw.get("personal", False)), required=bool(raw.get("required", False)),
        max_choices=raw.get("max_choices"), minimum=raw.get("min"), maximum=raw.get("max"),
        actor_group=raw.get("actor_group"),
        applies_if={k: tuple(str(c) for c in v) for k, v in (raw.get("applies_if") or {}).items()},
    )
    if raw.get("other"):
        kwargs["other"] = _texts(raw["other"], f"{where}/other", path)
    if "options" in needs:
        kwargs["options"] = _options(raw.get("options"), where, path)
    if "items" in needs:
        kwargs["items"] = _options(raw.get("items"), where, path, allowed=("code", "nl", "fr"))
    if "scale" in needs:
        name = raw.get("scale")
        if name not in scales:
            raise InputError(path, f"{where}: unknown scale", expected=f"one of {list(scales)}", found=name)
        kwargs["scale"], kwargs["scale_name"] = scales[name], name
    if "range" in needs and (kwargs["minimum"] is None or kwargs["maximum"] is None):
        raise InputError(path, f"{where}: a {qtype} question needs min and max")
    if "slots" in needs:
        kwargs["slots"] = int(raw["slots"])
        kwargs["slot_label"] = _texts(raw["slot_label"], f"{where}/slot_label", path)
        fields = []
        for f in raw["fields"]:
            opts = _options(f["options"], f"{where}/{f['name']}", path) if f["type"] == "single" else ()
            fields.append(Field(name=f["name"], type=f["type"], labels=_texts(f, f"{where}/{f['name']}", path),
                                options=opts))
        kwargs["fields"] = tuple(fields)
    groups = raw.get("groups") or {}
    codes = {o.code for o in kwargs.get("options", ())}
    for gname, members in groups.items():
        unknown = set(members) - codes
        if unknown:
            raise InputError(path, f"{where}: group {gname!r} names unknown codes {sorted(unknown)}")
    kwargs["groups"] = {g: tuple(m) for g, m in groups.items()}
    return Question(**kwargs)


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime: float) -> Codebook:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    if not isinstance(raw, dict) or "questions" not in raw:
        raise InputError(path, "not a codebook", expected="a YAML mapping with meta, scales, parts, questions")
    scales = {name: _options(opts, f"scale {name}", path, allowed=("value", "nl", "fr"))
              for name, opts in (raw.get("scales") or {}).items()}
    parts = {p["id"]: _texts(p, f"part {p.get('id')}", path) for p in raw["parts"]}
    questions = tuple(_question(q, scales, parts, path) for q in raw["questions"])
    for attr in ("id", "name"):
        values = [getattr(q, attr) for q in questions]
        dupes = {v for v in values if values.count(v) > 1}
        if dupes:
            raise InputError(path, f"duplicate question {attr}s {sorted(dupes)}")
    texts = [q.text[lang] for q in questions for lang in LANGUAGES]
    if len(set(texts)) != len(texts):
        raise InputError(path, "two questions share a wording; exports are matched by wording")
    declared = raw.get("meta", {}).get("questions")
    if declared is not None and declared != len(questions):
        raise InputError(path, f"meta says {declared} questions but {len(questions)} are listed")
    for q in questions:
        for other in q.applies_if:
            if other not in {x.id for x in questions}:
                raise InputError(path, f"question {q.id}: applies_if names unknown question {other}")
    return Codebook(meta=raw.get("meta", {}), parts=parts, questions=questions, path=path)


def load_codebook(path: str | Path = paths.CODEBOOK) -> Codebook:
    """Load and validate the codebook (cached until the file changes)."""
    path = Path(path).resolve()
    if not path.exists():
        raise InputError(path, "codebook file not found")
    return _load_cached(path, path.stat().st_mtime)
