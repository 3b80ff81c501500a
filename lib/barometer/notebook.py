"""What every research notebook does around its analysis: load, say, show, record.

A notebook creates one :class:`Notebook` from its papermill parameters and then only
states its analysis: ``nb.say`` prints a catalogue sentence in the page's language,
``nb.record`` records a quoted figure (findings file + glue), ``nb.figure`` shows or
publishes a figure, ``nb.table`` shows a table. Outputs carry a text/plain twin of what
they show, so nbval compares the words and numbers, not an object's address.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import display

from . import fmt, paths
from .findings import Findings
from .i18n import t
from .survey import Survey, load_survey

_SURVEYS: dict[str, Survey] = {}


def _publish(markdown: str) -> None:
    display({"text/markdown": markdown, "text/plain": markdown}, raw=True)


class Notebook:
    """The context of one notebook run: language, data, findings and figure folders."""

    def __init__(self, name: str, *, lang: str, data=None, findings_dir=None, figures_dir=None,
                 book_mode: bool = False) -> None:
        self.name = name
        self.lang = lang
        self.data = Path(data) if data else paths.SYNTHETIC_RAW
        self.book_mode = book_mode
        self.findings = Findings(name, findings_dir or paths.FINDINGS / "default", lang=lang)
        self.figures_dir = Path(figures_dir or paths.FIGURES)
        key = str(self.data.resolve())
        if key not in _SURVEYS:
            _SURVEYS[key] = load_survey(self.data)
        self.survey = _SURVEYS[key]
        from . import figures  # imported here: matplotlib is only needed once a notebook draws

        figures.use_style()
        self._figures = figures

    # ---- words
    def t(self, key: str, **fields) -> str:
        if "." not in key or key.split(".")[0] not in ("common", self.name):
            key = f"{self.name}.{key}"
        return t(key, self.lang, **fields)

    def say(self, key: str, **fields) -> None:
        """Print a sentence of the catalogue, with its numbers formatted for the language."""
        _publish(self.t(key, **fields))

    def pct(self, value: float, digits: int = 0) -> str:
        return fmt.percent(value, self.lang, digits)

    def num(self, value: float, digits: int = 0) -> str:
        return fmt.number(value, self.lang, digits)

    def label(self, question: str, code: str) -> str:
        """The answer option's (or item's) label in the page's language."""
        q = self.survey.codebook[question]
        options = q.options or q.items
        return next(o.labels[self.lang] for o in options if o.code == code)

    def group(self, group: str) -> str:
        return t(f"common.groups.{group}", self.lang)

    def notice(self) -> None:
        """The synthetic-data notice, shown while the data say they are synthetic."""
        if self.survey.synthetic:
            text = t("common.synthetic_notice", self.lang)
            if self.book_mode:
                _publish(f":::{{warning}}\n{text}\n:::")
            else:
                _publish(f"**{text}**")

    # ---- figures and tables
    def record(self, key: str, value, **kwargs) -> None:
        """Record a quoted figure (returns nothing, so a cell ending with it shows no dict)."""
        self.findings.record(key, value, **kwargs)

    def p(self, p_value: float) -> str:
        """A p-value as a reader expects it: 0,066 or < 0,001."""
        return fmt.p_value(p_value, self.lang)

    def figure(self, fig, name: str, *, caption: str, alt: str, data: pd.DataFrame) -> None:
        """Show a figure here, or in book mode publish it numbered, captioned, with its data and code."""
        self._figures.show(
            fig, name=name, caption=caption, alt=alt, data=data,
            data_link_text=t("common.data_link", self.lang), code_link=f"_static/notebooks/{self.name}.ipynb",
            code_link_text=t("common.code_link", self.lang),
            book_mode=self.book_mode, figures_dir=self.figures_dir, lang=self.lang, rel_to=Path.cwd(),
        )

    def table(self, df: pd.DataFrame) -> None:
        """A table as HTML with a plain-text twin (no volatile ids)."""
        display({"text/html": df.to_html(border=0, classes="dataframe barometer-table", na_rep="–"),
                 "text/plain": df.to_string(na_rep="–")}, raw=True)


RESEARCH_NOTEBOOKS = ("sample", "perception", "implementation", "management")


def ensure_findings(nb: Notebook) -> None:
    """Run the research notebooks whose findings are missing, so an appendix can be run on its own."""
    import tempfile

    import papermill as pm

    folder = nb.findings.path.parent
    for name in RESEARCH_NOTEBOOKS:
        if (folder / f"{name}.json").exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            pm.execute_notebook(
                paths.NOTEBOOKS / f"{name}.ipynb", Path(tmp) / f"{name}.ipynb",
                parameters={"lang": nb.lang, "data": str(nb.data), "findings_dir": str(folder),
                            "figures_dir": str(Path(tmp) / "figures")},
                kernel_name="python3", cwd=str(paths.NOTEBOOKS), progress_bar=False, log_output=False,
            )
