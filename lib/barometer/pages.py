"""The pages the build writes itself: the questionnaire, the book's configuration and table of
contents, the landing page and the colophon (commit, package versions, data checksums).

Kept apart from the build's scheduling (``barometer.build``): these are the report's content,
made from the codebook, the catalogues and the data's description, and change with them.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from importlib import metadata
from pathlib import Path

from . import chapters, paths
from .codebook import LANGUAGES, load_codebook
from .i18n import t

# Pages of book/pages/<lang>/ that the table of contents lists.
PAGES = ("index", "method", "data", "reproduce")


def questionnaire_page(lang: str) -> str:
    """The codebook as a readable appendix in the page's language."""
    cb = load_codebook()
    lines = [f"# {t('book.questionnaire_title', lang)}", "", t("book.questionnaire_intro", lang), ""]
    for part_id in cb.parts:
        lines += [f"## {cb.part_label(part_id, lang)}", ""]
        for q in cb.in_part(part_id):
            lines += [f"**{q.id.upper()}** {q.text[lang]}  ", t('book.type.' + q.kind.name, lang), ""]
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


def book_config(lang: str, notice: str | None) -> dict:
    """jupyter-book's _config.yml of one language's book (``jupyter-book config sphinx`` turns it into conf.py)."""
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
        # substitution: a chapter's Markdown cells are substitutions filled from its words (see build.keep_language)
        "parse": {"myst_enable_extensions": ["colon_fence", "dollarmath", "deflist", "substitution"]},
    }
    return config


def toc(lang: str) -> dict:
    return {
        "format": "jb-book",
        "root": "index",
        "parts": [
            {"caption": t("book.toc.report", lang),
             "chapters": [{"file": "method"}, *({"file": nb} for nb in (*chapters.RESEARCH, *chapters.CONCLUSION))]},
            {"caption": t("book.toc.appendices", lang),
             "chapters": [{"file": "questionnaire"}, *({"file": nb} for nb in chapters.APPENDICES), {"file": "data"}, {"file": "reproduce"}]},
        ],
    }


def generated_pages(lang: str, data: str | Path | None = None) -> dict[str, str]:
    """The pages and configuration made from the codebook and the catalogues (and the data's description)."""
    import yaml

    return {
        "questionnaire.md": questionnaire_page(lang),
        "_config.yml": yaml.safe_dump(book_config(lang, notice_for(data, lang)), allow_unicode=True, sort_keys=False),
        "_toc.yml": yaml.safe_dump(toc(lang), allow_unicode=True, sort_keys=False),
    }


def landing_page() -> str:
    """The site's root: one link to each language's book."""
    links = "\n".join(f'<li><a href="{lang}/index.html" hreflang="{lang}" lang="{lang}">{t("book.title", lang)}</a></li>'
                      for lang in LANGUAGES)
    return (f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{t('book.title', 'nl')} / {t('book.title', 'fr')}</title>"
            f'<link rel="stylesheet" href="nl/_static/barometer.css"></head>'
            f'<body class="landing"><main><h1>Smart City barometer</h1><ul>{links}</ul></main></body></html>\n')


def notice_for(data: str | Path | None, lang: str) -> str | None:
    """The banner every page of a book built on synthetic data carries."""
    from .survey import read_metadata

    meta = read_metadata(Path(data) if data else paths.SYNTHETIC_RAW)
    return t("common.synthetic_notice", lang) if meta.get("synthetic") else None


def file_digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def data_files(data: str | Path | None) -> dict[str, Path]:
    """The exports a run reads: every file of the exports folder (dataset.yml included); for a
    single export file, that file and the dataset.yml beside it."""
    folder = Path(data) if data else paths.SYNTHETIC_RAW
    if folder.is_file():
        files = {folder.name: folder}
        meta = folder.parent / "dataset.yml"
        if meta.is_file():
            files[meta.name] = meta
        return files
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file()}


def git_state() -> str:
    """The commit the build runs on, marked when the work tree has uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=paths.ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" (+ uncommitted changes)" if dirty else "")


def package_versions() -> dict[str, str]:
    """The installed version of each package requirements.txt names (Python's own first)."""
    import platform

    versions = {"python": platform.python_version()}
    for line in (paths.ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = re.split(r"[<>=!~;\[ ]", line.split("#", 1)[0].strip(), maxsplit=1)[0]
        if name:
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                versions[name] = "not installed"
    return versions


def colophon(data: str | Path | None, state: str | None = None) -> str:
    """What the book was built from: the commit, the package versions and the data's checksums.

    No date: the same commit, environment and data give the same page (and the same site)."""
    packages = "\n".join(f"| {name} | {version} |" for name, version in package_versions().items())
    files = "\n".join(f"| `{name}` | `{file_digest(path)}` |" for name, path in data_files(data).items())
    return (f"```text\ncommit {state if state is not None else git_state()}\n```\n\n"
            f"| package | version |\n|---|---|\n{packages}\n\n| file | sha256 |\n|---|---|\n{files}\n")
