"""The book's text as a reader gets it, read as an editor would: both languages, every page.

Reads the run's shared build (conftest's ``site``): the visible text of every page of the Dutch and
the French book (the chapters' executed outputs and the book's own pages), and the Markdown the
chapters' notebooks printed (where a doubled space is still visible). Checks the patterns an
editor found in an earlier edition:

- a sentence that starts in lower case ("… (n = 113). p komt uit …");
- a doubled space;
- a space before a Dutch "?"; a normal (breaking) space before a French "?", ":", ";" or "!";
- the named slips: "het gemeentelijke administratie", "geschikt voor zich", "smart city manager" in
  another case than "Smart City Manager", a χ² test of independence announced on a page whose
  tests are other tests;
- a number the text states that its own definition contradicts: the base of the mean number of
  projects, and each actor group's range of mean scores against the table beside it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from barometer import chapters
from barometer.i18n import t

LANGS = ("nl", "fr")
#: Elements whose text is running prose (sentences); table cells and list items may start in lower case.
PROSE = ["p", "h1", "h2", "h3", "h4", "caption", "figcaption"]
#: Abbreviations after which a lower-case word does not start a sentence.
ABBREVIATIONS = {"bv", "bijv", "o.a", "e.g", "i.e", "cf", "vs", "resp", "ca", "d.w.z", "p", "nr", "etc", "enz"}
#: A full stop, question or exclamation mark, optional closing quote or bracket, then a lower-case word.
LOWER_START = re.compile(r"(?P<before>[\w.)]*)[.!?][\"”»’)]?\s+(?P<word>[a-zà-ÿ][\w-]*)")
#: French punctuation that takes a non-breaking space before it (and a word before that).
FRENCH_SPACED = re.compile(r"[\w\"”»)%] (?P<mark>[?:;!])(?=\s|$|[\"“«(])")


def _visible(soup: BeautifulSoup) -> BeautifulSoup:
    """The page's article as a reader reads it: scripts and permalinks out; code and formulas stand as
    one capitalised word ("X"), so that the prose around them keeps its spaces and sentences."""
    article = soup.select_one("article") or soup
    for element in article.select("script, style, .headerlink"):
        element.decompose()
    for element in article.select("pre, code, .math, mjx-container, .MathJax"):
        if element.parent is not None:
            element.replace_with("X")
    return article


@pytest.fixture(scope="module")
def pages(site) -> dict[str, dict[str, BeautifulSoup]]:
    """Per language, every HTML page of the book (theme files left out), as the reader's article."""
    out = {}
    for lang in LANGS:
        folder = Path(site.html) / lang
        out[lang] = {p.relative_to(folder).as_posix(): _visible(BeautifulSoup(p.read_text(encoding="utf-8"),
                                                                             "html.parser"))
                     for p in sorted(folder.rglob("*.html"))
                     if "_static" not in p.relative_to(folder).parts and p.name not in ("search.html", "genindex.html")}
    assert all(len(v) >= len(chapters.ALL) for v in out.values()), {k: sorted(v) for k, v in out.items()}
    return out


@pytest.fixture(scope="module")
def printed(site) -> dict[str, list[tuple[str, str]]]:
    """Per language, the Markdown every chapter printed (its outputs), as (chapter, text)."""
    out = {lang: [] for lang in LANGS}
    for lang in LANGS:
        for chapter in chapters.ALL:
            nb = nbformat.read(Path(site.work) / "runs" / lang / chapter / f"{chapter}.ipynb", as_version=4)
            for cell in nb.cells:
                for output in cell.get("outputs", []):
                    text = output.get("data", {}).get("text/markdown")
                    if text:
                        out[lang].append((chapter, text))
    return out


def _blocks(article, names=PROSE):
    """(element name, text) of the blocks named; a paragraph inside a table cell or a list item is part of it."""
    for element in article.find_all(names):
        if element.name == "p" and element.find_parent(["td", "th", "li", "dd", "dt"]):
            continue
        text = element.get_text("")
        if text.strip():
            yield element.name, " ".join(text.split("\n"))


