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

import pandas as pd

from . import claims, fmt
from .chapters import RESEARCH

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


# ---- reading a findings folder back: the chapters' estimates and tests, and what they say of a claim
#
# The appendices and the conclusion judge the report's claims from what the research chapters wrote
# (``<chapter>.estimates.csv``, ``<chapter>.tests.csv``): they reuse a chapter's test rather than test
# again, and word a size from the calibrated interval by the chapters' rules (barometer.claims).



def _chapter_tables(findings_dir: str | Path, suffix: str, names) -> list[pd.DataFrame]:
    tables = []
    for name in names:
        path = Path(findings_dir) / f"{name}{suffix}"
        if path.exists() and path.stat().st_size:
            table = pd.read_csv(path, keep_default_na=True, dtype={"key": str, "code": str, "by": str,
                                                                   "question": str, "reason": str})
            tables.append(table.assign(chapter=name))
    return tables


def read_estimates(findings_dir: str | Path, chapters=None) -> pd.DataFrame:
    """Every calibrated estimate the research chapters wrote (``<chapter>.estimates.csv``), indexed by key.

    One row per key (``question.code.group.statistic``); a key that two chapters computed (the sample's
    headline figures repeat the other chapters') keeps the row of the first chapter in reading order,
    named in the column ``chapter``. Shares are proportions (0–1), as the files hold them; a chapter
    that wrote no file is left out.
    """
    tables = _chapter_tables(findings_dir, ".estimates.csv", RESEARCH if chapters is None else chapters)
    if not tables:
        return pd.DataFrame(columns=["key", "question", "code", "group", "statistic", "n", "estimate", "se",
                                     "low", "high", "reason", "chapter"]).set_index("key")
    table = pd.concat(tables, ignore_index=True)
    return table.drop_duplicates("key", keep="first").set_index("key")


def read_tests(findings_dir: str | Path, chapters=None) -> pd.DataFrame:
    """Every test behind a research chapter's claim (``<chapter>.tests.csv``), indexed by key.

    The column ``chapter`` names the chapter (its Holm family). A key written by two chapters is an
    error: a claim's test must be found by its key alone.
    """
    tables = _chapter_tables(findings_dir, ".tests.csv", RESEARCH if chapters is None else chapters)
    if not tables:
        return pd.DataFrame(columns=[*claims.Ledger.COLUMNS, "chapter"]).set_index("key")
    table = pd.concat(tables, ignore_index=True)
    twice = table.loc[table["key"].duplicated(), "key"].tolist()
    if twice:
        raise ValueError(f"test keys written by two chapters: {', '.join(twice)}")
    return table.set_index("key")


def tested(tests: pd.DataFrame, key: str):
    """The test ``key`` of :func:`read_tests` as a :class:`barometer.claims.Claim`, or None when no chapter wrote it.

    Its verdict is recomputed from its p-values by the same rule (the Holm-adjusted p where the
    chapter adjusted), so it is the chapter's verdict.
    """
    if key not in tests.index:
        return None
    row = tests.loc[key]

    def number(column):
        value = row.get(column)
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan

    def text(column):
        value = row.get(column)
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)

    return claims.Claim(key=key, claim=text("claim"), question=text("question"), code=text("code"), by=text("by"),
                        test=text("test"), stat=number("stat"), df1=number("df1"), df2=number("df2"), p=number("p"),
                        effect=number("effect"), effect_name=text("effect_name"), family=text("family"),
                        p_adjusted=number("p_adjusted"), reason=text("reason") or None,
                        n=0 if math.isnan(number("n")) else int(number("n")))


def estimate_row(estimates: pd.DataFrame, key: str, *, pct: float = math.nan) -> dict:
    """One estimate of :func:`read_estimates` as the row :meth:`barometer.notebook.Notebook.share` and
    ``score`` take: a share's estimate, SE and interval in % (as analysis tables carry them), a mean as is.

    The respondents' figure is the file's ``pct`` or ``mean`` column where it has one, else ``pct``
    (e.g. :func:`finding_pct` of the finding that quotes it). A key that no chapter wrote gives a row
    without estimate whose reason is ``not_available``.
    """
    if key not in estimates.index:
        return {"pct": pct, "mean": math.nan, "mean_rank": math.nan, "n": 0, "estimate": math.nan, "se": math.nan,
                "low": math.nan, "high": math.nan, "reason": "not_available", "statistic": "", "key": key}
    row = estimates.loc[key]

    def number(column):
        value = row.get(column, math.nan)
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan

    share = row.get("statistic") == "proportion"
    scale = 100.0 if share else 1.0
    reason = row.get("reason")
    own_pct = number("pct")
    return {
        "pct": own_pct if not math.isnan(own_pct) else pct,
        "mean": number("mean"), "mean_rank": number("mean_rank"),
        "n": 0 if math.isnan(number("n")) else int(number("n")),
        **{column: scale * number(column) for column in ("estimate", "se", "low", "high", "bound_low", "bound_high")},
        "reason": None if not isinstance(reason, str) or not reason else reason,
        "statistic": row.get("statistic", ""), "key": key,
    }


def finding_pct(entry: dict | None, *, count: bool = False) -> float:
    """The respondents' share (%) that a finding quotes: its unrounded value, else its value; for a
    ``count`` finding, the count over its base. NaN without a finding."""
    if not entry:
        return math.nan
    if count:
        value, n = entry.get("value"), entry.get("n")
        return 100 * value / n if isinstance(value, (int, float)) and n else math.nan
    value = entry.get("unrounded", entry.get("value"))
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


#: Effects that carry a sign (first minus second, or a mean minus a value): a test of an order.
