"""The figure helpers: one colour-blind-safe style, correct geometry, byte-stable files.

Charts are drawn on small made-up data (Agg backend); maps on the real 589 boundaries.
Byte-stability matters because nbval compares notebook outputs and the book ships the files.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402
from IPython.display import Markdown  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_hex, to_rgba  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from barometer import figures, fmt  # noqa: E402
from barometer.analysis import GROUPS  # noqa: E402
from barometer.frame import load_frame  # noqa: E402
from barometer.paths import ROOT  # noqa: E402

OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}
LONG = "Verbetering van de dienstverlening aan burgers en bedrijven via digitale kanalen"


@pytest.fixture(autouse=True)
def style():
    figures.use_style()
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_frame()


def pct(lang="nl"):
    return lambda v: fmt.percent(v, lang)


def texts(fig) -> list[str]:
    """Every text drawn in the figure (subfigures included)."""
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def small_hbar(**kwargs):
    values = pd.Series([66.0, 41.0, 8.0], index=["a", "b", "c"])
    defaults = dict(xlabel="% gemeenten", note="n = 113", value_fmt=pct())
    return figures.hbar(values, [LONG, "Duurzaamheid", "Andere"], **(defaults | kwargs))


# --- style and palettes ------------------------------------------------------------------


def test_style_sets_colour_blind_palette_and_stable_svg():
    rc = matplotlib.rcParams
    cycle = [to_hex(c) for c in rc["axes.prop_cycle"].by_key()["color"]]
    assert tuple(cycle) == figures.PALETTE
    assert set(figures.PALETTE) == OKABE_ITO
    assert [to_hex(c) for c in sns.color_palette()] == list(figures.PALETTE)
    assert rc["svg.hashsalt"] == "barometer" and rc["svg.fonttype"] == "path"
    assert list(rc["figure.figsize"]) == [7.0, 4.0] and rc["figure.dpi"] == 100
    assert rc["savefig.dpi"] * rc["figure.figsize"][0] == 2 * figures.SHOWN_PX, "PNG at twice the shown size"
    assert rc["font.sans-serif"][0] == "DejaVu Sans"
    assert not rc["axes.spines.top"] and not rc["axes.spines.right"]
    assert rc["axes.grid"] and rc["axes.grid.axis"] == "x"


def test_diverging_and_group_colours():
    assert len(figures.DIVERGING) == 5
    r, g, b = matplotlib.colors.to_rgb(figures.DIVERGING[2])
    assert r == g == b, "the neutral point is grey"
    assert len(set(figures.DIVERGING)) == 5
    assert set(figures.GROUP_COLOURS) == set(GROUPS)
    assert len(set(figures.GROUP_COLOURS.values())) == len(GROUPS)


def test_use_style_makes_inline_png_byte_stable():
    """In IPython, figures shown by the inline backend lose the version-bearing 'Software' tag."""
    script = textwrap.dedent(
        """
        import base64, matplotlib
        matplotlib.use("module://matplotlib_inline.backend_inline")
        import matplotlib.pyplot as plt
        from IPython.core.interactiveshell import InteractiveShell
        from matplotlib_inline.backend_inline import configure_inline_support
        shell = InteractiveShell.instance()
        configure_inline_support(shell, "inline")

        def tagged():
            fig = plt.figure()
            fig.add_subplot().plot([1, 2])
            png = shell.display_formatter.format(fig)[0]["image/png"]
            return b"Software" in (base64.b64decode(png) if isinstance(png, str) else png)

        before = tagged()
        from barometer import figures
        figures.use_style()
        print(before, tagged())
        """
    )
    env = {"PYTHONPATH": str(ROOT / "lib"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["True", "False"]


# --- bar charts --------------------------------------------------------------------------


def test_hbar_draws_in_given_order_with_labels_intervals_and_note():
    values = pd.Series([66.0, 41.0, 8.0], index=["a", "b", "c"])
    fig = small_hbar(intervals=(values - 5, values + 5), highlight="b")
    ax = fig.axes[0]
    (bar_container,) = [c for c in ax.containers if isinstance(c, matplotlib.container.BarContainer)]
    bars = bar_container.patches
    (errorbars,) = [c for c in ax.containers if isinstance(c, matplotlib.container.ErrorbarContainer)]
    assert [p.get_width() for p in bars] == [66.0, 41.0, 8.0]
    assert ax.get_ylim()[0] > ax.get_ylim()[1], "first value on top"
    wrapped = textwrap.fill(LONG, figures._WRAP)
    assert ax.get_yticklabels()[0].get_text() == wrapped and "\n" in wrapped
    assert to_hex(bars[1].get_facecolor()) == figures.PALETTE[1] != to_hex(bars[0].get_facecolor())
    assert len(errorbars.lines[2][0].get_segments()) == 3
    drawn = texts(fig)
    assert {"66%", "41%", "8%", "n = 113", "% gemeenten"} <= set(drawn)


def test_hbar_value_labels_follow_the_language():
    fig = small_hbar(value_fmt=pct("fr"))
    assert "66\u202f%" in texts(fig)


def test_hbar_needs_one_label_per_value():
    with pytest.raises(ValueError):
        figures.hbar(pd.Series([1.0, 2.0]), ["only one"], xlabel="x")


def test_ranked_bars_number_the_ranks():
    fig = figures.ranked_bars(pd.Series([2.1, 2.8, 3.5]), ["Mobiliteit", "Energie", "Zorg"], xlabel="rang")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["#1 Mobiliteit", "#2 Energie", "#3 Zorg"]


def test_grouped_hbar_puts_groups_side_by_side_in_group_colours():
    table = pd.DataFrame({"urban": [60.0, 30.0], "rural": [40.0, 20.0], "brussels": [70.0, 10.0]}, index=["x", "y"])
    fig = figures.grouped_hbar(table, group_labels=["Stedelijk", "Landelijk", "Brussel"],
                               category_labels=["Ja", "Nee"], xlabel="%", value_fmt=pct(), note="n = 80")
    ax = fig.axes[0]
    assert sum(len(c.patches) for c in ax.containers) == 6
    for container, group in zip(ax.containers, table.columns):
        assert {to_hex(p.get_facecolor()) for p in container.patches} == {figures.GROUP_COLOURS[group]}
        assert [p.get_width() for p in container.patches] == table[group].tolist()
    legend = fig.legends[0] if fig.legends else fig.subfigs[0].legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Stedelijk", "Landelijk", "Brussel"]


def test_likert_diverging_centres_the_neutral_point():
    counts = pd.DataFrame([[5, 10, 20, 40, 25], [30, 20, 10, 5, 35], [0, 0, 4, 0, 0]],
                          index=["i1", "i2", "i3"], columns=[1, 2, 3, 4, 5])
    fig = figures.likert_diverging(counts, item_labels=["A", "B", "C"], scale_labels=list("12345"),
                                   note="n = 100", value_fmt=pct())
    ax = fig.axes[0]
    segments = [c.patches for c in ax.containers]  # one container per scale point
    assert len(segments) == 5
    shares = 100 * counts.div(counts.sum(axis=1), axis=0)
    for row in range(3):
        neutral = segments[2][row]
        assert neutral.get_x() == pytest.approx(-neutral.get_width() / 2)
        assert neutral.get_width() == pytest.approx(shares.iloc[row, 2])
        first = segments[0][row]
        assert first.get_x() == pytest.approx(-(shares.iloc[row, 0] + shares.iloc[row, 1] + shares.iloc[row, 2] / 2))
        assert sum(s[row].get_width() for s in segments) == pytest.approx(100)
    assert [to_hex(s[0].get_facecolor()) for s in segments] == list(figures.DIVERGING)
    assert ax.get_xlim()[0] == -ax.get_xlim()[1], "symmetric around the neutral point"
    legend = fig.subfigs[0].legends[0]
    assert [t.get_text() for t in legend.get_texts()] == list("12345")


# --- maps --------------------------------------------------------------------------------


def map_polygons(fig) -> PolyCollection:
    (polygons,) = [c for c in fig.axes[0].collections if type(c) is PolyCollection]
    return polygons


def test_choropleth_draws_589_municipalities_missing_ones_grey(frame):
    codes = frame["nis_code"]
    values = pd.Series(np.linspace(0, 100, 500), index=codes[:500])
    fig = figures.choropleth(values, legend_label="%", missing_label="geen antwoord", value_fmt=pct())
    polygons = map_polygons(fig)
    assert len(polygons.get_paths()) == 589
    faces = polygons.get_facecolors()
    grey = np.array(to_rgba(figures.MISSING))
    missing = ~codes.isin(values.index).to_numpy()  # shapes are sorted by NIS code, like the frame
    assert missing.sum() == 89
    assert np.allclose(faces[missing], grey)
    assert not np.isclose(faces[~missing], grey).all(axis=1).any()
    assert "geen antwoord" in texts(fig)
    assert fig.axes[0].get_aspect() == pytest.approx(1 / np.cos(np.radians(50.5)))


def test_choropleth_categorical_uses_the_palette_and_rejects_unknown_codes(frame):
    values = pd.Series(["yes", "no"] * 10, index=frame["nis_code"][:20])
    fig = figures.choropleth(values, categorical=True, category_labels={"yes": "Ja", "no": "Nee"},
                             legend_label="Strategie", missing_label="geen antwoord")
    faces = map_polygons(fig).get_facecolors()
    assert np.allclose(faces[0], to_rgba(figures.PALETTE[0])) and np.allclose(faces[1], to_rgba(figures.PALETTE[1]))
    assert {"Ja", "Nee", "geen antwoord", "Strategie"} <= set(texts(fig))
    with pytest.raises(ValueError, match="not on the map"):
        figures.choropleth(pd.Series([1.0], index=["99999"]))


REGION_VALUES = {"flanders": 45.0, "wallonia": 30.0, "brussels": 60.0}


def region_labels(values=REGION_VALUES):
    return {r: f"{r.title()}\n{fmt.percent(v, 'nl')} (n = {i + 8})" for i, (r, v) in enumerate(values.items())}


def filled(path, point) -> bool:
    """Whether a compound path's fill covers a point: inside an odd number of its rings (holes stay empty)."""
    return sum(MplPath(ring).contains_point(point) for ring in path.to_polygons()) % 2 == 1


