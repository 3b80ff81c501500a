"""The PDF edition: each language's book printed by Debian's Chromium into one A4 document.

The built HTML pages are the source, so the PDF says what the site says, with the same numbers,
figures and tables: the article of every page, in the table of contents' order, goes into one
print-only page (title page, contents, chapters), styled by the book's ``print.css``, which
Chromium prints with page numbers and bookmarks (its document outline, made from the headings).
The contents get their page numbers from a first print (the pages its entries' targets land on);
the second print is the edition. Where Chromium or Playwright is missing the build goes on
without the PDF and says how to get it (``make pdf``).
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import time
from pathlib import Path

from .i18n import t

CHROMIUM = Path("/usr/bin/chromium")  # Debian's: nothing is downloaded (the browser tests use it too)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STEM = "barometer-2017"
MARGIN = {"top": "18mm", "bottom": "16mm", "left": "18mm", "right": "18mm"}
PLACEHOLDER = "000"  # the contents' page numbers in the first print: as wide as the real ones
PASSES = 2  # prints with the contents' page numbers at most, until they are those of the print
TIMEOUT = 180_000  # ms for the browser to load the page (a busy machine is slow, not broken)


def filename(lang: str, synthetic: bool) -> str:
    """The PDF's name; it says "synthetic" while the data are."""
    return f"{STEM}-{lang}{'-synthetic' if synthetic else ''}.pdf"


def missing() -> str | None:
    """Why the PDF cannot be printed here, or None."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is not installed"
    if importlib.util.find_spec("playwright") is None:  # (not imported: the build asks at every start)
        return "playwright is not installed"
    return None


def link(lang: str, notice: str | None) -> list:
    """The ``html_js_files`` entry that links every page to the PDF (none where it cannot be printed)."""
    if missing():
        return []
    return [["pdf-link.js", {"data-href": filename(lang, notice is not None), "data-label": t("book.pdf.link", lang),
                             "data-title": t("book.pdf.link_title", lang)}]]


def target(work: Path, lang: str, data) -> Path:
    from .pages import notice_for

    return Path(work) / "pdf" / lang / filename(lang, notice_for(data, lang) is not None)


def task(work: Path, lang: str, data, deps: list[str]) -> dict:
    """The doit task ``pdf:<lang>``: after that language's book, before the site. Where the PDF
    cannot be printed it runs at every build, to say so."""
    book = Path(work) / "jb" / f"{lang}.sha256"
    if missing():
        return {"basename": f"pdf:{lang}", "actions": [(skip, [lang])], "uptodate": [False], "task_dep": [f"book:{lang}"]}
    return {"basename": f"pdf:{lang}", "actions": [(make, [work, lang, data])],
            "file_dep": [str(book), *deps], "targets": [str(target(work, lang, data))]}


def targets(work: Path, data) -> list[str]:
    """The PDFs the site publishes (none where they cannot be printed)."""
    from .codebook import LANGUAGES

    return [] if missing() else [str(target(work, lang, data)) for lang in LANGUAGES]


def publish(work: Path, lang: str, folder: Path, link) -> None:
    """Put the PDF of the ``lang`` book, where it was printed, into that book's folder of the site."""
    for edition in sorted((Path(work) / "pdf" / lang).glob("*.pdf")):
        link(edition, Path(folder) / edition.name)


def skip(lang: str) -> None:
    print(f"  skipped the {lang} PDF: {missing()}; `make pdf` installs Debian's chromium and prints it", flush=True)


def make(work: Path, lang: str, data):
    """Print the PDF of the ``lang`` book (its folder holds that PDF only); a failure names the step."""
    from doit.exceptions import TaskFailed

    from .pages import notice_for

    started, out = time.perf_counter(), target(work, lang, data)
    shutil.rmtree(out.parent, ignore_errors=True)
    out.parent.mkdir(parents=True)
    try:
        pages = print_book(Path(work) / "jb" / lang / "html", lang, notice_for(data, lang), out)
    except Exception as exc:  # noqa: BLE001 - the browser's errors too: the step says which book failed
        out.unlink(missing_ok=True)
        return TaskFailed(f"the {lang} PDF was not printed: {type(exc).__name__}: {exc}")
    print(f"  printed the {lang} PDF ({pages} pages) in {time.perf_counter() - started:.1f} s", flush=True)
    return None


# ---------------------------------------------------------------------------------------------
# the print-only page


def reading_order(lang: str) -> list[tuple[str | None, str]]:
    """(part caption or None, page) of every page of the book, as its table of contents lists them."""
    from .pages import toc

    tree = toc(lang)
    order = [(None, tree["root"])]
    for part in tree.get("parts", []):
        order += [(part.get("caption"), chapter["file"]) for chapter in part["chapters"]]
    return order


