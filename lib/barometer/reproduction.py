"""Published against reproduced: every figure of the published summary beside the computed one.

This module (with the synthetic-data generator) is the only code that reads
published_figures.yml. The analysis never does: it computes from the data alone, and this
check says afterwards whether the result matches what was published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from . import chapters, paths

PARTS = chapters.RESEARCH

# Published lists whose order carries no meaning: compared as sets. Every other list is a
# ranking (first = highest) and is compared in order.
UNORDERED = {
    "sample.representative_by",
    "implementation.stakeholder_lower_than_regional",
    "implementation.obstacles_also_named",
    "implementation.awareness_tools_named",
    "implementation.awareness_audiences_first",
    "management.strategic_management_by",
}


def published(path: str | Path = paths.PUBLISHED_FIGURES) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def leaves(tree: dict, prefix: str = "") -> dict[str, object]:
    """Dotted paths of every leaf (a list counts as one leaf)."""
    out = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(leaves(value, f"{full}."))
        else:
            out[full] = value
    return out


def published_leaves(path: str | Path = paths.PUBLISHED_FIGURES) -> dict[str, object]:
    doc = published(path)
    return {k: v for k, v in leaves({p: doc[p] for p in PARTS}).items()}


def oddities(path: str | Path = paths.PUBLISHED_FIGURES) -> list[str]:
    return list(published(path).get("source_oddities", []))


def matches(key: str, expected, computed) -> bool:
    if computed is None:
        return False
    if isinstance(expected, list):
        if not isinstance(computed, list):
            return False
        if key in UNORDERED:
            return sorted(map(str, expected)) == sorted(map(str, computed))
        return [str(e) for e in expected] == [str(c) for c in computed]
    if isinstance(expected, bool) or isinstance(computed, bool):
        return expected is computed
    if isinstance(expected, (int, float)) and isinstance(computed, (int, float)):
        return abs(float(expected) - float(computed)) < 1e-9
    return str(expected) == str(computed)


def table(findings: dict[str, dict], path: str | Path = paths.PUBLISHED_FIGURES) -> pd.DataFrame:
    """One row per published figure: key, published, reproduced, base, rule, match."""
    rows = []
    for key, expected in published_leaves(path).items():
        entry = findings.get(key, {})
        computed = entry.get("value")
        rows.append({
            "key": key, "published": expected, "reproduced": computed, "n": entry.get("n"),
            "unrounded": entry.get("unrounded"), "rule": entry.get("rule"),
            "notebook": entry.get("notebook"), "match": matches(key, expected, computed),
        })
    return pd.DataFrame(rows)
