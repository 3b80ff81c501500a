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


# ---- the appendix for readers: each published figure in the report's words, as the book writes it
#
# A figure's place in published_figures.yml says what it is: ``<chapter>.<figure>[.<part>]``. Its
# short label is a word of the appendix (``reproduction.figures.<chapter>.<figure>``); a part is a
# group of municipalities, an answer of the questionnaire (the question whose codes include every
# code of the figure, found in the codebook) or a word of the appendix (``reproduction.parts``);
# values that are answers are written with their labels in the page's language.

#: Published figures whose label names a size bound (a class of frame.SIZE_BOUNDS), filled in as written.
_SIZE_LABELS = {"sample.over_100k": "gt100k", "sample.over_50k": "50k_100k"}


def _answers(question) -> dict[str, dict[str, str]]:
    """Code -> labels of a question's options, items and project fields' options."""
    options = [*question.options, *question.items, *(o for f in question.fields for o in f.options)]
    return {o.code: o.labels for o in options}


def answer_labels(codes, figure: str, codebook=None) -> dict[str, dict[str, str]] | None:
    """The labels of ``codes`` from the one question of the codebook that has them all.

    Questions of the figure's part come first, and among them the one whose name shares most words
    with the figure's (``operational_management_by`` -> ``operational_management``); None when no
    question has every code.
    """
    from .codebook import load_codebook

    codebook = codebook or load_codebook()
    codes = {str(c) for c in codes}
    part, name = figure.split(".", 1)
    words = set(name.split("_"))
    candidates = [q for q in codebook if codes <= set(_answers(q))]
    if not codes or not candidates:
        return None
    best = max(candidates, key=lambda q: (q.part == part, len(words & set(q.name.split("_")))))
    return _answers(best)


def _figure_of(key: str) -> tuple[str, str]:
    """``perception.concerned_pct.flanders`` -> (``perception.concerned_pct``, ``flanders``)."""
    parts = key.split(".")
    return ".".join(parts[:2]), ".".join(parts[2:])


def reader_tables(findings: dict[str, dict], lang: str, path: str | Path = paths.PUBLISHED_FIGURES
                  ) -> dict[str, pd.DataFrame]:
    """Per chapter, one row per published figure: label, published, reproduced (as the book writes
    them), base and match; the columns are :func:`table`'s ``label``, ``published``, ``reproduced``,
    ``n``, ``match``."""
    from . import fmt
    from .codebook import load_codebook
    from .frame import SIZE_BOUNDS
    from .i18n import catalogue, t

    codebook = load_codebook()
    rows = table(findings, path)
    rows["figure"] = [_figure_of(k)[0] for k in rows["key"]]
    rows["part"] = [_figure_of(k)[1] for k in rows["key"]]
    words = catalogue()

    def codes_of(values) -> set[str]:
        out = set()
        for v in values:
            for x in (v if isinstance(v, list) else [v]):
                if isinstance(x, str):
                    out.add(x)
        return out

    def named(codes: set[str], figure: str, own: str) -> dict[str, str]:
        """Code -> label: groups, the appendix's own words, else the codebook's answers."""
        if not codes:
            return {}
        if all(f"common.groups.{c}" in words for c in codes):
            return {c: t(f"common.groups.{c}", lang) for c in codes}
        if all(f"reproduction.{own}.{c}" in words for c in codes):
            return {c: t(f"reproduction.{own}.{c}", lang) for c in codes}
        labels = answer_labels(codes, figure, codebook)
        if labels is None:
            raise KeyError(f"published figure {figure}: no group, word or question of the codebook names {sorted(codes)}")
        return {c: labels[c][lang] for c in codes}

    def written(key: str, value, labels: dict[str, str]) -> str:
        if value is None:
            return "–"
        if isinstance(value, bool):
            return t(f"reproduction.answer_{'yes' if value else 'no'}", lang)
        if isinstance(value, list):
            if len(value) == 2 and all(isinstance(v, float) for v in value):  # a range of means
                return f"{fmt.number(value[0], lang, 1)}–{fmt.number(value[1], lang, 1)}"
            return t("common.list_separator", lang).join(written(key, v, labels) for v in value)
        if isinstance(value, str):
            return labels.get(value, value)
        if key.endswith("_pct") or "_pct." in key:
            return fmt.percent(value, lang)
        return fmt.number(value, lang, 1 if isinstance(value, float) else 0)

    out: dict[str, pd.DataFrame] = {}
    for chapter, part in rows.groupby(rows["key"].str.split(".").str[0], sort=False):
        shown = []
        for figure, block in part.groupby("figure", sort=False):
            values = named(codes_of([*block["published"], *block["reproduced"]]), figure, "values")
            parts = named(set(block["part"]) - {""}, figure, "parts")
            size = {"k": fmt.number(SIZE_BOUNDS[_SIZE_LABELS[figure]][0], lang)} if figure in _SIZE_LABELS else {}
            label = t(f"reproduction.figures.{figure}", lang, **size)
            for _, row in block.iterrows():
                shown.append({
                    "label": t("reproduction.row_label", lang, figure=label, part=parts[row["part"]]) if row["part"]
                             else label,
                    "published": written(row["key"], row["published"], values),
                    "reproduced": written(row["key"], row["reproduced"], values),
                    "n": "–" if row["n"] is None or row["n"] != row["n"] else fmt.number(row["n"], lang),
                    "match": bool(row["match"]),
                })
        out[chapter] = pd.DataFrame(shown)
    return out
