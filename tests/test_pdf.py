"""The PDF edition of each book (``barometer.pdf``), as the build publishes it.

Reads the one site the test run builds (conftest's ``site``): each language's PDF beside its
pages, compared with the HTML pages it was printed from. A4 pages; the synthetic-data notice on
the title page and at the head of every page while the data are synthetic (and in the file's
name); page numbers; a table of contents whose page numbers are those of the bookmarks; a
bookmark per chapter (and its sections); every chapter title, glued number and number of the
site's text in the PDF's text, chapter by chapter; every figure and table of the site in the PDF,
fitting the page. On the site: every page links to its PDF, and in print the notice shows.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from barometer import pdf
from barometer.codebook import LANGUAGES
from barometer.i18n import t
from barometer.pages import notice_for

pypdf = pytest.importorskip("pypdf")

A4 = (595.28, 841.89)  # points
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")  # thousands written with a space count as two numbers, on both sides


def norm(text: str) -> str:
    """Whitespace as one space (PDF text breaks lines; no-break spaces are spaces to a reader)."""
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Without any whitespace: Chromium's bookmarks drop the space where a long title wraps."""
    return "".join(text.split())


@functools.lru_cache(maxsize=None)
def _article_html(path: Path) -> str:
    found = re.search(r'<article class="bd-article"[^>]*>.*?</article>', path.read_text(encoding="utf-8"), re.S)
    assert found, f"{path} has no article"
    return found.group(0)


def article(html_dir: Path, name: str):
    """A page's article (its content, without the theme's frame), parsed afresh (callers edit it)."""
    found = BeautifulSoup(_article_html(html_dir / f"{name}.html"), "html.parser").article
    for tag in found.select("a.headerlink, math, .math, script, style, button"):  # formulas: drawn, not text
        tag.decompose()
    return found


def page_texts(path: Path, reader) -> list[str]:
    """Every page's text, as laid out: poppler's pdftotext where it is installed (a fraction of a
    second for a book), else pypdf (about ten seconds of CPU for a book: it parses every glyph's
    position in Python)."""
    if shutil.which("pdftotext") is None:
        return [page.extract_text() for page in reader.pages]
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    pages = out.stdout.decode("utf-8").split("\f")
    assert len(pages) == len(reader.pages) + 1 and not pages[-1].strip(), "pdftotext: one form feed per page"
    return pages[:-1]


def outline(reader) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """(title, page from one, [(section title, page)]) of every top-level bookmark."""
    top: list = []
    for item in reader.outline:
        if isinstance(item, list):
            assert top, "a nested bookmark list before any bookmark"
            top[-1][2].extend((child.title, reader.get_destination_page_number(child) + 1)
                              for child in item if not isinstance(child, list))
        else:
            top.append((item.title, reader.get_destination_page_number(item) + 1, []))
    return top


@pytest.fixture(scope="module")
def editions(site):
    """Per language: the PDF's path, reader, every page's text, its bookmarks, and the book's pages."""
    if pdf.missing():
        pytest.skip(f"the PDF edition cannot be printed here: {pdf.missing()} (`make pdf`)")
    out = {}
    for lang in LANGUAGES:
        notice = notice_for(None, lang)
        path = site.html / lang / pdf.filename(lang, notice is not None)
        assert path.is_file(), f"{path} was not published; the {lang} folder has {sorted(p.name for p in path.parent.glob('*.pdf'))}"
        reader = pypdf.PdfReader(path)
        out[lang] = {"path": path, "reader": reader, "notice": notice, "texts": page_texts(path, reader),
                     "outline": outline(reader), "order": [name for _, name in pdf.reading_order(lang)],
                     "html": site.html / lang}
    return out


