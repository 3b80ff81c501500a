"""The compendium's figures: one style, a few chart kinds, stable files and book directives.

Every chart of the report is one of a handful of kinds (bars, group comparisons, Likert
distributions, small multiples, region maps), so each kind is drawn here once, in one style,
for both languages. The helpers take every text already translated (codebook, catalogue, fmt):
this module holds no Dutch or French. Outputs must be byte-stable, because nbval compares
notebook outputs and the book ships the files: files carry no timestamp or software version,
SVG ids are salted with a fixed string, and nothing volatile (figure repr, addresses) is displayed.

Readability is a property of the figure as the book shows it: the book shows the SVG at
``SHOWN_PX`` CSS pixels (its natural width, inside the ~690 px content column), so a text of
``s`` points is ``s * SHOWN_PX / (width_in * 72)`` pixels there; every text is at least
``MIN_TEXT_PX``. The image links to itself, so a phone opens it at full size.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
import os
import re
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Patch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, MultipleLocator

from . import paths
from .fmt import typography

STYLE = Path(__file__).with_name("style") / "barometer.mplstyle"
_RC = matplotlib.rc_params_from_file(STYLE, use_default_template=False)

#: CSS pixels at which the book shows a figure: the SVG's natural width (7 in at 96 px/in).
SHOWN_PX = round(_RC["figure.figsize"][0] * 96)
#: The smallest chart text, in CSS pixels, at the shown width.
MIN_TEXT_PX = 12

#: Categorical colours: the style's colour cycle (Okabe & Ito), read from the style so there is one source.
PALETTE: tuple[str, ...] = tuple(to_hex(c) for c in _RC["axes.prop_cycle"].by_key()["color"])

#: 5-point agreement/importance scale, low to high: ColorBrewer BrBG (colour-blind safe) with a light
#: grey neutral that stays visible on white and apart from the light teal under colour-vision deficiencies.
DIVERGING: tuple[str, ...] = ("#8c510a", "#dfc27d", "#e6e6e6", "#5ab4ac", "#01665e")

#: The report's six groups, one Okabe & Ito colour each (all = neutral grey), the same in every figure.
GROUP_COLOURS: dict[str, str] = {
    "all": "#595959",
    "urban": "#cc79a7",
    "rural": "#009e73",
    "flanders": "#e69f00",
    "wallonia": "#d55e00",
    "brussels": "#0072b2",
}

#: Most series one chart tells apart by colour (a legend); beyond it a chart becomes small multiples.
MAX_COLOURS = 4
#: A share on a region map: one light-to-dark blue over the full 0-100 % scale.
SHARE_MAP = LinearSegmentedColormap.from_list("barometer_share", ["#f0f4f8", "#08306b"])

MISSING = "#dddddd"  # municipalities without a value on maps
STAMP_COLOUR = "#a50f15"  # the synthetic-data stamp
NOTE_SIZE = 9.5  # points: footnotes and value labels
NOTE_WIDTH = 94  # characters of a footnote line at NOTE_SIZE across the figure
_LINE = NOTE_SIZE * 1.3 / 72  # inches per footnote line
_INK = "#404040"  # error bars, zero lines, footnotes
_WRAP = 36  # characters per line of a category label
_TICK_LINE = 0.18  # inches per line of a tick label
_SLOT = 0.34  # inches per bar
_LAT = 50.5  # mid-latitude of Belgium: 1 degree of longitude is cos(50.5°) degrees of latitude long

ValueFormat = Callable[[float], str]


# --- style -------------------------------------------------------------------------------


def use_style() -> None:
    """Apply the compendium style to matplotlib, seaborn and (in IPython) the inline backend.

    seaborn's theme comes first and gets the style's rc, then the style file itself, so the file
    wins wherever they disagree. The inline backend drops the PNG "Software" tag (it carries
    matplotlib's version) so that plain ``plt.show()`` outputs are byte-stable too.
    """
    sns.set_theme(context="notebook", style="whitegrid", palette=list(PALETTE), font="DejaVu Sans", rc=dict(_RC))
    plt.style.use(STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.config import InlineBackend
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        InlineBackend.instance(parent=shell).print_figure_kwargs = {
            "bbox_inches": "tight",
            "metadata": {"Software": None},
        }


def _styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw and lay out once under the style, so a helper looks the same even without use_style()."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        with plt.style.context(STYLE):
            fig = draw(*args, **kwargs)
            fig.draw_without_rendering()  # ticks and layout are made now, with the style's rc
        return fig

    return wrapper


def shown_px(fig: Figure, points: float) -> float:
    """The size in CSS pixels of a text of ``points`` once the book shows the figure at SHOWN_PX."""
    return points * SHOWN_PX / (fig.get_figwidth() * 72)


def summary(fig: Figure) -> list[tuple[str, str]]:
    """What the figure shows, largest first: (label, value as written), for an alt text that states it."""
    return list(getattr(fig, "barometer_summary", []))


def _summarise(fig: Figure, labels: Sequence[str], values: Sequence[float], value_fmt: ValueFormat | None) -> None:
    pairs = [(" ".join(str(label).split()), float(v)) for label, v in zip(labels, values) if not pd.isna(v)]
    pairs.sort(key=lambda p: -p[1])
    fig.barometer_summary = [(label, value_fmt(v) if value_fmt else f"{v:g}") for label, v in pairs]


# --- bar charts --------------------------------------------------------------------------


def _wrap(labels: Sequence[str], width: int = _WRAP) -> list[str]:
    return ["\n".join(textwrap.fill(part, width) for part in str(label).split("\n")) for label in labels]


def _lines(text: str) -> int:
    return text.count("\n") + 1


def _note_strip(note: str | None) -> tuple[str | None, float]:
    """The note wrapped to the figure's width, and the height (inches) of its strip."""
    if not note:
        return None, 0.0
    note = "\n".join(textwrap.fill(line, NOTE_WIDTH) for line in note.split("\n"))
    return note, _lines(note) * _LINE + 0.12


def _canvas(height: float, note: str | None) -> tuple[Figure, Figure, plt.Axes]:
    """A figure of the style's width with one Axes, and the footnote in a strip of its own.

    Returns (figure, panel, axes): the panel is the part above the note, where legends go
    ("outside lower center" puts them under the axes, above the note). Constrained layout
    fits everything in the canvas, so files need no cropping.
    """
    fig, panel = _figure(height, note)
    return fig, panel, panel.subplots()


def _figure(height: float, note: str | None) -> tuple[Figure, Figure]:
    width = _RC["figure.figsize"][0]
    note, strip = _note_strip(note)
    fig = plt.figure(figsize=(width, height + strip), layout="constrained")
    panel = fig
    if note:
        panel, foot = fig.subfigures(2, 1, height_ratios=[height, strip])
        foot.text(0.01, 0.5, note, ha="left", va="center", fontsize=NOTE_SIZE, color=_INK)
    return fig, panel


def _bar_height(wrapped: Sequence[str], bars_per_label: int = 1, *, legend: bool = False) -> float:
    """Inches for an Axes of horizontal bars: each label gets its bars' slots or its lines, whichever is more."""
    rows = sum(max(bars_per_label * _SLOT, _lines(label) * _TICK_LINE + 0.1) for label in wrapped)
    return min(max(1.6, rows + 0.75 + (0.45 if legend else 0)), 14)


def _value_labels(ax, y, values, value_fmt: ValueFormat | None, *, above: bool) -> None:
    """Write each value at the end of its bar: beside it, or just above the interval line through it."""
    if value_fmt is None:
        return
    for yi, value in zip(y, values):
        if not np.isnan(value):
            ax.annotate(value_fmt(float(value)), xy=(value, yi), xytext=(3, 1.5 if above else 0),
                        textcoords="offset points", va="bottom" if above else "center", ha="left",
                        fontsize=NOTE_SIZE, gid="value-label")


def _errorbars(ax, y, values, low, high) -> None:
    xerr = np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])
    ax.errorbar(values, y, xerr=xerr, fmt="none", ecolor=_INK, elinewidth=0.9, capsize=3, zorder=3)


