"""The build is deterministic, incremental and publishes atomically.

Deterministic: two cold builds (fresh work and site folders, the same data) give byte-identical
findings files (findings, estimates, tests), executed notebooks with identical outputs and pages with identical text. The two
cold builds run once for the whole module (about a minute each).

Atomic: a notebook that fails in one cell (planted in a copy of notebooks/, read through
``build.run(notebooks=...)``) stops the build with an error naming the notebook, its language
and the cell, and leaves the previous site exactly as it was: no partial nl/ or fr/, nothing
staged beside it. The failing builds start from a copy of a cold build's work folder (its
outputs and doit's record of them).

Incremental: a build with nothing changed runs no step and leaves the site as it was; a change of
a chapter's page words (the text of its Markdown cells) rebuilds the books without running a
notebook, and shows in both books.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from barometer import build, chapters, pages, paths
from barometer.codebook import LANGUAGES

PLANTED = 'if lang == "fr":\n    raise RuntimeError("planted failure")'
PLANTED_AT = 2  # in notebooks/sample.ipynb: after the parameters and the imports


@pytest.fixture(scope="module")
def cold(tmp_path_factory, request) -> dict[str, Path]:
    """Two cold builds of the default data into fresh work and site folders: ``a`` is the run's
    shared build (conftest's ``site``, from notebooks/), ``b`` this module's own, from a snapshot of
    notebooks/ that the last test edits. Both are made in the same run, so the same notebooks."""
    roots = {"notebooks": tmp_path_factory.mktemp("snapshot") / "notebooks", "git": pages.git_state()}
    shutil.copytree(paths.NOTEBOOKS, roots["notebooks"], ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    root = tmp_path_factory.mktemp("cold-b")
    assert build.run(work=root / "work", site=root / "site", notebooks=roots["notebooks"]) == 0
    roots["b"] = root
    roots["a"] = request.getfixturevalue("site").html.parent  # after b: another worker may be building it
    return roots


# --------------------------------------------------------------------------- deterministic


def _files(folder: Path, pattern: str) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.glob(pattern)) if p.is_file()}


def test_two_cold_builds_give_identical_findings(cold):
    for lang in LANGUAGES:
        a, b = (_files(cold[x] / "work" / "site-src" / lang / "_findings", "*") for x in "ab")
        assert sorted(a) == sorted(b)
        assert {f"{nb}.json" for nb in chapters.RESEARCH} <= set(a)  # the readers only read them
        for name in a:
            assert a[name] == b[name], (lang, name, _first_difference(a[name], b[name]))


def _outputs(path: Path) -> list:
    """Every code cell's outputs, as stored (text, HTML, images...), without execution counts."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            out.append([{k: v for k, v in o.items() if k != "execution_count"} for o in cell.get("outputs", [])])
    return out


def test_two_cold_builds_give_identical_notebook_outputs(cold):
    for lang in LANGUAGES:
        for nb in chapters.ALL:
            a, b = (_outputs(cold[x] / "work" / "site-src" / lang / f"{nb}.ipynb") for x in "ab")
            assert a, (lang, nb)
            for i, (ca, cb) in enumerate(zip(a, b)):
                assert ca == cb, (lang, nb, f"code cell {i}", _first_difference(json.dumps(ca), json.dumps(cb)))
            assert len(a) == len(b)


class _Text(html.parser.HTMLParser):
    """A page's text as a reader sees it (scripts and styles left out)."""

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(" ".join(data.split()))


def page_text(raw: bytes) -> str:
    parser = _Text()
    parser.feed(raw.decode("utf-8"))
    return "\n".join(parser.chunks)


# Removed before comparing: ISO date-times (2026-05-09T10:31:02, also in meta tags) and Sphinx's
# "Last updated on ..." footer. Then, whether any build timestamp remains at all: a footer, or
# the build's date (UTC, a day either side). None is expected: the colophon names the commit and
# the data's checksums, not the time of the build.
_TIMESTAMPS = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?|"
                         r"(Last updated on|Mis à jour le|Laatst bijgewerkt op)[^\n<]*")
