"""Build the published report: the chapters run per language, then the Dutch and the French book.

``python -m barometer.build [--data DIR]`` (``make book``). The steps and the files each one
reads are declared as doit tasks (:func:`tasks`); doit decides what is out of date from the
content of those files (``file_dep``, MD5) and from the values a step depends on
(``config_changed``), runs two steps at a time, and keeps its record in ``<work>/doit.json``.

    run:<chapter>:<lang>  papermill runs the chapter's notebook into runs/<lang>/<chapter>/ and keeps the page's
                          language (:func:`execute`). Reads the notebook, its words (notebooks/<chapter>.yml, but for
                          the ``page`` entries) and the common inputs (:func:`inputs`); a reader (the conclusion, an
                          appendix) also reads what the research chapters of its language wrote to their findings
                          folders, so it runs after them and again only when that changes.
    pages                 the generated pages and each book's conf.py (``barometer.pages``).
    colophon              build-info.md: commit, package versions, data checksums.
    download              the disclosure-controlled derived data as the site's zip (``pages.download``).
    source:<lang>         site-src/<lang>/, each file written only where its bytes change; the chapters' ``page``
                          words (their Markdown cells' text) are set here.
    book:<lang>           sphinx-build of that source; Sphinx's environment stays in jb/<lang>/, so it re-reads only
                          changed files but writes every page (``-a``).
    pdf:<lang>            that book printed to one A4 PDF by Chromium (``barometer.pdf``), where it can be.
    site                  the landing page, both books and their PDFs, swapped in whole (atomically).

A failing step names itself (a notebook: its language and cell); nothing after it runs: the site stays as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import chapters, paths, pdf
from .codebook import LANGUAGES

SITE = paths.BOOK / "_build" / "html"
# How papermill executes a notebook. The notebook is written once, when done (not after every
# cell: 2 × cells JSON writes, seconds of CPU for a long notebook); the kernel is stopped at once
# after its last cell (its files are written by then), keeps no input history (an SQLite file
# that two kernels at a time would share) and does not report its start-up.
EXECUTION = {"kernel_name": "python3", "progress_bar": False, "log_output": False,
             "request_save_on_cell_execute": False, "shutdown_kernel": "immediate",
             "extra_arguments": ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]}
# One BLAS thread in the kernels (they inherit the environment): a threaded sum can differ in its last
# bit from run to run, and a figure's coordinates with it; two runs at a time use the two cores anyway.
os.environ.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
SPHINX = ["-b", "html", "-a", "-W", "-n", "--keep-going", "-q"]  # warnings and broken references are errors


class BuildError(RuntimeError):
    """A step failed; the message names it (a notebook: its language and cell)."""


def parameters(lang: str, data: str | Path | None, folder: Path) -> dict:
    """The papermill parameters of one run (the one place they are set); ``folder`` is the run's own."""
    params = {"lang": lang, "book_mode": True, "findings_dir": str(folder / "_findings"),
              "figures_dir": str(folder / "figures")}
    if data:
        params["data"] = str(Path(data).resolve())
    return params


def run_dir(work: Path, lang: str, chapter: str) -> Path:
    return Path(work) / "runs" / lang / chapter


def findings_digest(work: Path, lang: str, chapter: str) -> Path:
    """Where a run records the digest of what it wrote to its findings folder (findings,
    estimates, tests): what the readers of that language depend on."""
    return run_dir(work, lang, chapter) / "findings.sha256"


def _files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in Path(folder).glob(pattern) if p.is_file() and "__pycache__" not in p.parts)


def inputs(data: str | Path | None) -> list[Path]:
    """What every run reads besides its notebook and its words: the library (catalogues
    included), the data, the codebook, the reference data and the environment lock."""
    from .pages import data_files

    return [*_files(paths.ROOT / "lib" / "barometer", "**/*"), *data_files(data).values(), paths.CODEBOOK,
            *_files(paths.REFERENCE), paths.ROOT / "constraints.txt"]


# ---------------------------------------------------------------------------------------------
# the steps' actions (run in doit's worker processes)