def _finish(ax, *, xlabel: str | None, title: str | None, xmin: float = 0.0, xmax: float | None = None) -> None:
    """Axis limits (room for the value labels), x label and title, shared by the bar charts."""
    if xmax is not None and xmax > xmin:
        ax.set_xlim(xmin, xmin + (xmax - xmin) * 1.18)
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)


def _legend(panel, n: int) -> None:
    """The legend under the axes, in one row (a scale's labels are wrapped to fit)."""
    panel.legend(loc="outside lower center", ncols=n, handlelength=1.2, columnspacing=1.0)


@_styled
def hbar(
    values: pd.Series,
    labels: Sequence[str],
    *,
    xlabel: str,
    title: str | None = None,
    note: str | None = None,
    value_fmt: ValueFormat | None = None,
    intervals: tuple[pd.Series, pd.Series] | None = None,
    highlight: Collection | str | None = None,
    colour: str | None = None,
    scale: tuple[float, float] | None = None,
) -> Figure:
    """Horizontal bars in the order given (the caller sorts), first value on top.

    ``labels`` align with ``values``; ``intervals`` is (low, high) indexed like ``values`` and
    drawn as error bars; ``highlight`` holds index keys of bars to draw in the accent colour;
    ``value_fmt`` (e.g. ``lambda v: fmt.percent(v, lang)``) writes values at the bar ends;
    ``note`` (e.g. "n = 113") goes under the chart. ``scale`` (min, max) is the scale of a score
    (a mean on 1-5, a mean rank): its bars start at the scale's minimum and the axis spans it.
    """
    values = pd.Series(values, dtype=float)
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    wrapped = _wrap(labels)
    fig, _, ax = _canvas(_bar_height(wrapped), note)
    ax.tick_params(axis="y", length=0)
    y = np.arange(len(values))
    keys = {highlight} if isinstance(highlight, str) else set(highlight or ())
    colours = [PALETTE[1] if key in keys else (colour or PALETTE[0]) for key in values.index]
    origin = scale[0] if scale else 0.0
    v = values.to_numpy()
    ax.barh(y, v - origin, left=origin, height=0.62 if intervals is not None else 0.7, color=colours)
    ends = v
    if intervals is not None:
        low, high = (pd.Series(s, dtype=float).reindex(values.index).to_numpy() for s in intervals)
        _errorbars(ax, y, v, low, high)
        ends = np.fmax(v, high)
    _value_labels(ax, y, v, value_fmt, above=intervals is not None)
    ax.set_yticks(y, wrapped)
    ax.set_ylim(len(values) - 0.5, -0.5)  # first value on top
    if scale:
        ax.set_xlim(*scale)
        if xlabel:
            ax.set_xlabel(xlabel)
        if title:
            ax.set_title(title)
    else:
        _finish(ax, xlabel=xlabel, title=title, xmax=float(np.nanmax(ends, initial=0)))
    _summarise(fig, labels, v, value_fmt)
    return fig