_BUILD_DAYS = {(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=d)).date().isoformat() for d in (-1, 0, 1)}


def _build_timestamps(page: str) -> list[str]:
    footers = [m.group(0) for m in _TIMESTAMPS.finditer(page) if not m.group(0)[:1].isdigit()]
    return footers + [day for day in sorted(_BUILD_DAYS) if day in page]


def test_two_cold_builds_give_identical_page_text(cold):
    a, b = (_files(cold[x] / "site", "**/*.html") for x in "ab")
    assert sorted(a) == sorted(b)
    assert {"index.html", "nl/index.html", "fr/index.html", "nl/sample.html", "fr/reproduction.html"} <= set(a)
    remaining = {}
    for name in a:
        ta, tb = page_text(a[name]), page_text(b[name])
        found = _build_timestamps(a[name].decode("utf-8"))
        if found:
            remaining[name] = found[:3]
        ta, tb = _TIMESTAMPS.sub("<time>", ta), _TIMESTAMPS.sub("<time>", tb)
        assert ta == tb, (name, _first_difference(ta, tb))
    assert not remaining, f"build timestamps in the pages: {remaining}"


def test_two_cold_builds_give_a_byte_identical_site(cold):
    """Stronger still: every file of the site (pages, images, downloads, search index) is the same;
    the PDFs page by page in their text and number of pages (Chromium compresses a page's drawing a
    little differently from one browser session to the next; dates and tag IDs are made stable)."""
    from pypdf import PdfReader
    from test_pdf import page_texts

    a, b = (_tree(cold[x] / "site") for x in "ab")
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name] and not name.endswith(".pdf")] == []
    for name in (n for n in a if n.endswith(".pdf")):
        pdfs = [cold[x] / "site" / name for x in "ab"]
        texts = [page_texts(path, PdfReader(path)) for path in pdfs]
        assert texts[0] == texts[1], name


def _stamps(work: Path) -> dict[str, int]:
    """When each run and each book was last made: a step that runs rewrites these files."""
    files = [*(work / "runs").glob("*/*/manifest.json"), *(work / "jb").glob("*/html/index.html")]
    return {p.relative_to(work).as_posix(): p.stat().st_mtime_ns for p in files}


def test_a_second_build_runs_nothing_and_keeps_the_site(cold):
    """A commit made meanwhile changes the colophon (hence the books), never a notebook run."""
    work, site = cold["b"] / "work", cold["b"] / "site"  # b: the shared build is only read
    before = {"stamps": _stamps(work), "site": _tree(site)}
    assert len(before["stamps"]) == len(chapters.ALL) * len(LANGUAGES) + len(LANGUAGES)
    assert build.run(work=work, site=site, notebooks=cold["notebooks"]) == 0
    after = _stamps(work)
    assert {k: v for k, v in after.items() if k.startswith("runs/")} == \
        {k: v for k, v in before["stamps"].items() if k.startswith("runs/")}
    if pages.git_state() == cold["git"]:
        assert after == before["stamps"]
        assert _tree(site) == before["site"]


def _first_difference(a, b, context: int = 80):
    """Where two texts or byte strings part, with some context (for assertion messages)."""
    n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return a[max(0, n - context): n + context], b[max(0, n - context): n + context]


# --------------------------------------------------------------------------- atomic


def planted_notebooks(source: Path, folder: Path) -> Path:
    """A copy of the notebooks whose sample notebook fails, in French only, in cell PLANTED_AT."""
    copy = folder / "notebooks"
    shutil.copytree(source, copy)
    nb = nbformat.read(copy / "sample.ipynb", as_version=4)
    assert "parameters" in nb.cells[0].metadata.get("tags", [])
    nb.cells.insert(PLANTED_AT, nbformat.v4.new_code_cell(PLANTED))
    nbformat.write(nb, copy / "sample.ipynb")
    return copy


