"""The pages the build writes itself: the questionnaire, the book's configuration and table of
contents, the landing page and the colophon (commit, package versions, data checksums).

Kept apart from the build's scheduling (``barometer.build``): these are the report's content,
made from the codebook, the catalogues and the data's description, and change with them.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from importlib import metadata
from pathlib import Path

from . import chapters, paths
from .codebook import LANGUAGES, load_codebook
from .i18n import t

# Pages of book/pages/<lang>/ that the table of contents lists.
PAGES = ("index", "method", "data", "reproduce")
# Where Sphinx finds a book's message catalogue (its default ``locales`` folder).
CATALOGUE = "locales/{lang}/LC_MESSAGES/sphinx"


def book_files(lang: str) -> tuple[str, ...]:
    """The files of a book's source the pages step writes (besides ``_config.yml``, which conf.py is made from)."""
    return ("questionnaire.md", "cite.md", "_toc.yml", "conf.py", CATALOGUE.format(lang=lang) + ".mo",
            CATALOGUE.format(lang=lang) + ".js")


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
    from .export import MIN_PUBLIC_CLASS

    from .pdf import link as pdf_link

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
                # kernels, and thebe's inline script is declared twice per page (a console error);
                # without sphinx_design: no page uses its directives, and its CSS weighs on every page.
                "extensions": [
                    "sphinx_togglebutton", "sphinx_copybutton", "myst_nb", "jupyter_book", "sphinx_comments",
                    "sphinx_external_toc", "sphinx.ext.intersphinx", "sphinx_book_theme",
                    "barometer.sphinxext",
                ],
                "language": lang,
                # Formulas as MathML (barometer.sphinxext): no script, offline, in print too.
                "html_math_renderer": "mathml",
                # What the extension does is part of the book: a change of it rebuilds the books.
                "barometer_extension": extension_digest(),
                "templates_path": ["_templates"],
                "html_favicon": "_static/favicon.svg",
                "html_context": {"default_mode": "auto"},
                "myst_substitutions": {**{f"colophon_{key}": t(f"book.colophon.{key}", lang)
                                          for key in ("package", "version", "file")},
                                       "public_download": "{download}`%s <downloads/%s>`" % (
                                           t("book.download.link", lang), download_name(notice is not None)),
                                       "public_min_class": str(MIN_PUBLIC_CLASS)},
                "nb_render_markdown_format": "myst",
                "html_static_path": ["_static"],
                "html_js_files": ["lang-switch.js", *pdf_link(lang, notice)],
                "html_css_files": ["barometer.css", "tables.css", "print.css"],
                "numfig": True,
                # a figure's number as the text refers to it ("Figuur 3", not Sphinx's "Fig. 3")
                "numfig_format": {"figure": t("common.figure_ref", lang).capitalize()},
                "html_show_sourcelink": False,
                "suppress_warnings": ["mystnb.unknown_mime_type"],
                "html_theme_options": {
                    "announcement": notice or "", "search_bar_text": t("book.search_placeholder", lang),
                    "home_page_in_toc": True, "navbar_persistent": [],  # one search field: the sidebar's
                    "extra_footer": f'<p class="cite-link"><a href="cite.html">{t("book.cite.link", lang)}</a></p>',
                },
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
             "chapters": [{"file": "questionnaire"}, *({"file": nb} for nb in chapters.APPENDICES), {"file": "data"},
                          {"file": "reproduce"}, {"file": "cite"}]},
        ],
    }


def generated_pages(lang: str, data: str | Path | None = None) -> dict[str, str | bytes]:
    """The pages and configuration made from the codebook and the catalogues (and the data's description)."""
    import yaml

    mo, js = message_catalogue(lang)
    return {
        "questionnaire.md": questionnaire_page(lang),
        "cite.md": cite_page(lang),
        "_config.yml": yaml.safe_dump(book_config(lang, notice_for(data, lang)), allow_unicode=True, sort_keys=False),
        "_toc.yml": yaml.safe_dump(toc(lang), allow_unicode=True, sort_keys=False),
        CATALOGUE.format(lang=lang) + ".mo": mo,
        CATALOGUE.format(lang=lang) + ".js": js,
    }


def extension_digest() -> str:
    """Digest of the book's Sphinx extension and of the wording rules it applies."""
    h = hashlib.sha256()
    for name in ("sphinxext.py", "fmt.py"):
        h.update((Path(__file__).with_name(name)).read_bytes())
    return h.hexdigest()[:16]


def interface_words(lang: str) -> dict[str, str]:
    """The theme's messages (English, as the theme writes them) and their translation (book.yml ``interface``)."""
    from .i18n import catalogue

    prefix = "book.interface."
    return {key[len(prefix):]: t(key, lang) for key in catalogue() if key.startswith(prefix)}