def lower_case_starts(text: str) -> list[str]:
    """Sentences of ``text`` that start with a lower-case letter (its first, or one after . ? !)."""
    found = []
    stripped = text.lstrip(" \u00a0\u202f*_“«\"(")
    if stripped[:1].islower() and not re.match(r"[a-z]\s?[=<>]", stripped):  # "p < 0,001" is a formula
        found.append(stripped[:40])
    for m in LOWER_START.finditer(text):
        before = m.group("before").rstrip(".").lower()
        if before in ABBREVIATIONS or re.fullmatch(r"[\d.]+", before):
            continue
        found.append(text[max(0, m.start() - 20):m.end() + 20])
    return found


def test_the_checks_find_what_they_look_for():
    """The patterns catch the slips an editor found, and pass their mended forms."""
    assert lower_case_starts("De gemiddelde score is 3,2 (n = 113). p komt uit een toets.")
    assert lower_case_starts("kleine letter aan het begin.")
    assert not lower_case_starts("Zie bv. de tabel. Een p-waarde van 0,07 (p = 0,07) is groot.")
    assert FRENCH_SPACED.search("Comment les communes voient-elles la smart city ?")
    assert FRENCH_SPACED.search("Base : 113 communes")
    assert FRENCH_SPACED.search("Base\u00a0: 113 communes ; voir\u202f!")
    assert not FRENCH_SPACED.search("Base\u00a0: 113 communes\u00a0; voir\u202f! «\u00a0Oui\u00a0»\u00a0: https://x.be")
    assert FRENCH_SPACED.search("«\u00a0Oui\u00a0» : non")


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_start_with_a_capital(pages, lang):
    problems = [f"{name}: {hit!r}" for name, article in pages[lang].items()
                for _, text in _blocks(article) for hit in lower_case_starts(text)]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("lang", LANGS)
def test_no_doubled_spaces(pages, printed, lang):
    double = re.compile(r"\S(?: {2,}|[ \u00a0\u202f]{2,})\S")
    problems = [f"{name}: {m.group(0)!r} in {text[max(0, m.start() - 30):m.end() + 30]!r}"
                for name, article in pages[lang].items()
                for _, text in _blocks(article, PROSE + ["li", "td", "th", "dd"])
                for m in double.finditer(text)]
    problems += [f"{chapter} (printed): {text[max(0, m.start() - 30):m.end() + 30]!r}"
                 for chapter, text in printed[lang] for m in re.finditer(r"[^\s|] {2,}[^\s|]", text)
                 if not text.lstrip().startswith(("|", ":::", "```"))]
    assert not problems, "\n".join(problems[:40])


def test_no_space_before_a_dutch_question_mark(pages):
    problems = [f"{name}: {text[max(0, m.start() - 40):m.end()]!r}"
                for name, article in pages["nl"].items()
                for _, text in _blocks(article, PROSE + ["li", "td", "th", "dd"])
                for m in re.finditer(r"\w[\s\u00a0\u202f]+\?", text)]
    assert not problems, "\n".join(problems[:40])


def test_french_punctuation_has_a_non_breaking_space(pages):
    """A normal space before ? : ; ! lets the mark start a line: French takes a non-breaking one."""
    problems = [f"{name}: {text[max(0, m.start() - 40):m.end() + 10]!r}"
                for name, article in pages["fr"].items()
                for _, text in _blocks(article, PROSE + ["li", "td", "th", "dd", "dt", "a", "span"])
                for m in FRENCH_SPACED.finditer(text)]
    assert not problems, "\n".join(sorted(set(problems))[:40])


SLIPS = {
    "nl": [re.compile(r"\bhet gemeentelijke administratie", re.I), re.compile(r"geschikt voor zich\b", re.I)],
    "fr": [],
}
#: A χ² test of independence, as a page would announce it.
CHI2_INDEPENDENCE = {"nl": re.compile(r"χ²-onafhankelijkheidstoets", re.I),
                     "fr": re.compile(r"tests? d'indépendance du χ²|tests? du χ² d'indépendance", re.I)}


