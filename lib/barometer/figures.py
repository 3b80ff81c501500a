"""The compendium's figures: one style, a few chart kinds, stable files and book directives.

Every chart of the report is one of a handful of kinds (bars, group comparisons, Likert
distributions, rankings, maps), so each kind is drawn here once, in one style, for both
languages. The helpers take every text already translated (codebook, catalogue, fmt): this
module holds no Dutch or French. Outputs must be byte-stable, because nbval compares notebook
outputs and the book ships the files: files carry no timestamp or software version, SVG ids
are salted with a fixed string, and nothing volatile (figure repr, addresses) is displayed.
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
from collections import Counter
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
from matplotlib.colors import Normalize, to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, MultipleLocator

from . import paths

STYLE = Path(__file__).with_name("style") / "barometer.mplstyle"
_RC = matplotlib.rc_params_from_file(STYLE, use_default_template=False)

#: Categorical colours: the style's colour cycle (Okabe & Ito), read from the style so there is one source.
PALETTE: tuple[str, ...] = tuple(to_hex(c) for c in _RC["axes.prop_cycle"].by_key()["color"])

#: 5-point agreement/importance scale, low to high: ColorBrewer BrBG (colour-blind safe) with a
#: light grey neutral instead of BrBG's near-white, so the neutral segment stays visible on white.
DIVERGING: tuple[str, ...] = ("#a6611a", "#dfc27d", "#d4d4d4", "#80cdc1", "#018571")

#: The report's six groups, one Okabe & Ito colour each (all = neutral grey), the same in every figure.
GROUP_COLOURS: dict[str, str] = {
    "all": "#595959",
    "urban": "#cc79a7",
    "rural": "#009e73",
    "flanders": "#e69f00",
    "wallonia": "#d55e00",
    "brussels": "#0072b2",
}

MISSING = "#dddddd"  # municipalities without a value on maps
NOTE_WIDTH = 115  # characters of a footnote line at 8 pt across the figure
_INK = "#404040"  # error bars, zero lines, footnotes
_WRAP = 40  # characters per line of a category label
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


# --- bar charts --------------------------------------------------------------------------


def _wrap(labels: Sequence[str]) -> list[str]:
    return [textwrap.fill(str(label), _WRAP) for label in labels]


def _canvas(height: float, note: str | None) -> tuple[Figure, Figure, plt.Axes]:
    """A figure of the style's width with one Axes, and the footnote in a strip of its own.

    Returns (figure, panel, axes): the panel is the part above the note, where legends go
    ("outside lower center" puts them under the axes, above the note). Constrained layout
    fits everything in the canvas, so files need no cropping.
    """
    width = _RC["figure.figsize"][0]
    if note:
        note = "\n".join(textwrap.fill(line, NOTE_WIDTH) for line in note.split("\n"))
    strip = (note.count("\n") + 1) * 10 / 72 + 0.12 if note else 0  # 8 pt text on 10 pt lines
    fig = plt.figure(figsize=(width, height + strip), layout="constrained")
    panel = fig
    if note:
        panel, foot = fig.subfigures(2, 1, height_ratios=[height, strip])
        foot.text(0.01, 0.5, note, ha="left", va="center", fontsize=8, color=_INK)
    return fig, panel, panel.subplots()


def _bar_canvas(wrapped: Sequence[str], note: str | None, per_bar: float = 1.0):
    """A canvas tall enough for the bars and their wrapped labels: equally thick bars everywhere."""
    lines = sum(0.12 * (label.count("\n") + 1) + 0.2 * per_bar for label in wrapped)
    fig, panel, ax = _canvas(min(max(2.4, 1.3 + lines), 11), note)
    ax.tick_params(axis="y", length=0)
    return fig, panel, ax


def _value_labels(ax, y, values, ends, value_fmt: ValueFormat | None) -> None:
    """Write each value just past the end of its bar (or of its interval)."""
    if value_fmt is None:
        return
    for yi, value, end in zip(y, values, ends):
        if not np.isnan(value):
            ax.annotate(value_fmt(float(value)), xy=(end, yi), xytext=(3, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=8.5)


def _finish(ax, *, xlabel: str | None, title: str | None, xmax: float | None = None) -> None:
    """Axis limits (room for the value labels), x label and title, shared by the bar charts."""
    if xmax is not None and xmax > 0:
        ax.set_xlim(0, xmax * 1.15)
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)


def _legend(panel, n: int) -> None:
    """The legend under the axes, in one row when it fits (three entries a row beyond four)."""
    panel.legend(loc="outside lower center", ncols=n if n <= 4 else 3,
                 handlelength=1.2, columnspacing=1.2)


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
) -> Figure:
    """Horizontal bars in the order given (the caller sorts), first value on top.

    ``labels`` align with ``values``; ``intervals`` is (low, high) indexed like ``values`` and
    drawn as error bars; ``highlight`` holds index keys of bars to draw in the accent colour;
    ``value_fmt`` (e.g. ``lambda v: fmt.percent(v, lang)``) writes values at the bar ends;
    ``note`` (e.g. "n = 113") goes under the chart.
    """
    values = pd.Series(values, dtype=float)
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    wrapped = _wrap(labels)
    fig, _, ax = _bar_canvas(wrapped, note)
    y = np.arange(len(values))
    keys = {highlight} if isinstance(highlight, str) else set(highlight or ())
    colours = [PALETTE[1] if key in keys else (colour or PALETTE[0]) for key in values.index]
    ends, xerr = values.to_numpy(), None
    if intervals is not None:
        low, high = (pd.Series(s, dtype=float).reindex(values.index).to_numpy() for s in intervals)
        xerr = np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])
        ends = np.fmax(ends, high)
    ax.barh(y, values.to_numpy(), height=0.7, color=colours, xerr=xerr,
            error_kw={"ecolor": _INK, "elinewidth": 0.9, "capsize": 2.5})
    _value_labels(ax, y, values.to_numpy(), ends, value_fmt)
    ax.set_yticks(y, wrapped)
    ax.set_ylim(len(values) - 0.5, -0.5)  # first value on top
    _finish(ax, xlabel=xlabel, title=title, xmax=float(np.nanmax(ends, initial=0)))
    return fig


def ranked_bars(values: pd.Series, labels: Sequence[str], *, rank_numbers: bool = True, **kwargs) -> Figure:
    """Bars of a ranking, best first, labelled "#1 …", "#2 …" (other arguments as :func:`hbar`)."""
    if rank_numbers:
        labels = [f"#{rank} {label}" for rank, label in enumerate(labels, start=1)]
    return hbar(values, labels, **kwargs)


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
) -> Figure:
    """Groups side by side per category (rows = categories top to bottom, columns = groups).

    Columns named after the report's groups ("urban", "flanders", ...) get their GROUP_COLOURS,
    so a region has the same colour in every figure; other columns take the palette in order.
    """
    n, k = table.shape
    if len(group_labels) != k or len(category_labels) != n:
        raise ValueError("one label per group (column) and per category (row) is needed")
    wrapped = _wrap(category_labels)
    fig, panel, ax = _bar_canvas(wrapped, note, per_bar=0.45 * k + 0.3)
    height = 0.8 / k
    for j, group in enumerate(table.columns):
        y = np.arange(n) + (j - (k - 1) / 2) * height
        v = table[group].to_numpy(dtype=float)
        ax.barh(y, v, height=height * 0.9, color=GROUP_COLOURS.get(group, PALETTE[j % len(PALETTE)]),
                label=group_labels[j])
        _value_labels(ax, y, v, v, value_fmt)
    ax.set_yticks(np.arange(n), wrapped)
    ax.set_ylim(n - 0.5, -0.5)
    _legend(panel, k)
    _finish(ax, xlabel=xlabel, title=title, xmax=float(np.nanmax(table.to_numpy(dtype=float), initial=0)))
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
    min_label: float = 8.0,
) -> Figure:
    """Stacked % bars per item, centred on the neutral point: half of it left of 0, half right.

    ``counts`` has rows = items, columns = scale values low to high (e.g. 1..5); each row is
    turned into percentages of its own total. Segments of ``min_label`` % or more carry their value.
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
    fig, panel, ax = _bar_canvas(wrapped, note)
    y = np.arange(n)
    reach = float(max(-left.min(), (left + shares.sum(axis=1).to_numpy()).max(), 1))
    for j, column in enumerate(shares.columns):
        width = shares[column].to_numpy()
        ax.barh(y, width, left=left, height=0.7, color=colours[j], edgecolor="white", linewidth=0.6,
                label=textwrap.fill(str(scale_labels[j]), 14))
        ink = "white" if _dark(colours[j]) else "#262626"
        for yi, x0, w in zip(y, left, width):
            if value_fmt is not None and w >= min_label:
                ax.text(x0 + w / 2, yi, value_fmt(float(w)), ha="center", va="center", fontsize=8, color=ink)
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
    return fig