def execute(chapter: str, lang: str, data: str | None, work: Path, notebooks: Path):
    """Run one chapter in one language into a fresh folder that replaces its run folder only
    when the run succeeded; its manifest (outputs, seconds) is written last."""
    import papermill as pm
    from doit.exceptions import TaskFailed

    start = time.perf_counter()
    final = run_dir(work, lang, chapter)
    tmp = final.with_name(f"{chapter}.running")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "_findings").mkdir(parents=True)
    reads = [f for part in chapters.RESEARCH for f in _files(run_dir(work, lang, part) / "_findings")] \
        if chapter in chapters.READERS else []
    for path in reads:
        shutil.copyfile(path, tmp / "_findings" / path.name)
    try:
        pm.execute_notebook(Path(notebooks) / f"{chapter}.ipynb", tmp / f"{chapter}.ipynb",
                            parameters=parameters(lang, data, tmp), cwd=str(tmp), **EXECUTION)
    except pm.PapermillExecutionError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        return TaskFailed(f"notebook {chapter}.ipynb [{lang}] failed in cell {exc.cell_index} "
                          f"(execution count {exc.exec_count}): {exc.ename}: {exc.evalue}")
    except Exception as exc:  # noqa: BLE001 - a kernel that dies still names its notebook
        shutil.rmtree(tmp, ignore_errors=True)
        return TaskFailed(f"notebook {chapter}.ipynb [{lang}] failed: {type(exc).__name__}: {exc}")
    keep_language(tmp / f"{chapter}.ipynb", lang)
    for path in reads:
        (tmp / "_findings" / path.name).unlink()
    seconds = time.perf_counter() - start
    outputs = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
    write_if_changed(tmp / "findings.sha256", tree_digest(tmp / "_findings").encode())
    write_json(tmp / "manifest.json", {"outputs": outputs, "seconds": round(seconds, 2)})
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    print(f"  ran {chapter} [{lang}] in {seconds:.1f} s", flush=True)
    return None