def test_region_map_draws_three_dissolved_regions_labelled_on_the_full_scale(frame):
    fig = figures.region_map(REGION_VALUES, labels=region_labels(), frame=frame, legend_label="%", value_fmt=pct())
    ax = fig.axes[0]
    regions = {p.get_gid(): p for p in ax.patches}
    assert set(regions) == {f"region-{r}" for r in REGION_VALUES}, "one shape per region, not 589"
    assert not [c for c in ax.collections if type(c) is PolyCollection]
    # each region's shape covers its own municipalities' interior points, and only those
    shapes = figures._shapes(str(figures.paths.BOUNDARIES_GEOJSON))
    region_of = dict(zip(frame["nis_code"].astype(str), frame["region"].astype(str)))
    for code in list(shapes)[::40]:
        path = shapes[code]
        inner = path.vertices[:-1].mean(axis=0)
        if not path.contains_point(inner):
            continue
        holders = [r for r in REGION_VALUES if filled(regions[f"region-{r}"].get_path(), inner)]
        assert holders == [region_of[code]], code
    # shares on the full 0-100 % scale: the colour bar spans it and a region's colour is its value on it
    (bar_ax,) = [a for a in fig.axes if a is not ax]
    assert sorted(bar_ax.get_ylim()) == [0, 100]
    for region, value in REGION_VALUES.items():
        expected = to_rgba(figures.SHARE_MAP(value / 100))
        assert np.allclose(regions[f"region-{region}"].get_facecolor(), expected, atol=1 / 255)
    drawn = texts(fig)
    for label in region_labels().values():
        assert label in drawn, "each region is labelled with its value and base"


