"""Seeded quota helpers: hand out exact answer counts to respondents, plausibly.

Every published count is reproduced by construction: a question's answers are given as
counts, and these helpers decide who gives which answer (weighted random, seeded), so the
randomness changes who answers what, never the totals.
"""

from __future__ import annotations

import numpy as np


def weighted_keys(rng: np.random.Generator, weights) -> np.ndarray:
    """Random keys whose descending order is a weighted random permutation (Efraimidis-Spirakis)."""
    w = np.asarray(weights, dtype=float)
    if (w <= 0).any():
        raise ValueError("weights must be positive")
    return np.log(rng.random(len(w))) / w


def pick(rng: np.random.Generator, pool: list[int], k: int, weights) -> list[int]:
    """``k`` members of ``pool`` without replacement, chosen with probability rising with ``weights``."""
    if k > len(pool):
        raise ValueError(f"cannot pick {k} of {len(pool)}")
    if k == 0:
        return []
    keys = weighted_keys(rng, weights)
    order = np.argsort(-keys, kind="stable")
    return sorted(pool[i] for i in order[:k])


def assign_single(rng: np.random.Generator, ids: list[int], counts: list[tuple[str, int]], weight) -> dict[int, str]:
    """One code per respondent, ``counts`` exactly; ``weight(i, code)`` > 0 favours a respondent for a code."""
    if sum(n for _, n in counts) != len(ids):
        raise ValueError(f"counts {counts} do not add up to {len(ids)} respondents")
    out: dict[int, str] = {}
    pool = list(ids)
    for code, n in counts:
        chosen = pick(rng, pool, n, [weight(i, code) for i in pool])
        out.update((i, code) for i in chosen)
        taken = set(chosen)
        pool = [i for i in pool if i not in taken]
    return out


def assign_multi(rng: np.random.Generator, ids: list[int], counts: list[tuple[str, int]], weight, *,
                 cap: int | None = None, balance: float | None = 1.0) -> dict[int, list[str]]:
    """Several codes per respondent, each code chosen by exactly its count of respondents.

    Respondents with fewer choices so far are preferred (``balance`` sets how strongly; with
    ``balance=None`` strictly, so the loads differ by at most one and ``cap`` can always be
    kept when the counts allow it). Everyone ends with at least one choice (moved from the busiest).
    """
    load = {i: 0 for i in ids}
    chosen: dict[int, list[str]] = {i: [] for i in ids}
    for code, n in sorted(counts, key=lambda t: -t[1]):
        eligible = [i for i in ids if cap is None or load[i] < cap]
        if n > len(eligible):
            raise ValueError(f"{code}: {n} choices but {len(eligible)} respondents can still choose")
        keys = weighted_keys(rng, [weight(i, code) for i in eligible])
        if balance is None:  # strict: lowest load first, the weighted random key among equals
            order = sorted(range(len(eligible)), key=lambda j: (load[eligible[j]], -keys[j]))
        else:
            order = sorted(range(len(eligible)), key=lambda j: balance * load[eligible[j]] - keys[j])
        for j in order[:n]:
            i = eligible[j]
            chosen[i].append(code)
            load[i] += 1
    for i in ids:  # nobody answers with zero choices
        if chosen[i]:
            continue
        donor = max(ids, key=lambda x: (load[x], x))
        code = next(c for c in chosen[donor] if c not in chosen[i])
        chosen[donor].remove(code)
        chosen[i].append(code)
        load[donor] -= 1
        load[i] += 1
    order_of = {code: k for k, (code, _) in enumerate(counts)}
    return {i: sorted(codes, key=order_of.get) for i, codes in chosen.items()}


def values_with_sum(raw: np.ndarray, target_sum: int, lo: int = 1, hi: int = 5) -> np.ndarray:
    """Round ``raw`` into lo..hi, then nudge the values nearest to the next step until they sum to target."""
    values = np.clip(np.rint(raw), lo, hi).astype(int)
    if not len(values) * lo <= target_sum <= len(values) * hi:
        raise ValueError("target sum out of reach")
    while values.sum() != target_sum:
        residual = raw - values
        if values.sum() < target_sum:
            residual = np.where(values < hi, residual, -np.inf)
            values[int(np.argmax(residual))] += 1
        else:
            residual = np.where(values > lo, residual, np.inf)
            values[int(np.argmin(residual))] -= 1
    return values
