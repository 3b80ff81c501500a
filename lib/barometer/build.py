"""Build the published report: run the notebooks per language, then the Dutch and French books.

``python -m barometer.build`` (what ``make book`` runs) rebuilds only what its inputs require:
1. every research notebook runs once per language with papermill, in parallel and in-process
   (a pool of ``--jobs`` workers), with ``book_mode=True`` so figures come out numbered and
   captioned; the reproduction appendix of a language runs as soon as the four parts of that
   language are done. A run is skipped when its key (a hash of the notebook, the library code,
   the data, the codebook, the reference data and its parameters; for the appendix also the
   findings it reads) matches the one stored with its outputs (see ``barometer.buildcache``);
2. each executed notebook keeps only the Markdown cells of the page's language, hides its code
   and drops its timing metadata (so an unchanged result gives unchanged bytes);
3. the book source of each language (build/site-src/<lang>/) is brought up to date: the
   executed notebooks, figures, pages, generated pages (questionnaire, build information) and
   configuration, each file written only when its bytes differ; files no longer produced go;
4. each book is built with jupyter-book (warnings and broken references are errors) into a
   folder kept between builds, so Sphinx re-reads only the changed sources; a book whose source
   tree did not change is not built at all; both books build at the same time;
5. the site (landing page, nl/, fr/) is assembled aside and swapped in only when all succeeded,
   and only when it changed.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from . import buildcache as cache
from . import paths
from .codebook import LANGUAGES, load_codebook
from .i18n import t

RESEARCH_NOTEBOOKS = ("sample", "perception", "implementation", "management")
APPENDIX_NOTEBOOKS = ("reproduction",)
PAGES = ("index", "method", "conclusion", "data", "reproduce")
SITE = paths.BOOK / "_build" / "html"
# The kernel's own start-up chatter (e.g. "Kernel is running over TCP without encryption") is not
# the build's business: what a notebook prints or raises is in the notebook.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
# How a notebook is executed (papermill's Python API). The executed notebook is written once, when
# it is done (or failed), not before and after every cell as papermill does by default: that is
# 2 × (cells) JSON serialisations and validations, about 4 s of CPU for the management notebook,
# taken from the kernels. A kernel is stopped at once when its last cell has answered (its files
# are written by then), rather than asked to shut down and waited for (0.5-1.5 s a run).
EXECUTION = {"kernel_name": "python3", "progress_bar": False, "log_output": False,
             "request_save_on_cell_execute": False,
             "extra_arguments": KERNEL_ARGUMENTS, "shutdown_kernel": "immediate"}


class BuildError(RuntimeError):
    """A notebook or a book failed; the message names the notebook, language and cell."""


def source_dir(work: Path, lang: str) -> Path:
    return Path(work) / "site-src" / lang


def params_for(lang: str, data: str | None) -> dict:
    """The papermill parameters of a run, except the work folders (which are the run's own)."""
    params = {"lang": lang, "book_mode": True}
    if data:
        params["data"] = str(Path(data).resolve())
    return params


def execute(notebook: str, lang: str, data: str | None, work: Path = paths.BUILD, *,
            notebooks: Path = paths.NOTEBOOKS, key: str = "", findings: dict[str, str] | None = None,
            kernel: str = "python3") -> tuple[str, str, float]:
    """Run one notebook in one language into its run folder (``runs/<lang>/<notebook>/``).

    The run happens in a fresh folder beside it, which replaces the old one only when the run
    succeeded; its manifest (key, outputs, duration) is written last. ``findings`` are the
    findings files the notebook reads (name -> path), copied into its findings folder first;
    ``kernel`` is the kernel to run it with (see ``buildcache.PreloadedKernels``).
    Returns the notebook, the language and the seconds it took.
    """
    import papermill as pm

    start = time.perf_counter()
    final = cache.run_dir(work, lang, notebook)
    tmp = final.with_name(f"{notebook}.running")
    cache.remove(tmp)
    (tmp / "_findings").mkdir(parents=True)
    for name, path in (findings or {}).items():
        shutil.copyfile(path, tmp / "_findings" / name)
    params = {**params_for(lang, data), "findings_dir": str(tmp / "_findings"), "figures_dir": str(tmp / "figures")}
    try:
        pm.execute_notebook(Path(notebooks) / f"{notebook}.ipynb", tmp / f"{notebook}.ipynb",
                            parameters=params, cwd=str(tmp), **{**EXECUTION, "kernel_name": kernel})
    except pm.PapermillExecutionError as exc:  # re-raised as a plain error: it must cross processes
        raise BuildError(f"notebook {notebook}.ipynb [{lang}] failed in cell {exc.cell_index} "
                         f"(execution count {exc.exec_count}): {exc.ename}: {exc.evalue}") from None
    keep_language(tmp / f"{notebook}.ipynb", lang)
    for name in findings or {}:
        (tmp / "_findings" / name).unlink()
    produced = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
    seconds = time.perf_counter() - start
    cache.write_json(tmp / cache.MANIFEST, {"key": key, "notebook": notebook, "lang": lang, "outputs": produced,
                                            "seconds": round(seconds, 2)})
    cache.remove(final)
    tmp.rename(final)
    return notebook, lang, seconds


def keep_language(path: Path, lang: str) -> None:
    """Drop the other language's Markdown cells and hide code and papermill's parameter cells;
    drop the execution metadata (timestamps, durations), so that the same results give the same bytes."""
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


def questionnaire_page(lang: str) -> str:
    """The codebook as a readable appendix in the page's language."""
    cb = load_codebook()
    lines = [f"# {t('book.questionnaire_title', lang)}", "", t("book.questionnaire_intro", lang), ""]
    for part_id in cb.parts:
        lines += [f"## {cb.part_label(part_id, lang)}", ""]
        for q in cb.in_part(part_id):
            lines += [f"**{q.id.upper()}** {q.text[lang]}  ", f"{t('book.type.' + q.type, lang)}", ""]
            options = q.options or q.items
            for o in options:
                lines.append(f"- `{o.code}`: {o.labels[lang]}")
            if q.scale:
                lines.append("- " + "; ".join(p.labels[lang] for p in q.scale))
            for f in q.fields:
                lines.append(f"- {f.labels[lang]}" + (": " + ", ".join(o.labels[lang] for o in f.options)
                                                       if f.options else ""))
            lines.append("")
    return "\n".join(lines)


def build_info(data: str | None) -> str:
    """Commit and data checksums the book was built from (the colophon): the data files its runs' keys hash.

    It changes only when the commit, the uncommitted state or the data change, so a rebuild on
    the same commit leaves it (and the page that includes it) as it was."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=paths.ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    rows = "\n".join(f"| `{name}` | `{cache.file_digest(path)}` |" for name, path in cache.data_files(data).items())
    state = " (+ uncommitted changes)" if dirty else ""
    return f"```text\ncommit {commit}{state}\n```\n\n| file | sha256 |\n|---|---|\n{rows}\n"


def book_config(lang: str, notice: str | None) -> dict:
    config = {
        "title": t("book.title", lang),
        "author": t("book.author", lang),
        "copyright": "2017–2026",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "html": {"use_repository_button": False, "use_issues_button": False, "home_page_in_navbar": True},
        "sphinx": {
            "config": {
                # jupyter-book's default extensions without sphinx_thebe: the book launches no
                # kernels, and thebe's inline script is declared twice per page (a console error).
                "extensions": [
                    "sphinx_togglebutton", "sphinx_copybutton", "myst_nb", "jupyter_book", "sphinx_comments",
                    "sphinx_external_toc", "sphinx.ext.intersphinx", "sphinx_design", "sphinx_book_theme",
                ],
                "language": lang,
                # MathJax from the book itself (book/vendor/mathjax, copied to _mathjax/ at the book's
                # root; Sphinx resolves a relative mathjax_path against _static), so formulas render
                # offline and from disk.
                "mathjax_path": "../_mathjax/tex-svg.js",
                "html_extra_path": ["_extra"],
                "html_context": {"default_mode": "auto"},
                "nb_render_markdown_format": "myst",
                "html_static_path": ["_static"],
                "html_js_files": ["lang-switch.js"],
                "html_css_files": ["barometer.css"],
                "numfig": True,
                "html_show_sourcelink": False,
                "suppress_warnings": ["mystnb.unknown_mime_type"],
                "html_theme_options": {"announcement": notice or ""},
            },
            "extra_extensions": [],
        },
        "parse": {"myst_enable_extensions": ["colon_fence", "dollarmath", "deflist"]},
    }
    return config


def toc(lang: str) -> dict:
    return {
        "format": "jb-book",
        "root": "index",
        "parts": [
            {"caption": t("book.toc.report", lang),
             "chapters": [{"file": "method"}, *({"file": nb} for nb in RESEARCH_NOTEBOOKS), {"file": "conclusion"}]},
            {"caption": t("book.toc.appendices", lang),
             "chapters": [{"file": "questionnaire"}, {"file": "reproduction"}, {"file": "data"}, {"file": "reproduce"}]},
        ],
    }


def generated_pages(lang: str, notice: str | None) -> dict[str, str]:
    """The pages and configuration made from the codebook and the catalogues."""
    import yaml

    return {
        "questionnaire.md": questionnaire_page(lang),
        "_config.yml": yaml.safe_dump(book_config(lang, notice), allow_unicode=True, sort_keys=False),
        "_toc.yml": yaml.safe_dump(toc(lang), allow_unicode=True, sort_keys=False),
    }


def book_sources(work: Path, lang: str, data: str | None, notice: str | None, notebooks: Path = paths.NOTEBOOKS,
                 info: str | None = None, generated: dict[str, str] | None = None) -> dict[str, bytes | Path]:
    """Every file of the book source of ``lang``: relative path -> bytes, or a file to copy."""
    wanted: dict[str, bytes | Path] = {}
    for nb in (*RESEARCH_NOTEBOOKS, *APPENDIX_NOTEBOOKS):
        wanted.update(cache.outputs(work, lang, nb))
    for page in PAGES:
        wanted[f"{page}.md"] = paths.BOOK / "pages" / lang / f"{page}.md"
    wanted["build-info.md"] = (info if info is not None else build_info(data)).encode("utf-8")
    for f in sorted((paths.BOOK / "static").iterdir()):
        if f.is_file():
            wanted[f"_static/{f.name}"] = f
    for f in sorted((paths.BOOK / "vendor" / "mathjax").iterdir()):
        wanted[f"_extra/_mathjax/{f.name}"] = f
    for nb in (*RESEARCH_NOTEBOOKS, *APPENDIX_NOTEBOOKS):
        wanted[f"_static/notebooks/{nb}.ipynb"] = Path(notebooks) / f"{nb}.ipynb"
    for name, text in (generated if generated is not None else generated_pages(lang, notice)).items():
        wanted[name] = text.encode("utf-8")
    return wanted


def prepare_sources(src: Path, lang: str, data: str | None, notice: str | None, *, work: Path = paths.BUILD,
                    notebooks: Path = paths.NOTEBOOKS, info: str | None = None,
                    generated: dict[str, str] | None = None) -> tuple[str, list[str], list[str]]:
    """Bring the book source folder ``src`` up to date; returns its tree hash, written and removed files."""
    return cache.sync_tree(Path(src), book_sources(work, lang, data, notice, notebooks, info, generated))


def landing_page() -> str:
    links = "\n".join(f'<li><a href="{lang}/index.html" hreflang="{lang}" lang="{lang}">{t("book.title", lang)}</a></li>'
                      for lang in LANGUAGES)
    return (f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{t('book.title', 'nl')} / {t('book.title', 'fr')}</title>"
            f'<link rel="stylesheet" href="nl/_static/barometer.css"></head>'
            f'<body class="landing"><main><h1>Smart City barometer</h1><ul>{links}</ul></main></body></html>\n')


def notice_for(data: str | None, lang: str) -> str | None:
    from .survey import read_metadata

    meta = read_metadata(Path(data) if data else paths.SYNTHETIC_RAW)
    return t("common.synthetic_notice", lang) if meta.get("synthetic") else None


# ---------------------------------------------------------------------------------------------
# the books


def jupyter_book_command(src: Path, out: Path) -> list[str]:
    """jupyter-book's ``build`` with Sphinx writing every page (see ``buildcache.jupyter_book_main``)."""
    return [sys.executable, "-m", "barometer.buildcache", "build", str(src), "--path-output", str(out),
            "-W", "-n", "--keep-going", "--quiet"]


@dataclass
class Book:
    """One language's book build, running as a subprocess."""

    lang: str
    state: str
    process: subprocess.Popen
    log: Path
    started: float = field(default_factory=time.perf_counter)


def book_output(work: Path, lang: str) -> Path:
    return Path(work) / "jb" / lang


def start_book(work: Path, lang: str, tree: str) -> Book | None:
    """Start the jupyter-book build of ``lang``, or None when its HTML is that of this source tree."""
    stamp = cache.book_stamp(work, lang)
    html = book_output(work, lang) / "_build" / "html" / "index.html"
    state = cache.digest_of({"tree": tree, "toolchain": cache.toolchain()})
    if cache.read_json(stamp).get("state") == state and html.is_file():
        print(f"  up to date: the {lang} book (sources unchanged)", flush=True)
        return None
    cache.remove(stamp)
    log = Path(work) / "logs" / f"jupyter-book-{lang}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(jupyter_book_command(source_dir(work, lang), book_output(work, lang)),
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    print(f"  building the {lang} book", flush=True)
    return Book(lang, state, process, log)


def finish_book(work: Path, book: Book) -> bool:
    """Record a finished book build; a failed one loses its output folder, so that the next
    build reads every source again and reports every warning again."""
    seconds = time.perf_counter() - book.started
    if book.process.returncode == 0:
        cache.write_json(cache.book_stamp(work, book.lang), {"state": book.state})
        print(f"  built the {book.lang} book in {seconds:.1f} s", flush=True)
        return True
    text = book.log.read_text(encoding="utf-8", errors="replace")
    print(text[-8000:], file=sys.stderr)
    print(f"error: the {book.lang} book did not build (log: {book.log}); the previous site is left as it was",
          file=sys.stderr)
    cache.remove(book_output(work, book.lang))
    return False


# ---------------------------------------------------------------------------------------------
# the site


def swap_in(staging: Path, site: Path) -> None:
    """Replace ``site`` by ``staging``: rename the old one away, rename the new one in, delete the old."""
    old = site.with_name(f".{site.name}.old")
    cache.remove(old)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    cache.remove(old)


def publish(work: Path, site: Path, landing: str) -> None:
    state = cache.digest_of({"books": {lang: cache.read_json(cache.book_stamp(work, lang)).get("state")
                                       for lang in LANGUAGES}, "landing": landing, "site": str(site.resolve())})
    stamp = cache.site_stamp(work)
    complete = (site / "index.html").is_file() and all((site / lang / "index.html").is_file() for lang in LANGUAGES)
    if cache.read_json(stamp).get("state") == state and complete:
        print("  up to date: the site", flush=True)
        return
    site.parent.mkdir(parents=True, exist_ok=True)
    staging = site.with_name(f".{site.name}.staging")  # beside the site: the renames stay on one file system
    cache.remove(staging)
    staging.mkdir()
    for lang in LANGUAGES:
        shutil.copytree(book_output(work, lang) / "_build" / "html", staging / lang)
    (staging / "index.html").write_text(landing, encoding="utf-8")
    cache.remove(stamp)
    swap_in(staging, site)
    cache.write_json(stamp, {"state": state})
    print("  swapped in the new site", flush=True)


# ---------------------------------------------------------------------------------------------
# the build


@contextlib.contextmanager
def locked(work: Path):
    """One build at a time per work folder."""
    import fcntl

    work.mkdir(parents=True, exist_ok=True)
    with open(work / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _order(work: Path, runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Longest first (by the duration recorded last time), both languages side by side, so that the
    two languages finish together and their appendices and books run side by side."""
    def last_seconds(run):
        return cache.manifest(work, run[1], run[0]).get("seconds", 0.0)

    return sorted(runs, key=lambda r: (-last_seconds(r), RESEARCH_NOTEBOOKS.index(r[0]), LANGUAGES.index(r[1])))


def run(data: str | None = None, jobs: int = 2, *, work: Path = paths.BUILD, site: Path = SITE,
        notebooks: Path = paths.NOTEBOOKS) -> int:
    """Build the site into ``site`` (work files under ``work``, notebooks read from ``notebooks``);
    0 on success. Only what changed is redone. A failing notebook raises :class:`BuildError`."""
    started = time.perf_counter()
    work, site, notebooks = Path(work).resolve(), Path(site), Path(notebooks)
    with locked(work):
        status = _build(data, jobs, work, site, notebooks)
    print(f"site: {site}/index.html ({time.perf_counter() - started:.1f} s)" if status == 0 else
          f"build failed after {time.perf_counter() - started:.1f} s")
    return status


def _build(data: str | None, jobs: int, work: Path, site: Path, notebooks: Path) -> int:
    inputs = cache.inputs_digests(data)
    info = build_info(data)
    # The generated pages depend only on the inputs (catalogues, codebook, the data's description,
    # this code): kept with their key, so that a build with nothing to do reads no YAML catalogue.
    texts_key = cache.digest_of({"inputs": inputs, "data": str(Path(data).resolve()) if data else ""})

    def generated(lang: str) -> dict[str, str]:
        return cache.cached(cache.state_file(work, f"pages-{lang}"), texts_key,
                            lambda: generated_pages(lang, notice_for(data, lang)))

    def key(nb: str, lang: str) -> str:
        findings = None
        if nb in APPENDIX_NOTEBOOKS:
            findings = {f"{part}.json": cache.run_dir(work, lang, part) / "_findings" / f"{part}.json"
                        for part in RESEARCH_NOTEBOOKS}
        return cache.run_key(notebooks / f"{nb}.ipynb", params_for(lang, data), inputs, findings)

    todo: list[tuple[str, str, str]] = []  # (notebook, language, key), in the order to run
    for nb, lang in _order(work, [(nb, lang) for nb in RESEARCH_NOTEBOOKS for lang in LANGUAGES]):
        k = key(nb, lang)
        if cache.up_to_date(work, lang, nb, k):
            print(f"  up to date: {nb} [{lang}]", flush=True)
        else:
            todo.append((nb, lang, k))
    pending_parts = {lang: {nb for nb, lg, _ in todo if lg == lang} for lang in LANGUAGES}
    pending_appendix = {lang: set(APPENDIX_NOTEBOOKS) for lang in LANGUAGES}
    errors: list[BuildError] = []
    books: dict[str, Book] = {}
    built: dict[str, bool] = {}
    running: dict[Future, tuple[str, str]] = {}
    pool: ProcessPoolExecutor | None = None
    kernels: cache.PreloadedKernels | None = None

    def language_ready(lang: str) -> None:
        """All runs of ``lang`` are done: update its book source and start its book if needed."""
        tree, written, removed = prepare_sources(source_dir(work, lang), lang, data, None, work=work,
                                                 notebooks=notebooks, info=info, generated=generated(lang))
        if written or removed:
            print(f"  {lang} book source: {len(written)} file(s) written, {len(removed)} removed", flush=True)
        if removed:  # Sphinx would keep the pages and images of removed sources: start that book afresh
            cache.remove(book_output(work, lang))
        book = start_book(work, lang, tree)
        if book is None:
            built[lang] = True
        else:
            books[lang] = book

    def parts_done(lang: str) -> None:
        """The four parts of ``lang`` are done: its appendix runs, unless it is up to date."""
        for nb in APPENDIX_NOTEBOOKS:
            k = key(nb, lang)
            if cache.up_to_date(work, lang, nb, k):
                print(f"  up to date: {nb} [{lang}]", flush=True)
                pending_appendix[lang].discard(nb)
            else:
                todo.insert(0, (nb, lang, k))  # first in line: the book of its language waits for it
        if not pending_appendix[lang]:
            language_ready(lang)

    try:
        for lang in LANGUAGES:
            if not pending_parts[lang]:
                parts_done(lang)
        while todo or running or books:
            if errors:
                todo.clear()  # what is running finishes (and is kept); nothing new starts
            while todo and len(running) < jobs:
                nb, lang, k = todo.pop(0)
                if pool is None:
                    kernels = cache.PreloadedKernels() if cache.preload_wanted() else None
                    pool = ProcessPoolExecutor(max_workers=jobs, initializer=cache.use_kernels,
                                               initargs=(kernels.jupyter_path if kernels else None,))
                findings = None
                if nb in APPENDIX_NOTEBOOKS:
                    findings = {f"{part}.json": str(cache.run_dir(work, lang, part) / "_findings" / f"{part}.json")
                                for part in RESEARCH_NOTEBOOKS}
                print(f"  running {nb} [{lang}]", flush=True)
                kernel = kernels.kernel_name if kernels and kernels.alive() else "python3"
                running[pool.submit(execute, nb, lang, data, work, notebooks=notebooks, key=k,
                                    findings=findings, kernel=kernel)] = (nb, lang)
            done: set[Future] = set()
            if running:
                done, _ = wait(list(running), timeout=0.1 if books else None, return_when=FIRST_COMPLETED)
            elif books:
                time.sleep(0.05)
            for future in done:
                nb, lang = running.pop(future)
                try:
                    _, _, seconds = future.result()
                except BuildError as exc:
                    errors.append(exc)
                except Exception as exc:  # noqa: BLE001 - a crashed kernel or worker still names its notebook
                    errors.append(BuildError(f"notebook {nb}.ipynb [{lang}] failed: {type(exc).__name__}: {exc}"))
                else:
                    print(f"  ran {nb} [{lang}] in {seconds:.1f} s", flush=True)
                    if errors:
                        continue
                    if nb in RESEARCH_NOTEBOOKS:
                        pending_parts[lang].discard(nb)
                        if not pending_parts[lang]:
                            parts_done(lang)
                    else:
                        pending_appendix[lang].discard(nb)
                        if not pending_appendix[lang]:
                            language_ready(lang)
                    continue
                print(f"  FAILED {nb} [{lang}]: {errors[-1]}", file=sys.stderr, flush=True)
            for lang, book in list(books.items()):
                if book.process.poll() is not None:
                    del books[lang]
                    built[lang] = finish_book(work, book)
    finally:
        for book in books.values():  # only after an unexpected error: do not leave builds behind
            book.process.kill()
            book.process.wait()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if kernels is not None:
            kernels.close()
    if errors:
        raise errors[0]
    if not all(built.get(lang) for lang in LANGUAGES):
        return 1
    publish(work, site, cache.cached(cache.state_file(work, "landing"), texts_key,
                                     lambda: {"index.html": landing_page()})["index.html"])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m barometer.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="folder of collector exports (default: the synthetic data)")
    parser.add_argument("--jobs", type=int, default=2, help="notebook runs at the same time (default: 2)")
    parser.add_argument("--work", type=Path, default=paths.BUILD, help="work folder (default: build/)")
    parser.add_argument("--site", type=Path, default=SITE, help="where the site goes (default: book/_build/html)")
    parser.add_argument("--notebooks", type=Path, default=paths.NOTEBOOKS,
                        help="folder the notebooks are read from (default: notebooks/)")
    args = parser.parse_args(argv)
    try:
        return run(args.data, args.jobs, work=args.work, site=args.site, notebooks=args.notebooks)
    except BuildError as exc:
        print(f"error: {exc}\nThe previous site is left as it was.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
