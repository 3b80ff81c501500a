"""What every chapter notebook does around its analysis: load, say, show, record.

A notebook creates one :class:`Notebook` from its papermill parameters and then only
states its analysis: ``nb.say`` prints a sentence of the chapter's words in the page's
language, ``nb.record`` records a quoted figure (findings file + glue), ``nb.figure`` shows or
publishes a figure, ``nb.table`` shows a table. Outputs carry a text/plain twin of what they
show, so nbval compares the words and numbers, not an object's address.

Each analysis is computed once (:mod:`barometer.analysis`): its table holds the respondents'
figure, as the report published it, and beside it the calibrated estimate for Belgian
municipalities with its interval. Findings record the respondents' figures (what the report
quoted); sentences give both (:meth:`Notebook.share`, :meth:`Notebook.score`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
from babel.lists import format_list
from IPython.display import display

from . import analysis, claims, fmt, paths, stats, tables
from .chapters import RESEARCH
from .findings import Findings, glue_text
from .frame import SIZE_BOUNDS
from .i18n import t
from .survey import Survey, load_survey

_SURVEYS: dict[str, Survey] = {}
#: The mark of a group whose base is below stats.LOW_RELIABILITY_N, in figures and tables.
LOW_BASE_MARK = "*"


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
        #: The tests behind the chapter's claims (``<findings_dir>/<chapter>.tests.csv``).
        self.claims = claims.Ledger(self.findings.path.with_suffix(".tests.csv"))
        from . import figures  # imported here: matplotlib is only needed once a notebook draws

        figures.use_style()
        self._figures = figures

    # ---- words
    def t(self, key: str, **fields) -> str:
        if "." not in key or key.split(".")[0] not in ("common", self.name):
            key = f"{self.name}.{key}"
        return t(key, self.lang, **fields)

    def say(self, key: str, **fields) -> None:
        """Print a sentence of the chapter's words, with its numbers formatted for the language."""
        _publish(self.t(key, **fields))

    def pct(self, value: float, digits: int = 0) -> str:
        return fmt.percent(value, self.lang, digits)

    def num(self, value: float, digits: int = 0) -> str:
        return fmt.number(value, self.lang, digits)

    def label(self, question: str, code: str, *, lower: bool = False) -> str:
        """The answer option's (or item's) label in the page's language; ``lower`` for use inside a sentence."""
        q = self.survey.codebook[question]
        options = q.options or q.items
        text = next(o.labels[self.lang] for o in options if o.code == code)
        return fmt.lower_first(text) if lower else text

    def join(self, items) -> str:
        """Words joined as the language joins a list: "a, b en c" / "a, b et c" (CLDR, via Babel)."""
        return format_list(list(items), style="standard", locale=fmt.LOCALES[self.lang])

    def group(self, group: str) -> str:
        return t(f"common.groups.{group}", self.lang)

    def size_class(self, code: str) -> str:
        """A size class's label with its bounds written for the language: "10.000 tot 20.000"."""
        low, high = SIZE_BOUNDS[code]
        return t(f"common.size_classes.{code}", self.lang, low=self.num(low) if low else "",
                 high=self.num(high) if high else "")

    def note(self, *texts: str) -> str:
        """A figure note: the sentences given, as one paragraph (the figure wraps it to its width)."""
        return " ".join(texts)

    def notice(self) -> None:
        """The synthetic-data notice, shown while the data say they are synthetic."""
        if self.survey.synthetic:
            text = t("common.synthetic_notice", self.lang)
            if self.book_mode:
                _publish(f":::{{warning}}\n{text}\n:::")
            else:
                _publish(f"**{text}**")

    # ---- figures of the respondents beside their calibrated estimate
    def ci(self, low: float, high: float, digits: int = 0) -> str:
        """A 95% interval as the language writes it: [57–74] (rounded half up, like the value)."""
        return fmt.interval(stats.round_half_up(low, digits), stats.round_half_up(high, digits), self.lang, digits)

    def pct_label(self, value: float) -> str:
        """A share written on a figure or in a table: a whole %, rounded half up."""
        return self.pct(stats.round_half_up(value))

    def _estimate(self, row, written) -> str:
        """The calibrated estimate of a table row, with its interval, or why there is none."""
        if math.isnan(row["estimate"]):
            return t("common.estimate.none", self.lang, reason=self.reason(row.get("reason")))
        if math.isnan(row["low"]) and row.get("reason") in ("one_respondent", "too_few_respondents"):
            return t("common.estimate.no_interval_reason", self.lang, est=written(row["estimate"]),
                     reason=self.reason(row["reason"]))
        if math.isnan(row["low"]) or row["low"] == row["high"]:
            return t("common.estimate.no_interval", self.lang, est=written(row["estimate"]))
        return t("common.estimate.with_interval", self.lang, est=written(row["estimate"]),
                 ci=self.ci(row["low"], row["high"], written.digits))

    def reason(self, reason: str | None) -> str:
        """Why an estimate, interval or test is missing, in the page's language."""
        return t(f"common.reasons.{reason or 'no_respondents'}", self.lang)

    def whole(self, value: float) -> int | None:
        """A percentage as a finding records it: whole, rounded half up; None for a group without respondents."""
        return None if value is None or math.isnan(value) else int(stats.round_half_up(value))

    def empty_groups(self, bases: dict[str, int]) -> list[str]:
        """Name the groups without respondents (``bases``: group -> its base) in one sentence; return them."""
        empty = [g for g, n in bases.items() if not n]
        if empty:
            self.say("common.empty_groups", groups=self.join(self.group(g) for g in empty))
        return empty

    # ---- questions the data lack
    def available(self, question: str) -> bool:
        """Whether the data hold this codebook question (:func:`barometer.analysis.available`)."""
        return analysis.available(self.survey, question)

    def not_available(self, question: str) -> None:
        """Say that a question the data lack leaves its figure out: "Vraag Q09 (...) ontbreekt ..."."""
        q = self.survey.codebook[question]
        self.say("common.not_available_figure", id=q.id, question=q.label(self.lang))

    def share(self, row, *, bold: bool = False) -> str:
        """A share of the respondents and the calibrated estimate: "66% (schatting 61% [52–70])".

        ``row`` is a row of an analysis table (or the dict one share returns).
        """
        row = dict(row)
        pct = self.pct(stats.round_half_up(row["pct"])) if not math.isnan(row["pct"]) else "–"
        if bold:
            pct = f"**{pct}**"
        return t("common.estimate.beside", self.lang, figure=pct, estimate=self._estimate(row, _Written(self.pct_label, 0)))

    def row(self, table: pd.DataFrame, code, **kwargs) -> str:
        """:meth:`share` of one code of an analysis table."""
        return self.share(table.loc[code], **kwargs)

    def score(self, row, scale_max: int | None = None, *, column: str = "mean", digits: int = 1) -> str:
        """A mean of the respondents and its calibrated estimate: "3,7/5 (schatting 3,6 [3,4–3,8])"."""
        row = dict(row)

        def written(value: float) -> str:
            value = stats.round_half_up(value, digits)
            return fmt.score(value, self.lang, scale_max) if scale_max else self.num(value, digits)

        figure = "–" if math.isnan(row[column]) else written(row[column])
        return t("common.estimate.beside", self.lang, figure=figure,
                 estimate=self._estimate(row, _Written(written, digits)))

    def size_word(self, row) -> str:
        """The size word ("a majority", ...) that the calibrated share's interval supports (claims.yml)."""
        return t(f"common.claims.{claims.size(row['low'], row['high'])}", self.lang)

    def claim(self, found: list) -> dict[str, claims.Claim]:
        """The chapter's claims, Holm-adjusted as one family and kept for tests.csv, by key."""
        asked = {q.name for q in self.survey.codebook}
        # a test on a question the data lack is not testable for that reason
        found = [replace(c, reason="not_available") if c.verdict == "not_testable"
                 and c.question.split(".")[0] in asked and not self.available(c.question.split(".")[0]) else c
                 for c in found]
        adjusted = claims.holm(found, family=self.name)
        self.claims.add(adjusted)
        return {c.key: c for c in adjusted}

    def claims_table(self, found: dict[str, claims.Claim], what: dict[str, str], *, name: str = "tests",
                     caption: str | None = None) -> None:
        """The chapter's tests as one numbered table: what is claimed, the test and its result, the verdict.

        ``what`` words each claim's key for the reader. A test without a result shows "–" and its reason;
        the statistic carries its degrees of freedom in brackets, and a column that no test fills (no
        Holm correction, only exact tests) is left out, so that the table fits the page's column.
        """
        T = lambda key: t(f"common.table.{key}", self.lang)  # noqa: E731
        rows = [{
            T("test"): what[key],
            T("method"): t(f"common.tests.method.{c.test}", self.lang),
            T("statistic_df"): self._statistic(c),
            T("p_value"): "–" if math.isnan(c.p) else self.p(c.p),
            T("p_holm"): "–" if math.isnan(c.p_adjusted) else self.p(c.p_adjusted),
            T("effect"): "–" if math.isnan(c.effect) else t(f"common.tests.effect.{c.effect_name}", self.lang,
                                                            value=self._effect(c)),
            T("n"): c.n,
            T("verdict"): (t(f"common.verdicts.{c.verdict}", self.lang) if not c.reason or c.verdict != "not_testable"
                           else f"{t('common.verdicts.not_testable', self.lang)}: {self.reason(c.reason)}"),
        } for key, c in found.items()]
        table = pd.DataFrame(rows).set_index(T("test"))
        table = table.loc[:, [column for column in table.columns if (table[column] != "–").any()]]
        self.table(table, name=name, caption=caption or t("common.table_captions.tests", self.lang),
                   classes=("barometer-tests",))

    def _statistic(self, c: claims.Claim) -> str:
        """The test statistic with its degrees of freedom: "2,71 (112)", "3,10 (1,87; 209,4)"; "–" without one."""
        if math.isnan(c.stat):
            return "–"
        stat = fmt.signed(c.stat, self.lang, 2) if c.stat < 0 else self.num(c.stat, 2)
        df = self._df(c)
        return stat if df == "–" else f"{stat} ({df})"

    def _df(self, c: claims.Claim) -> str:
        """Degrees of freedom: "112" (t), "1,87; 209,4" (F), "2" (χ²), "–" (an exact test, no statistic)."""
        if math.isnan(c.stat) or math.isnan(c.df1):
            return "–"
        if math.isnan(c.df2):
            return self.num(c.df1)
        return self.num(c.df2) if c.df1 == 1 else f"{self.num(c.df1, 2)}; {self.num(c.df2, 1)}"

    def _effect(self, c: claims.Claim) -> str:
        """An effect size; a difference with its sign (percentage points to one decimal)."""
        if c.effect_name in claims.DIFFERENCES:
            return fmt.signed(c.effect, self.lang, 1 if c.effect_name == "difference_points" else 2)
        return self.num(c.effect, 2)

    def write_estimates(self) -> None:
        """Every calibrated estimate computed so far, as ``<findings_dir>/<chapter>.estimates.csv``."""
        table = analysis.estimates(self.survey)
        if table.empty:
            return
        table.insert(1, "wave", "2016")
        table.to_csv(self.findings.path.with_suffix(".estimates.csv"), index=False, float_format="%.10g")

    def base(self, table: pd.DataFrame) -> int:
        """The base of an analysis table whose rows share one (respondents who answered the question)."""
        if not len(table) or table["n"].isna().all():
            return 0
        return int(table["n"].max()) if table["n"].nunique() == 1 else int(table["n"].min())

    @staticmethod
    def low_base(n: int) -> bool:
        """Whether a base is below the threshold of low reliability."""
        return stats.is_low_base(n)

    def flagged(self, label: str, n: int) -> str:
        """A group label in a figure or table, marked when its base is small: "Brussel (n = 8) *"."""
        return f"{label} {LOW_BASE_MARK}" if self.low_base(n) else label

    def group_label(self, group: str, n: int) -> str:
        """A group's name with its base for a legend or axis, marked when the base is small."""
        if not n:  # a group without respondents is named as such
            return f"{self.group(group)}\n({self.reason('no_respondents')})"
        return self.flagged(f"{self.group(group)}\n(n = {n})", n)

    def low_base_note(self) -> str:
        """The note that explains the mark of small bases."""
        return t("common.low_base_mark_note", self.lang, mark=LOW_BASE_MARK, n=stats.LOW_RELIABILITY_N)

    def low_base_cell(self, n: int) -> str:
        """The table cell that flags a small base (empty otherwise)."""
        if not n:
            return self.reason("no_respondents")
        return t("common.low_base_cell", self.lang, n=stats.LOW_RELIABILITY_N) if self.low_base(n) else ""

    # ---- tests of differences
    def p_eq(self, p_value: float) -> str:
        """"p = 0,066" or "p < 0,001"."""
        text = fmt.p_value(p_value, self.lang)
        return f"p {text}" if text.startswith("<") else f"p = {text}"

    # ---- figures and tables
    def glue(self, key: str, text: str) -> None:
        """Glue a text for the book's pages that is not a finding (e.g. a threshold the method page quotes)."""
        glue_text(key, text)

    def record(self, key: str, value, **kwargs) -> None:
        """Record a quoted figure (returns nothing, so a cell ending with it shows no dict)."""
        self.findings.record(key, value, **kwargs)
        self.write_estimates()

    def p(self, p_value: float) -> str:
        """A p-value as a reader expects it: 0,066 or < 0,001."""
        return fmt.p_value(p_value, self.lang)

    def figure(self, fig, name: str, *, caption: str, alt: str, data: pd.DataFrame, lead: str | None = None,
               lead_fields: dict | None = None) -> None:
        """Show a figure here, or in book mode publish it numbered, captioned, with its data and code.

        ``lead`` (a key of the chapter's words) is said first: the sentence that refers to the figure
        by its number (fields ``fig``/``Fig``: "figuur 3"/"Figuur 3", and ``lead_fields``). The alt
        text gets what the figure shows (its highest and lowest value); while the data are
        synthetic, the image carries the stamp and its CSV the notice as a first ``#`` line.
        """
        if lead:
            self.say(lead, fig=self.fig_ref(name), Fig=self.fig_ref(name, capital=True), **(lead_fields or {}))
        found = self._figures.summary(fig)
        if len(found) > 1:
            written = [t("common.figure_value", self.lang, label=label, value=value) if value else label
                       for label, value in (found[0], found[-1])]
            alt = f"{alt} {t('common.figure_finding', self.lang, top=written[0], bottom=written[1])}"
        synthetic = self.survey.synthetic
        self._figures.show(
            fig, name=name, caption=caption, alt=alt, data=data,
            data_link_text=t("common.data_link", self.lang), code_link=f"_static/notebooks/{self.name}.ipynb",
            code_link_text=t("common.code_link", self.lang),
            book_mode=self.book_mode, figures_dir=self.figures_dir, lang=self.lang, rel_to=Path.cwd(),
            notice=t("common.synthetic_notice", self.lang) if synthetic else None,
            stamp_text=t("common.synthetic_stamp", self.lang) if synthetic else None,
        )
        self.write_estimates()

    def fig_ref(self, name: str, *, capital: bool = False) -> str:
        """A figure referred to by its number in a sentence ("figuur 3"); "the figure below" outside the book."""
        text = t("common.figure_ref" if self.book_mode else "common.figure_below", self.lang)
        if capital:
            text = text[:1].upper() + text[1:]
        return f"{{numref}}`{text} <fig-{name}>`" if self.book_mode else text

    def grouped_figure(self, tables: dict[str, pd.DataFrame], codes, name: str, *, group_labels, category_labels,
                       xlabel: str, note: str, caption: str, alt: str, lead: str | None = None) -> None:
        """Shares of several analysis tables side by side per code (grouped bars), each with its interval.

        ``tables``: one analysis table per bar of a group (e.g. per group of municipalities); the
        figure's data are each table's ``pct``, ``low`` and ``high`` for ``codes``. More groups
        than a chart tells apart by colour become small multiples (one panel per code).
        """
        parts = {column: pd.DataFrame({key: table.loc[codes, column] for key, table in tables.items()})
                 for column in ("pct", "low", "high")}
        fig = self._figures.grouped_hbar(parts["pct"], group_labels=group_labels, category_labels=category_labels,
                                         xlabel=xlabel, value_fmt=self.pct_label, note=note,
                                         intervals=(parts["low"], parts["high"]))
        self.figure(fig, name, caption=caption, alt=alt, data=pd.concat(parts, axis=1), lead=lead)

    def table(self, df: pd.DataFrame, *, name: str, caption: str, classes: tuple[str, ...] = ()) -> None:
        """A table with its caption, set as a report sets it (:mod:`barometer.tables`), with a plain-text twin.

        In the book a numbered MyST table labelled ``tbl-<chapter>-<name>``; in a notebook HTML.
        """
        plain = f"{caption}\n{df.to_string(na_rep='–')}"
        if self.book_mode:
            text = tables.markdown(df, name=f"tbl-{self.name}-{name}", caption=caption, lang=self.lang,
                                   classes=classes)
            display({"text/markdown": text, "text/plain": plain}, raw=True)
        else:
            display({"text/html": tables.to_html(df, caption=caption, lang=self.lang, classes=classes),
                     "text/plain": plain}, raw=True)
        self.write_estimates()


def run_chapters(lang: str, data, findings_dir: Path, names=RESEARCH) -> None:
    """Run chapters with papermill so that their findings, estimates and tests land in ``findings_dir``."""
    import tempfile

    import papermill as pm

    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            pm.execute_notebook(
                paths.NOTEBOOKS / f"{name}.ipynb", Path(tmp) / f"{name}.ipynb",
                parameters={"lang": lang, "data": str(data or ""), "findings_dir": str(findings_dir),
                            "figures_dir": str(Path(tmp) / "figures")},
                kernel_name="python3", cwd=str(paths.NOTEBOOKS), progress_bar=False, log_output=False,
            )


def ensure_findings(nb: Notebook) -> None:
    """Run the research notebooks whose findings are missing, so an appendix can be run on its own."""
    folder = nb.findings.path.parent
    missing = [name for name in RESEARCH if not (folder / f"{name}.json").exists()]
    run_chapters(nb.lang, nb.data, folder, missing)


class _Written:
    """A number formatter with the digits it writes (so the interval is written alike)."""

    def __init__(self, func, digits: int) -> None:
        self.func, self.digits = func, digits

    def __call__(self, value: float) -> str:
        return self.func(value)