def _dark(colour: str) -> bool:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45


# --- maps --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _shapes(geojson: str) -> dict[str, MplPath]:
    """One compound path (all parts and holes) per municipality, keyed by NIS code, sorted."""
    data = json.loads(Path(geojson).read_text(encoding="utf-8"))
    shapes = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = [MplPath(np.asarray(ring, dtype=float), closed=True) for polygon in polygons for ring in polygon]
        shapes[str(feature["properties"]["CD_MUNTY_REFNIS"])] = MplPath.make_compound_path(*rings)
    return dict(sorted(shapes.items()))


@functools.lru_cache(maxsize=2)
def _region_borders(geojson: str) -> np.ndarray:
    """Segments on a region's edge: those appearing once among the region's municipalities.

    The boundaries were simplified topologically, so neighbours share identical vertices and a
    segment inside a region appears exactly twice: no polygon dissolve is needed.
    """
    data = json.loads(Path(geojson).read_text(encoding="utf-8"))
    segments: dict[str, Counter] = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        seen = segments.setdefault(feature["properties"]["CD_RGN_REFNIS"], Counter())
        for ring in (ring for polygon in polygons for ring in polygon):
            points = [tuple(p) for p in ring]
            seen.update(tuple(sorted(pair)) for pair in zip(points, points[1:]))
    edges = {seg for seen in segments.values() for seg, count in seen.items() if count == 1}
    return np.array(sorted(edges), dtype=float).reshape(-1, 2, 2)