def ranked_bars(values: pd.Series, labels: Sequence[str], *, rank_numbers: bool = True, **kwargs) -> Figure:
    """Bars of a ranking, best first, labelled "#1 …", "#2 …" (other arguments as :func:`hbar`)."""
    if not rank_numbers:
        return hbar(values, labels, **kwargs)
    fig = hbar(values, [f"#{rank} {label}" for rank, label in enumerate(labels, start=1)], **kwargs)
    _summarise(fig, labels, pd.Series(values, dtype=float).to_numpy(), kwargs.get("value_fmt"))  # words, no "#"
    return fig


def _group_colour(group, j: int) -> str:
    return GROUP_COLOURS.get(group, PALETTE[j % len(PALETTE)])


@_styled
def grouped_hbar(
    table: pd.DataFrame,
    *,
    group_labels: Sequence[str],
    category_labels: Sequence[str],
    xlabel: str,
    value_fmt: ValueFormat | None = None,
    note: str | None = None,
    title: str | None = None,
    intervals: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> Figure:
    """Groups side by side per category (rows = categories top to bottom, columns = groups).

    Columns named after the report's groups ("urban", "flanders", ...) get their GROUP_COLOURS,
    so a region has the same colour in every figure; other columns take the palette in order.
    More than MAX_COLOURS groups are drawn as small multiples instead (:func:`panels`: one panel
    per category, the groups named on each bar). ``intervals`` (low, high) are shaped like ``table``.
    """
    n, k = table.shape
    if len(group_labels) != k or len(category_labels) != n:
        raise ValueError("one label per group (column) and per category (row) is needed")
    if k > MAX_COLOURS:
        return _panels(table, panel_labels=category_labels, bar_labels=group_labels, xlabel=xlabel,
                       value_fmt=value_fmt, note=note, intervals=intervals,
                       colours=[GROUP_COLOURS["all"] if g == "all" else PALETTE[0] for g in table.columns])
    wrapped = _wrap(category_labels)
    fig, panel, ax = _canvas(_bar_height(wrapped, k, legend=True), note)
    ax.tick_params(axis="y", length=0)
    step = k + 0.8  # a category's bars, then a gap
    centres = np.arange(n) * step
    ends = table.to_numpy(dtype=float)
    if intervals is not None:
        ends = np.fmax(ends, intervals[1].reindex(index=table.index, columns=table.columns).to_numpy(dtype=float))
    for j, group in enumerate(table.columns):
        y = centres + j - (k - 1) / 2
        v = table[group].to_numpy(dtype=float)
        ax.barh(y, v, height=0.62 if intervals is not None else 0.75, color=_group_colour(group, j),
                label=group_labels[j])
        if intervals is not None:
            low, high = (t_[group].reindex(table.index).to_numpy(dtype=float) for t_ in intervals)
            ok = ~(np.isnan(v) | np.isnan(low) | np.isnan(high))
            _errorbars(ax, y[ok], v[ok], low[ok], high[ok])
        _value_labels(ax, y, v, value_fmt, above=intervals is not None)
    ax.set_yticks(centres, wrapped)
    ax.set_ylim(centres[-1] + step / 2, centres[0] - step / 2)
    _legend(panel, k)
    _finish(ax, xlabel=xlabel, title=title, xmax=float(np.nanmax(ends, initial=0)))
    _summarise(fig, [f"{c} – {g}" for c in category_labels for g in group_labels],
               table.to_numpy(dtype=float).ravel(), value_fmt)
    return fig


def _panels(values: pd.DataFrame, *, panel_labels: Sequence[str], bar_labels: Sequence[str], xlabel: str,
            value_fmt: ValueFormat | None, note: str | None, colours: Sequence[str],
            intervals: tuple[pd.DataFrame, pd.DataFrame] | None = None, ncols: int = 2) -> Figure:
    """Small multiples: one panel per row of ``values`` (titled), one bar per column, named on the axis.

    All panels share the value axis, so bars compare across panels; no legend is needed.
    """
    n, k = values.shape
    nrows = math.ceil(n / ncols)
    titles = _wrap(panel_labels, 30)
    wrapped = _wrap(bar_labels, 24)
    title_lines = [max(_lines(titles[i]) for i in range(r * ncols, min(n, (r + 1) * ncols))) for r in range(nrows)]
    rows_h = k * max(_SLOT, max(_lines(w) for w in wrapped) * _TICK_LINE)
    height = sum(rows_h + 0.35 + lines * _TICK_LINE for lines in title_lines) + 0.6
    fig, panel = _figure(height, note)
    axes = panel.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False,
                          gridspec_kw={"height_ratios": [rows_h + lines * _TICK_LINE for lines in title_lines]})
    y = np.arange(k)
    ends = values.to_numpy(dtype=float)
    if intervals is not None:
        ends = np.fmax(ends, intervals[1].reindex(index=values.index, columns=values.columns).to_numpy(dtype=float))
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.set_visible(False)
            continue
        v = values.iloc[i].to_numpy(dtype=float)
        ax.barh(y, v, height=0.62 if intervals is not None else 0.7, color=list(colours))
        if intervals is not None:
            low, high = (t_.reindex(index=values.index, columns=values.columns).iloc[i].to_numpy(dtype=float)
                         for t_ in intervals)
            ok = ~(np.isnan(v) | np.isnan(low) | np.isnan(high))
            _errorbars(ax, y[ok], v[ok], low[ok], high[ok])
        _value_labels(ax, y, v, value_fmt, above=intervals is not None)
        ax.set_title(titles[i], fontsize=_RC["font.size"], fontweight="bold", loc="left")
        ax.tick_params(axis="y", length=0)
        ax.set_yticks(y, wrapped)
        ax.set_ylim(k - 0.5, -0.5)
        if i // ncols == nrows - 1 or i + ncols >= n:
            ax.tick_params(axis="x", labelbottom=True)
    axes[0, 0].set_xlim(0, float(np.nanmax(ends, initial=0)) * 1.3 or 1)
    if xlabel:
        panel.supxlabel(xlabel, fontsize=_RC["axes.labelsize"])
    _summarise(fig, [f"{p} – {b}" for p in panel_labels for b in bar_labels], values.to_numpy(dtype=float).ravel(),
               value_fmt)
    return fig


