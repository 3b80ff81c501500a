"""Record each figure the report quotes: glued for the book and written to a findings file.

One call per figure, keyed by its dotted path in published_figures.yml (e.g.
``perception.concerned_pct.flanders``). The findings file
``<findings_dir>/<notebook>.json`` is what the reproduction check and the tests read;
the glue is what the book's pages quote. Values are plain Python types (myst-nb renders
numpy scalars badly), rounded as the report rounds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from . import fmt

try:  # glue is only meaningful inside a kernel; the library works without myst-nb too
    from myst_nb import glue as _glue
except ImportError:  # pragma: no cover
    _glue = None


def _plain(value):
    """numpy scalars and tuples to plain JSON-able Python values."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def glue_text(key: str, value) -> None:
    """Glue a value for the book's pages, silently outside a kernel with myst-nb."""
    if _glue is not None:
        _glue(key, value, display=False)


def glue_name(key: str) -> str:
    """The glue key of a finding (dots are kept: myst-nb accepts them in keys)."""
    return key


class Findings:
    """The figures one notebook quotes, written to ``<findings_dir>/<notebook>.json``."""

    def __init__(self, notebook: str, findings_dir: str | Path, *, lang: str | None = None, glue: bool = True) -> None:
        self.notebook = notebook
        self.lang = lang
        self.path = Path(findings_dir) / f"{notebook}.json"
        self.glue = glue and _glue is not None
        self.values: dict[str, dict] = {}

    def record(self, key: str, value, *, n: int | None = None, unrounded=None, rule: str | None = None,
               text: str | None = None, **extra) -> dict:
        """Record one finding, glued as ``key`` (plain value) and ``key + '.text'`` (as the page writes it).

        ``text`` overrides the written form; by default numbers are formatted for the page's
        language (``_pct`` keys as percentages, floats with one decimal).
        """
        entry = {"value": _plain(value), "n": _plain(n)}
        if unrounded is not None and _plain(unrounded) != entry["value"]:
            entry["unrounded"] = _plain(unrounded)
        if rule:
            entry["rule"] = rule
        entry.update({k: _plain(v) for k, v in extra.items()})
        self.values[key] = entry
        if self.glue:
            plain = entry["value"]
            glue_text(glue_name(key), plain if not isinstance(plain, list) else ", ".join(map(str, plain)))
            text = text if text is not None else self._written(key, plain)
            if text is not None:
                glue_text(glue_name(key) + ".text", text)
        self.write()
        return entry

    def _written(self, key: str, value) -> str | None:
        if self.lang is None or isinstance(value, (bool, list, str)) or value is None:
            return None
        if key.endswith("_pct") or "_pct." in key:
            return fmt.percent(value, self.lang)
        return fmt.number(value, self.lang, 1 if isinstance(value, float) else 0)

    def write(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(dict(sorted(self.values.items())), ensure_ascii=False, indent=1, sort_keys=True)
        self.path.write_text(payload + "\n", encoding="utf-8")
        return self.path

    def __getitem__(self, key: str):
        return self.values[key]["value"]


def read_findings(findings_dir: str | Path) -> dict[str, dict]:
    """All findings of a folder, merged (keys are unique across notebooks)."""
    merged: dict[str, dict] = {}
    for path in sorted(Path(findings_dir).glob("*.json")):
        for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"finding {key!r} recorded by two notebooks ({path.name})")
            merged[key] = {**entry, "notebook": path.stem}
    return merged