def _tree(folder: Path) -> dict[str, str]:
    """Every file under a folder (hidden ones too) with its digest."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _check_message(message: str) -> None:
    """Names the notebook, the language and the cell (in the source notebook, or in the executed
    one, where papermill's injected-parameters cell comes first), and what went wrong."""
    assert "sample.ipynb" in message and "[fr]" in message, message
    assert "RuntimeError" in message and "planted failure" in message, message
    cell = re.search(r"\bcell (\d+)", message)
    assert cell and int(cell.group(1)) in (PLANTED_AT, PLANTED_AT + 1), message


@pytest.fixture
def warm_work(cold, tmp_path) -> Path:
    """A copy of a cold build's work folder: only what the planted failure changes runs again."""
    work = tmp_path / "work"
    shutil.copytree(cold["a"] / "work", work, ignore=shutil.ignore_patterns(".lock"))
    return work


def test_a_failing_notebook_leaves_the_previous_site_untouched(cold, warm_work, tmp_path, capfd):
    notebooks = planted_notebooks(cold["notebooks"], tmp_path)
    parent = tmp_path / "public"
    site = parent / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<p>previous good site</p>\n", encoding="utf-8")
    before = {"site": _tree(site), "beside": sorted(os.listdir(parent))}
    try:
        status = build.run(work=warm_work, site=site, notebooks=notebooks)
    except build.BuildError as exc:
        message = str(exc)
    else:
        assert status != 0, "the build succeeded although a notebook failed"
        message = capfd.readouterr().err
    _check_message(message)
    assert _tree(site) == before["site"]  # the marker intact, no nl/ or fr/ (not even partial)
    assert sorted(os.listdir(parent)) == before["beside"]  # nothing staged or renamed beside it
    assert (site / "index.html").read_text(encoding="utf-8") == "<p>previous good site</p>\n"


def test_the_cli_exits_non_zero_naming_the_failure_and_keeps_the_site(cold, warm_work, tmp_path):
    notebooks = planted_notebooks(cold["notebooks"], tmp_path)
    site = tmp_path / "public" / "site"
    shutil.copytree(cold["a"] / "site", site)  # a real previous site
    (site / "previous-build.txt").write_text("marker\n", encoding="utf-8")
    before = _tree(site)
    result = subprocess.run(
        [sys.executable, "-m", "barometer.build", "--work", str(warm_work), "--site", str(site),
         "--notebooks", str(notebooks)],
        capture_output=True, text=True, cwd=paths.ROOT, timeout=600,
    )
    assert result.returncode != 0, result.stdout[-2000:]
    _check_message(result.stderr)
    assert "previous site is left as it was" in result.stderr
    assert _tree(site) == before
    assert sorted(os.listdir(site.parent)) == ["site"]


# --------------------------------------------------------------------------- incremental (last: it edits)


def test_a_change_of_page_words_rebuilds_the_books_without_running_a_notebook(cold):
    """Edits the snapshot's sample.yml and rebuilds the second cold build: last in this module."""
    path = cold["notebooks"] / "sample.yml"
    tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(iter(tree["page"].values()))
    added = {"nl": "Deze zin komt uit de test.", "fr": "Cette phrase vient du test."}
    for lang in LANGUAGES:
        entry[lang] = f"{entry[lang].rstrip()} {added[lang]}"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    work = cold["b"] / "work"
    before = _stamps(work)
    assert build.run(work=work, site=cold["b"] / "site", notebooks=cold["notebooks"]) == 0
    after = _stamps(work)
    for name, stamp in before.items():
        assert (after[name] == stamp) == name.startswith("runs/"), name  # no run again, both books again
    for lang in LANGUAGES:
        assert added[lang] in page_text((cold["b"] / "site" / lang / "sample.html").read_bytes())
