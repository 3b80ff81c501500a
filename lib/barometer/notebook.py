"""What every research notebook does around its analysis: load, say, show, record.

A notebook creates one :class:`Notebook` from its papermill parameters and then only
states its analysis: ``nb.say`` prints a catalogue sentence in the page's language,
``nb.record`` records a quoted figure (findings file + glue), ``nb.figure`` shows or
publishes a figure, ``nb.table`` shows a table. Outputs carry a text/plain twin of what
they show, so nbval compares the words and numbers, not an object's address.

Weighting: with ``weighted=True`` the notebook shows weighted estimates (calibration weights,
:mod:`barometer.weights`) in its sentences, tables and figures. The findings it records stay
unweighted, as the published report computed them: compute them with :meth:`Notebook.both`,
which returns the shown (possibly weighted) and the recorded (unweighted) result of one call.

Uncertainty: :meth:`Notebook.pct_ci` and :meth:`Notebook.score_ci` write an estimate with
its 95% interval ("66% [57–74]"); :meth:`Notebook.low_base` flags bases below
``stats.LOW_RELIABILITY_N``; :meth:`Notebook.tests_table` and :meth:`Notebook.say_test` show
tests of differences with their Holm-adjusted p-values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import display

from . import fmt, paths, stats
from .findings import Findings, glue_text
from .i18n import t
from .survey import Survey, load_survey

_SURVEYS: dict[str, Survey] = {}
#: Bounds (inhabitants) of the frame's size classes, as barometer.frame defines them.
SIZE_BOUNDS = {"lt10k": (None, 10_000), "10k_20k": (10_000, 20_000), "20k_50k": (20_000, 50_000),
               "50k_100k": (50_000, 100_000), "gt100k": (100_000, None)}
#: The mark of a group whose base is below stats.LOW_RELIABILITY_N, in figures and tables.
LOW_BASE_MARK = "*"
_WEIGHTS: dict[str, object] = {}


def _publish(markdown: str) -> None:
    display({"text/markdown": markdown, "text/plain": markdown}, raw=True)


class Notebook:
    """The context of one notebook run: language, data, findings and figure folders."""

    def __init__(self, name: str, *, lang: str, data=None, findings_dir=None, figures_dir=None,
                 book_mode: bool = False, weighted: bool = False) -> None:
        self.name = name
        self.lang = lang
        self.data = Path(data) if data else paths.SYNTHETIC_RAW
        self.book_mode = book_mode
        self.weighted = bool(weighted)
        self.findings = Findings(name, findings_dir or paths.FINDINGS / "default", lang=lang)
        self.figures_dir = Path(figures_dir or paths.FIGURES)
        key = str(self.data.resolve())
        if key not in _SURVEYS:
            _SURVEYS[key] = load_survey(self.data)
        self.survey = _SURVEYS[key]
        self._key = key
        #: The weights of the shown estimates: calibration weights when weighted, else None.
        self.weights = self.calibration_weights() if self.weighted else None
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

    def size_class(self, code: str) -> str:
        """A size class's label with its bounds written for the language: "10.000 tot 20.000"."""
        low, high = SIZE_BOUNDS[code]
        return t(f"common.size_classes.{code}", self.lang, low=self.num(low) if low else "",
                 high=self.num(high) if high else "")

    def notice(self) -> None:
        """The synthetic-data notice, shown while the data say they are synthetic."""
        if self.survey.synthetic:
            text = t("common.synthetic_notice", self.lang)
            if self.book_mode:
                _publish(f":::{{warning}}\n{text}\n:::")
            else:
                _publish(f"**{text}**")

    # ---- weights
    def calibration_weights(self) -> pd.Series:
        """The respondents' raking weights to the frame's margins (computed once per data folder).

        Raises :class:`barometer.weights.CalibrationError` when the data cannot be calibrated.
        """
        from . import weights

        if self._key not in _WEIGHTS:
            try:
                _WEIGHTS[self._key] = weights.calibration_weights(self.survey)
            except weights.CalibrationError as error:
                _WEIGHTS[self._key] = error
        result = _WEIGHTS[self._key]
        if isinstance(result, Exception):
            raise result
        return result

    def both(self, func, *args, **kwargs):
        """(shown, recorded): ``func`` with the notebook's weights, and unweighted for the findings.

        Unweighted runs call ``func`` once and return its result twice.
        """
        recorded = func(*args, **kwargs)
        if not self.weighted:
            return recorded, recorded
        return func(*args, weights=self.weights, **kwargs), recorded

    # ---- estimates with their uncertainty
    def ci(self, low: float, high: float, digits: int = 0) -> str:
        """A 95% interval as the language writes it: [57–74] (rounded half up, like the value)."""
        return fmt.interval(stats.round_half_up(low, digits), stats.round_half_up(high, digits), self.lang, digits)

    def pct_ci(self, value: float, low: float, high: float, digits: int = 0) -> str:
        """A share with its interval: 66% [57–74] (nl), 66 % [57–74] (fr)."""
        return f"{self.pct(stats.round_half_up(value, digits), digits)} {self.ci(low, high, digits)}"

    def score_ci(self, value: float, low: float, high: float, scale_max: int = 5) -> str:
        """A mean on a rating scale with its interval: 3,7/5 [3,5–3,9]."""
        return f"{fmt.score(stats.round_half_up(value, 1), self.lang, scale_max)} {self.ci(low, high, 1)}"

    def num_ci(self, value: float, low: float, high: float, digits: int = 1) -> str:
        """A mean (not on a rating scale) with its interval: 2,0 [1,9–2,1]."""
        return f"{self.num(stats.round_half_up(value, digits), digits)} {self.ci(low, high, digits)}"

    def est(self, estimate: stats.Estimate) -> str:
        """A share :class:`~barometer.stats.Estimate` with its interval."""
        return self.pct_ci(estimate.value, estimate.low, estimate.high)

    def row_ci(self, table: pd.DataFrame, code) -> str:
        """The share of ``code`` in an analysis table (columns pct, low, high) with its interval."""
        row = table.loc[code]
        return self.pct_ci(row["pct"], row["low"], row["high"])

    @staticmethod
    def low_base(n: int) -> bool:
        """Whether a base is below the threshold of low reliability."""
        return stats.is_low_base(n)

    def flagged(self, label: str, n: int) -> str:
        """A group label in a figure or table, marked when its base is small: "Brussel (n = 8) *"."""
        return f"{label} {LOW_BASE_MARK}" if self.low_base(n) else label

    def low_base_note(self) -> str:
        """The note that explains the mark of small bases."""
        return t("common.low_base_mark_note", self.lang, mark=LOW_BASE_MARK, n=stats.LOW_RELIABILITY_N)

    def low_base_cell(self, n: int) -> str:
        """The table cell that flags a small base (empty otherwise)."""
        return t("common.low_base_cell", self.lang, n=stats.LOW_RELIABILITY_N) if self.low_base(n) else ""

    # ---- tests of differences
    def p_eq(self, p_value: float) -> str:
        """"p = 0,066" or "p < 0,001"."""
        text = fmt.p_value(p_value, self.lang)
        return f"p {text}" if text.startswith("<") else f"p = {text}"

    def test_statistic(self, test: stats.TestResult) -> str:
        symbol = "H" if test.method == "kruskal" else "χ²"
        return f"{symbol}({test.dof}) = {self.num(test.statistic, 2)}"

    def test_effect(self, test: stats.TestResult) -> str:
        return t(f"common.tests.effect.{test.method if test.method in ('kruskal', 'gof') else 'cramer'}",
                 self.lang, value=self.num(test.effect, 2))

    def test_verdict(self, test: stats.TestResult) -> str:
        """Whether the difference is significant, on the Holm-adjusted p when the test has a family."""
        key = "significant" if test.significant else "not_significant"
        if test.p_adjusted is None:
            return t(f"common.significance.{key}", self.lang, p=self.p_eq(test.p))
        return t(f"common.significance_holm.{key}", self.lang, p=self.p_eq(test.p),
                 p_adj=self.p_eq(test.p_adjusted), k=test.family)

    def say_test(self, what: str, test: stats.TestResult) -> None:
        """One sentence per test: statistic, effect size, base, verdict and (if used) the exact test."""
        exact = ""
        if test.exact:
            name = t(f"common.tests.method.{test.method}", self.lang)
            exact = " " + (t("common.tests.exact_used", self.lang, name=name, min=stats.MIN_EXPECTED)
                           if test.small_expected else t("common.tests.exact_chosen", self.lang, name=name))
        self.say("common.tests.sentence", what=what, statistic=self.test_statistic(test),
                 effect=self.test_effect(test), n=test.n, verdict=self.test_verdict(test), exact=exact)

    def tests_table(self, rows) -> None:
        """The tests of a section as a table: test, method, statistic, p, Holm-adjusted p, effect, n."""
        T = lambda key: t(f"common.table.{key}", self.lang)  # noqa: E731
        df = pd.DataFrame([{
            T("test"): what,
            T("method"): t(f"common.tests.method.{test.method}", self.lang),
            T("statistic"): self.test_statistic(test),
            T("p_value"): self.p(test.p),
            T("p_holm"): "–" if test.p_adjusted is None else self.p(test.p_adjusted),
            T("effect"): self.test_effect(test),
            T("n"): test.n,
        } for what, test in rows]).set_index(T("test"))
        self.table(df)

    # ---- figures and tables
    def glue(self, key: str, text: str) -> None:
        """Glue a text for the book's pages that is not a finding (e.g. a threshold the method page quotes)."""
        glue_text(key, text)

    def record(self, key: str, value, **kwargs) -> None:
        """Record a quoted figure (returns nothing, so a cell ending with it shows no dict)."""
        self.findings.record(key, value, **kwargs)

    def p(self, p_value: float) -> str:
        """A p-value as a reader expects it: 0,066 or < 0,001."""
        return fmt.p_value(p_value, self.lang)

    def figure(self, fig, name: str, *, caption: str, alt: str, data: pd.DataFrame, estimates: bool = True) -> None:
        """Show a figure here, or in book mode publish it numbered, captioned, with its data and code.

        In a weighted run the caption of a figure of estimates says that they are weighted;
        ``estimates=False`` marks figures of counts or of the sample itself, which weighting leaves alone.
        """
        if self.weighted and estimates:
            caption = f"{caption} {t('common.weighted_caption', self.lang)}"
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


