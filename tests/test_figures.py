"""The figure helpers: one colour-blind-safe style, correct geometry, byte-stable files.

Charts are drawn on small made-up data (Agg backend); maps on the real 589 boundaries.
Byte-stability matters because nbval compares notebook outputs and the book ships the files.
"""

from __future__ import annotations

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
    assert list(rc["figure.figsize"]) == [7.0, 4.0] and rc["figure.dpi"] == 100 and rc["savefig.dpi"] == 150
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
    assert [p.get_width() for p in bars] == [66.0, 41.0, 8.0]
    assert ax.get_ylim()[0] > ax.get_ylim()[1], "first value on top"
    assert ax.get_yticklabels()[0].get_text() == textwrap.fill(LONG, 40) and "\n" in textwrap.fill(LONG, 40)
    assert to_hex(bars[1].get_facecolor()) == figures.PALETTE[1] != to_hex(bars[0].get_facecolor())
    assert bar_container.errorbar is not None
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


def test_region_map_colours_each_municipality_by_its_region(frame):
    fig = figures.region_map({"flanders": 45.0, "wallonia": 30.0, "brussels": 60.0}, frame=frame,
                             legend_label="%", value_fmt=pct())
    faces = map_polygons(fig).get_facecolors()
    by_region = pd.DataFrame(faces, index=frame["region"].astype(str).to_numpy())
    for region, n in {"flanders": 308, "wallonia": 262, "brussels": 19}.items():
        colours = by_region.loc[region].drop_duplicates()
        assert len(by_region.loc[region]) == n and len(colours) == 1
    assert len(by_region.drop_duplicates()) == 3
    assert {"45%", "30%", "60%"} <= set(texts(fig))


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
        f"""
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
    assert text.startswith(":::{figure} ../../build/figures/nl/q5-priorities.png\n")
    assert ":name: fig-q5-priorities\n" in text
    assert ":alt: Staafdiagram: 66% kiest dienstverlening.\n" in text
    assert "{download}`Gegevens <../../build/figures/nl/q5-priorities.csv>`" in text
    assert "{download}`Code <https://example.org/part1.ipynb>`" in text
    assert text.rstrip().endswith(":::")
    assert (tmp_path / "build" / "figures" / "nl" / "q5-priorities.png").exists()
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
