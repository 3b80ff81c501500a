"""Shared test helpers: hand-made barometer exports written through the real layout and writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from barometer import layout, spss
from barometer.codebook import load_codebook
from barometer.survey import export_files, read_collector
from barometer.surveymonkey import read_export, write_export


#: A complete valid answer per question type: (question, municipality) -> coded answer.
COMPLETE = {
    "municipality": lambda q, municipality: municipality,
    "single": lambda q, _: q.options[0].code,
    "multiple": lambda q, _: [o.code for o in q.options[: (q.max_choices or 2)]],
    "matrix": lambda q, _: {item.code: 1 + i % 5 for i, item in enumerate(q.items)},
    "ranking": lambda q, _: {item.code: i + 1 for i, item in enumerate(q.items)},
    "number": lambda q, _: 3,
    "scale10": lambda q, _: 7,
    "open": lambda q, _: "person@example.org" if q.personal else "Een antwoord, met komma",
    "project_list": lambda q, _: [{"name": "Slimme verlichting", "dimension": "environment", "initiator": "public"},
                                  {"name": "E-loket", "dimension": "governance", "initiator": "private"}],
}


def complete_answers(municipality: str, **overrides) -> dict:
    """A respondent who answered every question (valid codes), as coded answers."""
    answers = {q.name: COMPLETE[q.type](q, municipality) for q in load_codebook()}
    answers.update(overrides)
    return answers


def fixed_columns(respondents: list[dict]) -> pd.DataFrame:
    """The fixed columns of an export, with planted personal data (each respondent may carry ``respondent_id``)."""
    return pd.DataFrame({
        "respondent_id": [r.get("respondent_id", str(10_000_000_000 + i)) for i, r in enumerate(respondents)],
        "collector_id": ["123456789"] * len(respondents),
        "start_date": [dt.datetime(2016, 6, 1, 9, 0) + dt.timedelta(days=i) for i in range(len(respondents))],
        "end_date": [dt.datetime(2016, 6, 1, 9, 30) + dt.timedelta(days=i) for i in range(len(respondents))],
        "ip_address": ["192.0.2.10"] * len(respondents),
        "email_address": ["planted.person@example.org"] * len(respondents),
        "first_name": ["Plantedfirst"] * len(respondents),
        "last_name": ["Plantedlast"] * len(respondents),
    })


def write_collector(path: Path, respondents: list[dict], lang: str, *, header_layout: str = "current",
                    encoding: str = "utf-8") -> Path:
    """Write a collector export for coded respondents (each may carry ``respondent_id``); .sav as SPSS."""
    cb = load_codebook()
    fixed = fixed_columns(respondents)
    if Path(path).suffix == ".sav":
        return spss.write_coded(path, fixed, cb, respondents, lang)
    columns = [c.header for c in layout.export_columns(cb, lang)]
    cells = [layout.encode_respondent(cb, r, lang) for r in respondents]
    write_export(path, fixed, columns, cells, layout=header_layout, encoding=encoding)
    return path


@pytest.fixture
def collector(tmp_path):
    """Factory: ``collector(respondents, lang, name=...)`` writes an export into a fresh data folder."""
    folder = tmp_path / "exports"
    folder.mkdir()

    def make(respondents, lang="nl", name=None, **kwargs):
        return write_collector(folder / (name or f"export-{lang}.csv"), respondents, lang, **kwargs)

    make.folder = folder
    return make


def write_as_sav(source: Path, target: Path) -> Path:
    """Each collector export of ``source`` rewritten as the SPSS export of the same responses.

    Every raw row goes over, test rows, duplicates and abandoned ones included, with its
    fixed fields and personal data, so the .sav data must give exactly what the CSVs give.
    """
    cb = load_codebook()
    target.mkdir(parents=True, exist_ok=True)
    for path in export_files(source):
        raw = read_export(path, drop_personal=False)
        records = read_collector(path, cb)
        fixed = pd.DataFrame({name: raw[(name, "")].tolist() for name, _ in raw.columns if _ == ""})
        spss.write_coded(target / f"{path.stem}.sav", fixed, cb, records.records, records.lang)
    for extra in (source / "dataset.yml", source / "README.md"):  # the data still say what they are
        if extra.exists():
            (target / extra.name).write_bytes(extra.read_bytes())
    return target


# --- the built site, shared ------------------------------------------------------------------------
# One cold build of the default data serves every test file that reads the built book (test_book,
# the site, PDF and prose checks, the build's determinism check). Under pytest-xdist each worker is
# its own process: the first to ask builds into the run's shared temporary folder under a file lock,
# the others wait for it and read the same build.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _shared_root(tmp_path_factory, worker_id: str) -> Path:
    """A folder that every worker of this run sees (the run's base temporary folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def site(tmp_path_factory, worker_id):
    """The whole site of the default data, built once per run: ``site.html`` (the published folder,
    ``<root>/site``) and ``site.work`` (``<root>/work``)."""
    import fcntl
    from types import SimpleNamespace

    from barometer import build

    root = _shared_root(tmp_path_factory, worker_id) / "shared-site"
    root.mkdir(exist_ok=True)
    done = root / "built"
    with open(root / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                rc = build.run(work=root / "work", site=root / "site")
                assert rc == 0, "barometer.build.run failed (its output above names the notebook or book)"
                done.write_text("ok")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return SimpleNamespace(html=root / "site", work=root / "work")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(site):
    """A static server over the built site on 127.0.0.1 (free port), stopped after the run."""
    import functools
    import sys
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            """A browser dropping a connection when it navigates away is not an error of the site."""
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    httpd = Server(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site.html)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(params=["file", "http"])
def base_url(request, site):
    """The site's root address over file:// or over the local server."""
    if request.param == "file":
        return site.html.as_uri()
    return request.getfixturevalue("server")


# --- order of the test files ---------------------------------------------------------------------
# Under pytest-xdist (`make test`: a file per worker) files are handed out in collection order. The
# longest files that do not read the built site go first, so that one worker runs them while the
# other builds the shared site (test_book asks first); the files that only read the site go last.
# The order within a file is kept.

FIRST = ("test_book.py", "test_fuzz_loader.py", "test_variants.py", "test_build_robustness.py")
LAST = ("test_notebooks.py", "test_site.py", "test_pdf.py", "test_tables.py", "test_prose.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        if name in FIRST:
            return FIRST.index(name)
        return len(FIRST) + 1 + LAST.index(name) if name in LAST else len(FIRST)

    items.sort(key=rank)  # stable: the order within a file stays
