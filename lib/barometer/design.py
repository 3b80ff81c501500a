"""Design-based estimation: the respondents as a sample of the frame, raked to its margins.

The 113 answering municipalities are a self-selected fifth of the 589. Here they are treated
as a quasi-random sample within the cells of the calibration variables, without replacement
from a known population (N = 589), and raked to the frame's margins (region, urbanity, size
class). Every estimate, interval and test is the one R's ``survey`` package (4.1-1) gives for

    d <- svydesign(ids = ~1, fpc = ~N, data = respondents)
    r <- rake(d, list(~region, ~urbanity, ~size_class), <frame counts>,
              control = list(epsilon = 1e-10, maxit = 500))

with groups always taken as ``subset(r, ...)`` (domains of the raked design, never designs of
their own). The algorithms follow R's source, not a textbook approximation of it:

- raking: R's ``rake`` (post-stratify on each margin in turn; stop when no cell of the
  cross-table of all margins moves by ``epsilon * N``), same order, same stopping rule, so
  the weights agree to rounding error;
- variance: ``svyrecvar`` for a one-stage design without replacement: the influence values
  are residualised on the raking margins (10 sweeps over the margins, each with the weights
  R stored for that margin in the last raking iteration), centred, and summed with
  ``(1 - n/N) * n / (n - 1)``; ``n`` is the full sample (a subset keeps every row, at zero
  weight), the degrees of freedom are those of the domain (``degf``: its n - 1);
- proportions: ``svyciprop(method = "logit")``: svymean's SE, the interval
  ``expit(logit(p) ± t_df · se / (p (1 - p)))`` of the quasibinomial svyglm; at p = 0 or 1
  R's interval collapses onto the point (its glm diverges), and so does this one;
- tests: ``svychisq(statistic = "F")`` (Rao–Scott second-order F), ``svyranktest``
  (two groups: t test of the difference in mean rank score; more: Kruskal–Wallis-type F),
  ``svycontrast`` and the domain contrast of ``svyglm``.

Proportion intervals are then cut to the no-assumption bounds of the domain
(:func:`no_assumption_bounds`): whatever the nonrespondents would have answered, the domain's
true share lies between k/N_d and 1 - (n_d - k)/N_d.

Software: the PyPI package ``svy`` 0.35 (MIT) was evaluated and not adopted although it
agrees with R (raked to the same margins with ``pop_size``, its mean, SE and interval of a
domain and its logit proportion interval equal R's to 1e-10; its raking stops by its own
rule, weights 1e-8 from R's): it works on polars, not pandas, and brings polars, a 40 MB
compiled extension (svy-rs) and svy-io into the lock, for what is here a few hundred lines of
numpy that follow R's source line by line.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

from . import stats

#: Calibration variables, in the order raking adjusts them (R: the order of sample.margins).
MARGINS = ("region", "urbanity", "size_class")

#: A class with fewer respondents than this is merged into its neighbour before raking.
#: With one respondent the class's weight is fixed by its target alone (one unit carries the
#: whole class, a weight of up to hundreds) and its variance contribution cannot be
#: estimated (a residual of zero); with none raking has nothing to weight. Two is the least
#: that lets the class vary.
MIN_CELL = 2

#: Per margin, the class each class merges into when it has too few respondents.
#: Size classes merge towards the middle of the size order (the adjacent class with more
#: municipalities). Brussels merges into Wallonia: the survey ran as two collectors by
#: language and Brussels municipalities answer mainly in French, so their self-selection is
#: closest to the French-speaking collector's. Urbanity has two classes: the other one.
NEIGHBOURS: dict[str, dict[str, str]] = {
    "region": {"brussels": "wallonia", "wallonia": "flanders", "flanders": "wallonia"},
    "urbanity": {"urban": "rural", "rural": "urban"},
    "size_class": {"lt10k": "10k_20k", "10k_20k": "20k_50k", "20k_50k": "10k_20k",
                   "50k_100k": "20k_50k", "gt100k": "50k_100k"},
}

#: R's rake(control = list(epsilon = ..., maxit = ...)); epsilon < 1 is relative to N.
EPSILON = 1e-10
MAX_ITERATIONS = 500
#: svyrecvar's fixed number of residualisation sweeps over the raking margins.
RESIDUAL_SWEEPS = 10
LEVEL = 0.95

@dataclass(frozen=True)
class Estimate:
    """An estimate of the raked design with its SE, 95% interval, base and the R call it equals."""

    estimate: float
    se: float
    low: float
    high: float
    n: int
    n_eff: float
    df: int
    method: str
    bound_low: float = math.nan
    bound_high: float = math.nan
    reason: str | None = None  # a code (common.reasons.<code> words it): why a figure is missing or flagged


@dataclass(frozen=True)
class Test:
    """A design-based test (or its exact fallback) with an effect size."""

    method: str
    statistic: float
    df1: float
    df2: float
    p: float
    n: int
    effect: float
    effect_name: str
    reason: str | None = None  # a code (common.reasons.<code> words it): why a figure is missing or flagged


def no_assumption_bounds(k: int, n: int, N: int) -> tuple[float, float]:
    """Bounds of a domain's share when k of its n respondents (of N units) said yes.

    Nothing assumed about the N - n nonrespondents (Manski 1989): all no gives k/N, all yes
    gives (k + N - n)/N = 1 - (n - k)/N. NaN when N is 0 or unknown (None).
    """
    if N is None or N <= 0:
        return math.nan, math.nan
    return k / N, 1 - (n - k) / N


def cramers_v_corrected(chi2: float, n: int, r: int, c: int) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013) of an r x c table on n units.

    phi² = chi2 / n; phi²~ = max(0, phi² - (r-1)(c-1)/(n-1)); r~ = r - (r-1)²/(n-1),
    c~ = c - (c-1)²/(n-1); V~ = sqrt(phi²~ / min(r~ - 1, c~ - 1)). Applied to the Rao–Scott
    first-order statistic (F · (r-1)(c-1)), the design's χ² on the respondents' scale.
    """
    if n <= 1 or r < 2 or c < 2 or not np.isfinite(chi2):
        return math.nan
    phi2 = max(0.0, chi2 / n - (r - 1) * (c - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    cc = c - (c - 1) ** 2 / (n - 1)
    m = min(rc - 1, cc - 1)
    return math.sqrt(phi2 / m) if m > 0 else math.nan


def _expit(x: float) -> float:
    """The logistic function, without overflow for a very wide interval on the logit scale (R: plogis)."""
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


def _nan_estimate(method: str, n: int, reason: str, n_eff: float = 0.0, bounds=(math.nan, math.nan)) -> Estimate:
    return Estimate(math.nan, math.nan, math.nan, math.nan, n, n_eff, max(n - 1, 0), method,
                    bounds[0], bounds[1], reason)


def _nan_test(method: str, n: int, reason: str, effect_name: str = "") -> Test:
    return Test(method, math.nan, math.nan, math.nan, math.nan, n, math.nan, effect_name, reason)


def _merge_classes(values: pd.Series, frame_counts: dict[str, int], neighbours: dict[str, str]
                   ) -> tuple[dict[str, str], dict[str, str]]:
    """Map each class to its raking class, merging classes with fewer than MIN_CELL respondents.

    Returns (class -> raking class for every class, class -> class it merged into). A class
    whose named neighbour is already merged goes where the neighbour went; a class whose
    neighbour chain comes back to it goes to the largest remaining class.
    """
    group = {c: c for c in frame_counts}
    counts = {c: int((values == c).sum()) for c in frame_counts}
    merged: dict[str, str] = {}

    def members(g):
        return [c for c in group if group[c] == g]

    while True:
        groups = list(dict.fromkeys(group.values()))
        if len(groups) <= 1:
            break
        small = [g for g in groups if sum(counts[c] for c in members(g)) < MIN_CELL]
        if not small:
            break
        g = small[0]
        into = group.get(neighbours.get(g, ""), None)
        if into is None or into == g:
            others = [h for h in groups if h != g]
            into = max(others, key=lambda h: (sum(counts[c] for c in members(h)),
                                              sum(frame_counts[c] for c in members(h))))
        for c in members(g):
            group[c] = into
        merged[g] = into
    # a class merged earlier into g now lies in g's final group
    merged = {c: group[c] for c in merged}
    return group, merged


class Design:
    """The respondents as a quasi-random sample of the frame within raking cells, raked to its margins.

    ``units``: one row per respondent (index: respondent id) with the margins' columns and any
    domain column; ``frame``: one row per municipality with the same columns. Attributes:
    ``weights`` (sum N), ``population`` (N), ``merged`` and ``dropped`` (classes merged and
    margins dropped before raking), ``raking`` / ``raking_class`` (the classes raked),
    ``iterations`` and ``converged`` of the raking. A domain is ``(column, value)``.
    """

    def __init__(self, units: pd.DataFrame, frame: pd.DataFrame, margins=MARGINS):
        self.units = units
        self.frame = frame
        self.population = int(len(frame))
        self.n = int(len(units))
        self.merged: dict[str, dict[str, str]] = {}
        #: Per raked margin, the frame's count of each raking class (after merging).
        self.targets: dict[str, dict[str, int]] = {}
        dropped = []
        codes, targets, names = [], [], []
        for margin in margins:
            if units[margin].isna().any():
                raise ValueError(f"{margin}: respondents without a class cannot be raked "
                                 f"({int(units[margin].isna().sum())} missing)")
            values = units[margin].astype(str)
            frame_counts = {str(k): int(v) for k, v in frame[margin].astype(str).value_counts(sort=False).items()}
            unknown = sorted(set(values) - set(frame_counts))
            if unknown:
                raise ValueError(f"{margin}: classes {unknown} of the respondents are not in the frame")
            group, merged = _merge_classes(values, frame_counts, NEIGHBOURS.get(margin, {}))
            if merged:
                self.merged[margin] = merged
            classes = list(dict.fromkeys(group.values()))
            if len(classes) < 2:
                dropped.append(margin)
                continue
            rake_values = values.map(group)
            codes.append(pd.Categorical(rake_values, categories=classes).codes.astype(np.int64))
            targets.append(np.array([sum(frame_counts[c] for c in group if group[c] == g) for g in classes],
                                    dtype=float))
            names.append((margin, classes))
            self.targets[margin] = dict(zip(classes, (int(t) for t in targets[-1])))
        self.dropped = tuple(dropped)
        self._codes = codes
        self._targets = targets
        self.raking = names  # (margin, raking classes) actually used
        self.raking_class = pd.DataFrame({m: pd.Categorical.from_codes(c, cl)
                                          for (m, cl), c in zip(names, codes)}, index=units.index)
        self._rake()

    # --- raking (R: rake -> postStratify) ----------------------------------------------------

    def _rake(self) -> None:
        n, N = self.n, self.population
        if n == 0:
            self.weights = pd.Series([], index=self.units.index, dtype=float, name="weight")
            self._psw = []
            self.iterations, self.converged = 0, True
            return
        w = np.full(n, N / n)
        self._psw = []
        if not self._codes:
            self.weights = pd.Series(w, index=self.units.index, name="weight")
            self.iterations, self.converged = 0, True
            return
        sizes = [len(t) for t in self._targets]
        cell = np.ravel_multi_index(self._codes, sizes)
        ncell = int(np.prod(sizes))
        epsilon = EPSILON * w.sum() if EPSILON < 1 else EPSILON
        old = np.bincount(cell, w, ncell)
        converged, iteration = False, 0
        while iteration < MAX_ITERATIONS:
            psw = []
            for code, target in zip(self._codes, self._targets):
                sample = np.bincount(code, w, len(target))
                prob = (1 / w) / (target / sample)[code]  # R: design$prob / reweight[index]
                w = 1 / prob
                psw.append(w.copy())
            new = np.bincount(cell, w, ncell)
            if np.max(np.abs(old - new)) < epsilon:
                converged = True
                break
            old = new
            iteration += 1
        self.converged = converged
        if not converged:  # as R: warn and keep the last weights (margins without a solution)
            warnings.warn(f"raking did not converge after {MAX_ITERATIONS} iterations", RuntimeWarning,
                          stacklevel=3)
        self._psw = psw
        self.iterations = iteration + 1
        self.weights = pd.Series(w, index=self.units.index, name="weight")

    # --- variance (R: svyrecvar, onestage/onestrat) -----------------------------------------

    def _vcov(self, x: np.ndarray) -> np.ndarray:
        """Covariance of the totals of influence values ``x`` (n x p, all rows of the sample)."""
        x = np.array(x, dtype=float).reshape(self.n, -1)
        for _ in range(RESIDUAL_SWEEPS if self._psw else 0):
            for code, psw in zip(self._codes, self._psw):
                k = code.max() + 1
                counts = np.bincount(code, minlength=k)
                z = x / psw[:, None]
                means = np.stack([np.bincount(code, z[:, j], k) for j in range(x.shape[1])], axis=1) / counts[:, None]
                x = x - psw[:, None] * means[code]
        n, N = self.n, self.population
        f = (N - n) / N
        if n < 2:
            return np.full((x.shape[1], x.shape[1]), math.nan)
        if f < 1e-7:
            return np.zeros((x.shape[1], x.shape[1]))
        scale = f * n / (n - 1)
        x = x - x.mean(axis=0)
        return scale * (x.T @ x)

    # --- domains ----------------------------------------------------------------------------

    @staticmethod
    def _in(table: pd.DataFrame, domain) -> np.ndarray:
        """Rows of ``table`` in the domain: (column, value), or (column, value, "!=") for the others
        with a known value."""
        column, value, *negated = domain
        values = table[column].astype(object)
        inside = values == value
        return (values.notna() & ~inside if negated else inside).to_numpy(dtype=bool)

    def _mask(self, domain) -> np.ndarray:
        if domain is None:
            return np.ones(self.n, dtype=bool)
        return self._in(self.units, domain)

    def domain_population(self, domain) -> int | None:
        """N_d: municipalities of the frame in the domain (None: the whole frame).

        None when the domain is defined by an answer (a column the frame does not have): the
        number of such municipalities is unknown.
        """
        if domain is None:
            return self.population
        if domain[0] not in self.frame:
            return None
        return int(self._in(self.frame, domain).sum())

    def _values(self, y: pd.Series) -> pd.Series:
        return y.reindex(self.units.index)

    def _numeric(self, y: pd.Series) -> pd.Series:
        """y as floats (booleans as 0/1), NaN where missing, aligned on the respondents."""
        values = self._values(y).astype(object)
        values = values.map(lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v)
        return pd.to_numeric(values, errors="coerce").astype(float)

    def _kish(self, mask) -> float:
        return stats.effective_n(self.weights.to_numpy()[mask])

    def _mean_parts(self, y: np.ndarray, mask: np.ndarray):
        """Domain mean of the columns of y and its influence values (svymean on a subset)."""
        w = np.where(mask, self.weights.to_numpy(), 0.0)
        y = np.where(mask[:, None], y, 0.0)
        total = w.sum()
        mean = (w[:, None] * y).sum(axis=0) / total
        infl = (y - mean) * (w / total)[:, None]
        return mean, infl

    # --- estimates --------------------------------------------------------------------------

    def proportion(self, y: pd.Series, domain: tuple[str, str] | None = None) -> Estimate:
        """R: svyciprop(~y, subset(d, <domain> & !is.na(y)), method = "logit"), cut to the bounds."""
        method = "svyciprop-logit"
        values = self._values(y)
        mask = self._mask(domain) & values.notna().to_numpy()
        n = int(mask.sum())
        yv = values.to_numpy(dtype=object)
        k = int(sum(bool(v) for v in yv[mask]))
        bounds = no_assumption_bounds(k, n, self.domain_population(domain))
        if n == 0:
            return _nan_estimate(method, 0, "no_respondents", bounds=bounds)
        ones = np.array([bool(v) if m else False for v, m in zip(yv, mask)], dtype=float)
        (p,), infl = self._mean_parts(ones[:, None], mask)
        se = math.sqrt(self._vcov(infl)[0, 0])
        df = n - 1
        n_eff = self._kish(mask)
        if n == 1:
            return Estimate(p, se, math.nan, math.nan, 1, n_eff, 0, method, *bounds, "one_respondent")
        reason = None
        if p <= 0 or p >= 1:
            low = high = float(p)  # R: the quasibinomial fit diverges; its interval collapses on p
            reason = "all_or_none"
        else:
            t = float(_st.t.ppf(1 - (1 - LEVEL) / 2, df))
            half = t * se / (p * (1 - p))
            eta = math.log(p / (1 - p))
            low, high = _expit(eta - half), _expit(eta + half)
        if math.isnan(bounds[0]):  # a domain defined by an answer: no known N_d, nothing to cut to
            return Estimate(float(p), se, low, high, n, n_eff, df, method, *bounds, reason)
        low, high = max(low, bounds[0]), min(high, bounds[1])
        if not bounds[0] <= p <= bounds[1]:
            # the raking weights are calibrated to the margins, not within this domain
            reason = "outside_bounds"
        return Estimate(float(p), se, low, high, n, n_eff, df, method, *bounds, reason)

    def _linear(self, value: float, var: float, n: int, df: int, n_eff: float, method: str) -> Estimate:
        se = math.sqrt(var) if var >= 0 else math.nan
        if n < 2:
            return Estimate(value, se, math.nan, math.nan, n, n_eff, max(df, 0), method, reason="one_respondent")
        t = float(_st.t.ppf(1 - (1 - LEVEL) / 2, df)) if df > 0 else math.nan
        return Estimate(float(value), se, value - t * se, value + t * se, n, n_eff, df, method)

    def mean(self, y: pd.Series, domain=None) -> Estimate:
        """R: svymean(~y, subset(d, <domain> & !is.na(y))); confint(df = degf(subset))."""
        values = self._numeric(y)
        mask = self._mask(domain) & values.notna().to_numpy()
        n = int(mask.sum())
        if n == 0:
            return _nan_estimate("svymean-t", 0, "no_respondents")
        (m,), infl = self._mean_parts(values.fillna(0).to_numpy()[:, None], mask)
        return self._linear(m, self._vcov(infl)[0, 0], n, n - 1, self._kish(mask), "svymean-t")

    def total(self, y, domain=None) -> Estimate:
        """R: svytotal(~y, subset(d, <domain> & !is.na(y))); confint(df = degf(subset))."""
        values = self._numeric(y)
        mask = self._mask(domain) & values.notna().to_numpy()
        n = int(mask.sum())
        if n == 0:
            return _nan_estimate("svytotal", 0, "no_respondents")
        x = np.where(mask, values.fillna(0).to_numpy() * self.weights.to_numpy(), 0.0)
        return self._linear(x.sum(), self._vcov(x[:, None])[0, 0], n, n - 1, self._kish(mask), "svytotal")

    def contrast(self, a: pd.Series, b: pd.Series, domain=None) -> Estimate:
        """R: svycontrast(svymean(~a + b, subset(d, <domain> & !is.na(a) & !is.na(b))), c(1, -1))."""
        method = "svycontrast"
        va = self._numeric(a)
        vb = self._numeric(b)
        mask = self._mask(domain) & va.notna().to_numpy() & vb.notna().to_numpy()
        n = int(mask.sum())
        if n == 0:
            return _nan_estimate(method, 0, "no_respondents")
        y = np.column_stack([va.fillna(0).to_numpy(), vb.fillna(0).to_numpy()])
        means, infl = self._mean_parts(y, mask)
        c = np.array([1.0, -1.0])
        return self._linear(float(c @ means), float(c @ self._vcov(infl) @ c), n, n - 1, self._kish(mask), method)

    def difference(self, y: pd.Series, by: pd.Series, level_a: str, level_b: str) -> Estimate:
        """Mean (or share) of y in level_a minus level_b of ``by``.

        R: coefficient of ``by`` in svyglm(y ~ by, subset(d, by %in% c(a, b) & !is.na(y))) with
        level_b as reference; its interval uses the model's residual df (n - 2), as
        confint.svyglm does.
        """
        method = "svyglm-difference"
        values = self._numeric(y)
        groups = self._values(by).astype(object)
        in_a = (groups == level_a).to_numpy(dtype=bool) & values.notna().to_numpy()
        in_b = (groups == level_b).to_numpy(dtype=bool) & values.notna().to_numpy()
        mask = in_a | in_b
        n = int(mask.sum())
        n_eff = self._kish(mask) if n else 0.0
        if in_a.sum() < 1 or in_b.sum() < 1:
            return _nan_estimate(method, n, "empty_group", n_eff)
        yv = values.fillna(0).to_numpy()
        (ma,), ia = self._mean_parts(yv[:, None], in_a)
        (mb,), ib = self._mean_parts(yv[:, None], in_b)
        var = self._vcov(ia - ib)[0, 0]
        se = math.sqrt(var)
        df = n - 2
        if df <= 0:
            return Estimate(ma - mb, se, math.nan, math.nan, n, n_eff, max(df, 0), method,
                            reason="too_few_respondents")
        t = float(_st.t.ppf(1 - (1 - LEVEL) / 2, df))
        d = ma - mb
        return Estimate(float(d), se, d - t * se, d + t * se, n, n_eff, df, method)

    # --- tests ------------------------------------------------------------------------------

    def chisq(self, x: pd.Series, by: pd.Series, *, exact: bool | None = None) -> Test:
        """Association of two categorical variables on the respondents who gave both.

        R: svychisq(~x + by, d, statistic = "F") (Rao–Scott second-order F) when every expected
        count of the unweighted respondents' table is at least stats.MIN_EXPECTED; else an
        exact test on the respondents: Fisher's (2 x 2) or Fisher–Freeman–Halton by full
        enumeration (stats.fisher_exact), Monte Carlo with seed 0 when the enumeration is too
        large. ``exact`` True or False forces one of the two. Effect: bias-corrected Cramér's V
        (Bergsma 2013) of the Rao–Scott χ² (or of Pearson's χ² of the respondents for the exact
        test).
        """
        effect_name = "cramers_v_bc"
        xv, gv = self._values(x).astype(object), self._values(by).astype(object)
        mask = (xv.notna() & gv.notna()).to_numpy()
        n = int(mask.sum())
        if n == 0:
            return _nan_test("svychisq-F", 0, "no_respondents", effect_name)
        xs, gs = xv[mask].astype(str), gv[mask].astype(str)
        table = pd.crosstab(xs, gs)
        r, c = table.shape
        if r < 2:
            return _nan_test("svychisq-F", n, "one_category", effect_name)
        if c < 2:
            return _nan_test("svychisq-F", n, "one_group", effect_name)
        if (table.sum(axis=0) < 2).any():
            return _nan_test("svychisq-F", n, "tiny_group", effect_name)
        observed = table.to_numpy(dtype=float)
        expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
        if (expected < stats.MIN_EXPECTED).any() if exact is None else exact:
            method = "fisher-exact"
            try:
                p = stats.fisher_exact(observed.astype(int))
            except stats.TooManyTables:  # the same test, its p-value estimated from random tables
                p, method = stats.fisher_monte_carlo(observed.astype(int), seed=0), "fisher-monte-carlo"
            chi2 = float(((observed - expected) ** 2 / expected).sum())
            return Test(method, math.nan, float((r - 1) * (c - 1)), math.nan, float(p), n,
                        cramers_v_corrected(chi2, n, r, c), effect_name)
        return self._rao_scott(xs, gs, mask, n, effect_name)

    def _rao_scott(self, xs, gs, mask, n, effect_name) -> Test:
        rows, cols = sorted(set(xs)), sorted(set(gs))
        nr, nc = len(rows), len(cols)
        ri = np.full(self.n, -1)
        ci = np.full(self.n, -1)
        ri[mask] = pd.Categorical(xs, categories=rows).codes
        ci[mask] = pd.Categorical(gs, categories=cols).codes
        cell = np.where(mask, ri + nr * ci, -1)  # R: interaction(rows, cols), rows vary fastest
        mm = np.zeros((self.n, nr * nc))
        mm[mask, cell[mask]] = 1.0
        mean2, infl = self._mean_parts(mm, mask)
        V = self._vcov(infl)
        # svychisq: C spans the interaction, orthogonal to the main effects of the saturated model
        grid_r = np.tile(np.arange(nr), nc)
        grid_c = np.repeat(np.arange(nc), nr)
        X1 = np.column_stack([np.ones(nr * nc)] + [(grid_r == i).astype(float) for i in range(1, nr)]
                             + [(grid_c == j).astype(float) for j in range(1, nc)])
        X12 = np.column_stack([(grid_r == i) & (grid_c == j) for j in range(1, nc) for i in range(1, nr)]
                              ).astype(float)
        Q, _ = np.linalg.qr(X1)
        C = X12 - Q @ (Q.T @ X12)
        N = self.n  # R: nrow(mm); cancels in F and d0
        iD = np.diag(np.where(mean2 == 0, 0.0, 1 / np.where(mean2 == 0, 1.0, mean2)))
        denom = C.T @ (iD / N) @ C
        numr = C.T @ iD @ V @ iD @ C
        delta = np.linalg.solve(denom, numr)
        tr, tr2 = float(np.trace(delta)), float(np.trace(delta @ delta))
        d0 = tr * tr / tr2
        nu = self.n - 1  # R: clusters minus strata of the whole design
        table = (mean2 * N).reshape(nc, nr).T  # svytable scaled to N
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
        pearson = float(((table - expected) ** 2 / expected).sum())
        F = pearson / tr
        p = float(_st.f.sf(F, d0, d0 * nu))
        chi2_rs = F * (nr - 1) * (nc - 1)  # first-order Rao–Scott χ² = X² / mean(eigenvalues)
        return Test("svychisq-F", F, d0, d0 * nu, p, n, cramers_v_corrected(chi2_rs, n, nr, nc), effect_name)

    def rank_test(self, y: pd.Series, by: pd.Series) -> Test:
        """R: svyranktest(y ~ by, d) (Wilcoxon/Kruskal–Wallis rank scores r/N).

        Two groups: statistic is R's t (difference in mean rank score, later group minus
        first in sorted order, over its SE), df1 = 1, df2 = degf - 1. More groups: R's F =
        Wald χ² / (k - 1) with (k - 1, degf - (k - 1)) df. Effect: the difference (two groups)
        or range (more) of the groups' mean rank scores, on the 0..1 scale.
        """
        method, effect_name = "svyranktest", "rank_score_difference"
        yv = self._numeric(y)
        gv = self._values(by).astype(object)
        mask = (yv.notna() & gv.notna()).to_numpy()
        n = int(mask.sum())
        if n == 0:
            return _nan_test(method, 0, "no_respondents", effect_name)
        g = gv[mask].astype(str)
        levels = sorted(set(g))
        sizes = g.value_counts()
        if len(levels) < 2:
            return _nan_test(method, n, "one_group", effect_name)
        if (sizes < 2).any():
            return _nan_test(method, n, "tiny_group", effect_name)
        yy = yv.to_numpy()[mask]
        w = self.weights.to_numpy()[mask]
        order = np.argsort(yy, kind="stable")
        mid = np.cumsum(w[order]) - w[order] / 2
        rank = np.empty(n)
        rank[order] = pd.Series(mid).groupby(yy[order]).transform("mean").to_numpy()
        score = rank / w.sum()
        gi = pd.Categorical(g, categories=levels).codes
        k = len(levels)
        X = np.column_stack([np.ones(n)] + [(gi == j).astype(float) for j in range(1, k)])
        XtWX = X.T @ (w[:, None] * X)
        beta = np.linalg.solve(XtWX, X.T @ (w * score))
        resid = score - X @ beta
        infl = np.zeros((self.n, k))
        infl[mask] = (w * resid)[:, None] * X @ np.linalg.inv(XtWX)
        V = self._vcov(infl)
        df_design = n - 1
        group_means = np.concatenate([[0.0], beta[1:]])
        if k == 2:
            t = beta[1] / math.sqrt(V[1, 1])
            df = df_design - 1
            p = float(2 * _st.t.sf(abs(t), df)) if df > 0 else math.nan
            return Test(method, float(t), 1.0, float(df), p, n, float(beta[1]), effect_name)
        b, Vb = beta[1:], V[1:, 1:]
        chisq = float(b @ np.linalg.solve(Vb, b))
        ndf = k - 1
        ddf = df_design - ndf
        p = float(_st.f.sf(chisq / ndf, ndf, ddf)) if ddf > 0 else math.nan
        return Test(method, chisq / ndf, float(ndf), float(ddf), p, n,
                    float(group_means.max() - group_means.min()), "rank_score_range")


# --- what the weights cost ------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnostics:
    """What the weights cost: range, Kish's design effect and effective sample size."""

    n: int
    minimum: float
    maximum: float
    deff: float  # 1 + CV² (population CV of the weights)
    n_eff: float  # n / deff = (Σw)² / Σw²

    @property
    def ratio(self) -> float:
        return self.maximum / self.minimum


def kish_deff(weights) -> float:
    """Kish's design effect of unequal weights, 1 + CV² = n Σw² / (Σw)² (1 for equal weights)."""
    w = np.asarray(weights, dtype=float)
    return float(len(w) * (w ** 2).sum() / w.sum() ** 2)


def diagnostics(weights) -> Diagnostics:
    w = np.asarray(weights, dtype=float)
    return Diagnostics(n=len(w), minimum=float(w.min()), maximum=float(w.max()), deff=kish_deff(w),
                       n_eff=stats.effective_n(w))


def weighted_margins(survey, weights: pd.Series, columns=MARGINS) -> pd.DataFrame:
    """Per class: frame %, respondents %, weighted respondents % and mean weight (calibration, checked)."""
    rows = []
    for column in columns:
        frame = survey.frame[column].value_counts(sort=False)
        values = survey.respondents[column].astype(str)
        unweighted = values.value_counts(sort=False).reindex(frame.index.astype(str), fill_value=0)
        weighted = weights.groupby(values.to_numpy()).sum().reindex(frame.index.astype(str), fill_value=0)
        for code in frame.index.astype(str):
            rows.append({"variable": column, "code": code, "frame_pct": 100 * frame[code] / frame.sum(),
                         "sample_pct": 100 * unweighted[code] / max(unweighted.sum(), 1),
                         "weighted_pct": 100 * weighted[code] / max(weighted.sum(), 1e-300),
                         "mean_weight": float(weights[(values == code).to_numpy()].mean())
                         if unweighted[code] else float("nan")})
    return pd.DataFrame(rows).set_index(["variable", "code"])