def _map_canvas(note: str | None):
    fig, panel, ax = _canvas(5.2, note)
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


# Where region_map writes each region's value: inside the region, clear of the others.
_REGION_ANCHORS = {"flanders": (3.9, 51.1), "wallonia": (5.1, 50.2), "brussels": (4.37, 50.84)}


@_styled
def region_map(values_by_region: Mapping[str, float], *, frame: pd.DataFrame | None = None,
               value_fmt: ValueFormat | None = None, **kwargs) -> Figure:
    """Each municipality coloured by its region's value ("flanders", "wallonia", "brussels").

    With ``value_fmt`` the value is also written on each region. Other arguments as :func:`choropleth`.
    """
    if frame is None:
        from .frame import load_frame

        frame = load_frame()
    regions = frame["region"].astype(str).to_numpy()
    values = pd.Series([values_by_region.get(r, np.nan) for r in regions], index=frame["nis_code"].to_numpy())
    fig = choropleth(values, value_fmt=value_fmt, **kwargs)
    if value_fmt is not None:
        ax = fig.axes[0]
        for region, value in values_by_region.items():
            if region in _REGION_ANCHORS and not pd.isna(value):
                ax.text(*_REGION_ANCHORS[region], value_fmt(float(value)), ha="center", va="center",
                        fontsize=9, fontweight="bold", color="#262626",
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    return fig


# --- files and display -------------------------------------------------------------------

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_METADATA = {"png": {"Software": None}, "svg": {"Date": None}}


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes: the same figure gives the same bytes on every run.

    Metadata with timestamps/versions is dropped, and the SVG hash salt and font mode come
    from the style here, not from whatever rcParams are active. The whole canvas is written,
    uncropped: the helpers' layouts already fit it, and a tight crop would re-place legends.
    """
    buffer = io.BytesIO()
    rc = {"svg.hashsalt": _RC["svg.hashsalt"], "svg.fonttype": _RC["svg.fonttype"], "savefig.bbox": "standard"}
    with matplotlib.rc_context(rc):
        fig.savefig(buffer, format=fmt, dpi=_RC["savefig.dpi"], facecolor="white", metadata=_METADATA[fmt])
    return buffer.getvalue()


def save(fig: Figure, name: str, *, data: pd.DataFrame, figures_dir: str | Path = paths.FIGURES,
         lang: str) -> dict[str, str]:
    """Write ``<figures_dir>/<lang>/<name>.png|.svg|.csv`` (the CSV is the data drawn).

    Returns the paths relative to ``figures_dir`` (POSIX), keyed "png", "svg", "csv".
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"figure name {name!r}: use lower-case letters, digits, '-' and '_'")
    root = Path(figures_dir)
    (root / lang).mkdir(parents=True, exist_ok=True)
    files = {ext: f"{lang}/{name}.{ext}" for ext in ("png", "svg", "csv")}
    for fmt in ("png", "svg"):
        (root / files[fmt]).write_bytes(render(fig, fmt))
    pd.DataFrame(data).to_csv(root / files["csv"], encoding="utf-8", lineterminator="\n")
    return files