# --- files and display -------------------------------------------------------------------


def test_save_is_byte_stable_and_writes_the_data(tmp_path):
    data = pd.DataFrame({"pct": [66.0, 41.0, 8.0], "n": [113, 113, 113]}, index=pd.Index(["a", "b", "c"], name="code"))
    fig = small_hbar()
    first = figures.save(fig, "q5-priorities", data=data, figures_dir=tmp_path / "one", lang="nl")
    second = figures.save(fig, "q5-priorities", data=data, figures_dir=tmp_path / "two", lang="nl")
    redrawn = figures.save(small_hbar(), "q5-priorities", data=data, figures_dir=tmp_path / "three", lang="nl")
    assert first == second == redrawn == {ext: f"nl/q5-priorities.{ext}" for ext in ("png", "svg", "csv")}
    for path in first.values():
        one = (tmp_path / "one" / path).read_bytes()
        assert one == (tmp_path / "two" / path).read_bytes() == (tmp_path / "three" / path).read_bytes()
    png = (tmp_path / "one" / first["png"]).read_bytes()
    svg = (tmp_path / "one" / first["svg"]).read_text(encoding="utf-8")
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert "<dc:date>" not in svg and "<svg" in svg
    back = pd.read_csv(tmp_path / "one" / first["csv"], index_col=0, encoding="utf-8")
    pd.testing.assert_frame_equal(back, data)


