"""What the books add to Sphinx and its theme (listed in each book's ``extensions`` by ``pages``).

- Formulas as MathML, which browsers render themselves: no 2 MB MathJax on any page, nothing to
  wait for in print or in the PDF, and screen readers read the formula.
- When the build is done, the HTML as a reader gets it (:func:`finish`): French spacing (a
  no-break space before ? ! ; : » and after «) in the French pages' text, the theme's words
  included; every image with its width, height and lazy loading; nothing shipped that no page
  loads (source maps, the theme's icon script and TrueType fonts, the notebooks' second copy
  under ``_static/notebooks``: the figures' links point at ``_downloads``); the notebooks offered
  for download without their outputs.

The theme's words in the book's language come from the catalogue ``pages`` compiles into the
book's ``locales/`` and from the templates of ``book/templates``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from docutils import nodes

from .fmt import typography

#: Shipped by the theme, loaded by no page (the icons are drawn by the web font, see the templates).
UNUSED = ("**/*.map", "_static/scripts/fontawesome.js*", "_static/vendor/fontawesome/webfonts/*.ttf",
          "_static/notebooks")
#: Elements whose text is not prose: French spacing leaves them alone.
_VERBATIM = {"script", "style", "pre", "code", "kbd", "samp", "textarea", "math"}
_TAG = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_NAME = re.compile(r"</?\s*([a-zA-Z][\w-]*)")
_SPOKEN = re.compile(r'(\s(?:alt|title|aria-label|placeholder)=")([^"]*)(")')
_IMG = re.compile(r"<img\b[^>]*>")
_SOURCE_MAP = re.compile(rb"\n?/[/*]# sourceMappingURL=[^\n]*")


def _mathml(tex: str, block: bool) -> str:
    from docutils.utils.math.latex2mathml import tex2mathml

    return tex2mathml(tex, as_block=block)


def visit_math(self, node) -> None:
    self.body.append(f'<span class="math">{_mathml(node.astext(), False)}</span>')
    raise nodes.SkipNode


def visit_displaymath(self, node) -> None:
    number = f'<span class="eqno">({node["number"]})</span>' if node.get("number") else ""
    self.body.append(f'<div class="math">{_mathml(node.astext(), True)}{number}</div>')
    raise nodes.SkipNode


def french_spacing(page: str) -> str:
    """An HTML page with French spacing in its text and in the words read out (alt, title,
    aria-label, placeholder), not inside scripts, styles, code or formulas."""
    out, verbatim = [], None
    for part in _TAG.split(page):
        if part.startswith("<"):
            name = _NAME.match(part)
            tag = name.group(1).lower() if name else ""
            if verbatim is None and not part.startswith("</") and tag in _VERBATIM and not part.endswith("/>"):
                verbatim = tag
            elif verbatim == tag and part.startswith("</"):
                verbatim = None
            if verbatim is None and not part.startswith("<!--"):
                part = _SPOKEN.sub(lambda m: m.group(1) + typography(m.group(2), "fr") + m.group(3), part)
            out.append(part)
        else:
            out.append(part if verbatim else typography(part, "fr"))
    return "".join(out)


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) in CSS pixels at which an image is meant to be shown: an SVG's own size, a
    PNG's pixels at its recorded resolution (a figure drawn at twice its size says so)."""
    try:
        if path.suffix.lower() == ".svg":
            head = path.read_text(encoding="utf-8", errors="replace")[:4000]
            root = re.search(r"<svg\b[^>]*>", head)
            sizes = [re.search(rf'\s{attr}="([\d.]+)(pt|px)?"', root.group(0)) if root else None
                     for attr in ("width", "height")]
            if not all(sizes):
                return None
            return tuple(round(float(m.group(1)) * (96 / 72 if m.group(2) == "pt" else 1)) for m in sizes)
        from PIL import Image

        with Image.open(path) as image:
            dpi = image.info.get("dpi", (96, 96))[0] or 96
            return round(image.width * 96 / dpi), round(image.height * 96 / dpi)
    except (OSError, ValueError):
        return None


def sized_images(page: str, folder: Path) -> str:
    """Every <img> of a page with width and height (the space it takes before it loads) and lazy loading."""
    def fix(match: re.Match) -> str:
        tag = match.group(0)
        src = re.search(r'\ssrc="([^"]+)"', tag)
        extra = ""
        if src and not re.search(r"\swidth=", tag) and not src.group(1).startswith(("data:", "http:", "https:")):
            size = image_size(folder / src.group(1).split("?")[0].split("#")[0])
            if size:
                extra += f' width="{size[0]}" height="{size[1]}"'
        if "loading=" not in tag:
            extra += ' loading="lazy"'
        return tag[:-2].rstrip() + extra + " />" if tag.endswith("/>") else tag[:-1] + extra + ">"
    return _IMG.sub(fix, page)


def _without_outputs(path: Path) -> None:
    """A notebook offered for download as its code: the outputs are what running it gives (they
    would double the site's weight; the page shows them)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, path)


def finish(app, exception) -> None:
    """The built HTML as a reader gets it (see the module's docstring)."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for pattern in UNUSED:
        for path in list(out.glob(pattern)):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    # The book's translations for the search script (pages writes them beside its catalogue):
    # Sphinx looks for them relative to the working directory, not to the book's source.
    script = Path(app.srcdir) / "locales" / app.config.language / "LC_MESSAGES" / "sphinx.js"
    if script.is_file():
        shutil.copyfile(script, out / "_static" / "translations.js")
    for path in out.glob("_downloads/**/*.ipynb"):
        _without_outputs(path)
    for path in [*out.glob("_static/**/*.js"), *out.glob("_static/**/*.css")]:
        content = path.read_bytes()
        if b"sourceMappingURL" in content:
            path.write_bytes(_SOURCE_MAP.sub(b"", content))
    for path in out.rglob("*.html"):
        if "_static" in path.relative_to(out).parts:
            continue
        page = path.read_text(encoding="utf-8")
        fixed = sized_images(page, path.parent)
        if app.config.language == "fr":
            fixed = french_spacing(fixed)
        if fixed != page:
            path.write_text(fixed, encoding="utf-8")


def setup(app):
    app.add_config_value("barometer_extension", "", "html")  # its digest (pages): a change rebuilds the book
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    app.connect("build-finished", finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
