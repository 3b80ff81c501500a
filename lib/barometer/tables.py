"""Tables as a report sets them: a numbered caption, text left and numbers right, no break inside a figure.

A chapter's table is a DataFrame of cells already written for the page's language (see
:meth:`barometer.notebook.Notebook.table`). In the book it becomes a MyST ``table`` directive
around a pipe table: Sphinx numbers it ("Tabel 3"), and the column alignment gives every cell a
``text-left``/``text-right`` class. In a notebook it is an HTML table with the same layout. In both,
an interval ("59% [50–67]"), a p-value ("< 0,001") or an effect ("V = 0,21") is held on one line by a
``<span class="nowrap">``; the index becomes ordinary columns, so there is no extra header row.
"""

from __future__ import annotations

import html
import math
import numbers
import re

import pandas as pd

from . import fmt

#: A cell that starts with a number (a p-value's "<" and a sign allowed) is a number: set right.
_NUMBER_START = re.compile(r"^\s*(?:[<>≤≥]\s?)?[−+\-]?\d")
#: What a cell shows for a missing value; it does not decide a column's alignment.
MISSING = "–"
_VALUE = r"[−+\-]?\d[\d.,\u00a0\u202f]*(?:\u202f?%)?(?:/\d+)?"
#: Parts of a cell that must not break across lines: a value with its interval or its degrees of
#: freedom, an interval, a symbol or a name with its value ("V = 0,21", "p < 0,001", "Cohen = 0,22"; a
#: common word before "=" may end a line: "verschil" / "= +0,57"), a bare "< 0,001".
NOWRAP = re.compile(
    rf"{_VALUE}\s\[[^\]\n]*\]"
    rf"|{_VALUE}\s\([\d.,;\s\u00a0\u202f]+\)"
    r"|\[[^\]\n]*\]"
    rf"|(?:(?<![^\s(])(?:[^\s=<>()]{{1,3}}|[A-Z][^\s=<>()]*)\s)?[=<>≤≥]\s?{_VALUE}"
)
#: Line breaks and runs of ordinary spaces (no-break spaces are kept: they are the typography).
_SPACES = re.compile(r"[ \t\r\n]+")
#: Characters that Markdown would read as markup, escaped in a pipe table's cells.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+!|$&~])")


def cells(df: pd.DataFrame, lang: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows as text: the index (named or not) becomes the first column(s).

    A repeated value of an outer index level is shown once, at the top of its block (as a report
    groups rows); pandas' default row numbers are no column. Numbers that are not yet text are written
    for ``lang``; a missing value is "–".
    """
    frame = df.copy()
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
        frame = frame.set_index(frame.columns[0])
    index_names = [name if name is not None else "" for name in frame.index.names]
    frame.columns = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in frame.columns]
    header = index_names + list(frame.columns)
    rows = []
    previous: list[str] = []
    for key, values in zip(frame.index, frame.itertuples(index=False)):
        keys = [_text(k, lang) for k in (key if isinstance(key, tuple) else (key,))]
        shown = [k if i >= len(keys) - 1 or keys[: i + 1] != previous[: i + 1] else ""
                 for i, k in enumerate(keys)]
        previous = keys
        rows.append(shown + [_text(v, lang) for v in values])
    return header, rows


def _text(value, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return fmt.number(int(value), lang)
    if isinstance(value, numbers.Real):
        value = float(value)
        return fmt.number(value, lang) if value.is_integer() else fmt.number(value, lang, 2)
    return _SPACES.sub(" ", str(value)).strip()  # line breaks out; no-break spaces kept


def alignments(header: list[str], rows: list[list[str]]) -> list[str]:
    """``right`` for a column whose every written cell is a number (or "–"), ``left`` for text."""
    out = []
    for j in range(len(header)):
        column = [row[j] for row in rows if row[j] and row[j] != MISSING]
        numeric = bool(column) and all(_NUMBER_START.match(cell) for cell in column)
        out.append("right" if numeric else "left")
    return out


def _spans(text: str, escape) -> str:
    """``text`` with its unbreakable parts in ``<span class="nowrap">``, the rest through ``escape``."""
    out, last = [], 0
    for m in NOWRAP.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(f'<span class="nowrap">{escape(m.group(0))}</span>')
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _md(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def markdown(df: pd.DataFrame, *, name: str, caption: str, lang: str, classes: tuple[str, ...] = ()) -> str:
    """A numbered MyST table: ``table`` directive (caption, label ``name``) around a pipe table."""
    header, rows = cells(df, lang)
    marks = {"left": ":--", "right": "--:"}
    lines = [
        f":::{{table}} {_SPACES.sub(' ', caption).strip()}",
        f":name: {name}",
        f":class: {' '.join(('barometer-table', *classes))}",
        "",
        "| " + " | ".join(_spans(h, _md) for h in header) + " |",
        "|" + "|".join(marks[a] for a in alignments(header, rows)) + "|",
        *("| " + " | ".join(_spans(c, _md) for c in row) + " |" for row in rows),
        ":::",
    ]
    return "\n".join(lines)


def to_html(df: pd.DataFrame, *, caption: str, lang: str, classes: tuple[str, ...] = ()) -> str:
    """The same table as HTML for a notebook (alignment and no-break also inline: no style sheet there)."""
    header, rows = cells(df, lang)
    align = alignments(header, rows)

    def cell(tag: str, text: str, a: str, scope: str = "") -> str:
        scope = f' scope="{scope}"' if scope else ""
        body = _spans(text, html.escape).replace('class="nowrap"', 'class="nowrap" style="white-space: nowrap"')
        return f'<{tag}{scope} class="text-{a}" style="text-align: {a}">{body}</{tag}>'

    head = "".join(cell("th", h, a, "col") for h, a in zip(header, align))
    body = "\n".join("<tr>" + "".join(cell("td", c, a) for c, a in zip(row, align)) + "</tr>" for row in rows)
    return (f'<table class="{" ".join(("barometer-table", *classes))}">\n'
            f"<caption>{html.escape(_SPACES.sub(' ', caption).strip())}</caption>\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>")