def test_files_are_identical_across_processes(tmp_path):
    """SVG ids and PNG bytes must not depend on the process (hash salt, no timestamps)."""
    script = textwrap.dedent(
        """
        import hashlib, sys, pandas as pd
        from barometer import figures
        fig = figures.hbar(pd.Series([3.0, 1.0]), ["a", "b"], xlabel="x", note="n = 2")
        print(*(hashlib.sha256(figures.render(fig, kind)).hexdigest() for kind in ("png", "svg")))
        """
    )
    env = {"PYTHONPATH": str(ROOT / "lib"), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 1


def test_save_rejects_names_unfit_for_files_and_labels(tmp_path):
    with pytest.raises(ValueError):
        figures.save(small_hbar(), "Q5 priorités", data=pd.DataFrame(), figures_dir=tmp_path, lang="nl")


def capture(monkeypatch) -> list:
    shown = []
    monkeypatch.setattr(figures, "display", lambda obj, **kwargs: shown.append(obj))
    return shown


SHOW_ARGS = dict(name="q5-priorities", caption="Prioriteiten van de gemeenten.",
                 alt="Staafdiagram: 66% kiest dienstverlening.", data_link_text="Gegevens",
                 code_link="https://example.org/part1.ipynb", code_link_text="Code", lang="nl")


def test_show_in_book_mode_outputs_only_a_myst_figure_directive(tmp_path, monkeypatch):
    shown = capture(monkeypatch)
    fig = small_hbar()
    data = pd.DataFrame({"pct": [66.0, 41.0, 8.0]})
    result = figures.show(fig, data=data, book_mode=True, figures_dir=tmp_path / "build" / "figures",
                          rel_to=tmp_path / "book" / "nl", **SHOW_ARGS)
    assert result is None
    assert len(shown) == 1 and isinstance(shown[0], Markdown)
    text = shown[0].data
    assert text.startswith(":::{figure} ../../build/figures/nl/q5-priorities.svg\n")
    assert f"\nwidth: {figures.SHOWN_PX}px\n" in text, "a width makes Sphinx link the image to itself"
    assert "\nname: fig-q5-priorities\n" in text
    assert '\nalt: "Staafdiagram: 66% kiest dienstverlening."\n' in text
    assert "{download}`Gegevens <../../build/figures/nl/q5-priorities.csv>`" in text
    assert "{download}`Code <https://example.org/part1.ipynb>`" in text
    assert text.rstrip().endswith(":::")
    assert (tmp_path / "build" / "figures" / "nl" / "q5-priorities.svg").exists()
    assert not plt.fignum_exists(fig.number)


def test_show_in_notebook_mode_displays_image_and_caption_without_directive(tmp_path, monkeypatch):
    shown = capture(monkeypatch)
    fig = small_hbar()
    figures.show(fig, data=pd.DataFrame(), book_mode=False, figures_dir=tmp_path, rel_to=tmp_path, **SHOW_ARGS)
    image, caption = shown
    assert set(image) == {"image/png", "text/plain"}
    assert image["text/plain"] == SHOW_ARGS["alt"], "no '<Figure size ...>' repr"
    assert caption == {"text/markdown": SHOW_ARGS["caption"], "text/plain": SHOW_ARGS["caption"]}, \
        "the caption's words are in text/plain too, so nbval compares them"
    assert all(":::{figure}" not in str(getattr(obj, "data", obj)) for obj in shown)
    assert not any(tmp_path.iterdir()), "notebook mode writes no files"
    assert not plt.fignum_exists(fig.number)


# --- readable at the shown width, apart under colour-vision deficiencies, stamped --------

STAMP = "SYNTHETISCHE GEGEVENS"
GROUPS6 = ["all", "urban", "rural", "flanders", "wallonia", "brussels"]


@pytest.fixture(scope="module")
def gallery(frame) -> dict:
    """One figure of each chart kind as the notebooks draw them, stamped (drawn once for the module)."""
    figures.use_style()
    values = pd.Series([66.0, 41.0, 8.0], index=["a", "b", "c"])
    table = pd.DataFrame(np.array([[40.0, 55, 20, 35, 60, 10], [25, 30, 45, 15, 5, 50], [70, 65, 75, 68, 72, 80]]),
                         index=["x", "y", "z"], columns=GROUPS6)
    scale = list("12345")
    drawn = {
        "bars": small_hbar(intervals=(values - 9, values + 6), highlight="b", note=LONG + ". " + LONG),
        "score": figures.hbar(pd.Series([3.9, 3.1, 2.2]), ["Burgemeester", "Gemeenteraad", "Federale overheid"],
                              xlabel="Gemiddelde score (1–5)", value_fmt=lambda v: fmt.number(v, "nl", 1),
                              intervals=(pd.Series([3.6, 2.8, 1.9]), pd.Series([4.2, 3.4, 2.5])), scale=(1, 5)),
        "grouped": figures.grouped_hbar(table[["urban", "rural"]], group_labels=["Stedelijk", "Landelijk"],
                                        category_labels=[LONG, "Nee", "Weet niet"], xlabel="%", value_fmt=pct(),
                                        intervals=(table[["urban", "rural"]] - 7, table[["urban", "rural"]] + 7)),
        "small_multiples": figures.grouped_hbar(table, group_labels=[g.title() for g in GROUPS6],
                                                category_labels=[LONG, "Nee", "Weet niet"], xlabel="%",
                                                value_fmt=pct(), intervals=(table - 7, table + 7), note="n = 113"),
        "likert": figures.likert_diverging(pd.DataFrame([[5, 10, 20, 40, 25], [30, 20, 10, 5, 35]]),
                                           item_labels=["A", "B"], scale_labels=scale, value_fmt=pct(), note="n"),
        "stacked": figures.stacked_shares(pd.DataFrame([[5, 10, 20], [30, 20, 10]]), item_labels=["A", "B"],
                                          scale_labels=["Ja", "Nee", "Weet niet"],
                                          colours=[figures.DIVERGING[4], figures.DIVERGING[0], figures.DIVERGING[2]],
                                          xlabel="%", note="n = 60", value_fmt=pct()),
        "stacked_many": figures.stacked_shares(pd.DataFrame(np.arange(1, 13).reshape(2, 6)), item_labels=["A", "B"],
                                               scale_labels=list("abcdef"), colours=["#000000"] * 6, xlabel="%",
                                               note="n = 60", value_fmt=pct()),
        "map": figures.region_map(REGION_VALUES, labels=region_labels(), frame=frame, legend_label="%",
                                  value_fmt=pct(), note="n = 113"),
    }
    for fig in drawn.values():
        figures.stamp(fig, STAMP)
        fig.draw_without_rendering()
    return drawn


def visible_texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]