def grouped_intervals(fig, values: pd.DataFrame, low: pd.DataFrame, high: pd.DataFrame) -> None:
    """Error bars on a :func:`barometer.figures.grouped_hbar` figure (same rows and columns as ``values``).

    A stopgap until grouped_hbar takes intervals: the bars are found where grouped_hbar puts
    them, each value label is moved past the end of its interval, and the x axis is widened.
    """
    ax = fig.axes[0]
    n, k = values.shape
    height = 0.8 / k
    labels = {(round(a.xy[0], 9), round(a.xy[1], 9)): a for a in ax.texts if hasattr(a, "xy")}
    reach = 0.0
    for j, column in enumerate(values.columns):
        for i, code in enumerate(values.index):
            v, lo, hi = (float(t_.loc[code, column]) for t_ in (values, low, high))
            if v != v or lo != lo or hi != hi:  # NaN: no bar or no interval
                continue
            y = i + (j - (k - 1) / 2) * height
            ax.errorbar(v, y, xerr=[[max(v - lo, 0)], [max(hi - v, 0)]], fmt="none", ecolor="#404040",
                        elinewidth=0.8, capsize=2)
            label = labels.get((round(v, 9), round(y, 9)))
            if label is not None:
                label.xy = (hi, y)
            reach = max(reach, hi)
    ax.set_xlim(0, max(ax.get_xlim()[1], reach * 1.15))
    fig.draw_without_rendering()


from .chapters import RESEARCH as RESEARCH_NOTEBOOKS  # noqa: E402


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
                            "weighted": False,
                            "figures_dir": str(Path(tmp) / "figures")},
                kernel_name="python3", cwd=str(paths.NOTEBOOKS), progress_bar=False, log_output=False,
            )
