"""Page text in Dutch and French: code asks for a key, never holds prose.

Words live in YAML files, each a mapping ``key: {nl: ..., fr: ...}`` (nested mappings give
dotted keys): the shared wording (number formats, group names, common phrases, the book's own
pages) in ``lib/barometer/catalogues/``, and each chapter's words beside its notebook
(``notebooks/<chapter>.yml``), so that editing a chapter's words touches that chapter only.
A key is ``<file stem>.<path>``: ``common.groups.urban``, ``perception.views_top``.

A chapter's ``page`` entries are its Markdown: each Markdown cell of the notebook is one
substitution ``{{ name }}``, which the book fills in the page's language (:func:`page_words`).
Templates use ``str.format`` fields, filled with numbers already formatted for the language.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from . import paths
from .codebook import LANGUAGES
from .fmt import typography


def _flatten(tree: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    out = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) <= set(LANGUAGES) and value:
            missing = [lang for lang in LANGUAGES if lang not in value]
            if missing:
                raise ValueError(f"catalogue key {full!r} lacks {missing}")
            out[full] = value
        elif isinstance(value, dict):
            out.update(_flatten(value, f"{full}."))
        else:
            raise ValueError(f"catalogue key {full!r} is not a {{nl, fr}} mapping")
    return out


def word_files() -> list[Path]:
    """Every file of words: the shared catalogues, then one per chapter beside its notebook."""
    return sorted(paths.CATALOGUES.glob("*.yml")) + sorted(paths.NOTEBOOKS.glob("*.yml"))


@lru_cache(maxsize=None)
def _read(path: Path) -> dict[str, dict[str, str]]:
    tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return _flatten(tree, f"{path.stem}.")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every entry, keyed by file stem and dotted path (``common.groups.urban``)."""
    entries: dict[str, dict[str, str]] = {}
    for path in word_files():
        for key, value in _read(path).items():
            if key in entries:
                raise ValueError(f"catalogue key {key!r} defined twice ({path.name})")
            entries[key] = value
    return entries


def t(key: str, lang: str, **fields) -> str:
    """The text for ``key`` in ``lang``, with ``fields`` filled in."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
    try:
        template = catalogue()[key][lang]
    except KeyError:
        raise KeyError(f"no catalogue entry {key!r}") from None
    return typography(template.format(**fields) if fields else template, lang)


def page_words(chapter: str, lang: str, folder: Path | None = None) -> dict[str, str]:
    """A chapter's Markdown in ``lang``: the MyST substitutions its Markdown cells name."""
    path = (folder or paths.NOTEBOOKS) / f"{chapter}.yml"
    prefix = f"{chapter}.page."
    return {key[len(prefix):]: value[lang] for key, value in _read(path).items() if key.startswith(prefix)}
