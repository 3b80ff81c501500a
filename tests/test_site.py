"""The site as a reader gets it: the interface in the page's language, French spacing,
accessibility (axe-core), keyboard use, light pages, the landing page and the citation.

Reads the site conftest's ``site`` builds once per run; every page of both books is opened in
Debian's Chromium at 1280 px and at 390 px wide (over the local static server, as a reader's
browser would get it). Screenshots of every page of the table of contents at both widths are
written to ``build/screenshots/`` (``<lang>-<page>-<width>.jpg``, full page) for a reviewer.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from barometer import fmt, pages, sphinxext
from barometer.codebook import LANGUAGES
from barometer.i18n import t

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDTHS = (1280, 390)
PAGE_BUDGET = 1_500_000  # bytes a page and everything it loads may weigh
SITE_BUDGET = 20_000_000  # bytes of the whole site: both books, the landing page, the PDFs
SERIOUS = {"serious", "critical"}
TEXT = {".html", ".css", ".js", ".svg", ".json", ".txt", ".xml"}
#: The theme's English words that must not show on a Dutch or French page (book.yml ``interface``
#: holds their translations), and the theme's placeholder.
ENGLISH = {*pages.interface_words("nl"), "Search...", "Search the docs ...", "Search", "Contents", "previous", "next",
           "Print to PDF", "Fullscreen mode", "Download this page", "Download source file", "Copyright",
           "file", "package", "sha256"}
#: A normal space (or none) where French wants a no-break space.
FRENCH_BREAKS = re.compile(r"[^\S\u00a0\u202f][?!;:\u00bb]|\u00ab[^\S\u00a0\u202f]")


def book_pages(site_dir: Path, lang: str) -> list[str]:
    folder = site_dir / lang
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                  if "_static" not in p.relative_to(folder).parts)


def toc_pages(lang: str) -> list[str]:
    """The pages of the table of contents, in reading order (the chapters and the appendices)."""
    tree = pages.toc(lang)
    return [tree["root"], *(c["file"] for part in tree["parts"] for c in part["chapters"])]


def local_file(site_dir: Path, base: str, url: str) -> Path | None:
    """The site's file behind an address of the local server (None for another address)."""
    if not url.startswith(base):
        return None
    return site_dir / unquote(urlsplit(url).path).lstrip("/")


# ---------------------------------------------------------------------------------------------
# the browser pass: every page, both widths


GATHER = """() => {
  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (parent && !parent.closest('script, style, pre, code, kbd, math, .highlight')) words.push(node.nodeValue.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], [data-bs-title]'))
    for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'data-bs-title'])
      if (el.hasAttribute(a)) words.push(el.getAttribute(a).trim());
  words.push(document.title);
  return words.filter(w => w);
}"""

VISIBLE_SEARCH = """() => [...document.querySelectorAll('form.bd-search, .search-button-field, button.search-button')]
  .filter(e => !e.closest('dialog') && e.offsetParent !== null && e.getBoundingClientRect().width > 0).length"""


def check_page(page, lang: str, name: str, width: int, site_dir: Path, base: str, requested: set[str], axe) -> list[str]:
    """Problems of the page open in ``page`` (see test_pages_as_readers_get_them)."""
    where, problems = f"{lang}/{name} @{width}px", []
    words = page.evaluate(GATHER)
    if len(words) < 20:
        problems.append(f"{where}: only {len(words)} words gathered")
    english = sorted({w for w in words if w in ENGLISH})
    problems += [f"{where}: English interface word {w!r}" for w in english]
    if lang == "fr":
        problems += [f"{where}: breakable space in French: {w[max(0, m.start() - 25):m.end() + 5]!r}"
                     for w in words for m in FRENCH_BREAKS.finditer(w)][:5]
    result = axe.run(page, options={"resultTypes": ["violations"]})
    problems += [f"{where}: axe {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
                 for v in result.response["violations"] if v["impact"] in SERIOUS]
    headless = page.evaluate("() => [...document.querySelectorAll('article table')].filter(t => !t.querySelector('th')).length")
    if headless:
        problems.append(f"{where}: {headless} table(s) without header cells")
    images = page.evaluate("""() => [...document.querySelectorAll('img')].filter(i =>
        !(i.getAttribute('width') && i.getAttribute('height') && i.getAttribute('loading') === 'lazy')).map(i => i.getAttribute('src'))""")
    problems += [f"{where}: image without width, height or lazy loading: {src}" for src in images]
    scripts = page.evaluate("() => [...document.scripts].map(s => s.src).filter(s => /mathjax|tex-svg/i.test(s))")
    problems += [f"{where}: loads MathJax ({s})" for s in scripts]
    searches = page.evaluate(VISIBLE_SEARCH)
    if (width >= 1280 and searches != 1) or searches < 1:
        problems.append(f"{where}: {searches} visible search fields")
    cite = page.locator("footer .cite-link a[href='cite.html']")
    if cite.count() != 1 or _norm(cite.inner_text()) != _norm(t("book.cite.link", lang)):
        problems.append(f"{where}: no footer link to how to cite")
    icon = page.evaluate("() => (document.querySelector('link[rel~=icon]') || {}).href || ''")
    if not icon or not (local_file(site_dir, base, icon) or Path("/nonexistent")).is_file():
        problems.append(f"{where}: no favicon ({icon!r})")
    # the page's weight: the page, what it loaded, and every image it shows (lazy ones included)
    urls = requested | set(page.evaluate("() => [...document.images].map(i => i.currentSrc || i.src)"))
    files = {f for f in (local_file(site_dir, base, u) for u in urls) if f is not None and f.is_file()}
    weight = sum(transferred(f) for f in files)
    if weight > PAGE_BUDGET:
        problems.append(f"{where}: {weight / 1e6:.2f} MB transferred with what it loads "
                        f"({sum(f.stat().st_size for f in files) / 1e6:.2f} MB on disk; budget {PAGE_BUDGET / 1e6} MB)")
    return problems