def test_every_chart_text_is_at_least_12_px_at_the_shown_width(gallery):
    assert figures.SHOWN_PX <= 690, "shown inside the book's content column at 1280 px"
    for kind, fig in gallery.items():
        sizes = {t.get_text(): figures.shown_px(fig, t.get_fontsize()) for t in visible_texts(fig)}
        assert len(sizes) > 3, kind
        small = {text: round(px, 1) for text, px in sizes.items() if px < figures.MIN_TEXT_PX}
        assert not small, f"{kind}: text under {figures.MIN_TEXT_PX} px: {small}"


def test_svg_is_drawn_at_the_shown_width_and_the_png_at_twice_it(gallery):
    fig = gallery["bars"]
    svg = figures.render(fig, "svg").decode("utf-8")
    width_pt = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
    assert width_pt * 96 / 72 == pytest.approx(figures.SHOWN_PX, abs=0.5)
    png = figures.render(fig, "png")
    assert int.from_bytes(png[16:20], "big") == 2 * figures.SHOWN_PX


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p, h2p = (math.degrees(math.atan2(b, a)) % 360 for a, b in ((a1p, b1), (a2p, b2)))
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    d_lp, d_cp = l2 - l1, c2p - c1p
    d_hp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, c_barp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + (360 if h1p + h2p < 360 else -360)) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_bar - 30)) + 0.24 * math.cos(math.radians(2 * h_bar))
         + 0.32 * math.cos(math.radians(3 * h_bar + 6)) - 0.20 * math.cos(math.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_barp, 1 + 0.015 * c_barp * t
    r_t = (-math.sin(math.radians(60 * math.exp(-(((h_bar - 275) / 25) ** 2))))
           * 2 * math.sqrt(c_barp**7 / (c_barp**7 + 25**7)))
    return math.sqrt((d_lp / s_l) ** 2 + (d_cp / s_c) ** 2 + (d_hp / s_h) ** 2 + r_t * (d_cp / s_c) * (d_hp / s_h))


def test_ciede2000_matches_the_published_test_pairs():
    """Pairs 1, 7 and 17 of Sharma, Wu & Dalal's (2005) test data."""
    assert ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000((50, 0, 0), (50, -1, 2)) == pytest.approx(2.3669, abs=1e-4)
    assert ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)