def chapters_of(edition) -> dict[str, str]:
    """Page name -> the PDF's text of that chapter (its bookmark's page up to the next chapter's)."""
    starts = [page for _, page, _ in edition["outline"][1:]]  # [0]: the contents
    ends = [*starts[1:], len(edition["texts"]) + 1]
    return {name: "\n".join(edition["texts"][start - 1:end - 1])
            for name, start, end in zip(edition["order"], starts, ends, strict=True)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a4_pages_with_numbers(editions, lang):
    """Every page is A4 portrait and says "page i of n" (the footer, in the book's language)."""
    edition = editions[lang]
    reader, texts = edition["reader"], edition["texts"]
    assert len(texts) > len(edition["order"]), "fewer pages than chapters"
    for i, page in enumerate(reader.pages, start=1):
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) < 1.5 and abs(float(box.height) - A4[1]) < 1.5, f"page {i}: {box}"
        assert norm(t("book.pdf.page", lang, page=i, pages=len(texts))) in norm(texts[i - 1]), f"page {i}: no page number"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_notice_on_the_title_page_and_every_page(editions, lang):
    """While the data are synthetic: the file's name says so, the title page carries the book's
    title and the notice, and every page's head repeats the notice."""
    edition = editions[lang]
    notice = edition["notice"]
    assert notice, "the default data are synthetic: the book must carry the notice"
    assert "synthetic" in edition["path"].name
    first = norm(edition["texts"][0])
    assert norm(t("book.title", lang)) in first
    assert norm(notice) in first
    missing = [i for i, text in enumerate(edition["texts"], start=1) if norm(notice) not in norm(text)]
    assert not missing, f"pages without the notice: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bookmarks_per_chapter_and_section(editions, lang):
    """The bookmarks: the contents, then one per page of the book with its title (the page's h1),
    in the table of contents' order, each on a later page than the one before; under each
    chapter a bookmark per section (h2) with its title."""
    edition = editions[lang]
    top = edition["outline"]
    assert squeeze(top[0][0]) == squeeze(t("book.pdf.contents", lang))
    assert len(top) == len(edition["order"]) + 1, [title for title, _, _ in top]
    previous = top[0][1]
    for name, (title, page, sections) in zip(edition["order"], top[1:], strict=True):
        page_article = article(edition["html"], name)
        assert squeeze(title) == squeeze(page_article.find("h1").get_text()), f"{name}: bookmark {title!r}"
        assert page > previous, f"{name}: bookmark on page {page}, after page {previous}"
        previous = page
        h2 = [squeeze(h.get_text()) for h in page_article.find_all("h2")]
        assert [squeeze(s) for s, _ in sections] == h2, f"{name}: section bookmarks"
        assert all(page <= p for _, p in sections), f"{name}: a section before its chapter"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_contents_give_the_pages_of_the_bookmarks(editions, lang):
    """The table of contents lists every chapter with the page its bookmark points to."""
    edition = editions[lang]
    contents_pages = [i for i, text in enumerate(edition["texts"]) if i + 1 < edition["outline"][1][1]][1:]
    contents = "\n".join(edition["texts"][i] for i in contents_pages)
    assert contents_pages, "no page between the title page and the first chapter"
    for name, (_, page, _) in zip(edition["order"], edition["outline"][1:], strict=True):
        title = norm(article(edition["html"], name).find("h1").get_text())
        line = re.search(re.escape(title) + r" (\d+)\b", norm(contents))
        assert line, f"{title!r} is not in the contents"
        assert int(line.group(1)) == page, f"{title!r}: page {line.group(1)} in the contents, bookmark on page {page}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_same_titles_and_numbers_as_the_site(editions, lang):
    """Chapter by chapter: the page's title, every glued value (``{glue}``, span.pasted-text) and
    every number of the page's text and tables (formulas and code such as checksums aside) are in
    the PDF's text of that chapter, each number at least as often as the page shows it, whole (a
    number broken over two lines would count as two others)."""
    edition = editions[lang]
    problems = []
    glued_seen = 0
    for name, text in chapters_of(edition).items():
        page_article = article(edition["html"], name)
        flat = norm(text)
        if norm(page_article.find("h1").get_text()) not in flat:
            problems.append(f"{name}: title {page_article.find('h1').get_text()!r} not in the PDF")
        for span in page_article.select(".pasted-text, .pasted-inline"):
            glued_seen += 1
            if norm(span.get_text()) not in flat:
                problems.append(f"{name}: glued {span.get_text()!r} not in the PDF")
        for code in page_article.select("code"):  # checksums and identifiers: codes, not figures
            code.decompose()
        want = Counter(NUMBER.findall(page_article.get_text(" ")))
        have = Counter(NUMBER.findall(text))
        short = {n: (c, have[n]) for n, c in want.items() if have[n] < c}
        if short:
            problems.append(f"{name}: numbers (site, PDF) fewer in the PDF: {short}")
    assert glued_seen > 0, "no glued value found in the site: the check would be empty"
    assert not problems, "\n".join(problems)


