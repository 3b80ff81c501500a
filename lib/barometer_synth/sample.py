"""Which 113 municipalities "answered": the sample composition and the seeded draw.

The composition (kept respondents by region x urbanity) is not hand-picked: it is the
solution of a small integer search. Among the compositions for which

* the region and urban/rural counts pass a chi-square goodness-of-fit test against the
  frame (p >= 0.05: the summary calls the sample representative on both), and
* the "concerned" question (q09) can be answered so that every published percentage
  (all, urban, Flanders, Brussels; not concerned: rural, Wallonia) rounds right,

the one closest to the frame's own region x urbanity distribution (smallest chi-square
over the five cells) is taken. The q09 answers per cell are then the integer allocation
closest to plausible prior shares (urban and Flemish municipalities more concerned,
don't-knows more frequent in rural ones): see PRIOR_CONCERNED and PRIOR_DONT_KNOW.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.stats import chi2, chisquare

from barometer.frame import SIZE_CLASSES

from .targets import pct

#: The five region x urbanity cells (Brussels has no rural municipality).
CELLS = (("flanders", "urban"), ("flanders", "rural"), ("wallonia", "urban"),
         ("wallonia", "rural"), ("brussels", "urban"))
REGIONS = ("flanders", "wallonia", "brussels")
URBANITY = ("urban", "rural")

#: Plausible shares used to choose among the q09 allocations that round right.
PRIOR_CONCERNED = {("flanders", "urban"): 0.85, ("flanders", "rural"): 0.65, ("wallonia", "urban"): 0.50,
                   ("wallonia", "rural"): 0.35, ("brussels", "urban"): 0.85}
PRIOR_DONT_KNOW = {("flanders", "urban"): 0.03, ("flanders", "rural"): 0.12, ("wallonia", "urban"): 0.08,
                   ("wallonia", "rural"): 0.15, ("brussels", "urban"): 0.0}

#: Response propensity by size class below 50,000 (bigger municipalities answered more often).
SIZE_PROPENSITY = {"lt10k": 1.0, "10k_20k": 1.4, "20k_50k": 2.0}

#: Municipalities drawn in any case, to plant cross-language respondents (see README):
#: a Flemish municipality with language facilities answering in French, and a municipality
#: of the German-speaking Community answering the French questionnaire.
FORCED = {"23101": "facilities_fr", "63067": "german_speaking_fr"}

#: Number of Brussels respondents who use the Dutch questionnaire.
BRUSSELS_IN_DUTCH = 2


@dataclass(frozen=True)
class Composition:
    """Kept respondents per cell, and their q09 answers per cell (concerned, not concerned, don't know)."""

    n: dict  # cell -> respondents
    concerned: dict  # cell -> (concerned, not_concerned_or_not_suitable, dont_know)
    p_region: float
    p_urbanity: float


def _p(observed, shares) -> float:
    total = sum(observed)
    expected = [total * s for s in shares]
    return float(chisquare(observed, expected).pvalue)


def _stat(observed, shares) -> float:
    total = sum(observed)
    return sum((o - total * s) ** 2 / (total * s) for o, s in zip(observed, shares))


def _rounds_to(target: int, den: int) -> list[int]:
    return [k for k in range(den + 1) if pct(k, den) == target]


def solve_composition(frame: pd.DataFrame, targets: dict) -> Composition:
    """The composition and q09 allocation described in the module docstring."""
    sample, perception = targets["sample"], targets["perception"]
    n_total = int(sample["respondents"])
    n_bru = int(sample["brussels"]["responded"])
    conc, notc = perception["concerned_pct"], perception["not_concerned_or_not_suitable_pct"]
    avail = frame.groupby(["region", "urbanity"], observed=False).size()
    region_share = [float((frame["region"] == r).mean()) for r in REGIONS]
    urban_share = [float((frame["urbanity"] == u).mean()) for u in URBANITY]
    cell_share = {c: avail[c] / len(frame) for c in CELLS}

    crit_region, crit_urban = chi2.ppf(0.95, len(REGIONS) - 1), chi2.ppf(0.95, len(URBANITY) - 1)
    candidates = []
    rest = n_total - n_bru
    for n_f in range(rest + 1):
        n_w = rest - n_f
        if _stat([n_f, n_w, n_bru], region_share) > crit_region:
            continue
        for n_fr in range(min(n_f, avail[("flanders", "rural")]) + 1):
            n_fu = n_f - n_fr
            if n_fu > avail[("flanders", "urban")]:
                continue
            for n_wr in range(min(n_w, avail[("wallonia", "rural")]) + 1):
                n_wu = n_w - n_wr
                if n_wu > avail[("wallonia", "urban")]:
                    continue
                n = dict(zip(CELLS, (n_fu, n_fr, n_wu, n_wr, n_bru)))
                n_urban, n_rural = n_fu + n_wu + n_bru, n_fr + n_wr
                if _stat([n_urban, n_rural], urban_share) > crit_urban:
                    continue
                fit = sum((n[c] - n_total * cell_share[c]) ** 2 / (n_total * cell_share[c]) for c in CELLS)
                candidates.append((fit, (n_fu, n_fr, n_wu, n_wr), n))
    candidates.sort(key=lambda t: (t[0], t[1]))
    for _fit, _key, n in candidates:
        alloc = _allocate_concerned(n, conc, notc)
        if alloc is not None:
            fu, fr, wu, wr, b = (n[c] for c in CELLS)
            p_reg = _p([fu + fr, wu + wr, b], region_share)
            p_urb = _p([fu + wu + b, fr + wr], urban_share)
            if p_reg < 0.05 or p_urb < 0.05:  # the thresholds above, checked with scipy's p-value
                continue
            return Composition(n=n, concerned=alloc, p_region=p_reg, p_urbanity=p_urb)
    raise RuntimeError("no sample composition reproduces the published q09 percentages")


def _allocate_concerned(n: dict, conc: dict, notc: dict):
    """Concerned / not concerned / don't know per cell, or None when no allocation rounds right."""
    fu, fr, wu, wr, b = CELLS
    n_all = sum(n.values())
    n_fl, n_urban = n[fu] + n[fr], n[fu] + n[wu] + n[b]
    n_rural, n_wal = n[fr] + n[wr], n[wu] + n[wr]
    # Step 1: concerned counts per cell, closest to the prior shares.
    best_c = None
    for c_all in _rounds_to(conc["all"], n_all):
        for c_b in _rounds_to(conc["brussels"], n[b]):
            for c_fl in _rounds_to(conc["flanders"], n_fl):
                for c_urb in _rounds_to(conc["urban"], n_urban):
                    for c_fu in range(n[fu] + 1):
                        c = {fu: c_fu, fr: c_fl - c_fu, wu: c_urb - c_fu - c_b, b: c_b}
                        c[wr] = c_all - c[fu] - c[fr] - c[wu] - c_b
                        if any(not 0 <= c[k] <= n[k] for k in CELLS):
                            continue
                        cost = sum((c[k] - PRIOR_CONCERNED[k] * n[k]) ** 2 for k in CELLS)
                        key = (cost, tuple(c[k] for k in CELLS))
                        if best_c is None or key < best_c[0]:
                            best_c = (key, c)
    if best_c is None:
        return None
    c = best_c[1]
    # Step 2: not-concerned counts per cell; don't know = the rest, closest to the prior shares.
    best_d = None
    for d_rur in _rounds_to(notc["rural"], n_rural):
        for d_wal in _rounds_to(notc["wallonia"], n_wal):
            for d_wr in range(n[wr] + 1):
                d = {wr: d_wr, fr: d_rur - d_wr, wu: d_wal - d_wr}
                if any(not 0 <= d[k] <= n[k] - c[k] for k in (wr, fr, wu)):
                    continue
                # Flanders-urban and Brussels enter no not-concerned target: best value on their own.
                for free in (fu, b):
                    d[free] = min(range(n[free] - c[free] + 1),
                                  key=lambda x, cell=free: ((n[cell] - c[cell] - x - PRIOR_DONT_KNOW[cell] * n[cell]) ** 2, x))
                k = {cell: n[cell] - c[cell] - d[cell] for cell in CELLS}
                cost = sum((k[cell] - PRIOR_DONT_KNOW[cell] * n[cell]) ** 2 for cell in CELLS)
                key = (cost, tuple(d[cell] for cell in CELLS))
                if best_d is None or key < best_d[0]:
                    best_d = (key, dict(d))
    if best_d is None:
        return None
    d = best_d[1]
    return {cell: (c[cell], d[cell], n[cell] - c[cell] - d[cell]) for cell in CELLS}


def _largest_remainder(total: int, weights: dict, caps: dict) -> dict:
    """Split ``total`` over the keys proportionally to ``weights``, within ``caps`` (in key order)."""
    out = {k: 0 for k in weights}
    remaining, active = total, [k for k in weights if caps[k] > 0 and weights[k] > 0]
    while remaining > 0:
        wsum = sum(weights[k] for k in active)
        quotas = {k: Fraction(remaining) * Fraction(weights[k]).limit_denominator(10**6) /
                  Fraction(wsum).limit_denominator(10**6) for k in active}
        share = {k: min(int(quotas[k]), caps[k] - out[k]) for k in active}
        if sum(share.values()) == 0:
            # hand out one by one by largest remainder
            k = max(active, key=lambda key: (quotas[key] - int(quotas[key]), -list(weights).index(key)))
            share[k] = 1
        for k in active:
            out[k] += share[k]
        remaining -= sum(share.values())
        active = [k for k in active if out[k] < caps[k]]
        if remaining and not active:
            raise RuntimeError("not enough municipalities to allocate")
    return out


def size_allocation(frame: pd.DataFrame, comp: Composition, targets: dict, rng: np.random.Generator):
    """Kept respondents per (region, urbanity, size class), and the big municipalities kept.

    Returns (counts, excluded_gt100k): counts[(region, urbanity, size)] -> n.
    """
    sample = targets["sample"]
    n100, n50 = int(sample["over_100k"]["responded"]), int(sample["over_50k"]["responded"])
    big = frame[frame["size_class"] == "gt100k"]
    bru_big = big[big["region"] == "brussels"]
    others = big[big["region"] != "brussels"].sort_values("nis_code")
    n_drop = len(big) - n100
    dropped = sorted(rng.choice(others["nis_code"].to_numpy(), size=n_drop, replace=False).tolist())
    kept_big = pd.concat([bru_big, others[~others["nis_code"].isin(dropped)]])
    counts = {}
    for region, urb in CELLS:
        counts[(region, urb, "gt100k")] = int(((kept_big["region"] == region) & (kept_big["urbanity"] == urb)).sum())
    # 50k-100k: split proportionally to the frame's counts by region (largest remainder).
    mid = frame[frame["size_class"] == "50k_100k"]
    mid_avail = {c: int(((mid["region"] == c[0]) & (mid["urbanity"] == c[1])).sum()) for c in CELLS}
    mid_alloc = _largest_remainder(n50 - n100, mid_avail, mid_avail)
    for c in CELLS:
        counts[(*c, "50k_100k")] = mid_alloc[c]
    # The rest of each cell: sizes below 50,000, proportional to frame count x propensity.
    for c in CELLS:
        rest = comp.n[c] - counts[(*c, "gt100k")] - counts[(*c, "50k_100k")]
        if rest < 0:
            raise RuntimeError(f"cell {c} too small for its big municipalities")
        avail = {s: int(((frame["region"] == c[0]) & (frame["urbanity"] == c[1]) &
                         (frame["size_class"] == s)).sum()) for s in SIZE_PROPENSITY}
        weights = {s: avail[s] * SIZE_PROPENSITY[s] for s in SIZE_PROPENSITY}
        alloc = _largest_remainder(rest, weights, avail) if rest else {s: 0 for s in SIZE_PROPENSITY}
        for s in SIZE_PROPENSITY:
            counts[(*c, s)] = alloc[s]
    return counts, dropped


def draw_municipalities(frame: pd.DataFrame, counts: dict, dropped: list[str],
                        rng: np.random.Generator) -> pd.DataFrame:
    """The kept municipalities: forced ones first, the rest drawn uniformly within each cell."""
    chosen = []
    for region, urb in CELLS:
        for size in SIZE_CLASSES:
            k = counts.get((region, urb, size), 0)
            pool = frame[(frame["region"] == region) & (frame["urbanity"] == urb) &
                         (frame["size_class"] == size) & ~frame["nis_code"].isin(dropped)]
            codes = sorted(pool["nis_code"])
            if size == "gt100k":
                if k != len(codes):
                    raise RuntimeError("the kept >100,000 municipalities do not fit their cell")
                chosen += codes
                continue
            forced = [code for code in sorted(FORCED) if code in codes]
            if len(forced) > k:
                raise RuntimeError(f"forced municipalities {forced} do not fit cell {(region, urb, size)}")
            free = [code for code in codes if code not in forced]
            drawn = rng.choice(np.array(free), size=k - len(forced), replace=False).tolist() if k > len(forced) else []
            chosen += forced + sorted(drawn)
    kept = frame[frame["nis_code"].isin(chosen)].sort_values("nis_code", ignore_index=True)
    missing = sorted(set(FORCED) - set(kept["nis_code"]))
    if missing:
        raise RuntimeError(f"forced municipalities {missing} were not drawn")
    return kept