def figure_directive(*, image: str, csv: str, name: str, caption: str, alt: str, data_link_text: str,
                     code_link: str, code_link_text: str) -> str:
    """A MyST figure (colon fence) with the caption and links to the data and the code."""
    one_line = " ".join  # a blank line would end the caption, a newline in :alt: the option
    return (
        f":::{{figure}} {image}\n:name: fig-{name}\n:alt: {one_line(alt.split())}\n\n"
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
) -> None:
    """Put a figure in the notebook's output, then close it.

    Notebook mode: the image (PNG, with the alt text as its plain-text form instead of the
    size-bearing figure repr) and the caption as Markdown. Book mode: the files are saved and
    the only output is a MyST figure directive (rendered by myst-nb with
    ``nb_render_markdown_format: myst`` and the ``colon_fence`` extension), its paths relative
    to ``rel_to``, the folder of the book page. Returns nothing, so no figure repr reaches the cell.
    """
    try:
        if book_mode:
            files = save(fig, name, data=data, figures_dir=figures_dir, lang=lang)
            link = {ext: Path(os.path.relpath(Path(figures_dir) / path, rel_to)).as_posix()
                    for ext, path in files.items()}
            display(Markdown(figure_directive(
                image=link["png"], csv=link["csv"], name=name, caption=caption, alt=alt,
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


def grouped_intervals(fig, values: pd.DataFrame, low: pd.DataFrame, high: pd.DataFrame) -> None:
    """Error bars on a :func:`barometer.figures.grouped_hbar` figure (same rows and columns as ``values``).

    The bars are found where grouped_hbar puts them, each value label is moved past the end of
    its interval, and the x axis is widened.
    """
    ax = fig.axes[0]
    n, k = values.shape
    height = 0.8 / k
    labels = {(round(a.xy[0], 9), round(a.xy[1], 9)): a for a in ax.texts if hasattr(a, "xy")}
    reach = 0.0
    for j, column in enumerate(values.columns):
        for i, code in enumerate(values.index):
            v, lo, hi = (float(t_.loc[code, column]) for t_ in (values, low, high))
            if v != v or lo != lo or hi != hi:  # NaN: no bar or no interval
                continue
            y = i + (j - (k - 1) / 2) * height
            ax.errorbar(v, y, xerr=[[max(v - lo, 0)], [max(hi - v, 0)]], fmt="none", ecolor="#404040",
                        elinewidth=0.8, capsize=2)
            label = labels.get((round(v, 9), round(y, 9)))
            if label is not None:
                label.xy = (hi, y)
            reach = max(reach, hi)
    ax.set_xlim(0, max(ax.get_xlim()[1], reach * 1.15))
    fig.draw_without_rendering()


def legend_columns(fig, ncols):
    """Redraw a figure's legend (under the axes) in ``ncols`` columns, so that it fits the width.

    :func:`grouped_hbar` puts all groups in one row, wider than the figure for six groups.
    """
    for panel in [fig, *fig.subfigs]:
        for legend in list(panel.legends):
            handles, labels = legend.legend_handles, [text.get_text() for text in legend.texts]
            legend.remove()
            panel.legend(handles, labels, loc="outside lower center", ncols=ncols, handlelength=1.2,
                         columnspacing=1.2)
    fig.draw_without_rendering()
    return fig


def stacked_shares(counts, *, item_labels, scale_labels, colours, xlabel, note, value_fmt, min_label=8.0):
    """100% stacked horizontal bars, one per row of ``counts`` (columns in the order given, left to right).

    For a scale mixed with answers off the scale (e.g. "not suitable", "don't know"), which
    :func:`likert_diverging` would wrongly centre; the note in a strip of its own under the legend.
    """
    shares = counts.astype(float).div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0) * 100
    wrapped = [textwrap.fill(label, 40) for label in item_labels]
    height = min(max(2.4, 1.3 + sum(0.12 * (w.count("\n") + 1) + 0.2 for w in wrapped) + 0.5), 11)
    strip = (note.count("\n") + 1) * 10 / 72 + 0.12
    fig = plt.figure(figsize=(plt.rcParams["figure.figsize"][0], height + strip), layout="constrained")
    panel, foot = fig.subfigures(2, 1, height_ratios=[height, strip])
    foot.text(0.01, 0.5, note, ha="left", va="center", fontsize=8, color="#404040")
    ax = panel.subplots()
    y = np.arange(len(shares))
    left = np.zeros(len(shares))
    for j, column in enumerate(shares.columns):
        width = shares[column].to_numpy()
        ax.barh(y, width, left=left, height=0.7, color=colours[j], edgecolor="white", linewidth=0.6,
                label=textwrap.fill(scale_labels[j], 20))
        r, g, b = to_rgb(colours[j])
        ink = "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else "#262626"
        for yi, x0, w in zip(y, left, width):
            if w >= min_label:
                ax.text(x0 + w / 2, yi, value_fmt(float(w)), ha="center", va="center", fontsize=8, color=ink)
        left = left + width
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: value_fmt(x)))
    ax.set_yticks(y, wrapped)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(shares) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    panel.legend(loc="outside lower center", ncols=3, handlelength=1.2, columnspacing=1.2)
    fig.draw_without_rendering()
    return fig
