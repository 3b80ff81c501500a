"""End-to-end tests of the published site (``python -m barometer.build``).

The site is built ONCE per test run (conftest's ``site``, shared by the workers) by ``barometer.build.run``;
every test below reads that build (the site ``<tmp>/html`` and the work files ``<tmp>/work``).

1. Browser: every page of both books, opened in Chromium over ``file://`` and over a local
   static HTTP server, works offline and in its own language (see ``test_pages_in_browser``);
   the landing page links both books; the search finds Dutch and French words.
2. Parity: both books have the same pages, the Markdown pages glue the same findings, and the
   findings files of both languages are identical.
3. No hand-typed numbers in the prose (rules in ``test_no_hand_typed_numbers``).
4. No personal data from the raw exports anywhere in the site, the work files or the notebooks.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from barometer import chapters, pages
from barometer.codebook import LANGUAGES, load_codebook
from barometer.i18n import t, word_files
from barometer.surveymonkey import read_export

ROOT = Path(__file__).resolve().parents[1]
PAGES_SRC = ROOT / "book" / "pages"
RAW = ROOT / "data" / "raw" / "synthetic"
OTHER = {"nl": "fr", "fr": "nl"}
# The built site (``site``), the browser (``browser``) and the static server (``server``) are
# session fixtures of conftest.py, shared by every test file that reads the built book.


def book_pages(site_dir: Path, lang: str) -> list[str]:
    """The HTML pages of one book (theme templates under _static excluded)."""
    folder = site_dir / lang
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                  if "_static" not in p.relative_to(folder).parts)


class Tab:
    """One browser page with its console errors, page errors and failed requests recorded."""

    def __init__(self, context):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        # a request the browser itself cancels (net::ERR_ABORTED, e.g. on navigation) is no fault of the site
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})")
                     if r.failure != "net::ERR_ABORTED" else None)

    def open(self, url: str) -> None:
        self.errors.clear()
        self.page.goto(url, wait_until="load")

    def click(self, selector: str) -> None:
        self.errors.clear()
        with self.page.expect_navigation(wait_until="load"):
            self.page.click(selector)


def _context(browser, base: str):
    """A fresh profile (as a first-time visitor) in which nothing outside the site can load."""
    context = browser.new_context()
    # The book must work offline: any request leaving the site is refused, so that a page relying
    # on a CDN fails here the same way with or without internet access.
    context.route(re.compile(r"^(?!" + re.escape(base) + r")(https?|wss?)://"), lambda route: route.abort())
    return context


def _norm(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# 1. browser


def check_page(tab: Tab, lang: str, name: str) -> list[str]:
    """Problems of the page open in ``tab`` (expected: page ``name`` of the ``lang`` book)."""
    page, problems = tab.page, []
    where = f"{lang}/{name}"
    if not page.url.split("?")[0].split("#")[0].endswith(f"/{lang}/{name}"):
        problems.append(f"{where}: landed on {page.url}")
    problems += [f"{where}: {e}" for e in tab.errors]
    html_lang = page.evaluate("document.documentElement.lang")
    if html_lang != lang:
        problems.append(f"{where}: <html lang={html_lang!r}>, expected {lang!r}")
    # lazy images load when scrolled to: have them all loaded, then check each
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=15_000)
    broken = page.eval_on_selector_all(
        "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.getAttribute('src'))")
    problems += [f"{where}: image not loaded: {src}" for src in broken]
    switch = page.locator("a#lang-switch")
    if switch.count() != 1:
        problems.append(f"{where}: {switch.count()} a#lang-switch (expected 1)")
    elif not switch.is_visible():
        problems.append(f"{where}: a#lang-switch is not visible")
    notice = _norm(t("common.synthetic_notice", lang))
    banner = page.locator(".bd-header-announcement")
    if banner.count() != 1 or not banner.is_visible() or notice not in _norm(banner.inner_text()):
        problems.append(f"{where}: synthetic-data notice not visible")
    return problems


def test_pages_in_browser(site, browser, base_url):
    """Every HTML page of both books, over file:// and over http://127.0.0.1:

    loads with no console error, no uncaught page error and no failed request (nothing outside the
    site may be requested: the book must work offline); every <img> has loaded (naturalWidth > 0);
    <html lang> is the book's language; a#lang-switch exists, is visible, and clicking it lands on
    the twin page (same file name in the other language's folder), which passes the same checks;
    the synthetic-data notice (common.synthetic_notice) is visible. Each nl page is opened, then its
    language link is followed to the fr twin and that page's link back to the nl page, so every page
    of both books is checked and every language link is clicked. A fresh browser profile per
    transport, i.e. as seen by a first-time visitor. (genindex.html and search.html are included:
    they are ordinary pages of the theme, with the banner and the language link.)
    """
    names = book_pages(site.html, "nl")
    assert names and "index.html" in names
    context = _context(browser, base_url)
    tab = Tab(context)
    problems: list[str] = []
    try:
        for name in names:
            # nl page -> its language link -> fr twin -> its language link -> back on the nl page
            lang = "nl"
            tab.open(f"{base_url}/{lang}/{name}")
            problems += check_page(tab, lang, name)
            for _ in LANGUAGES:
                if tab.page.locator("a#lang-switch").count() != 1:
                    break
                tab.click("a#lang-switch")
                problems += [f"(from the language link of {lang}/{name}) {p}"
                             for p in check_page(tab, OTHER[lang], name)]
                lang = OTHER[lang]
    finally:
        context.close()
    assert not problems, f"{len(problems)} problem(s) over {base_url.split(':')[0]}:\n" + "\n".join(problems)


def test_landing_page(site, browser, base_url):
    """The landing page loads cleanly and links to both books, each link landing on its index."""
    context = _context(browser, base_url)
    tab = Tab(context)
    try:
        tab.open(f"{base_url}/index.html")
        assert not tab.errors
        for lang in LANGUAGES:
            link = tab.page.locator(f'a[href="{lang}/index.html"]')
            assert link.count() == 1, f"landing page has no link to {lang}/index.html"
            assert link.get_attribute("hreflang") == lang
            tab.click(f'a[href="{lang}/index.html"]')
            assert tab.page.url.endswith(f"/{lang}/index.html")
            assert tab.page.evaluate("document.documentElement.lang") == lang
            tab.page.go_back(wait_until="load")
    finally:
        context.close()


@pytest.mark.parametrize("lang,word", [("nl", "gemeenten"), ("fr", "communes")])
def test_search(site, browser, base_url, lang, word):
    """search.html?q=<word> lists at least one page (sphinx: #search-results ul.search > li)."""
    context = _context(browser, base_url)
    tab = Tab(context)
    try:
        tab.open(f"{base_url}/{lang}/search.html?q={word}")
        tab.page.wait_for_selector("#search-results ul.search li", timeout=15_000)
        hits = tab.page.locator("#search-results ul.search li a")
        assert hits.count() >= 1  # (console errors of search.html are checked in test_pages_in_browser)
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------
# 2. parity

GLUE = re.compile(r"\{(glue(?::\w+)?)\}`([^`]+)`")


def glue_refs(text: str) -> set[tuple[str, str, str]]:
    """(role, notebook, key) of every glue role in a page (format spec left aside)."""
    refs = set()
    for role, target in GLUE.findall(text):
        notebook, _, rest = target.rpartition("::")
        key = rest.rsplit(":", 1)[0] if ":" in rest else rest
        refs.add((role, notebook, key))
    return refs


def test_same_pages_in_both_books(site):
    nl, fr = set(book_pages(site.html, "nl")), set(book_pages(site.html, "fr"))
    assert nl == fr, f"only in nl: {sorted(nl - fr)}; only in fr: {sorted(fr - nl)}"
    assert {f"{p}.html" for p in (*pages.PAGES, *chapters.ALL)} <= nl


@pytest.mark.parametrize("page", sorted({p.name for lang in LANGUAGES for p in (PAGES_SRC / lang).glob("*.md")}))
def test_pages_glue_the_same_findings(page):
    """Every glue reference of book/pages/nl/<page> is in book/pages/fr/<page>, and vice versa."""
    refs = {}
    for lang in LANGUAGES:
        path = PAGES_SRC / lang / page
        assert path.exists(), f"{path} is missing"
        refs[lang] = glue_refs(path.read_text(encoding="utf-8"))
    assert refs["nl"] == refs["fr"], (f"only in nl: {sorted(refs['nl'] - refs['fr'])}; "
                                      f"only in fr: {sorted(refs['fr'] - refs['nl'])}")


def test_findings_identical_in_both_languages(site):
    folders = {lang: site.work / "site-src" / lang / "_findings" for lang in LANGUAGES}
    names = {lang: sorted(p.name for p in folder.glob("*.json")) for lang, folder in folders.items()}
    assert names["nl"], "no findings files were written"
    assert names["nl"] == names["fr"]
    for name in names["nl"]:
        nl, fr = (json.loads((folders[lang] / name).read_text(encoding="utf-8")) for lang in ("nl", "fr"))
        assert nl.keys() == fr.keys(), f"{name}: keys differ: {sorted(nl.keys() ^ fr.keys())}"
        differ = [k for k in nl if nl[k] != fr[k]]
        assert not differ, f"{name}: values differ for {differ}"


# ---------------------------------------------------------------------------------------------
# 3. no hand-typed numbers

NUMBER = re.compile(r"\d+(?:[.,]\d+|[ \u00a0\u202f]\d{3}(?!\d))*")
REFERENCE_HEADINGS = re.compile(r"^#+\s*(Referenties|Références|References|Bibliografie|Bibliographie)\s*$",
                                re.IGNORECASE)
CODE_DIRECTIVES = {"code", "code-block", "code-cell", "include", "literalinclude", "math", "raw", "eval-rst"}
YEAR = r"(?:19|20)\d\d"


def _blank(match: re.Match) -> str:
    """Replace a match by spaces, keeping its line breaks (so that line numbers stay right)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def markdown_prose(text: str) -> str:
    """Visible prose of a MyST Markdown page, line for line: code, roles, URLs and directive syntax
    replaced by blanks."""
    lines = text.split("\n")
    out = []
    fence = None  # (marker, keep_body)
    for line in lines:
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence[0]) and stripped.strip(fence[0][0]) == "":
                fence = None
                out.append("")
            elif fence[1] and not re.match(r"^\s*:[\w-]+:", line):
                out.append(line)
            else:
                out.append("")
            continue
        m = re.match(r"^\s*(`{3,}|~{3,}|:{3,})\s*(\{([\w:-]+)\})?", line)
        if m:
            name = m.group(3)
            keep = bool(name) and name not in CODE_DIRECTIVES  # admonitions, figures: body is prose
            fence = (m.group(1), keep)
            out.append("")
            continue
        if re.match(r"^\s*\([\w.:-]+\)=\s*$", line):  # MyST target
            out.append("")
            continue
        out.append(line)
    text = "\n".join(out)
    text = re.sub(r"<!--.*?-->", _blank, text, flags=re.S)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", _blank, text)               # MyST roles (glue, math, ref, cite)
    text = re.sub(r"`[^`\n]*`", _blank, text)                          # code spans
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", _blank, text, flags=re.S)  # dollar math
    text = re.sub(r"\]\([^)\s]*\)", lambda m: "]" + " " * (len(m.group(0)) - 1), text)  # link targets
    text = re.sub(r"<?https?://[^\s>)]+>?", _blank, text)              # bare URLs
    return text


def reference_lines(text: str) -> set[int]:
    """Line numbers (0-based) of the references lists: the sections under a references heading."""
    inside, lines = False, set()
    for i, line in enumerate(text.split("\n")):
        if line.startswith("#"):
            inside = bool(REFERENCE_HEADINGS.match(line))
            continue
        if inside:
            lines.add(i)
    return lines


def allowed(text: str, start: int, end: int, in_reference: bool) -> bool:
    """Whether the number text[start:end] is excepted by one of the rules of the test's docstring."""
    token = text[start:end]
    before, after = text[max(0, start - 12):start], text[end:end + 12]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    # (a) a year
    if re.fullmatch(YEAR, token):
        return True
    # (b) a question id: q01, Q40
    if re.search(r"(?<![\w])[qQ]$", before):
        return True
    # (c) 95 as the confidence level
    if token == "95" and (re.match(r"%-|[ \u00a0\u202f]%", after) or re.search(r"à[ \u00a0]$", before)):
        return True
    # (d) a licence version: CC BY 4.0, CC BY-SA 2.0
    if re.search(r"\bCC[ \u00a0]BY(?:-[A-Z]{2})*[ \u00a0]$", before) and re.fullmatch(r"\d\.\d", token):
        return True
    # (e) an ordinal list marker: "1. ", "2) " at the start of a line; or an inline enumeration
    #     "(1) ..., (2) ... en (3) ..." whose markers run 1, 2, 3... in the same text
    if text[line_start:start].strip() == "" and re.match(r"[.)][ \u00a0]", after):
        return True
    if before.endswith("(") and after.startswith(")") and not re.search(r"\w\($", before):
        markers = [int(x) for x in re.findall(r"(?<!\w)\((\d+)\)", text)]
        run = 0
        while run < len(markers) and markers[run] == run + 1:
            run += 1
        if run >= 2 and 1 <= int(token) <= run:
            return True
    # (f) bibliographic data in a references list, or in a citation in parentheses with a year:
    #     volume(issue), page range, final page or article number, edition, ordinal in a cited title
    paren = _enclosing_parentheses(text, start)
    citation = paren is not None and re.search(rf"\b{YEAR}\b", paren)
    if in_reference or citation:
        if re.match(r"\(\d+\)", after) or (before.endswith("(") and re.search(r"\d\($", before)):
            return True                                            # 68(7): volume and issue
        if re.match(r"[–-]\d", after) or re.search(r"\d[–-]$", before):
            return True                                            # 1414–1419, 282–291
        if re.search(r"\b(pp?\.|p\.)[ \u00a0]$", before):
            return True                                            # p. 12
        if in_reference and re.search(r",[ \u00a0]$", before) and re.match(r"\.?\s*$", after.split("\n")[0]):
            return True                                            # ..., 3(31), 1026.
        if in_reference and re.match(r"(st|nd|rd|th|e|er|ème)\b", after):
            return True                                            # (3rd ed.), 12th Annual Conference
    return False


def _enclosing_parentheses(text: str, pos: int) -> str | None:
    """The text of the innermost parentheses around ``pos`` within its paragraph, if any."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        c = text[i]
        if c == "\n" and i > 0 and text[i - 1] == "\n":
            return None
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                close = text.find(")", pos)
                return text[i:close + 1] if close >= 0 else None
            depth -= 1
    return None


def hand_typed(text: str, reference: set[int] = frozenset()) -> list[tuple[int, str, str]]:
    """(line, number, line text) of each number in ``text`` that no rule excepts."""
    found = []
    for m in NUMBER.finditer(text):
        line_no = text.count("\n", 0, m.start())
        if not allowed(text, m.start(), m.end(), line_no in reference):
            line = text.split("\n")[line_no].strip()
            found.append((line_no + 1, m.group(0), line))
    return found


def prose_sources() -> list[tuple[str, str, set[int]]]:
    """(label, prose text, reference line numbers) of every source of the books' prose."""
    sources = []
    for lang in LANGUAGES:
        for path in sorted((PAGES_SRC / lang).glob("*.md")):
            raw = path.read_text(encoding="utf-8")
            sources.append((path.relative_to(ROOT).as_posix(), markdown_prose(raw), reference_lines(raw)))
    for path in word_files():
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in _leaves(tree):
            for lang in LANGUAGES:
                template = re.sub(r"\{[^{}]*\}", " ", value[lang]).replace("{{", "{").replace("}}", "}")
                sources.append((f"{path.relative_to(ROOT).as_posix()} {key} [{lang}]", markdown_prose(template), set()))
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                sources.append((f"{path.relative_to(ROOT).as_posix()} cell {i}", markdown_prose(cell.source),
                                reference_lines(cell.source)))
    return sources


def _leaves(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict) and set(value) <= set(LANGUAGES) and value:
            yield f"{prefix}{key}", value
        elif isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")


def test_rules_of_the_number_check():
    """The rules except what they say, and nothing else (guards the check against vacuity)."""
    ok = ["In 2016 en 2017.", "de vraag q01 en Q40", "een 95%-interval", "à 95 % de Wilson", "een 95 %-interval",
          "CC BY 4.0", "1. Eerste punt\n2. Tweede punt", "(Cochran, 1977)",
          "als (1) “a” (b), (2) “c” (d) en (3) “e” (f)"]
    for text in ok:
        assert hand_typed(markdown_prose(text)) == [], text
    ref = "## Referenties\n\n- X (2015). T. *J*, 68(7), 1414–1419.\n- Y (1977). *S* (3rd ed.).\n- Z. *12th Conf*,\n  282–291.\n"
    assert hand_typed(markdown_prose(ref), reference_lines(ref)) == []
    bad = ["113 gemeenten", "58 %", "Populatie (589)", "n = 113", "95 gemeenten", "van de 589 gemeenten",
           "1 januari 2016", "graad 1 of 2", "10.000 inwoners", "moins de 10 000", "4,2 op 5", "(3) alleen",
           "q 12", "1414–1419 gemeenten", "`x` 7", "68(7)"]
    for text in bad:
        assert hand_typed(markdown_prose(text)), text
    assert [n for _, n, _ in hand_typed(markdown_prose("{glue:text}`a.ipynb::k:s` en `3` en 4"))] == ["4"]


def test_no_hand_typed_numbers():
    """No number in the books' prose is typed by hand: numbers come from the data (glue, fields).

    Prose = the Markdown pages book/pages/<lang>/*.md, the words files (i18n.word_files: the shared
    catalogues and each chapter's notebooks/<chapter>.yml) and the Markdown cells of notebooks/*.ipynb,
    after removing MyST roles (``{glue:text}`...```, ``{math}``...), code spans and code blocks,
    MyST directive syntax (fence lines and ``:option:`` lines; the body of a code/include/math
    directive), dollar math, link targets and bare URLs, HTML comments, and the ``{field}``
    placeholders of the templates. A number is a digit sequence with its decimal or thousands
    separators (``10.000``, ``10 000``, ``4,2``). Each number fails the test unless one rule excepts it:

    (a) a year, 1900–2099 (also in citations such as "(Cochran, 1977)");
    (b) a question id: the digits right after a lone q/Q ("q01", "Q40");
    (c) 95 written as the confidence level: "95%-", "95 %", "à 95";
    (d) a licence version after "CC BY" ("CC BY 4.0");
    (e) an ordinal list marker: "1." / "1)" opening a line, or an inline enumeration "(1) … (2) …"
        whose markers run from 1 without gaps in the same text;
    (f) bibliographic data in a references list (the section under a "Referenties"/"Références"
        heading) or inside parentheses that contain a year: volume(issue) "68(7)", a page range
        "1414–1419", "p. 12", and, in a references list, the final page/article number of an entry
        ("…, 1026.") and an edition or ordinal in a cited title ("3rd ed.", "12th Annual …").
    """
    problems = []
    for label, text, refs in prose_sources():
        problems += [f"{label}:{line}: {number!r} in: {context}" for line, number, context in hand_typed(text, refs)]
    assert not problems, f"{len(problems)} hand-typed number(s):\n" + "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# 4. no personal data

SCANNED = {".html", ".htm", ".js", ".json", ".csv", ".ipynb", ".md", ".txt", ".svg", ".yml", ".yaml", ".xml", ".tex"}
IP = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d]|\.\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WORD = re.compile(r"\w+")
BASE64 = re.compile(r"[A-Za-z0-9+/=\\]{60,}")


@pytest.fixture(scope="module")
def planted():
    """Every personal value planted in the synthetic exports, by kind."""
    q40 = load_codebook()["contact_email"]
    values = {"ip": set(), "email": set(), "name": set()}
    for path in sorted(RAW.glob("*.csv")):
        df = read_export(path, drop_personal=False)
        values["ip"] |= set(df[("ip_address", "")].dropna().astype(str).str.strip())
        values["email"] |= set(df[("email_address", "")].dropna().astype(str).str.strip())
        for column in ("first_name", "last_name"):
            values["name"] |= set(df[(column, "")].dropna().astype(str).str.strip())
        contact = [c for c in df.columns if c[0] in {q40.text[lang] for lang in LANGUAGES}]
        assert contact, f"{path.name}: no column for {q40.id} ({q40.name})"
        for column in contact:
            values["email"] |= set(df[column].dropna().astype(str).str.strip())
    values = {kind: {v for v in vals if v} for kind, vals in values.items()}
    return values


def personal_hits(text: str, planted: dict) -> set[str]:
    """The planted values that occur in ``text``: IPs and e-mails as whole addresses (case-insensitive),
    names as whole words (case-sensitive). First names of two letters or fewer ("An") are words of
    ordinary text and minified code; they are caught as part of their e-mail address and beside
    their (distinctive) last name, which are checked."""
    text = BASE64.sub(" ", text)  # embedded images: long runs of base64 could spell a short name by chance
    if "&" in text:
        text = html.unescape(text)
    if "\\u" in text:
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    found = set(IP.findall(text)) & planted["ip"]
    emails = {e.lower() for e in planted["email"]}
    found |= {e for e in EMAIL.findall(text) if e.lower().strip(".") in emails}
    names = {n for n in planted["name"] if len(n) > 2}
    found |= set(WORD.findall(text)) & names
    return found


def test_planted_personal_data_is_found_in_the_raw_exports(planted):
    """Guard against a vacuous scan: many values were collected, and the scan finds each in the raw files."""
    total = sum(len(v) for v in planted.values())
    assert total > 50, planted
    assert len(planted["ip"]) > 20 and len(planted["email"]) > 20 and len(planted["name"]) > 10
    raw = "\n".join(p.read_text(encoding="utf-8", errors="ignore") for p in RAW.glob("*.csv"))
    found = {f.lower() for f in personal_hits(raw, planted)}
    checkable = planted["ip"] | planted["email"] | {n for n in planted["name"] if len(n) > 2}
    missing = {v for v in checkable if v.lower() not in found}
    assert not missing, f"planted values the scan does not find in the raw exports: {sorted(missing)}"


def test_no_personal_data_in_site_work_or_notebooks(site, planted):
    """No planted IP address, e-mail address (fixed column or the contact question), first or last
    name occurs in any text file (HTML, JS, JSON, CSV, ipynb, Markdown, text, SVG, YAML) of the built
    site, of the build's work folder, or of the stored notebooks/*.ipynb."""
    files = [p for root in (site.html, site.work) for p in root.rglob("*") if p.is_file() and p.suffix in SCANNED]
    files += sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(files) > 100, "the scan found suspiciously few files"
    leaks = {}
    for path in files:
        hits = personal_hits(path.read_text(encoding="utf-8", errors="ignore"), planted)
        if hits:
            leaks[str(path)] = sorted(hits)
    assert not leaks, "personal data found:\n" + "\n".join(f"{p}: {v}" for p, v in leaks.items())


def test_the_data_page_offers_the_disclosure_controlled_download(site):
    """Both data pages link one zip, named as synthetic, holding the public derived data: no NIS
    code or other identifying column, every estimate, and the notice in its README and datapackage."""
    import io
    import zipfile

    import pandas as pd

    targets = set()
    for lang in LANGUAGES:
        page = (site.html / lang / "data.html").read_text(encoding="utf-8")
        links = re.findall(r'href="([^"]+\.zip)"', page)
        assert len(links) == 1, (lang, links)
        archive = (site.html / lang / links[0]).resolve()
        assert archive.is_file() and archive.name.endswith("-synthetic.zip"), archive
        targets.add(archive.read_bytes())
    assert len(targets) == 1  # the same file in both books
    with zipfile.ZipFile(io.BytesIO(targets.pop())) as z:
        names = {Path(n).name: n for n in z.namelist()}
        assert {"respondents.csv", "estimates.csv", "tests.csv", "margins.csv", "design.R", "datapackage.json",
                "README.txt"} <= set(names)
        respondents = pd.read_csv(z.open(names["respondents.csv"]), dtype=str)
        assert not {"nis_code", "province", "inhabitants"} & set(respondents.columns)
        assert len(pd.read_csv(z.open(names["estimates.csv"]))) > 0
        package = json.loads(z.read(names["datapackage.json"]))
        assert package["disclosure_controlled"] is True and package["synthetic"] is True
        assert "SYNTH" in z.read(names["README.txt"]).decode("utf-8").upper()