VISIONS = [None, "deuteranomaly", "protanomaly", "tritanomaly"]


def seen_as(colour: str, vision: str | None):
    """A colour in CIELab as seen with normal vision or a full (severity 100) deficiency."""
    from colorspacious import cspace_convert

    rgb = np.array(matplotlib.colors.to_rgb(colour))
    if vision:
        rgb = np.clip(cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}, "sRGB1"), 0, 1)
    return tuple(cspace_convert(rgb, "sRGB1", "CIELab"))


def closest_pair(colours) -> tuple[float, str | None, str, str]:
    return min((ciede2000(seen_as(a, v), seen_as(b, v)), v, a, b)
               for v in VISIONS for a, b in itertools.combinations(sorted(set(colours)), 2))


def series_colours(fig) -> list[str]:
    """The fill colours that tell a chart's series apart (bars and legend keys)."""
    colours = {to_hex(p.get_facecolor()) for ax in fig.axes for c in ax.containers
               if isinstance(c, matplotlib.container.BarContainer) for p in c.patches}
    return sorted(colours)


def has_legend(fig) -> bool:
    return any(panel.legends for panel in [fig, *fig.subfigs]) or any(ax.get_legend() for ax in fig.axes)


def test_series_of_every_chart_stay_apart_under_colour_vision_deficiencies(gallery):
    for kind, fig in gallery.items():
        if kind == "map":
            continue  # one colour scale of a value, written on each region (next test)
        colours = series_colours(fig)
        ordered_scale = colours == sorted(figures.DIVERGING)  # a 5-point scale, read in order
        assert len(colours) <= figures.MAX_COLOURS or not has_legend(fig) or ordered_scale, kind
        if len(colours) > 1:
            distance, vision, a, b = closest_pair(colours)
            assert distance >= 10, f"{kind}: {a} and {b} are {distance:.1f} apart ({vision or 'normal vision'})"


def test_the_palettes_the_charts_use_stay_apart_under_colour_vision_deficiencies():
    palettes = {
        "bars and highlight": figures.PALETTE[:2],
        "two series": [figures._group_colour("frame", 0), figures._group_colour("sample", 1)],
        "scale": figures.DIVERGING,
        "regions": [figures.GROUP_COLOURS[g] for g in ("flanders", "wallonia", "brussels")],
        "urbanity": [figures.GROUP_COLOURS[g] for g in ("all", "urban", "rural")],
        "small multiples": [figures.GROUP_COLOURS["all"], figures.PALETTE[0]],
    }
    for name, colours in palettes.items():
        assert len(set(colours)) == len(colours) and len(colours) <= max(figures.MAX_COLOURS, len(figures.DIVERGING))
        distance, vision, a, b = closest_pair(colours)
        assert distance >= 10, f"{name}: {a} and {b} are {distance:.1f} apart ({vision or 'normal vision'})"


def test_more_groups_than_colours_become_small_multiples(gallery):
    fig = gallery["small_multiples"]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 3 and not has_legend(fig)
    assert {ax.get_title(loc="left") for ax in panels} == {textwrap.fill(LONG, 30), "Nee", "Weet niet"}
    assert [t.get_text() for t in panels[0].get_yticklabels()] == [g.title() for g in GROUPS6], "groups named"
    assert all(panels[0].get_shared_y_axes().joined(panels[0], ax) for ax in panels), "the same rows in each panel"
    assert len({ax.get_xlim() for ax in panels}) == 1, "one value axis for all panels"
    assert [ax.get_title(loc="left") for ax in gallery["stacked_many"].axes if ax.get_visible()] == list("abcdef")