def transferred(path: Path) -> int:
    """Bytes a web server sends for a file: text compressed (gzip, as static hosts serve HTML, CSS,
    scripts and SVG), other files as they are."""
    if path.suffix.lower() in TEXT:
        return len(gzip.compress(path.read_bytes(), 6))
    return path.stat().st_size


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def axe():
    return pytest.importorskip("axe_playwright_python.sync_playwright").Axe()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_as_readers_get_them(site, browser, server, axe, lang, width):
    """Every page of the ``lang`` book at ``width`` px, over the local server:

    no English word of the theme (book.yml ``interface``: skip link, sidebar toggles, "On this
    page", announcement, theme switcher, previous/next; the search placeholder) in the text or in
    aria-label/title/placeholder/alt; on French pages no breakable space before ? ! ; : » or after
    «; axe-core finds no serious or critical violation; every table of the article has header
    cells; every image has width, height and loading="lazy"; no MathJax; one visible search field
    at 1280 px (at least one at 390 px); the footer links to the citation page; a favicon; the page
    with everything it loads and every image it shows (lazy ones included) transfers at most 1.5 MB
    (text compressed as a static host sends it, see ``transferred``). The pages of the table of
    contents are photographed, full page, into build/screenshots/.
    """
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route(re.compile(r"^(?!" + re.escape(server) + r")(https?|wss?)://"), lambda route: route.abort())
    page = context.new_page()
    requested: set[str] = set()
    page.on("request", lambda r: requested.add(r.url))
    shots = set(toc_pages(lang))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    names = book_pages(site.html, lang)
    assert len(names) > 10
    try:
        for name in names:
            requested.clear()
            page.goto(f"{server}/{lang}/{name}", wait_until="load")
            problems += check_page(page, lang, name, width, site.html, server, requested, axe)
            if name.removesuffix(".html") in shots:
                page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
                page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=15_000)
                page.screenshot(path=str(SCREENSHOTS / f"{lang}-{name.removesuffix('.html')}-{width}.jpg"), full_page=True,
                                type="jpeg", quality=80)
    finally:
        context.close()
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_keyboard(site, browser, server, lang, width):
    """By keyboard: the first Tab reaches the skip link (in the page's language, visible when
    focused); Enter on it moves to the main content, and the next Tabs go on from there into the
    article; the language link, the search and the citation link in the footer are reachable."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{server}/{lang}/sample.html", wait_until="load")
        page.keyboard.press("Tab")
        focused = page.evaluate("() => [document.activeElement.getAttribute('href'), document.activeElement.innerText]")
        assert focused[0] == "#main-content", f"first Tab lands on {focused}"
        assert _norm(focused[1]) == _norm(t("book.interface.Skip to main content", lang))
        # it slides in when focused: wait until it is in the viewport
        page.wait_for_function("""() => { const r = document.activeElement.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""", timeout=5_000)
        page.keyboard.press("Enter")
        page.wait_for_function("() => location.hash === '#main-content'", timeout=5_000)
        page.keyboard.press("Tab")
        inside = page.evaluate("() => !!document.activeElement.closest('#main-content')")
        assert inside, "Tab after the skip link leaves the main content"
        reached = set()
        page.goto(f"{server}/{lang}/sample.html", wait_until="load")
        for _ in range(400):
            page.keyboard.press("Tab")
            reached.add(page.evaluate("""() => { const e = document.activeElement;
                return e.id === 'lang-switch' ? 'lang' : e.matches('.search-button__button, form.bd-search input') ? 'search'
                     : e.matches("footer .cite-link a") ? 'cite' : ''; }"""))
            if {"lang", "search", "cite"} <= reached:
                break
        assert {"lang", "search", "cite"} <= reached, f"reached by Tab: {sorted(reached - {''})}"
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_summary_in_the_page_language(site, browser, server, lang):
    """The search page says how many pages it found, in the page's language."""
    word = {"nl": "gemeenten", "fr": "communes"}[lang]
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server}/{lang}/search.html?q={word}", wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=15_000)
        summary = page.locator("#search-results p.search-summary")
        page.wait_for_function("() => /\\d/.test(document.querySelector('#search-results p.search-summary')?.innerText || '')",
                               timeout=15_000)
        hits = page.locator("#search-results ul.search li").count()
        key = "book.interface.Search finished, found ${resultCount} page(s) matching the search query."
        assert _norm(summary.inner_text()) == _norm(t(key, lang).replace("${resultCount}", str(hits)))
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_landing_page(site, browser, server, axe, width):
    """index.html names the report in both languages, says what it is in both (each part marked
    with its language), carries the notice while the data are synthetic, links both books, both
    PDFs (where the build prints them) and the citation; every link leads to a file of the site;
    a favicon; no serious or critical axe violation."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{server}/index.html", wait_until="load")
        title = _norm(page.locator("h1").inner_text())
        for lang in LANGUAGES:
            assert t("book.title", lang) in title
            part = page.locator(f"section[lang='{lang}']")
            assert part.count() == 1
            text = _norm(part.inner_text())
            assert _norm(t("book.landing.what", lang)) in text
            notice = pages.notice_for(None, lang)
            assert notice and _norm(notice) in text  # the default data are synthetic
            hrefs = part.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            assert f"{lang}/index.html" in hrefs and f"{lang}/cite.html" in hrefs
            pdf = pages.pdf_href(lang)
            if pdf:
                assert pdf in hrefs
        links = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        missing = [h for h in links if not (site.html / h).is_file()]
        assert not missing, f"links to nothing: {missing}"
        icon = page.evaluate("() => document.querySelector('link[rel~=icon]').getAttribute('href')")
        assert (site.html / icon).is_file()
        violations = [v["id"] for v in axe.run(page).response["violations"] if v["impact"] in SERIOUS]
        assert not violations
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"landing-{width}.jpg"), full_page=True, type="jpeg", quality=80)
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------
# files


def test_site_weight_and_what_it_ships(site):
    """The whole site (both books, the landing page and the PDFs) is under 20 MB; no source maps,
    no icon script, no MathJax, no second copy of the notebooks; the notebooks offered for download
    carry their code without outputs."""
    files = [p for p in site.html.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    assert total < SITE_BUDGET, f"the site weighs {total / 1e6:.1f} MB"
    names = [p.relative_to(site.html).as_posix() for p in files]
    shipped = [n for n in names if n.endswith(".map") or "fontawesome.js" in n or "mathjax" in n.lower()
               or "/_static/notebooks/" in n]
    assert not shipped, shipped
    import nbformat

    downloads = [p for p in files if p.suffix == ".ipynb" and "_downloads" in p.parts]
    assert downloads
    for path in downloads:
        nb = nbformat.read(path, as_version=4)
        assert any(c.cell_type == "code" and c.source for c in nb.cells)
        assert not any(c.get("outputs") for c in nb.cells), f"{path} has outputs"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_formulas_are_mathml(site, lang):
    """The method page's formulas are MathML, which the browser renders itself (no TeX left)."""
    html = (site.html / lang / "method.html").read_text(encoding="utf-8")
    assert html.count("<math ") >= 3
    assert "\\(" not in html and "$$" not in html