@_styled
def likert_diverging(
    counts: pd.DataFrame,
    *,
    item_labels: Sequence[str],
    scale_labels: Sequence[str],
    note: str | None = None,
    value_fmt: ValueFormat | None = None,
    xlabel: str | None = None,
    title: str | None = None,
    min_label: float = 10.0,
) -> Figure:
    """Stacked % bars per item, centred on the neutral point: half of it left of 0, half right.

    ``counts`` has rows = items, columns = scale values low to high (e.g. 1..5); each row is
    turned into percentages of its own total. Segments of ``min_label`` % or more carry their value.
    The scale is ordered, so its points share one diverging scale read from the legend. Items come
    in the caller's order, highest mean first (their labels carry the mean, which the alt text quotes).
    """
    n, k = counts.shape
    if len(item_labels) != n or len(scale_labels) != k:
        raise ValueError("one label per item (row) and per scale point (column) is needed")
    counts = counts.astype(float).fillna(0)
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0) * 100
    colours = DIVERGING if k == 5 else [to_hex(c) for c in sns.color_palette("BrBG", k)]
    mid = k // 2
    left = -shares.iloc[:, :mid].sum(axis=1).to_numpy()
    if k % 2:
        left -= shares.iloc[:, mid].to_numpy() / 2
    wrapped = _wrap(item_labels)
    fig, panel, ax = _canvas(_bar_height(wrapped, legend=True), note)
    ax.tick_params(axis="y", length=0)
    y = np.arange(n)
    reach = float(max(-left.min(), (left + shares.sum(axis=1).to_numpy()).max(), 1))
    for j, column in enumerate(shares.columns):
        width = shares[column].to_numpy()
        ax.barh(y, width, left=left, height=0.7, color=colours[j], edgecolor="white", linewidth=0.6,
                label=textwrap.fill(str(scale_labels[j]), 13))
        ink = "white" if _dark(colours[j]) else "#262626"
        for yi, x0, w in zip(y, left, width):
            if value_fmt is not None and w >= min_label:
                ax.text(x0 + w / 2, yi, value_fmt(float(w)), ha="center", va="center", fontsize=NOTE_SIZE,
                        color=ink)
        left = left + width
    ax.axvline(0, color=_INK, linewidth=0.8)
    limit = 10 * math.ceil(reach / 10)
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_locator(MultipleLocator(25 if limit > 50 else 10))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: value_fmt(abs(x)) if value_fmt else f"{abs(x):.0f}"))
    ax.set_yticks(y, wrapped)
    ax.set_ylim(n - 0.5, -0.5)
    _legend(panel, k)
    _finish(ax, xlabel=xlabel, title=title)
    fig.barometer_summary = [(" ".join(str(label).split()), "") for label in item_labels]  # in the caller's order
    return fig


