"""Page text in Dutch and French, from catalogues: code asks for a key, never holds prose.

Catalogues are the YAML files in ``catalogues/`` (``common.yml`` and one per notebook),
each a mapping ``key: {nl: ..., fr: ...}``; nested mappings give dotted keys. Templates use
``str.format`` fields, filled with numbers already formatted for the language (see fmt).
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from . import paths
from .codebook import LANGUAGES


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


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every catalogue entry, keyed by file stem and dotted path (``common.groups.urban``)."""
    entries: dict[str, dict[str, str]] = {}
    for path in sorted(paths.CATALOGUES.glob("*.yml")):
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries.update(_flatten(tree, f"{path.stem}."))
    return entries


def t(key: str, lang: str, **fields) -> str:
    """The text for ``key`` in ``lang``, with ``fields`` filled in."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
    try:
        template = catalogue()[key][lang]
    except KeyError:
        raise KeyError(f"no catalogue entry {key!r}") from None
    return template.format(**fields) if fields else template
