"""Build the published report: run the notebooks per language, then the Dutch and French books.

``python -m barometer.build`` (what ``make book`` runs):
1. executes every research notebook once per language with papermill, in parallel and
   in-process, into the book source of that language (build/site-src/<lang>/), with
   ``book_mode=True`` so figures come out numbered and captioned;
2. keeps only the Markdown cells of the page's language and hides the code;
3. writes the generated pages (questionnaire, build information) and the book configuration;
4. builds each book with jupyter-book (warnings and broken references are errors);
5. assembles the site (landing page, nl/, fr/) aside and swaps it in only when all succeeded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml

from . import paths
from .codebook import LANGUAGES, load_codebook
from .i18n import t

RESEARCH_NOTEBOOKS = ("sample", "perception", "implementation", "management")
APPENDIX_NOTEBOOKS = ("reproduction",)
PAGES = ("index", "method", "conclusion", "data", "reproduce")
SITE = paths.BOOK / "_build" / "html"


class BuildError(RuntimeError):
    """A notebook or a book failed; the message names the notebook, language and cell."""


def source_dir(work: Path, lang: str) -> Path:
    return work / "site-src" / lang


def execute(notebook: str, lang: str, data: str | None, work: Path = paths.BUILD) -> tuple[str, str, float]:
    """Run one notebook in one language into its book source folder; returns its timing."""
    import papermill as pm

    start = time.perf_counter()
    out_dir = source_dir(work, lang)
    params = {"lang": lang, "findings_dir": str(out_dir / "_findings"), "figures_dir": str(out_dir / "figures"),
              "book_mode": True}
    if data:
        params["data"] = str(Path(data).resolve())
    try:
        pm.execute_notebook(paths.NOTEBOOKS / f"{notebook}.ipynb", out_dir / f"{notebook}.ipynb",
                            parameters=params, kernel_name="python3", cwd=str(out_dir), progress_bar=False,
                            log_output=False)
    except pm.PapermillExecutionError as exc:  # re-raised as a plain error: it must cross processes
        raise BuildError(f"notebook {notebook}.ipynb [{lang}] failed in cell {exc.cell_index} "
                         f"(execution count {exc.exec_count}): {exc.ename}: {exc.evalue}") from None
    return notebook, lang, time.perf_counter() - start


def keep_language(path: Path, lang: str) -> None:
    """Drop the other language's Markdown cells and hide code and papermill's parameter cells."""
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
        cells.append(cell)
    nb.cells = cells
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
    """Commit and data checksums the book was built from (the colophon)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=paths.ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    folder = Path(data) if data else paths.SYNTHETIC_RAW
    files = [folder] if folder.is_file() else sorted(p for p in folder.iterdir() if p.is_file())
    rows = "\n".join(f"| `{p.name}` | `{hashlib.sha256(p.read_bytes()).hexdigest()}` |" for p in files)
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
                "language": lang,
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


def prepare_sources(src: Path, lang: str, data: str | None, notice: str | None) -> None:
    for page in PAGES:
        shutil.copy(paths.BOOK / "pages" / lang / f"{page}.md", src / f"{page}.md")
    (src / "questionnaire.md").write_text(questionnaire_page(lang), encoding="utf-8")
    (src / "build-info.md").write_text(build_info(data), encoding="utf-8")
    static = src / "_static"
    static.mkdir(exist_ok=True)
    for f in (paths.BOOK / "static").iterdir():
        shutil.copy(f, static / f.name)
    (static / "notebooks").mkdir(exist_ok=True)
    for nb in (*RESEARCH_NOTEBOOKS, *APPENDIX_NOTEBOOKS):
        shutil.copy(paths.NOTEBOOKS / f"{nb}.ipynb", static / "notebooks" / f"{nb}.ipynb")
    (src / "_config.yml").write_text(yaml.safe_dump(book_config(lang, notice), allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    (src / "_toc.yml").write_text(yaml.safe_dump(toc(lang), allow_unicode=True, sort_keys=False), encoding="utf-8")


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


def run(data: str | None = None, jobs: int = 2, *, work: Path = paths.BUILD, site: Path = SITE) -> int:
    """Build the site into ``site`` (work files under ``work``); 0 on success."""
    started = time.perf_counter()
    work, site = Path(work), Path(site)
    if (work / "site-src").exists():
        shutil.rmtree(work / "site-src")
    for lang in LANGUAGES:
        source_dir(work, lang).mkdir(parents=True)
    runs = [(nb, lang) for nb in RESEARCH_NOTEBOOKS for lang in LANGUAGES]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(execute, nb, lang, data, work) for nb, lang in runs]
        for future in futures:
            nb, lang, seconds = future.result()
            print(f"  ran {nb} [{lang}] in {seconds:.1f} s", flush=True)
    for lang in LANGUAGES:
        for nb in APPENDIX_NOTEBOOKS:
            _, _, seconds = execute(nb, lang, data, work)
            print(f"  ran {nb} [{lang}] in {seconds:.1f} s", flush=True)
        for nb in (*RESEARCH_NOTEBOOKS, *APPENDIX_NOTEBOOKS):
            keep_language(source_dir(work, lang) / f"{nb}.ipynb", lang)
        prepare_sources(source_dir(work, lang), lang, data, notice_for(data, lang))
    staging = work / "site-staging"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for lang in LANGUAGES:
        out = work / "jb" / lang
        cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source_dir(work, lang)), "--path-output", str(out),
               "-W", "-n", "--keep-going", "--quiet"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-5000:], result.stderr[-5000:], sep="\n", file=sys.stderr)
            print(f"error: the {lang} book did not build; the previous site is left as it was", file=sys.stderr)
            return 1
        shutil.copytree(out / "_build" / "html", staging / lang)
        print(f"  built the {lang} book", flush=True)
    (staging / "index.html").write_text(landing_page(), encoding="utf-8")
    if site.exists():
        shutil.rmtree(site)
    site.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(site)
    print(f"site: {site}/index.html ({time.perf_counter() - started:.0f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m barometer.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="folder of collector exports (default: the synthetic data)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        return run(args.data, args.jobs)
    except BuildError as exc:
        print(f"error: {exc}\nThe previous site is left as it was.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