def test_score_bars_start_at_the_scale_minimum(gallery):
    ax = gallery["score"].axes[0]
    bars = [p for c in ax.containers if isinstance(c, matplotlib.container.BarContainer) for p in c.patches]
    assert [p.get_x() for p in bars] == [1, 1, 1]
    assert [p.get_x() + p.get_width() for p in bars] == pytest.approx([3.9, 3.1, 2.2])
    assert ax.get_xlim() == (1, 5)


def drawn(fig):
    """The renderer of the figure drawn once on an Agg canvas (it may have been closed since)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if getattr(fig, "_test_renderer", None) is None:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        fig._test_renderer = canvas.get_renderer()
    return fig._test_renderer


def value_labels(ax):
    return [t for t in ax.texts if t.get_gid() == "value-label"]


@pytest.mark.parametrize("kind", ["bars", "score", "grouped", "small_multiples"])
def test_value_labels_sit_at_the_bar_ends_clear_of_the_intervals(gallery, kind):
    fig = gallery[kind]
    renderer = drawn(fig)
    for ax in (a for a in fig.axes if a.get_visible() and a.containers):
        bars = [p for c in ax.containers if isinstance(c, matplotlib.container.BarContainer) for p in c.patches]
        ends = {(round(p.get_x() + p.get_width(), 9), round(p.get_y() + p.get_height() / 2, 9)) for p in bars}
        labels = value_labels(ax)
        assert len(labels) == len(bars)
        assert {(round(t.xy[0], 9), round(t.xy[1], 9)) for t in labels} == ends, "each label at its bar's end"
        whiskers = [seg for c in ax.containers if isinstance(c, matplotlib.container.ErrorbarContainer)
                    for seg in c.lines[2][0].get_segments()]
        assert len(whiskers) == len(bars)
        for label in labels:
            box = label.get_window_extent(renderer)
            for (x0, y0), (x1, _) in whiskers:
                (px0, py), (px1, _) = ax.transData.transform([(x0, y0), (x1, y0)])
                crosses = box.y0 < py < box.y1 and box.x0 < px1 and px0 < box.x1
                assert not crosses, f"{kind}: label {label.get_text()!r} on an interval line"


def test_every_figure_carries_the_stamp_inside_its_canvas(gallery):
    for kind, fig in gallery.items():
        (stamp,) = [t for t in visible_texts(fig) if t.get_text() == STAMP]
        renderer = drawn(fig)
        box = stamp.get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1, kind
        for ax in fig.axes:
            if ax.get_visible():
                assert not box.overlaps(ax.get_window_extent(renderer)), f"{kind}: the stamp covers the chart"
    figures.stamp(gallery["bars"], STAMP)
    assert sum(t.get_text() == STAMP for t in visible_texts(gallery["bars"])) == 1, "stamped once"


def test_the_csv_of_a_figure_starts_with_the_notice(tmp_path):
    data = pd.DataFrame({"pct": [66.0, 41.0]}, index=pd.Index(["a", "b"], name="code"))
    notice = "Let op: deze cijfers komen uit een synthetische reconstructie\nvan de enquête."
    files = figures.save(small_hbar(), "q5", data=data, figures_dir=tmp_path, lang="nl", notice=notice)
    lines = (tmp_path / files["csv"]).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Let op: deze cijfers komen uit een synthetische reconstructie van de enquête."
    assert lines[1] == "code,pct"
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / files["csv"], index_col=0, comment="#"), data)
    plain = figures.save(small_hbar(), "q5", data=data, figures_dir=tmp_path / "real", lang="nl")
    assert not (tmp_path / "real" / plain["csv"]).read_text(encoding="utf-8").startswith("#")


def fake_notebook(tmp_path, *, synthetic: bool, book_mode: bool = True):
    from types import SimpleNamespace

    return SimpleNamespace(lang="nl", name="perception", book_mode=book_mode, figures_dir=tmp_path,
                           survey=SimpleNamespace(synthetic=synthetic), _figures=figures,
                           write_estimates=lambda: None)


@pytest.mark.parametrize("synthetic", [True, False])
def test_a_notebook_figure_is_stamped_and_its_csv_headed_while_the_data_are_synthetic(tmp_path, monkeypatch,
                                                                                      synthetic):
    from barometer.i18n import t
    from barometer.notebook import Notebook

    shown = capture(monkeypatch)
    monkeypatch.chdir(tmp_path)
    fig = small_hbar()
    Notebook.figure(fake_notebook(tmp_path, synthetic=synthetic), fig, "q5", caption="Prioriteiten.",
                    alt="Staafdiagram.", data=pd.DataFrame({"pct": [66.0, 41.0, 8.0]}))
    stamp = t("common.synthetic_stamp", "nl")
    assert (stamp in texts(fig)) is synthetic
    first = (tmp_path / "nl" / "q5.csv").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") is synthetic
    if synthetic:
        assert first == "# " + " ".join(t("common.synthetic_notice", "nl").split())
    (directive,) = shown
    alt = json.loads(re.search(r"\nalt: (.*)\n", directive.data).group(1))
    assert alt.startswith("Staafdiagram. ") and "66%" in alt and "8%" in alt, "the alt text states the finding"
    assert LONG in alt and "Andere" in alt


def test_a_figure_is_referred_to_by_its_number_in_the_book(tmp_path):
    from barometer.notebook import Notebook

    assert Notebook.fig_ref(fake_notebook(tmp_path, synthetic=True), "perception_views") == \
        "{numref}`figuur %s <fig-perception_views>`"
    assert "numref" not in Notebook.fig_ref(fake_notebook(tmp_path, synthetic=True, book_mode=False), "x")


def test_figure_directive_options_survive_any_alt_text():
    """The options are a YAML block with the alt text quoted: "#", ":" or quotes in it reach Sphinx whole."""
    import yaml

    alt = 'Hoogste waarde: #8 Gezondheid "en" zorg (6,1); laagste: #1 Governance.'
    text = figures.figure_directive(image="a.svg", csv="a.csv", name="x", caption="Titel.", alt=alt,
                                    data_link_text="gegevens", code_link="n.ipynb", code_link_text="notebook")
    head, options, body = text.split("---\n")
    assert head == ":::{figure} a.svg\n"
    assert yaml.safe_load(options) == {"name": "fig-x", "alt": alt, "width": f"{figures.SHOWN_PX}px"}
    assert body.startswith("Titel. {download}`gegevens <a.csv>`")


def call_arguments(source: str, start: int) -> str:
    """The text between the parenthesis opening at ``start`` and its match."""
    depth = 0
    for i in range(start, len(source)):
        depth += {"(": 1, ")": -1}.get(source[i], 0)
        if depth == 0:
            return source[start + 1:i]
    raise AssertionError(f"unbalanced call at {start}")


def test_every_chapter_figure_is_led_by_a_sentence_that_refers_to_its_number():
    """Each figure a chapter publishes is said first with its number ("Figuur 3 toont …"), in both languages."""
    import nbformat
    import yaml

    from barometer.chapters import RESEARCH

    calls = 0
    for chapter in RESEARCH:
        words = yaml.safe_load((ROOT / "notebooks" / f"{chapter}.yml").read_text(encoding="utf-8"))
        notebook = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
        for cell in (c for c in notebook.cells if c.cell_type == "code"):
            for match in re.finditer(r"nb\.(?:grouped_)?figure\(", cell.source):
                arguments = call_arguments(cell.source, match.end() - 1)
                calls += 1
                assert "lead=" in arguments, f"{chapter}: a figure without its lead sentence: {arguments[:80]}"
                key = re.search(r'lead=f?"([^"]+)"', arguments)
                if key and "{" not in key.group(1):
                    block, entry = key.group(1).split(".")
                    for lang in ("nl", "fr"):
                        assert re.search(r"\{[Ff]ig\}", words[block][entry][lang]), (chapter, key.group(1), lang)
    assert calls >= len(RESEARCH)


def test_svg_bytes_do_not_depend_on_invisible_float_noise():
    """matplotlib names a clip rectangle after a hash of its exact bounds, so two builds whose layouts
    differ below the SVG's precision (as text measurement caches can make them) wrote different bytes:
    the names are numbered in order instead, and the drawing is the same to the byte."""
    import matplotlib.pyplot as plt

    def drawn(shift: float) -> bytes:
        fig, ax = plt.subplots()
        ax.bar([0, 1], [1, 2])
        left, bottom, width, height = ax.get_position().bounds
        ax.set_position([left + shift, bottom, width, height])
        try:
            return figures.render(fig, "svg")
        finally:
            plt.close(fig)

    first, second = drawn(0.0), drawn(1e-14)
    assert b"<clipPath" in first
    assert first == second