def _dark(colour: str) -> bool:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45


@_styled
def stacked_shares(counts, *, item_labels, scale_labels, colours, xlabel, note, value_fmt, min_label=10.0):
    """100% stacked horizontal bars, one per row of ``counts`` (columns in the order given, left to right).

    For a scale mixed with answers off the scale (e.g. "not suitable", "don't know"), which
    :func:`likert_diverging` would wrongly centre. More than MAX_COLOURS answers are drawn as
    small multiples instead (one panel per answer, the rows named on each bar).
    """
    shares = counts.astype(float).div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0) * 100
    if shares.shape[1] > MAX_COLOURS:
        return _panels(shares.T, panel_labels=scale_labels, bar_labels=item_labels, xlabel=xlabel,
                       value_fmt=value_fmt, note=note,
                       colours=[GROUP_COLOURS["all"] if i == 0 else PALETTE[0] for i in range(len(shares))])
    wrapped = _wrap(item_labels)
    fig, panel, ax = _canvas(_bar_height(wrapped, legend=True), note)
    y = np.arange(len(shares))
    left = np.zeros(len(shares))
    for j, column in enumerate(shares.columns):
        width = shares[column].to_numpy()
        ax.barh(y, width, left=left, height=0.7, color=colours[j], edgecolor="white", linewidth=0.6,
                label=textwrap.fill(scale_labels[j], 16))
        ink = "white" if _dark(colours[j]) else "#262626"
        for yi, x0, w in zip(y, left, width):
            if w >= min_label:
                ax.text(x0 + w / 2, yi, value_fmt(float(w)), ha="center", va="center", fontsize=NOTE_SIZE,
                        color=ink)
        left = left + width
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: value_fmt(x)))
    ax.set_yticks(y, wrapped)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(shares) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    _legend(panel, shares.shape[1])
    _summarise(fig, [f"{i} – {s}" for i in item_labels for s in scale_labels], shares.to_numpy().ravel(), value_fmt)
    return fig


# --- maps --------------------------------------------------------------------------------


def _rings(geometry) -> list:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for polygon in polygons for ring in polygon]


@functools.lru_cache(maxsize=2)
def _features(geojson: str) -> list[dict]:
    return json.loads(Path(geojson).read_text(encoding="utf-8"))["features"]


@functools.lru_cache(maxsize=2)
def _shapes(geojson: str) -> dict[str, MplPath]:
    """One compound path (all parts and holes) per municipality, keyed by NIS code, sorted."""
    shapes = {}
    for feature in _features(geojson):
        rings = [MplPath(np.asarray(ring, dtype=float), closed=True) for ring in _rings(feature["geometry"])]
        shapes[str(feature["properties"]["CD_MUNTY_REFNIS"])] = MplPath.make_compound_path(*rings)
    return dict(sorted(shapes.items()))


def _edges(rings) -> Counter:
    """Each segment of the rings, undirected, with the number of rings it belongs to."""
    seen: Counter = Counter()
    for ring in rings:
        points = [tuple(p) for p in ring]
        seen.update(tuple(sorted(pair)) for pair in zip(points, points[1:]) if pair[0] != pair[1])
    return seen


@functools.lru_cache(maxsize=2)
def _region_borders(geojson: str) -> np.ndarray:
    """Segments on a region's edge: those appearing once among the region's municipalities.

    The boundaries were simplified topologically, so neighbours share identical vertices and a
    segment inside a region appears exactly twice: no polygon dissolve is needed.
    """
    by_region: dict[str, list] = defaultdict(list)
    for feature in _features(geojson):
        by_region[feature["properties"]["CD_RGN_REFNIS"]].extend(_rings(feature["geometry"]))
    edges = {seg for rings in by_region.values() for seg, count in _edges(rings).items() if count == 1}
    return np.array(sorted(edges), dtype=float).reshape(-1, 2, 2)