@pytest.mark.parametrize("lang", LANGS)
def test_named_slips_are_mended(pages, lang):
    problems = []
    for name, article in pages[lang].items():
        text = article.get_text(" ")
        problems += [f"{name}: {m.group(0)!r}" for slip in SLIPS[lang] for m in slip.finditer(text)]
        problems += [f"{name}: {m.group(0)!r} (written 'Smart City Manager' elsewhere)"
                     for m in re.finditer(r"smart city managers?", text, re.I)
                     if not m.group(0).startswith("Smart City Manager")]
        if CHI2_INDEPENDENCE[lang].search(text):
            methods = {td.get_text(" ", strip=True) for table in article.select("table") for td in table.select("td")}
            chi2 = t("common.tests.method.chi2", lang)
            if not any(chi2 in m for m in methods):
                problems.append(f"{name}: a χ² test of independence announced, but no table shows one")
    assert not problems, "\n".join(problems)


# ---- numbers the text states, against their definitions


def _flat(text: str) -> str:
    """Text with its no-break spaces as spaces and its whitespace collapsed (page and template alike)."""
    return re.sub(r"\s+", " ", re.sub(r"[\u00a0\u202f]", " ", text)).strip()


def _template_regex(template: str, **fields: str) -> re.Pattern:
    """A catalogue sentence as a pattern: each ``{field}`` a named group (``fields`` may give a field's
    pattern; by default a stretch without a sentence's end); Markdown emphasis ignored."""
    parts = re.split(r"\{(\w+)\}", _flat(template.replace("**", "")))
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{fields.get(p, '[^.;]+?')})"
                              for i, p in enumerate(parts)))


def _number(text: str) -> float:
    return float(re.sub(r"[^\d,\-]", "", text.split("/")[0]).replace(",", "."))


@pytest.mark.parametrize("lang", LANGS)
def test_mean_number_of_projects_states_its_own_base(site, pages, lang):
    """The sentence on the mean number of projects gives as n the base of that mean (those who gave a number)."""
    text = _flat(pages[lang]["implementation.html"].get_text(" "))
    m = _template_regex(t("implementation.n_projects", lang)).search(text)
    assert m, "the sentence on the mean number of projects is not on the page"
    with open(Path(site.work) / "site-src" / lang / "_findings" / "implementation.estimates.csv", encoding="utf-8") as fh:
        bases = {int(float(row["n"])) for row in csv.DictReader(fh) if row["question"] == "n_projects"}
    assert len(bases) == 1, bases
    assert int(_number(m.group("n"))) == bases.pop()


@pytest.mark.parametrize("lang", LANGS)
def test_ranges_in_the_text_are_those_of_the_table(pages, lang):
    """Each actor group's "between low and high" is the lowest and highest mean its table shows."""
    article = pages[lang]["implementation.html"]
    table = article.select_one("table#tbl-implementation-actors")
    assert table is not None, "the actors' table is not on the page"
    heads = [_flat(th.get_text(" ")) for th in table.select("thead th")]
    mean_col = heads.index(_flat(t("common.table.mean", lang)))
    by_group: dict[str, list[float]] = {}
    for tr in table.select("tbody tr"):
        cells = [_flat(td.get_text(" ")) for td in tr.find_all("td")]
        if cells[mean_col] != "–":
            by_group.setdefault(cells[0], []).append(_number(cells[mean_col]))  # the first column: the group
    names = "|".join(re.escape(g) for g in sorted(by_group, key=len, reverse=True))
    pattern = _template_regex(t("implementation.group_range", lang), group=names)
    stated = list(pattern.finditer(_flat(article.get_text(" "))))
    assert stated, "no sentence gives an actor group's range"
    for m in stated:
        means = by_group[m.group("group")]
        assert (_number(m.group("low")), _number(m.group("high"))) == (min(means), max(means)), m.group(0)