def test_local_links_lead_to_files(site):
    """Every href and src of every page that points inside the site names a file that is there."""
    broken = []
    for lang in LANGUAGES:
        for name in book_pages(site.html, lang):
            path = site.html / lang / name
            for target in re.findall(r'(?:href|src)="([^"#?]+)', path.read_text(encoding="utf-8")):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue
                if not (path.parent / unquote(target)).exists():
                    broken.append(f"{lang}/{name}: {target}")
    assert not broken, "\n".join(sorted(set(broken))[:30])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_citation_page(site, lang):
    """cite.html, from CITATION.cff: this edition (title, version) with the commit the book was
    built from (the colophon's), and the original report."""
    html = (site.html / lang / "cite.html").read_text(encoding="utf-8")
    cff = pages.citation()
    text = _norm(re.sub(r"<[^>]+>", " ", html))
    assert cff["title"] in text and cff["version"] in text
    commit = re.search(r"commit (\S+)", (site.work / "pages" / "build-info.md").read_text(encoding="utf-8")).group(1)
    assert re.search(rf"commit {re.escape(commit)}", text), "the commit is not on the citation page"
    for ref in cff["references"]:
        assert ref["title"] in text
    assert t("book.cite.title", lang).split()[0] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_navigation_and_appendix_titles(site, lang):
    """The introduction (the book's first page) is in the navigation, and every appendix title
    follows one pattern: "Bijlage: …" / "Annexe : …"."""
    html = (site.html / lang / "sample.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav class="bd-links bd-docs-nav".*?</nav>', html, re.S).group(0)
    assert re.search(r'href="index.html"', nav), "the introduction is not in the navigation"
    appendices = pages.toc(lang)["parts"][-1]["chapters"]
    prefix = {"nl": "Bijlage: ", "fr": "Annexe\u00a0: "}[lang]
    titles = {}
    for chapter in appendices:
        page = (site.html / lang / f"{chapter['file']}.html").read_text(encoding="utf-8")
        heading = re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))
        titles[chapter["file"]] = re.sub(r"[ \t\n]+", " ", heading).strip()
    wrong = {k: v for k, v in titles.items() if not v.startswith(prefix)}
    assert len(titles) >= 5 and not wrong, wrong