@functools.lru_cache(maxsize=4)
def _dissolved(geojson: str, region_of: tuple[tuple[str, str], ...]) -> dict[str, MplPath]:
    """Each region as one path: its municipalities dissolved into outer rings and holes.

    A segment inside a region belongs to two of its municipalities (shared vertices, see
    :func:`_region_borders`); the segments that belong to one are chained into closed rings,
    oriented counter-clockwise, and clockwise when inside another ring (a hole: Brussels in Flanders).
    """
    regions = dict(region_of)
    rings_of: dict[str, list] = defaultdict(list)
    for feature in _features(geojson):
        code = str(feature["properties"]["CD_MUNTY_REFNIS"])
        if code in regions:
            rings_of[regions[code]].extend(_rings(feature["geometry"]))
    dissolved = {}
    for region, rings in sorted(rings_of.items()):
        links: dict[tuple, list] = defaultdict(list)
        for a, b in (seg for seg, count in _edges(rings).items() if count == 1):
            links[a].append(b)
            links[b].append(a)
        loops = []
        for start in sorted(links):
            while links[start]:
                loop, here = [start], start
                while True:
                    nxt = links[here].pop()
                    links[nxt].remove(here)
                    if nxt == start:
                        break
                    loop.append(nxt)
                    here = nxt
                loops.append(np.asarray(loop + [start], dtype=float))
        paths_ = [MplPath(loop, closed=True) for loop in loops]
        oriented = []
        for i, loop in enumerate(loops):
            inside = sum(paths_[j].contains_point(loop[0]) for j in range(len(loops)) if j != i) % 2
            area = 0.5 * float(np.sum(loop[:-1, 0] * loop[1:, 1] - loop[1:, 0] * loop[:-1, 1]))
            if (area > 0) == bool(inside):  # outer rings counter-clockwise, holes clockwise
                loop = loop[::-1]
            oriented.append(MplPath(loop, closed=True))
        dissolved[region] = MplPath.make_compound_path(*oriented)
    return dissolved


def _map_canvas(note: str | None, height: float = 5.0):
    fig, panel, ax = _canvas(height, note)
    ax.set_aspect(1 / math.cos(math.radians(_LAT)))  # lon/lat degrees to equal ground distances
    ax.set_axis_off()
    return fig, panel, ax


@_styled
def choropleth(
    values: pd.Series,
    *,
    geojson: str | Path = paths.BOUNDARIES_GEOJSON,
    cmap: str | Mapping[str, str] = "viridis",
    legend_label: str = "",
    missing_label: str | None = None,
    categorical: bool = False,
    category_labels: Mapping[str, str] | None = None,
    value_fmt: ValueFormat | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | None = None,
    note: str | None = None,
    region_borders: bool = True,
) -> Figure:
    """Belgium's 589 municipalities coloured by ``values`` (indexed by 5-digit NIS code).

    For values that differ by municipality; a value per region is :func:`region_map`.
    Continuous values get ``cmap`` and a colour bar (ticks through ``value_fmt``); categorical
    values get one palette colour per category, in the order of ``category_labels`` (code ->
    translated label; a mapping ``cmap`` gives the colours). Municipalities without a value are
    light grey, listed in the legend as ``missing_label``. Region borders are drawn on top.
    """
    fig, panel, ax = _map_canvas(note)
    shapes = _shapes(str(geojson))
    values = pd.Series(values)
    values.index = values.index.astype(str)
    unknown = sorted(set(values.index) - set(shapes))
    if unknown:
        raise ValueError(f"values for NIS codes not on the map: {unknown[:5]}")
    values = values.reindex(list(shapes))
    present = values.notna().to_numpy()
    handles = []
    if categorical:
        labels = dict(category_labels) if category_labels else {c: str(c) for c in sorted(values.dropna().unique())}
        colours = dict(cmap) if isinstance(cmap, Mapping) else dict(zip(labels, PALETTE))
        faces = [colours[v] if ok else MISSING for v, ok in zip(values, present)]
        handles = [Patch(facecolor=colours[c], label=label) for c, label in labels.items()]
    else:
        numbers = values.to_numpy(dtype=float)
        norm = Normalize(np.nanmin(numbers) if vmin is None else vmin, np.nanmax(numbers) if vmax is None else vmax)
        colormap = matplotlib.colormaps[cmap]
        faces = [to_hex(colormap(norm(v))) if ok else MISSING for v, ok in zip(numbers, present)]
        bar = panel.colorbar(ScalarMappable(norm=norm, cmap=colormap), ax=ax, shrink=0.6, label=legend_label)
        bar.outline.set_visible(False)
        if value_fmt is not None:
            bar.formatter = FuncFormatter(lambda x, _: value_fmt(x))
    if missing_label and not present.all():
        handles.append(Patch(facecolor=MISSING, label=missing_label))
    polygons = PolyCollection([], facecolors=faces, edgecolors="white", linewidths=0.2)
    polygons.set_verts_and_codes([p.vertices for p in shapes.values()], [p.codes for p in shapes.values()])
    ax.add_collection(polygons, autolim=True)
    if region_borders:
        ax.add_collection(LineCollection(_region_borders(str(geojson)), colors=_INK, linewidths=0.7))
    ax.autoscale_view()
    if handles:
        ax.legend(handles=handles, title=legend_label if categorical else None, loc="lower left",
                  bbox_to_anchor=(0.0, 0.0), frameon=False)
    if title:
        ax.set_title(title)
    return fig