def _page_article(html_dir: Path, name: str):
    """A built page's head and article, parsed apart (the rest of the page, its navigation, is
    most of its bytes and none of the PDF)."""
    from bs4 import BeautifulSoup

    text = (html_dir / f"{name}.html").read_text(encoding="utf-8")
    head = re.search(r"<head>.*?</head>", text, re.S)
    article = re.search(r'<article class="bd-article"[^>]*>.*?</article>', text, re.S)
    if not head or not article:
        raise ValueError(f"{html_dir / name}.html: no <head> or no <article class=\"bd-article\"> (expected a page of the book)")
    return (BeautifulSoup(head.group(0), "html.parser").head,
            BeautifulSoup(article.group(0), "html.parser").article)


def _rewrite(article, name: str, pages: set[str], html_dir: Path) -> None:
    """Make a page's article part of the one document: ids prefixed by the page (they repeat
    across pages), links between pages turned into links inside the PDF, links to the site's
    other files (downloads, sources) kept as text (a PDF has no site around it), resources by
    absolute address, every image loaded at once (no lazy loading when printing)."""
    for tag in article.select("a.headerlink, button, .d-print-none, script[type='application/json']"):
        tag.decompose()
    for tag in article.find_all(id=True):
        tag["id"] = f"{name}--{tag['id']}"
    for link in article.find_all("a", href=True):
        href = link["href"]
        page, _, anchor = href.partition("#")
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):  # http(s), mailto: a link out stays a link
            continue
        if page == "" and anchor:
            link["href"] = f"#{name}--{anchor}"
        elif page.endswith(".html") and page[:-5] in pages:
            link["href"] = f"#{page[:-5]}--{anchor}" if anchor else f"#{page[:-5]}"
        else:
            link.unwrap()
    for tag in article.find_all(["img", "source", "object", "iframe", "embed"]):
        for attr in ("src", "data"):
            if tag.get(attr) and not re.match(r"^[a-z][a-z0-9+.-]*:", tag[attr]):
                tag[attr] = (html_dir / tag[attr]).resolve().as_uri()
        tag.attrs.pop("loading", None)
        tag.attrs.pop("srcset", None)


def _heading_text(tag) -> str:
    return " ".join(tag.get_text(" ", strip=True).split())


def _resource(html_dir: Path, tag, attr: str) -> str:
    """A head tag (stylesheet, MathJax) with its address made absolute, its version query dropped."""
    tag[attr] = (html_dir / tag[attr].split("?")[0]).resolve().as_uri()
    return str(tag)


def document(html_dir: Path, lang: str, notice: str | None) -> str:
    """The print-only page of the ``lang`` book: title page, contents (page numbers as placeholders,
    filled in by :func:`print_book`), then every page's article; the pages' stylesheets and, where
    a page has formulas, MathJax as the site loads it."""
    html_dir = Path(html_dir).resolve()
    order = reading_order(lang)
    names = {name for _, name in order}
    head: dict[str, str] = {}
    bodies, contents, part_seen = [], [], None
    for part, name in order:
        page_head, article = _page_article(html_dir, name)
        for link in page_head.find_all("link", rel="stylesheet", href=True):
            head.setdefault(link["href"].split("?")[0], _resource(html_dir, link, "href"))
        if article.select_one(".math"):
            for script in page_head.find_all("script"):
                if "mathjax" in (script.get("src", "") + (script.string or "")).lower():
                    key = script.get("src", "").split("?")[0] or script.string
                    head.setdefault(key, _resource(html_dir, script, "src") if script.get("src") else str(script))
        _rewrite(article, name, names, html_dir)
        if part and part != part_seen:
            contents.append(f'<li class="toc-part">{html.escape(part)}</li>')
            part_seen = part
        for heading in article.find_all(["h1", "h2"]):
            section = heading.find_parent("section")
            anchor = section["id"] if section is not None and section.get("id") else name
            contents.append(f'<li class="toc-{heading.name}"><a href="#{anchor}"><span class="toc-title">'
                            f'{html.escape(_heading_text(heading))}</span><span class="toc-page">{PLACEHOLDER}</span></a></li>')
        bodies.append(f'<section class="pdf-chapter" id="{name}">{article.decode_contents()}</section>')
    title = t("book.title", lang)
    notice_html = f'<p class="pdf-notice">{html.escape(notice)}</p>' if notice else ""
    head.setdefault("_static/print.css", f'<link rel="stylesheet" href="{(html_dir / "_static" / "print.css").as_uri()}">')
    return "\n".join([
        f'<!DOCTYPE html><html lang="{lang}" data-theme="light"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", *head.values(),
        '</head><body class="pdf-edition"><main class="bd-article">',
        f'<section class="pdf-title-page"><p class="pdf-title">{html.escape(title)}</p>'
        f'<p class="pdf-author">{html.escape(t("book.author", lang))}</p>{notice_html}'
        f'<p class="pdf-about">{html.escape(t("book.pdf.about", lang))}</p></section>',
        f'<nav class="pdf-contents" id="pdf-contents"><h1>{html.escape(t("book.pdf.contents", lang))}</h1>'
        f'<ol>{"".join(contents)}</ol></nav>',
        *bodies,
        "</main></body></html>",
    ])