# ---------------------------------------------------------------------------------------------
# the pieces


def test_french_typography():
    """A no-break space before ? ! ; : » and after « in French; narrow ones kept; Dutch unchanged."""
    assert fmt.typography("Qui ? « oui » : non ; si !", "fr") == "Qui\u00a0? «\u00a0oui\u00a0»\u00a0: non\u00a0; si\u00a0!"
    assert fmt.typography("a\u202f; b", "fr") == "a\u202f; b"
    assert fmt.typography("Wie ? Wat : dit", "nl") == "Wie ? Wat : dit"
    page = '<h1 title="Quoi ?">Quoi ?</h1><script>if (a ? b : c) {}</script><code>x : y</code><p>« a »</p>'
    assert sphinxext.french_spacing(page) == ('<h1 title="Quoi\u00a0?">Quoi\u00a0?</h1><script>if (a ? b : c) {}</script>'
                                              '<code>x : y</code><p>«\u00a0a\u00a0»</p>')


def test_figure_words_get_french_spacing(tmp_path):
    """The words drawn in a French figure get the same spacing as the text."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from barometer import figures

    fig, ax = plt.subplots()
    ax.set_title("Pourquoi ?", loc="center")  # explicit: the project's style may place titles left
    ax.set_xlabel("Part : communes")
    figures.save(fig, "spacing", data={"a": [1]}, figures_dir=tmp_path, lang="fr")
    assert ax.get_title(loc="center") == "Pourquoi\u00a0?" and ax.get_xlabel() == "Part\u00a0: communes"
    plt.close(fig)


def test_images_get_their_size(tmp_path):
    """An <img> gets the size its file is meant to be shown at (a PNG at its resolution) and lazy loading."""
    from PIL import Image

    Image.new("RGB", (200, 100)).save(tmp_path / "a.png", dpi=(192, 192))
    (tmp_path / "b.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="72pt" height="36pt"></svg>')
    page = sphinxext.sized_images('<img alt="" src="a.png" /><img src="b.svg" alt="">', tmp_path)
    assert page == ('<img alt="" src="a.png" width="100" height="50" loading="lazy" />'
                    '<img src="b.svg" alt="" width="96" height="48" loading="lazy">')


def test_interface_catalogue_is_compiled_for_sphinx():
    """The theme's words of book.yml reach Sphinx: its .mo catalogue and its search script's translations."""
    import gettext
    import io
    import json

    for lang in LANGUAGES:
        mo, js = pages.message_catalogue(lang)
        catalogue = gettext.GNUTranslations(io.BytesIO(mo))
        script = json.loads(js[js.index("(") + 1:js.rindex(")")])
        for english, text in pages.interface_words(lang).items():
            assert catalogue.gettext(english) == text != english
            assert script["messages"][english] == text
        assert script["locale"] == lang and script["messages"]["Search"]  # Sphinx's own words kept
        # no build time in it (the same words give the same bytes, so an unchanged book is not rebuilt)
        import datetime

        assert str(datetime.date.today()) not in catalogue.info()["pot-creation-date"]