# Where region_map writes each region's label: inside the region (Brussels's beside it, with a leader line).
_REGION_LABELS = {"flanders": (3.45, 51.0), "wallonia": (5.2, 50.3), "brussels": (4.95, 51.22)}
_REGION_POINT = {"brussels": (4.37, 50.84)}


@_styled
def region_map(values_by_region: Mapping[str, float], *, labels: Mapping[str, str] | None = None,
               frame: pd.DataFrame | None = None, value_fmt: ValueFormat | None = None,
               legend_label: str = "", note: str | None = None, title: str | None = None,
               geojson: str | Path = paths.BOUNDARIES_GEOJSON) -> Figure:
    """The three regions ("flanders", "wallonia", "brussels"), each filled by its share (0-100 %).

    Each region is drawn once, its municipalities dissolved, and carries ``labels[region]`` (e.g.
    "Wallonië: 45% (n = 50)"). The colour scale spans the full 0-100 %, so that close shares
    look close; the labels carry the values.
    """
    if frame is None:
        from .frame import load_frame

        frame = load_frame()
    region_of = tuple(sorted(zip(frame["nis_code"].astype(str), frame["region"].astype(str))))
    shapes = _dissolved(str(geojson), region_of)
    fig, panel, ax = _map_canvas(note, 4.6)
    norm = Normalize(0, 100)
    for region, path in shapes.items():
        value = values_by_region.get(region, np.nan)
        face = MISSING if pd.isna(value) else to_hex(SHARE_MAP(norm(float(value))))
        ax.add_patch(PathPatch(path, facecolor=face, edgecolor=_INK, linewidth=0.8, gid=f"region-{region}"))
    ax.autoscale_view()
    bar = panel.colorbar(ScalarMappable(norm=norm, cmap=SHARE_MAP), ax=ax, shrink=0.55, label=legend_label,
                         ticks=[0, 25, 50, 75, 100])
    bar.outline.set_visible(False)
    if value_fmt is not None:
        bar.formatter = FuncFormatter(lambda x, _: value_fmt(x))
    box = {"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
    for region, text in (labels or {}).items():
        if region not in _REGION_LABELS:
            continue
        where = _REGION_LABELS[region]
        arrow = {"arrowstyle": "-", "color": _INK, "linewidth": 0.8} if region in _REGION_POINT else None
        ax.annotate(text, xy=_REGION_POINT.get(region, where), xytext=where, ha="center", va="center",
                    fontsize=_RC["font.size"], color="#262626", bbox=box, arrowprops=arrow)
    if title:
        ax.set_title(title)
    fig.barometer_summary = [(" ".join(text.split()), "") for region, text in
                             sorted((labels or {}).items(), key=lambda kv: -float(values_by_region.get(kv[0], -1)))]
    return fig


# --- the synthetic-data stamp ------------------------------------------------------------


def stamp(fig: Figure, text: str) -> Figure:
    """Mark the figure (every file of it) with ``text``, e.g. "SYNTHETIC DATA", above the chart.

    A figure-level title, so constrained layout keeps room for it; drawn once per figure.
    """
    if getattr(fig, "barometer_stamp", None) != text:
        fig.suptitle(text, x=0.995, ha="right", fontsize=_RC["font.size"], fontweight="bold", color=STAMP_COLOUR,
                     bbox={"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": STAMP_COLOUR,
                           "linewidth": 1.0})
        fig.barometer_stamp = text
    return fig


# --- files and display -------------------------------------------------------------------

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_METADATA = {"png": {"Software": None}, "svg": {"Date": None}}


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes: the same figure gives the same bytes on every run.

    Metadata with timestamps/versions is dropped, and the SVG hash salt and font mode come
    from the style here, not from whatever rcParams are active. The whole canvas is written,
    uncropped: the helpers' layouts already fit it, and a tight crop would re-place legends.
    PNG is written at twice the shown size, so it is sharp on high-density screens.
    """
    _freeze_layout(fig)
    buffer = io.BytesIO()
    rc = {"svg.hashsalt": _RC["svg.hashsalt"], "svg.fonttype": _RC["svg.fonttype"], "savefig.bbox": "standard"}
    with matplotlib.rc_context(rc):
        fig.savefig(buffer, format=fmt, dpi=_RC["savefig.dpi"], facecolor="white", metadata=_METADATA[fmt])
    if fmt == "svg":
        return _stable_clip_ids(buffer.getvalue())
    return buffer.getvalue()


def _freeze_layout(fig: Figure) -> None:
    """Lay the figure out once and keep it, positions rounded to 1e-9 of the figure: constrained
    layout's solver orders its variables by memory address, so its solution differs from run to run in
    the last bits, and the drawn coordinates with it; every format is then drawn from one layout."""
    if fig.get_layout_engine() is None:
        return
    fig.draw_without_rendering()
    for ax in fig.axes:
        ax.set_position([round(v, 9) for v in ax.get_position().bounds])
    for text in fig.texts:
        text.set_position(tuple(round(float(v), 9) for v in text.get_position()))
    fig.set_layout_engine("none")


def _stable_clip_ids(svg: bytes) -> bytes:
    """Number the SVG's clip paths in order of appearance: matplotlib names a clip *path* (not a
    rectangle) after a hash that includes the object's memory address, which changes from run to run."""
    ids: dict[bytes, bytes] = {}
    for found in re.finditer(rb'<clipPath id="(p[0-9a-f]+)"', svg):
        ids.setdefault(found.group(1), b"clip%d" % len(ids))
    if not ids:
        return svg
    return re.sub(rb"\b(" + b"|".join(map(re.escape, ids)) + rb")\b", lambda m: ids[m.group(1)], svg)