def message_catalogue(lang: str) -> tuple[bytes, str]:
    """The book's message catalogue: for the templates (``sphinx.mo``, read ahead of Sphinx's and the
    theme's), and for the search page's script (``sphinx.js``: Sphinx's own translations of the
    language with these over them, published as ``_static/translations.js`` by ``barometer.sphinxext``)."""
    import datetime
    import json

    import sphinx
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    words = interface_words(lang)
    fixed = datetime.datetime(2017, 1, 1, tzinfo=datetime.timezone.utc)  # no build time in it: same words, same bytes
    catalog = Catalog(locale=lang, domain="sphinx", project=t("book.title", lang), version="",
                      creation_date=fixed, revision_date=fixed, fuzzy=False)
    for msgid, text in words.items():
        catalog.add(msgid, text)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    shipped = Path(sphinx.__file__).parent / "locale" / lang / "LC_MESSAGES" / "sphinx.js"
    text = shipped.read_text(encoding="utf-8")
    script = json.loads(text[text.index("(") + 1:text.rindex(")")])
    script["messages"].update(words)
    return buffer.getvalue(), f"Documentation.addTranslations({json.dumps(script, ensure_ascii=False, sort_keys=True)});\n"


def citation() -> dict:
    """CITATION.cff: this edition, and the original report among its references."""
    import yaml

    return yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def _names(people: list[dict]) -> str:
    return ", ".join(p.get("name") or " ".join(filter(None, (p.get("given-names"), p.get("family-names"))))
                     for p in people)


def cite_page(lang: str) -> str:
    """How to cite, from CITATION.cff: this edition (with the commit the book is built from, from
    the colophon) and the original report."""
    cff = citation()
    edition = f"{_names(cff['authors'])}. *{cff['title']}*, {t('book.cite.version', lang)} {cff['version']}."
    lines = [f"# {t('book.cite.title', lang)}", "", t("book.cite.intro", lang), "",
             f"## {t('book.cite.edition', lang)}", "", edition, "", t("book.cite.commit", lang), "",
             "```{include} build-info.md", ":end-before: <!-- packages -->", "```", ""]
    for ref in cff.get("references", []):
        year = f" ({ref['year']})" if ref.get("year") else ""
        lines += [f"## {t('book.cite.original', lang)}", "", f"{_names(ref['authors'])}{year}. *{ref['title']}*.", ""]
    return "\n".join(lines)


def pdf_href(lang: str, data: str | Path | None = None) -> str | None:
    """Where the site publishes a language's PDF (relative to the site's root), or None where the
    build prints no PDF."""
    from . import pdf

    if pdf.missing():
        return None
    return f"{lang}/{pdf.filename(lang, notice_for(data, lang) is not None)}"  # where pdf.publish puts it


def landing_page(data: str | Path | None = None) -> str:
    """The site's root: what the report is, in both languages, the notice while the data are
    synthetic, and both editions (online and as PDF)."""
    from html import escape

    blocks = []
    for lang in LANGUAGES:
        notice = notice_for(data, lang)
        pdf = pdf_href(lang, data)
        links = [f'<a href="{lang}/index.html" hreflang="{lang}">{escape(t("book.landing.read", lang))}</a>']
        if pdf:
            links.append(f'<a href="{pdf}" hreflang="{lang}" type="application/pdf">{escape(t("book.landing.pdf", lang))}</a>')
        blocks.append(
            f'<section lang="{lang}" class="landing-edition"><h2>{escape(t("book.landing.edition", lang))}</h2>'
            f'<p class="landing-title">{escape(t("book.title", lang))}</p><p>{escape(t("book.landing.what", lang))}</p>'
            + (f'<p class="landing-notice" role="note">{escape(notice)}</p>' if notice else "")
            + f'<p class="landing-links">{" · ".join(links)}</p>'
            f'<p><a href="{lang}/cite.html" hreflang="{lang}">{escape(t("book.cite.link", lang))}</a></p></section>')
    title = f"{t('book.title', 'nl')} / {t('book.title', 'fr')}"
    return (f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title>"
            f'<link rel="icon" href="nl/_static/favicon.svg" type="image/svg+xml">'
            f'<link rel="stylesheet" href="nl/_static/barometer.css"></head>'
            f'<body class="landing"><main><h1>{escape(title)}</h1>{"".join(blocks)}</main></body></html>\n')


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
    return (f"```text\ncommit {state if state is not None else git_state()}\n```\n\n<!-- packages -->\n\n"
            f"| {{{{ colophon_package }}}} | {{{{ colophon_version }}}} |\n|---|---|\n{packages}\n\n"
            f"| {{{{ colophon_file }}}} | SHA-256 |\n|---|---|\n{files}\n")


def download_name(synthetic: bool) -> str:
    """The file name of the site's download of the derived data: what it is, and that it is synthetic
    while it is."""
    return "barometer-2016-public-data" + ("-synthetic" if synthetic else "") + ".zip"


def download(data, runs: list[Path], target: Path) -> None:
    """The site's download: the disclosure-controlled derived data (``export.public_archive``) of
    ``data``, with the estimates and tests its chapters' runs (``runs``, one language's) wrote."""
    import shutil
    import tempfile

    from .export import public_archive
    from .survey import load_survey

    survey = load_survey(data) if data else load_survey()
    with tempfile.TemporaryDirectory() as tmp:
        for run in runs:
            for path in sorted((Path(run) / "_findings").glob("*")):
                shutil.copyfile(path, Path(tmp) / path.name)
        public_archive(survey, Path(tmp), target)
