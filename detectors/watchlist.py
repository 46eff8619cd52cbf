"""Match narratives against known disinformation narratives (a watchlist of claim titles)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process, utils

_WORD = re.compile(r"\w{3,}")


@dataclass(frozen=True)
class WatchlistMatch:
    text_index: int  # which of the narrative's texts matched
    claim_index: int
    score: float  # 0-100


def match_watchlist(
    texts: Sequence[str], claims: Sequence[str], cfg: dict[str, Any]
) -> list[WatchlistMatch]:
    """Best claim for each text (headline) when similar enough; claims too short are skipped."""
    min_tokens = int(cfg["min_tokens"])
    usable = [i for i, c in enumerate(claims) if len(_WORD.findall(c)) >= min_tokens]
    if not usable or not texts:
        return []
    choices = [claims[i] for i in usable]
    out: list[WatchlistMatch] = []
    for t_idx, text in enumerate(texts):
        if not text or len(_WORD.findall(text)) < min_tokens:
            continue
        best = process.extractOne(text, choices, scorer=fuzz.token_sort_ratio,
                                  processor=utils.default_process,
                                  score_cutoff=float(cfg["min_similarity"]))
        if best:
            out.append(WatchlistMatch(t_idx, usable[best[2]], float(best[1])))
    return out