def save(fig: Figure, name: str, *, data: pd.DataFrame, figures_dir: str | Path = paths.FIGURES,
         lang: str, notice: str | None = None) -> dict[str, str]:
    """Write ``<figures_dir>/<lang>/<name>.png|.svg|.csv`` (the CSV is the data drawn).

    ``notice`` (the synthetic-data notice) is the CSV's first line, as a ``# `` comment
    (``pandas.read_csv(..., comment="#")`` skips it). Returns the paths relative to
    ``figures_dir`` (POSIX), keyed "png", "svg", "csv".
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"figure name {name!r}: use lower-case letters, digits, '-' and '_'")
    root = Path(figures_dir)
    (root / lang).mkdir(parents=True, exist_ok=True)
    files = {ext: f"{lang}/{name}.{ext}" for ext in ("png", "svg", "csv")}
    for text in fig.findobj(plt.Text):  # French spacing in the drawn words too
        text.set_text(typography(text.get_text(), lang))
    for fmt in ("png", "svg"):
        (root / files[fmt]).write_bytes(render(fig, fmt))
    with open(root / files["csv"], "w", encoding="utf-8", newline="") as out:
        if notice:
            out.write(f"# {' '.join(notice.split())}\n")
        pd.DataFrame(data).to_csv(out, lineterminator="\n")
    return files


def figure_directive(*, image: str, csv: str, name: str, caption: str, alt: str, data_link_text: str,
                     code_link: str, code_link_text: str) -> str:
    """A MyST figure (colon fence), numbered and labelled ``fig-<name>``, with links to its data and code.

    The width is the shown width (CSS caps it at the column on a phone); with a width set, Sphinx
    links the image to itself (``html_scaled_image_link``), so a reader can open it full size.
    """
    one_line = " ".join  # a blank line would end the caption
    # the options as a YAML block, the alt text quoted: a "#" in it would otherwise start a comment
    return (
        f":::{{figure}} {image}\n---\nname: fig-{name}\nalt: {json.dumps(one_line(alt.split()), ensure_ascii=False)}\n"
        f"width: {SHOWN_PX}px\n---\n"
        f"{one_line(caption.split())} {{download}}`{data_link_text} <{csv}>` ·"
        f" {{download}}`{code_link_text} <{code_link}>`\n:::\n"
    )


def show(
    fig: Figure,
    *,
    name: str,
    caption: str,
    alt: str,
    data: pd.DataFrame,
    data_link_text: str,
    code_link: str,
    code_link_text: str,
    book_mode: bool,
    lang: str,
    rel_to: str | Path,
    figures_dir: str | Path = paths.FIGURES,
    notice: str | None = None,
    stamp_text: str | None = None,
) -> None:
    """Put a figure in the notebook's output, then close it.

    ``stamp_text`` is stamped on the image and ``notice`` heads the CSV while the data are synthetic.
    Notebook mode: the image (PNG, with the alt text as its plain-text form instead of the
    size-bearing figure repr) and the caption as Markdown. Book mode: the files are saved and
    the only output is a MyST figure directive of the SVG (rendered by myst-nb with
    ``nb_render_markdown_format: myst`` and the ``colon_fence`` extension), its paths relative
    to ``rel_to``, the folder of the book page. Returns nothing, so no figure repr reaches the cell.
    """
    try:
        if stamp_text:
            stamp(fig, stamp_text)
        if book_mode:
            files = save(fig, name, data=data, figures_dir=figures_dir, lang=lang, notice=notice)
            link = {ext: Path(os.path.relpath(Path(figures_dir) / path, rel_to)).as_posix()
                    for ext, path in files.items()}
            display(Markdown(figure_directive(
                image=link["svg"], csv=link["csv"], name=name, caption=caption, alt=alt,
                data_link_text=data_link_text, code_link=code_link, code_link_text=code_link_text,
            )))
        else:
            png = base64.b64encode(render(fig, "png")).decode("ascii")
            width = round(fig.get_figwidth() * fig.dpi)  # shown at screen size, sharp at savefig dpi
            display({"image/png": png, "text/plain": " ".join(alt.split())}, raw=True,
                    metadata={"image/png": {"width": width}})
            display({"text/markdown": caption, "text/plain": caption}, raw=True)
    finally:
        plt.close(fig)