def keep_language(path: Path, lang: str) -> None:
    """The page of one language: the other language's Markdown cells go, code and parameters are
    hidden, and execution metadata (timestamps, durations) is dropped, so that the same results
    give the same bytes."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown" and (tags & set(LANGUAGES)) and lang not in tags:
            continue
        if tags & {"parameters", "injected-parameters"}:
            continue
        if cell.cell_type == "code":
            cell.metadata["tags"] = sorted(tags | {"remove-input"})
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("papermill", None)
    nbformat.write(nb, path)


def words_file(notebooks: Path, chapter: str) -> Path:
    return Path(notebooks) / f"{chapter}.yml"


def run_words(notebooks: Path, chapter: str) -> str:
    """Digest of the words a run reads: the chapter's words file without its ``page`` entries
    (the Markdown cells' text, which only the book step reads: see :func:`with_page_words`)."""
    import yaml

    path = words_file(notebooks, chapter)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there: read on every build
    tree = (yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}) if path.is_file() else None
    if isinstance(tree, dict):
        tree.pop("page", None)
    return hashlib.sha256(json.dumps(tree, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def with_page_words(path: Path, chapter: str, lang: str, notebooks: Path) -> bytes:
    """An executed page with its Markdown cells' text: the chapter's ``page`` words in the page's
    language, as MyST substitutions in the notebook's metadata."""
    import nbformat

    from .i18n import page_words

    words = page_words(chapter, lang, Path(notebooks)) if words_file(notebooks, chapter).is_file() else {}
    if not words:
        return path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    nb.metadata["myst"] = {**nb.metadata.get("myst", {}), "substitutions": words}
    return nbformat.writes(nb).encode("utf-8")


def write_pages(work: Path, data: str | None) -> None:
    """The generated pages of both books, and each book's conf.py made from its _config.yml by
    ``jupyter-book config sphinx`` (jupyter-book's documented route to a plain Sphinx project)."""
    from jupyter_book.cli.main import main as jupyter_book

    from .pages import generated_pages

    for lang in LANGUAGES:
        folder = Path(work) / "pages" / lang
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in generated_pages(lang, data).items():
            write_if_changed(folder / name, text if isinstance(text, bytes) else text.encode("utf-8"))
        with contextlib.redirect_stdout(io.StringIO()):  # its "Wrote conf.py to ..." is not news
            jupyter_book(["config", "sphinx", str(folder)], standalone_mode=False)


def write_colophon(work: Path, data: str | None, state: str) -> None:
    from .pages import colophon

    write_if_changed(Path(work) / "pages" / "build-info.md", colophon(data, state).encode("utf-8"))


def book_sources(work: Path, lang: str, notebooks: Path) -> dict[str, Path]:
    """Every file of the book source of ``lang`` (relative path -> the file it is a copy of)."""
    from .pages import PAGES, book_files

    wanted: dict[str, Path] = {}
    for chapter in chapters.ALL:
        folder = run_dir(work, lang, chapter)
        wanted.update({rel: folder / rel for rel in read_json(folder / "manifest.json").get("outputs", [])})
        wanted[f"_static/notebooks/{chapter}.ipynb"] = Path(notebooks) / f"{chapter}.ipynb"
    wanted.update({f"{page}.md": paths.BOOK / "pages" / lang / f"{page}.md" for page in PAGES})
    wanted.update({f"downloads/{f.name}": f for f in _files(Path(work) / "download", "*.zip")})
    wanted.update({f"_static/{f.name}": f for f in _files(paths.BOOK / "static")})
    wanted.update({f"_templates/{f.relative_to(paths.BOOK / 'templates').as_posix()}": f for f in _files(paths.BOOK / "templates", "**/*")})
    generated = Path(work) / "pages"
    wanted.update({name: generated / lang / name for name in book_files(lang)})
    wanted["build-info.md"] = generated / "build-info.md"
    return wanted


def sync_source(work: Path, lang: str, notebooks: Path) -> None:
    """Make site-src/<lang>/ hold exactly the book's sources, writing only files whose bytes
    differ (Sphinx re-reads by modification time); record the tree's digest for the book step.
    A removed source starts that book afresh: Sphinx would keep its old page."""
    root = Path(work) / "site-src" / lang
    wanted = {rel: path.read_bytes() for rel, path in book_sources(work, lang, notebooks).items()}
    for chapter in chapters.ALL:
        if f"{chapter}.ipynb" in wanted:
            wanted[f"{chapter}.ipynb"] = with_page_words(run_dir(work, lang, chapter) / f"{chapter}.ipynb",
                                                         chapter, lang, notebooks)
    for rel, content in wanted.items():
        write_if_changed(root / rel, content)
    removed = [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).as_posix() not in wanted]
    for path in removed:
        path.unlink()
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if removed:
        shutil.rmtree(Path(work) / "jb" / lang, ignore_errors=True)
    write_if_changed(root.with_name(f"{lang}.sha256"), tree_digest(root).encode())


def build_book(work: Path, lang: str):
    """sphinx-build of one book into an empty HTML folder (it writes every page anyway), its output
    to logs/sphinx-<lang>.log. A failed build loses its environment too, so that the next one
    reads every source and reports every warning again."""
    from doit.exceptions import TaskFailed

    started, out = time.perf_counter(), Path(work) / "jb" / lang
    shutil.rmtree(out / "html", ignore_errors=True)  # new files, never rewritten: the site links to them
    log = Path(work) / "logs" / f"sphinx-{lang}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as handle:
        status = subprocess.run([sys.executable, "-m", "sphinx", *SPHINX, "-d", str(out / "doctrees"),
                                 str(Path(work) / "site-src" / lang), str(out / "html")],
                                stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
    if status != 0:
        shutil.rmtree(out, ignore_errors=True)
        tail = log.read_text(encoding="utf-8", errors="replace")[-8000:]
        return TaskFailed(f"{tail}\nthe {lang} book did not build (log: {log})")
    write_if_changed(out.with_name(f"{lang}.sha256"), tree_digest(out / "html").encode())
    print(f"  built the {lang} book in {time.perf_counter() - started:.1f} s", flush=True)
    return None


def publish(work: Path, site: Path, data: str | None = None) -> None:
    """Assemble the site beside ``site`` (one file system: the renames are atomic) and swap it in."""
    from .pages import landing_page

    site.parent.mkdir(parents=True, exist_ok=True)
    staging, old = site.with_name(f".{site.name}.staging"), site.with_name(f".{site.name}.old")
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    for lang in LANGUAGES:
        shutil.copytree(Path(work) / "jb" / lang / "html", staging / lang, copy_function=_link)
        pdf.publish(work, lang, staging / lang, _link)
    (staging / "index.html").write_text(landing_page(data), encoding="utf-8")
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)
    print("  swapped in the new site", flush=True)


# ---------------------------------------------------------------------------------------------
# the task graph


def tasks(data: str | None, work: Path, site: Path, notebooks: Path):
    """The build as doit tasks: what each step reads, writes and does."""
    from doit.tools import config_changed

    from .pages import PAGES, book_files, data_files, download, download_name, git_state, notice_for

    common = [str(p) for p in inputs(data)]
    params = {lang: parameters(lang, data, Path("<run>")) for lang in LANGUAGES}

    def seconds(chapter):  # longest first, so both languages finish together
        return -max(read_json(run_dir(work, lang, chapter) / "manifest.json").get("seconds", 0) for lang in LANGUAGES)

    generated = [Path(work) / "pages" / lang / name for lang in LANGUAGES for name in ("_config.yml", *book_files(lang))]
    yield {"basename": "pages", "actions": [(write_pages, [work, data])], "file_dep": common,
           "targets": [str(p) for p in generated], "uptodate": [config_changed({"data": str(data), "pdf": pdf.missing()})]}
    info, state = Path(work) / "pages" / "build-info.md", git_state()
    yield {"basename": "colophon", "actions": [(write_colophon, [work, data, state])],
           "file_dep": [str(p) for p in data_files(data).values()] + [str(paths.ROOT / "requirements.txt"),
                                                                     str(paths.ROOT / "constraints.txt")],
           "targets": [str(info)], "uptodate": [config_changed(state)]}
    for chapter in (*sorted(chapters.RESEARCH, key=seconds), *chapters.READERS):
        own, words = Path(notebooks) / f"{chapter}.ipynb", run_words(notebooks, chapter)
        for lang in LANGUAGES:
            folder = run_dir(work, lang, chapter)
            reads = [findings_digest(work, lang, p) for p in chapters.RESEARCH] if chapter in chapters.READERS else []
            yield {"basename": f"run:{chapter}:{lang}", "actions": [(execute, [chapter, lang, data, work, notebooks])],
                   "file_dep": [str(own), *common, *(str(p) for p in reads)],
                   "targets": [str(folder / "manifest.json"), str(findings_digest(work, lang, chapter))],
                   "uptodate": [config_changed({"params": params[lang], "python": sys.version, "words": words}),
                                lambda folder=folder: all((folder / rel).is_file() for rel in
                                                          read_json(folder / "manifest.json").get("outputs", []))]}
    archive = Path(work) / "download" / download_name(notice_for(data, "nl") is not None)
    runs = [run_dir(work, "nl", chapter) for chapter in chapters.ALL]  # the estimates and tests: language-free
    yield {"basename": "download", "actions": [(download, [data, runs, archive])], "targets": [str(archive)],
           "file_dep": [*common, *(str(run / "manifest.json") for run in runs)]}
    for lang in LANGUAGES:
        deps = [info, archive, *(p for p in generated if p.parent.name == lang),
                *(run_dir(work, lang, chapter) / "manifest.json" for chapter in chapters.ALL),
                *(Path(notebooks) / f"{chapter}.ipynb" for chapter in chapters.ALL),
                *(words_file(notebooks, c) for c in chapters.ALL if words_file(notebooks, c).is_file()),
                *(paths.BOOK / "pages" / lang / f"{page}.md" for page in PAGES),
                *_files(paths.BOOK / "static"), *_files(paths.BOOK / "templates", "**/*")]
        tree = Path(work) / "site-src" / f"{lang}.sha256"
        yield {"basename": f"source:{lang}", "actions": [(sync_source, [work, lang, notebooks])],
               "file_dep": [str(p) for p in deps], "targets": [str(tree)]}
        yield {"basename": f"book:{lang}", "actions": [(build_book, [work, lang])],
               "file_dep": [str(tree), str(paths.ROOT / "constraints.txt")],
               "targets": [str(Path(work) / "jb" / f"{lang}.sha256"), str(Path(work) / "jb" / lang / "html" / "index.html")]}
        yield pdf.task(work, lang, data, common)
    yield {"basename": "site", "actions": [(publish, [work, site, data])],
           "file_dep": [str(Path(work) / "jb" / f"{lang}.sha256") for lang in LANGUAGES] + common + pdf.targets(work, data),
           "targets": [str(site / "index.html"), *(str(site / lang / "index.html") for lang in LANGUAGES)],
           "uptodate": [config_changed(str(site.resolve()))]}


def read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_json(path: Path, payload: dict) -> None:
    write_if_changed(path, (json.dumps(payload, indent=1, sort_keys=True) + "\n").encode())


def write_if_changed(path: Path, content: bytes) -> None:
    """Write ``content`` (through a temporary file) unless ``path`` already holds it: an unchanged
    file keeps its modification time, which is what Sphinx looks at."""
    path = Path(path)
    with contextlib.suppress(OSError):
        if path.stat().st_size == len(content) and path.read_bytes() == content:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def _link(source: str, target: str) -> None:
    """A hard link where the file system allows, else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def tree_digest(root: Path) -> str:
    """One digest of a folder's files, by relative path and content."""
    h = hashlib.sha256()
    for p in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(f"{p.relative_to(root).as_posix()}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n".encode())
    return h.hexdigest()


def run(data: str | None = None, jobs: int = 2, *, work: Path = paths.BUILD, site: Path = SITE,
        notebooks: Path = paths.NOTEBOOKS) -> int:
    """Build the site into ``site`` (work files under ``work``, notebooks from ``notebooks``);
    0 on success. Raises :class:`BuildError` naming the failed steps."""
    import fcntl

    from doit.cmd_base import ModuleTaskLoader
    from doit.doit_cmd import DoitMain
    from doit.reporter import ConsoleReporter

    started = time.perf_counter()
    work, site, notebooks = Path(work).resolve(), Path(site).absolute(), Path(notebooks).resolve()
    failures: list[str] = []

    class Reporter(ConsoleReporter):
        """doit's console output; the failures are kept, to be raised as one error."""

        def add_failure(self, task, fail) -> None:
            failures.append(fail.get_msg().strip())

    config = {"dep_file": str(work / "doit.json"), "backend": "json", "num_process": jobs, "par_type": "process",
              "verbosity": 2, "reporter": Reporter}
    work.mkdir(parents=True, exist_ok=True)
    with open(work / ".lock", "w") as lock:  # one build at a time per work folder
        fcntl.flock(lock, fcntl.LOCK_EX)
        namespace = {"task_build": lambda: tasks(data, work, site, notebooks), "DOIT_CONFIG": config}
        status = DoitMain(ModuleTaskLoader(namespace), config_filenames=()).run(["run"])
    elapsed = time.perf_counter() - started
    if failures or status != 0:
        raise BuildError("\n".join(failures) or f"doit stopped with status {status}")
    print(f"site: {site}/index.html ({elapsed:.1f} s)", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m barometer.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="folder of collector exports (default: the synthetic data)")
    parser.add_argument("--jobs", type=int, default=2, help="steps at the same time (default: 2)")
    parser.add_argument("--work", type=Path, default=paths.BUILD, help="work folder (default: build/)")
    parser.add_argument("--site", type=Path, default=SITE, help="where the site goes (default: book/_build/html)")
    parser.add_argument("--notebooks", type=Path, default=paths.NOTEBOOKS,
                        help="folder the notebooks and their words are read from (default: notebooks/)")
    args = parser.parse_args(argv)
    try:
        return run(args.data, args.jobs, work=args.work, site=args.site, notebooks=args.notebooks)
    except BuildError as exc:
        print(f"error: {exc}\nThe previous site is left as it was.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
