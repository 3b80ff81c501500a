"""Tables as a report sets them (barometer.tables, Notebook.table), checked where a reader meets them.

1. The MyST that ``Notebook.table`` publishes in book mode, rendered by Sphinx with the book's
   settings (myst-parser, ``colon_fence``, ``numfig``): a numbered caption, header cells, one header
   row, text left and numbers right, intervals, p-values and effects in no-break spans.
2. The notebook's HTML twin: the same layout without a style sheet.
3. The built site (the run's shared build): every table of both books is set so, and at 1280 px the
   tests tables fit the column; a wider table scrolls inside a visible frame.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from barometer import tables

NUMBERED = {"nl": re.compile(r"^Tabel \d+"), "fr": re.compile(r"^(Tableau|Table) \d+")}


def sample_table(lang: str) -> pd.DataFrame:
    """A chapter-like table: a named index of text, shares with intervals, counts, p-values, effects."""
    if lang == "nl":
        shares = ["66% (schatting 59% [51–66])", "88% (schatting 62% [37–95])"]
        effects = ["Cramér's V = 0,21", "verschil = +18,7 procentpunt"]
        p = ["< 0,001", "0,066"]
    else:
        shares = ["66\u202f% (estimation 59\u202f% [51–66])", "88\u202f% (estimation 62\u202f% [37–95])"]
        effects = ["V de Cramér = 0,21", "écart = +18,7 points de pourcentage"]
        p = ["< 0,001", "0,066"]
    return pd.DataFrame({"Groep": ["Alle gemeenten", "Brussel *"], "Aandeel": shares, "Basis (n)": [113, 8],
                         "p": p, "Effect": effects, "Let op": ["", "kleine basis (n < 20)"]}).set_index("Groep")


def grouped_table() -> pd.DataFrame:
    """Two index levels, as the sample chapter's response table."""
    return pd.DataFrame({"Gewest": ["Vlaanderen", "Vlaanderen", "Wallonië"], "Klasse": ["a", "b", "c"],
                         "Populatie": [308, 19, 262]}).set_index(["Gewest", "Klasse"])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> BeautifulSoup:
    """``tables.markdown`` of the sample tables (Dutch and French cells, two index levels) in a one-page
    Sphinx project with the book's settings (Sphinx's own words, such as "Tabel", are one language per
    process: the built site checks both)."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    src = tmp_path_factory.mktemp("tables")
    (src / "conf.py").write_text(
        'extensions = ["myst_parser"]\nmyst_enable_extensions = ["colon_fence"]\nnumfig = True\nlanguage = "nl"\n')
    (src / "index.md").write_text("# Tabellen\n\n" + "\n\n".join([
        tables.markdown(sample_table("nl"), name="tbl-nl", caption="Een tabel.", lang="nl"),
        tables.markdown(sample_table("fr"), name="tbl-fr", caption="Un tableau.", lang="fr"),
        tables.markdown(grouped_table(), name="tbl-grouped", caption="Twee niveaus.", lang="nl"),
    ]) + "\n", encoding="utf-8")
    with docutils_namespace():  # the build registers its own nodes, as sphinx-build does
        app = Sphinx(str(src), str(src), str(src / "_build"), str(src / "_doctrees"), "html", status=None,
                     warningiserror=True, freshenv=True)
        app.build()
    return BeautifulSoup((src / "_build" / "index.html").read_text(encoding="utf-8"), "html.parser")


def check_table(table, lang: str) -> list[str]:
    """What is wrong with one rendered table (empty when it is set as a report sets it)."""
    problems = []
    caption = table.find("caption")
    if caption is None or not NUMBERED[lang].match(caption.get_text(" ", strip=True)):
        problems.append(f"no numbered caption: {caption.get_text(' ', strip=True) if caption else None!r}")
    head_rows = table.select("thead tr")
    if len(head_rows) != 1:
        problems.append(f"{len(head_rows)} header rows (expected 1)")
    for row in head_rows:
        cells = row.find_all(["th", "td"])
        if any(c.name != "th" for c in cells):
            problems.append("a header cell that is not <th>")
        if not any(c.get_text(strip=True) for c in cells):
            problems.append("an empty header row")
    for cell in table.select("th, td"):
        classes = set(cell.get("class", []))
        if not classes & {"text-left", "text-right"}:
            problems.append(f"cell without alignment class: {cell.get_text(strip=True)!r}")
        text = cell.get_text("", strip=False)
        spans = [s.get_text() for s in cell.select("span.nowrap")]
        for m in re.finditer(r"\[[^\]]*\]|[<>=] ?[−+]?\d[\d.,]*", text):
            if not any(m.group(0) in s for s in spans):
                problems.append(f"{m.group(0)!r} of {text.strip()!r} can break (no span.nowrap around it)")
    return problems


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_book_tables_are_numbered_aligned_and_unbroken(rendered, lang):
    table = rendered.select_one(f"table#tbl-{lang}")
    assert table is not None and "barometer-table" in table["class"]
    assert not check_table(table, "nl"), check_table(table, "nl")
    assert [s.get_text(strip=True) for s in rendered.select("caption .caption-number")] == ["Tabel 1", "Tabel 2", "Tabel 3"]
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    assert heads[0] == "Groep", "the index's name heads the first column (no extra index row)"
    align = dict(zip(heads, (set(th["class"]) & {"text-left", "text-right"} for th in table.select("thead th"))))
    assert align["Groep"] == {"text-left"} and align["Let op"] == {"text-left"} and align["Effect"] == {"text-left"}
    assert align["Aandeel"] == align["Basis (n)"] == align["p"] == {"text-right"}
    spans = [s.get_text() for s in table.select("span.nowrap")]
    assert any(s.endswith("[51–66]") and s[0].isdigit() for s in spans), spans
    assert "< 0,001" in spans and any(s.startswith(("V", "Cramér")) and s.endswith("0,21") for s in spans), spans


def test_outer_index_shown_once_per_block(rendered):
    grouped = rendered.select_one("table#tbl-grouped")
    first_column = [tr.find_all("td")[0].get_text(strip=True) for tr in grouped.select("tbody tr")]
    assert first_column == ["Vlaanderen", "", "Wallonië"]
    assert [th.get_text(strip=True) for th in grouped.select("thead th")] == ["Gewest", "Klasse", "Populatie"]


def test_markdown_escapes_what_markdown_would_read():
    """A low-base mark, a pipe or brackets in a cell stay text in the book, not markup or a new column."""
    df = pd.DataFrame({"a": ["Brussel *", "x | y"], "b": ["[1–2]", "_z_"]})
    text = tables.markdown(df, name="tbl-t", caption="c", lang="nl")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == 1 for line in rows), rows  # two columns (no row numbers), the pipe escaped
    assert r"Brussel \*" in text and r"x \| y" in text and r"\_z\_" in text


def test_notebook_html_twin():
    """In a notebook (no style sheet) the same layout: caption, one header row of <th scope=col>, inline alignment."""
    soup = BeautifulSoup(tables.to_html(sample_table("nl"), caption="Een tabel.", lang="nl"), "html.parser")
    table = soup.find("table")
    assert table.find("caption").get_text() == "Een tabel."
    assert len(table.select("thead tr")) == 1
    assert all(th.get("scope") == "col" for th in table.select("thead th"))
    numbers = table.select("tbody td.text-right")
    assert numbers and all("text-align: right" in td["style"] for td in numbers)
    assert all("white-space: nowrap" in s["style"] for s in table.select("span.nowrap"))


def test_alignment_follows_the_cells():
    header = ["Toets", "p", "n", "Effect"]
    rows = [["A tegenover B", "< 0,001", "113", "Cramér's V = 0,2"], ["C", "–", "8", "–"]]
    assert tables.alignments(header, rows) == ["left", "right", "right", "left"]
    assert tables.alignments(["x"], [["–"], ["–"]]) == ["left"], "a column of only missing values is no number"


# ---------------------------------------------------------------------------------------------
# the built site

CHAPTERS = ["sample", "perception", "implementation", "management", "conclusion", "claims", "reproduction"]


def _pages(site, lang):
    for name in CHAPTERS:
        path = Path(site.html) / lang / f"{name}.html"
        if path.exists():
            yield name, BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_table_of_the_book_is_set_as_a_report(site, lang):
    problems, count = [], 0
    for name, soup in _pages(site, lang):
        assert not soup.select("table.dataframe"), f"{lang}/{name}: a pandas table (to_html) in the book"
        for table in soup.select("article table"):
            count += 1
            problems += [f"{lang}/{name}: {p}" for p in check_table(table, lang)]
    assert count >= 10, f"only {count} tables found in the {lang} book"
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_reproduction_appendix_speaks_the_readers_language(site, lang):
    soup = BeautifulSoup((Path(site.html) / lang / "reproduction.html").read_text(encoding="utf-8"), "html.parser")
    found = soup.select("table.barometer-table")
    assert len(found) == 4, "one table per research chapter"
    text = "\n".join(t.get_text("\n") for t in found)
    codes = re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z]+\.[a-z_]+\.[a-z_.]+\b|\b(?:true|false|True|False)\b", text)
    assert not codes, f"internal keys or codes in the appendix: {sorted(set(codes))[:20]}"
    assert not re.search(r"\d,\d, \d", text), "a range written as a list"
    assert re.search(r"\d,\d–\d,\d", text), "the published range of means, written as a range"


@pytest.fixture(scope="module")
def at_1280(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_tables_fit_or_scroll_in_a_frame_at_1280(site, at_1280, lang):
    """Every column is visible: the tests tables fit the column; a wider table scrolls inside a frame
    with a visible border (nothing cut off outside the table's box)."""
    page, problems = at_1280, []
    for name in CHAPTERS:
        page.goto((Path(site.html) / lang / f"{name}.html").as_uri())
        for box in page.eval_on_selector_all("table.barometer-table", """els => els.map(t => {
            const frame = t.parentElement, style = getComputedStyle(frame);
            return {id: t.id, tests: t.classList.contains('barometer-tests'),
                    table: t.getBoundingClientRect().width, frame: frame.clientWidth,
                    scroll: frame.scrollWidth, overflow: style.overflowX, border: style.borderTopWidth};
        })"""):
            where = f"{lang}/{name} #{box['id']}"
            if box["tests"] and box["scroll"] > box["frame"] + 1:
                problems.append(f"{where}: tests table wider ({box['scroll']} px) than its column ({box['frame']} px)")
            if box["scroll"] > box["frame"] + 1 and box["overflow"] not in ("auto", "scroll"):
                problems.append(f"{where}: wider than its frame ({box['scroll']} > {box['frame']} px) and not scrollable")
            if box["scroll"] > box["frame"] + 1 and box["border"] in ("0px", ""):
                problems.append(f"{where}: scrolls without a visible frame")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_tables_wrap_to_the_page_in_print(site, browser, lang):
    """In print (an A4 page's width at 96 dpi, less its margins) every table stays inside the text."""
    context = browser.new_context(viewport={"width": 718, "height": 1000})
    page, problems = context.new_page(), []
    page.emulate_media(media="print")
    try:
        for name in CHAPTERS:
            page.goto((Path(site.html) / lang / f"{name}.html").as_uri())
            for box in page.eval_on_selector_all("table.barometer-table", """els => els.map(t => ({id: t.id,
                    right: t.getBoundingClientRect().right,
                    text: document.querySelector('article').getBoundingClientRect().right}))"""):
                if box["right"] > box["text"] + 1:
                    problems.append(f"{lang}/{name} #{box['id']}: ends at {box['right']:.0f} px, the text at {box['text']:.0f} px")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# the reproduction appendix's rows (barometer.reproduction.reader_tables), without a build

INTERNAL = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z]+\.[a-z_]+\.[a-z_.]+\b|\b(?:true|false|True|False|None)\b")


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_reproduction_rows_in_the_readers_words(lang):
    """Every published figure, reproduced as published, gets a row in the reader's words: grouped by
    chapter, no internal key or code, a range written as a range, numbers written for the language."""
    from barometer import reproduction

    published = reproduction.published_leaves()
    findings = {key: {"value": value, "n": 113} for key, value in published.items()}
    by_chapter = reproduction.reader_tables(findings, lang)
    assert list(by_chapter) == list(reproduction.PARTS)
    rows = pd.concat(by_chapter.values())
    assert len(rows) == len(published) and rows["match"].all()
    text = "\n".join(rows[["label", "published", "reproduced"]].to_numpy().ravel())
    assert not INTERNAL.findall(text), sorted(set(INTERNAL.findall(text)))
    ranges = [v for v in published.values() if isinstance(v, list) and len(v) == 2 and all(isinstance(x, float) for x in v)]
    assert ranges, "the published figures hold a range of means"
    for low, high in ranges:
        written = f"{low:.1f}–{high:.1f}".replace(".", ",")
        assert written in set(rows["published"]), written
    assert len(set(rows["label"])) == len(rows), "two figures with the same label"


def test_reproduction_rows_show_a_difference():
    """A figure reproduced otherwise, or not at all, is a row that says so (no match, its own value or "–")."""
    from barometer import reproduction

    published = reproduction.published_leaves()
    findings = {key: {"value": value, "n": 113} for key, value in published.items()}
    findings["perception.concerned_pct.all"] = {"value": published["perception.concerned_pct.all"] + 1, "n": 113}
    del findings["sample.respondents"]
    rows = pd.concat(reproduction.reader_tables(findings, "nl").values())
    differing = rows.loc[~rows["match"]]
    assert len(differing) == 2
    assert set(differing["reproduced"]) == {"–", f"{published['perception.concerned_pct.all'] + 1}%"}