# ---------------------------------------------------------------------------------------------
# printing


def _header_footer(lang: str, notice: str | None) -> tuple[str, str]:
    """Chromium's running header (the notice, while the data are synthetic) and footer (title, page numbers)."""
    style = ("font-family: 'Liberation Sans', Arial, sans-serif; font-size: 7.5px; font-variant-ligatures: none;"
             " width: 100%; margin: 0 18mm; color: #333;")
    header = f'<div style="{style} text-align: center;">{html.escape(notice or "")}</div>'
    page = t("book.pdf.page", lang, page='<span class="pageNumber"></span>', pages='<span class="totalPages"></span>')
    footer = (f'<div style="{style} display: flex; justify-content: space-between;">'
              f'<span>{html.escape(t("book.title", lang))}</span><span>{page}</span></div>')
    return header, footer


def page_numbers(pdf: Path) -> dict[str, str]:
    """Anchor -> page (counted from one) of every named destination of a printed PDF: Chromium
    names each target of a link inside the document after its id."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    found = {}
    for name, destination in reader.named_destinations.items():
        page = reader.get_destination_page_number(destination)
        if page is not None and page >= 0:
            found[str(name).lstrip("/")] = str(page + 1)
    return found


FILL_CONTENTS = """numbers => { for (const a of document.querySelectorAll('.pdf-contents a[href^="#"]'))
  a.querySelector('.toc-page').textContent = numbers[a.getAttribute('href').slice(1)] || '?'; }"""
NOT_LOADED = "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"


def print_book(html_dir: Path, lang: str, notice: str | None, out: Path) -> int:
    """Print the book of ``html_dir`` to ``out`` (its print-only page beside it); the number of pages.

    The contents' page numbers come from the previous print (the first one plain: no bookmarks,
    tags, header or footer, which do not move the layout); a number takes the placeholder's room,
    so the layout does not move either and the second print is normally the last."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    source = out.with_suffix(".html")
    source.write_text(document(html_dir, lang, notice), encoding="utf-8")
    header, footer = _header_footer(lang, notice)
    options = {"path": str(out), "format": "A4", "margin": MARGIN, "print_background": True, "outline": True,
               "tagged": True, "display_header_footer": True, "header_template": header, "footer_template": footer}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())  # nothing from outside
            page.set_default_timeout(TIMEOUT)
            page.goto(source.as_uri(), wait_until="load")
            page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
            broken = page.evaluate(NOT_LOADED)
            if broken:
                raise RuntimeError(f"{source}: images that do not load: {broken}")
            page.pdf(path=str(out), format="A4", margin=MARGIN)  # the same layout, only for its pages: quicker
            numbers = page_numbers(out)
            for _ in range(PASSES):
                page.evaluate(FILL_CONTENTS, numbers)
                page.pdf(**options)
                found = page_numbers(out)
                if found == numbers:
                    break
                numbers = found
            else:
                raise RuntimeError(f"the contents' page numbers did not settle in {PASSES} prints")
        finally:
            browser.close()
    make_reproducible(out)
    return len(PdfReader(out).pages)


#: The dates Chromium writes into a PDF's information dictionary: D:YYYYMMDDHHmmSS+HH'mm'.
PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[+-]\d\d'\d\d'\)")


def source_date() -> int | None:
    """The time a build stands for (SOURCE_DATE_EPOCH, else the commit's time), as reproducible builds
    date their outputs; None outside a git checkout."""
    import os
    import subprocess

    from . import paths

    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=paths.ROOT, capture_output=True, text=True,
                              check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return int(done.stdout.strip()) if done.stdout.strip().isdigit() else None


def make_reproducible(pdf: Path) -> None:
    """Make the same sources print the same bytes: the source's date instead of the printing time, and
    the structure elements' IDs by rank; every replacement has the same length, so the
    cross-reference offsets stay right."""
    import datetime as dt

    data = _stable_node_ids(Path(pdf).read_bytes())
    epoch = source_date()
    if epoch is not None:
        stamp = dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("D:%Y%m%d%H%M%S+00'00'").encode()
        data = PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (" + stamp + b")", data)
    Path(pdf).write_bytes(data)


#: The structure elements' IDs of a tagged PDF: the browser's DOM node numbers, which start elsewhere
#: from one browser session to the next.
NODE_ID = re.compile(rb"\(node(\d{8})\)")


def _stable_node_ids(data: bytes) -> bytes:
    """Renumber the node IDs by rank: the same order (the ID tree stays sorted), the same width (the
    cross-reference offsets stay right), and the same numbers for the same document."""
    rank = {old: b"%08d" % i for i, old in enumerate(sorted(set(NODE_ID.findall(data)), key=int))}
    return NODE_ID.sub(lambda m: b"(node" + rank[m.group(1)] + b")", data)
