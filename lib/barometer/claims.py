"""Claims that follow their tests: the words that qualify a size or order two figures.

A sentence that says "a majority", "more than", "before" or "differs" takes its word from
here: :func:`size` reads the calibrated share's interval and :func:`order` a test's
(Holm-adjusted) p-value, by the rules of ``claims.yml``; the words themselves are shared
wording (``common.claims.*``), so Dutch and French say the same. Every test behind a claim is
kept in a :class:`Ledger`, which the book writes as ``tests.csv``; "not significant" never
becomes "alike" or "representative".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import stats

RULES_FILE = Path(__file__).with_name("claims.yml")


@lru_cache(maxsize=1)
def rules() -> dict:
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def alpha() -> float:
    """The significance level of every claim (one constant: stats.ALPHA)."""
    return stats.ALPHA


def size(low: float, high: float) -> str:
    """The strongest size word the interval [low, high] (in %) supports, or "undetermined"."""
    if math.isnan(low) or math.isnan(high):
        return "undetermined"
    for word, rule in rules()["sizes"].items():
        if "low_above" in rule and low > rule["low_above"]:
            return word
    for word, rule in reversed(list(rules()["sizes"].items())):
        if "high_below" in rule and high < rule["high_below"]:
            return word
    return "undetermined"


#: Effects that are a signed difference (first minus second), in the claim's unit or in percentage points.
DIFFERENCES = ("difference", "difference_points")


@dataclass(frozen=True)
class Claim:
    """One test behind a sentence: what is claimed, the test, and the verdict it gives."""

    key: str
    claim: str
    question: str
    code: str
    by: str
    test: str
    stat: float
    df1: float
    df2: float
    p: float
    effect: float = math.nan
    effect_name: str = ""
    family: str = ""
    p_adjusted: float = math.nan
    reason: str | None = None
    n: int = 0  # respondents the test rests on

    @property
    def decided(self) -> float:
        return self.p if math.isnan(self.p_adjusted) else self.p_adjusted

    @property
    def verdict(self) -> str:
        """"supported" below alpha (adjusted), "not_supported" otherwise, "not_testable" without a p."""
        if math.isnan(self.p):
            return "not_testable"
        return "supported" if self.decided < alpha() else "not_supported"


def from_test(key: str, claim: str, test, *, question: str = "", code: str = "", by: str = "") -> Claim:
    """A claim resting on a :class:`barometer.design.Test`."""
    return Claim(key=key, claim=claim, question=question, code=code, by=by, test=test.method,
                 stat=test.statistic, df1=test.df1, df2=test.df2, p=test.p, effect=test.effect,
                 effect_name=test.effect_name, reason=test.reason, n=test.n)


def from_estimate(key: str, claim: str, est, *, question: str = "", code: str = "", by: str = "",
                  shares: bool = False) -> Claim:
    """A claim resting on a difference (:class:`barometer.design.Estimate`): its t test against zero.

    ``shares``: the difference is one of proportions, and its effect is kept in percentage points.
    """
    from scipy import stats as st

    if math.isnan(est.estimate) or not est.se or math.isnan(est.se) or est.df < 1:
        p, t = math.nan, math.nan
    else:
        t = est.estimate / est.se
        p = float(2 * st.t.sf(abs(t), est.df))
    return Claim(key=key, claim=claim, question=question, code=code, by=by, test=est.method, stat=t,
                 df1=1.0, df2=float(est.df), p=p, effect=100 * est.estimate if shares else est.estimate,
                 effect_name="difference_points" if shares else "difference", reason=est.reason, n=est.n)


def holm(claims: list[Claim], family: str) -> list[Claim]:
    """Holm's adjustment over one chapter's family (claims without a p-value are left out)."""
    from statsmodels.stats.multitest import multipletests

    testable = [i for i, c in enumerate(claims) if not math.isnan(c.p)]
    adjusted = {}
    if testable:
        _, padj, _, _ = multipletests([claims[i].p for i in testable], alpha=alpha(), method="holm")
        adjusted = dict(zip(testable, map(float, padj)))
    return [replace(c, family=family, p_adjusted=adjusted.get(i, math.nan)) for i, c in enumerate(claims)]


def order(claim: Claim, difference: float) -> str:
    """"higher" / "lower" when the test supports the order, else "not_distinguished"."""
    if claim.verdict != "supported" or math.isnan(difference):
        return "not_distinguished"
    return "higher" if difference > 0 else "lower"


def outcome(claim: Claim) -> str:
    """What a sentence says of a claim: "not_testable" without a p-value; for a difference (a signed
    effect) its :func:`order`; for an association its verdict ("supported" / "not_supported")."""
    if claim.verdict == "not_testable":
        return "not_testable"
    if claim.effect_name in DIFFERENCES:
        return order(claim, claim.effect)
    return claim.verdict


#: What a test, a size rule or a description says of one part of a claim: its own verdict
#: ("supported", "not_supported", "not_testable") or, for an order or a size, "reversed" (the data
#: support the opposite: the opposite order, or a size on the other side of one half).
PART_OUTCOMES = ("supported", "reversed", "not_supported", "not_testable")


def order_outcome(claim, *, expect: str = "higher", flipped: bool = False) -> str:
    """What a test says of a claim of order or level (one of :data:`PART_OUTCOMES`).

    ``claim`` is a :class:`barometer.claims.Claim` (or None: no test, "not_testable"). For a
    signed effect (:data:`DIFFERENCES`: first minus second, or a mean minus a value) the claim
    ``expect``s "higher" or "lower"; ``flipped`` when the test compared the two the other way round.
    The order the claim states, supported by the test (:func:`order`), is
    "supported", the opposite order "reversed", else "not_supported". For an association (no sign),
    the test's verdict.
    """
    if claim is None or claim.verdict == "not_testable":
        return "not_testable"
    if claim.effect_name not in DIFFERENCES:
        return claim.verdict
    found = order(claim, claim.effect)
    if found == "not_distinguished":
        return "not_supported"
    if flipped:
        found = {"higher": "lower", "lower": "higher"}[found]
    return "supported" if found == expect else "reversed"


def size_outcome(row: dict, claimed: str) -> str:
    """What a calibrated share's interval (``row["low"]``, ``row["high"]``, in %) says of a size word.

    "supported" when the interval meets the claimed word's rule (claims.yml, by :func:`size`:
    then that word or a stronger one on the same side of one half is the strongest the interval allows);
    "reversed" when it supports a word on the other side; "not_supported" otherwise; "not_testable"
    without an interval.
    """
    low, high = row.get("low", math.nan), row.get("high", math.nan)
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "not_testable"
    sizes = rules()["sizes"]
    found = size(low, high)
    side = lambda word: "low_above" if "low_above" in sizes.get(word, {}) else "high_below"  # noqa: E731
    if found not in sizes:
        return "not_supported"
    rule = sizes[claimed]
    if side(claimed) == "low_above":
        if low > rule["low_above"]:
            return "supported"
    elif high < rule["high_below"]:
        return "supported"
    return "reversed" if side(found) != side(claimed) else "not_supported"


def verdict(outcomes) -> str:
    """A claim's verdict from its parts' outcomes: "not_supported" if a part is not supported (or
    reversed), else "not_testable" if a part cannot be tested, else "supported"."""
    outcomes = list(outcomes)
    if any(o in ("not_supported", "reversed") for o in outcomes):
        return "not_supported"
    if not outcomes or any(o == "not_testable" for o in outcomes):
        return "not_testable"
    return "supported"


class Ledger:
    """The claims of one chapter run, written as ``<folder>/<chapter>.tests.csv``."""

    COLUMNS = ("key", "wave", "claim", "question", "code", "by", "test", "stat", "df1", "df2", "p",
               "p_adjusted", "family", "effect", "effect_name", "verdict", "n", "reason")

    def __init__(self, path: Path, wave: str = "2016") -> None:
        self.path, self.wave = Path(path), wave
        self.claims: dict[str, Claim] = {}

    def add(self, claims) -> None:
        for c in claims:
            self.claims[c.key] = c
        self.write()

    def table(self) -> pd.DataFrame:
        rows = [{**asdict(c), "wave": self.wave, "verdict": c.verdict} for c in self.claims.values()]
        return pd.DataFrame(rows, columns=list(self.COLUMNS))

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.table().to_csv(self.path, index=False, float_format="%.10g")