def figure_alts(reader) -> list[str]:
    """The alternative text of every /Figure of the PDF's structure tree (a tagged PDF), in order:
    Chromium tags each image, raster or SVG, with its alt text."""
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"].get("/StructTreeRoot", {}))
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_figure_in_the_pdf(editions, lang):
    """Every figure of the site is in the PDF: its image, as a figure of the PDF's structure with
    the site's alternative text, in the site's order; its numbered caption in that chapter's text."""
    edition = editions[lang]
    chapters = chapters_of(edition)
    alts, problems = [], []
    for name in edition["order"]:
        for figure in article(edition["html"], name).select("figure"):
            alts += [norm(img.get("alt", "")) for img in figure.find_all("img")]
            number = figure.select_one(".caption-number")
            if number is None:
                problems.append(f"{name}: figure {figure.get('id')} has no number")
            elif norm(number.get_text()) not in norm(chapters[name]):
                problems.append(f"{name}: {number.get_text()!r} not in the PDF")
    assert alts, "the site has no figure"
    assert not problems, "\n".join(problems)
    in_pdf = [norm(alt) for alt in figure_alts(edition["reader"])]
    missing = [alt for alt in alts if alt not in in_pdf]
    assert not missing, f"figures of the site not in the PDF: {missing}"
    assert [alt for alt in in_pdf if alt in alts] == alts, "the PDF's figures are not in the site's order"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_figures_and_tables_fit_the_page(site, browser, lang):
    """The print-only page the PDF is printed from, laid out as print at the width of an A4 page's
    text (margins off): every image within the text's width and a page's height, every table
    within the text's width (nothing cut off at the right)."""
    if pdf.missing():
        pytest.skip(pdf.missing())
    source = site.work / "pdf" / lang / pdf.filename(lang, notice_for(None, lang) is not None).replace(".pdf", ".html")
    assert source.is_file()
    mm = 96 / 25.4
    width = round((210 - 2 * 18) * mm)
    height = (297 - 18 - 16) * mm
    context = browser.new_context(viewport={"width": width, "height": round(height)})
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        page.goto(source.as_uri(), wait_until="load")
        sizes = page.evaluate("""() => ({
            images: [...document.querySelectorAll('main img')].map(i => [i.getAttribute('src'),
                     i.getBoundingClientRect().width, i.getBoundingClientRect().height]),
            tables: [...document.querySelectorAll('main table')].map(t => [t.innerText.slice(0, 60),
                     t.getBoundingClientRect().right, t.scrollWidth - t.clientWidth]),
            right: document.querySelector('main').getBoundingClientRect().right})""")
    finally:
        context.close()
    assert sizes["images"] and sizes["tables"]
    wide = [(src, w, h) for src, w, h in sizes["images"] if w > width + 1 or h > height + 1]
    assert not wide, f"images larger than the page's text ({width} x {height:.0f} px): {wide}"
    cut = [(text, right, over) for text, right, over in sizes["tables"] if right > sizes["right"] + 1 or over > 1]
    assert not cut, f"tables wider than the page's text: {cut}"


# ---------------------------------------------------------------------------------------------
# on the site: the link to the PDF, the notice in print


def test_every_page_links_its_pdf(site):
    """Every HTML page of each book loads the PDF link (pdf-link.js) naming that book's PDF."""
    if pdf.missing():
        pytest.skip(pdf.missing())
    for lang in LANGUAGES:
        name = pdf.filename(lang, notice_for(None, lang) is not None)
        assert (site.html / lang / name).is_file()
        pages = [p for p in (site.html / lang).rglob("*.html") if "_static" not in p.relative_to(site.html / lang).parts]
        assert len(pages) > len(pdf.reading_order(lang)) - 1
        tag = re.compile(r'<script[^>]*data-href="' + re.escape(name) + r'"[^>]*src="[^"]*_static/pdf-link\.js')
        without = [p.name for p in pages if not tag.search(p.read_text(encoding="utf-8"))]
        assert not without, f"{lang} pages without the link to {name}: {without}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", ["index", "perception"])
def test_pdf_link_on_screen_and_notice_in_print(site, browser, lang, name):
    """On screen: the page shows a link to its book's PDF, in the page's language, that points
    at the PDF. In print: the synthetic-data notice shows, in dark text (the theme hides its
    banner in print and draws it white), and the links do not."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((site.html / lang / f"{name}.html").as_uri(), wait_until="load")
        link = page.locator("a#pdf-link")
        assert link.count() == 1 and link.is_visible()
        assert norm(link.inner_text()) == norm(t("book.pdf.link", lang))
        target = page.evaluate("document.getElementById('pdf-link').href")
        assert target == (site.html / lang / pdf.filename(lang, notice_for(None, lang) is not None)).as_uri()
        page.emulate_media(media="print")
        banner = page.locator(".bd-header-announcement")
        assert banner.count() == 1 and banner.is_visible()
        assert norm(t("common.synthetic_notice", lang)) in norm(banner.inner_text())
        colour = page.evaluate("getComputedStyle(document.querySelector('.bd-header-announcement')).color")
        assert sum(int(c) for c in re.findall(r"\d+", colour)[:3]) < 3 * 100, f"notice printed in {colour}"
        assert not link.is_visible()
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------
# where the PDF cannot be printed


def test_without_chromium_the_build_skips_the_pdf_and_says_how(monkeypatch, tmp_path, capsys):
    """No Chromium: no PDF task target, no link on the pages, and the step says it skipped the
    PDF and how to get it."""
    monkeypatch.setattr(pdf, "CHROMIUM", tmp_path / "no-chromium")
    assert pdf.missing() and pdf.targets(tmp_path, None) == [] and pdf.link("nl", "notice") == []
    task = pdf.task(tmp_path, "nl", None, [])
    assert "targets" not in task and task["uptodate"] == [False]
    action, args = task["actions"][0]
    action(*args)
    said = capsys.readouterr().out
    assert "skipped" in said and "make pdf" in said and str(tmp_path / "no-chromium") in said
