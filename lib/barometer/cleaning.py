"""Which raw responses are used, and why the others are not: the exclusion log.

Every raw row ends up exactly once in the log, as kept or as excluded with a reason.
The rules, applied in this order to the rows of all collectors together:

1. ``test_response``: the municipality answer starts with "test", "essai" or "proef".
2. ``incomplete``: fewer than half of the research-part questions answered (parts
   perception, implementation and management; questions shown to everyone only).
3. ``duplicate``: another response names the same municipality. The one kept is the most
   complete (most questions answered), then the latest finished, then the highest
   respondent ID: the most complete answer carries the most information, and a later
   one is more likely the municipality's final word.
"""

from __future__ import annotations

import re

import pandas as pd

from .codebook import Codebook

RESEARCH_PARTS = ("perception", "implementation", "management")
MIN_ANSWERED_SHARE = 0.5
TEST_PATTERN = re.compile(r"^\s*(test|essai|proef)\b", re.IGNORECASE)

REASONS = {
    "test_response": "test response (municipality answer reads as a test)",
    "incomplete": f"fewer than {MIN_ANSWERED_SHARE:.0%} of the research-part questions answered",
    "duplicate": "another, more complete or later, response for the same municipality is kept",
}


def is_test(municipality_answer: object) -> bool:
    return isinstance(municipality_answer, str) and bool(TEST_PATTERN.match(municipality_answer))


def research_questions(codebook: Codebook) -> list[str]:
    """The questions that count for completeness: research parts, shown to everyone."""
    return [q.name for q in codebook if q.part in RESEARCH_PARTS and not q.applies_if and not q.personal]


def completeness(answered: list[str], codebook: Codebook, missing: list[str] = ()) -> float:
    """Share of the research questions answered, among those the export asks (not its ``missing`` ones)."""
    pool = [name for name in research_questions(codebook) if name not in missing]
    return sum(name in answered for name in pool) / len(pool) if pool else 0.0


def choose(raw: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Add ``status`` (kept/excluded) and ``reason`` to the raw log, one row per raw response.

    ``raw`` needs: municipality_answer, nis_code (None for test rows), n_answered,
    answered_share, end_date, respondent_id.
    """
    log = raw.copy()
    log["reason"] = pd.Series([None] * len(log), index=log.index, dtype="object")
    log.loc[log["municipality_answer"].map(is_test), "reason"] = "test_response"
    open_ = log["reason"].isna()
    log.loc[open_ & (log["answered_share"] < MIN_ANSWERED_SHARE), "reason"] = "incomplete"
    open_ = log["reason"].isna()
    candidates = log[open_].assign(_id_num=lambda d: d["respondent_id"].astype(str).str.zfill(30))
    ranked = candidates.sort_values(["n_answered", "end_date", "_id_num"], ascending=False, na_position="last")
    losers = ranked.index[ranked.duplicated("nis_code", keep="first")]
    log.loc[losers, "reason"] = "duplicate"
    log["status"] = log["reason"].isna().map({True: "kept", False: "excluded"})
    return log
