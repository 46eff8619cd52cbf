"""Legitimate agency syndication: recognised, explained, and kept out of coordination.

Established outlets republishing an agency dispatch (AFP, Reuters, AP, dpa...) nearly
verbatim, with attribution, every day, is news as usual. A copy counts as syndicated
when its text credits an agency AND its source is established (in the reference list
of outlets or with a long observed history) AND the source is no look-alike. The same
pattern from new or look-alike sources stays coordination evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache


@cache
def _marker_re(markers: tuple[str, ...]) -> re.Pattern[str]:
    # whole words; acronyms stay case-sensitive so "ap" or "AP-HP" never match "AP"
    alts = "|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alts})(?![\w-])")


def attribution(text: str | None, markers: Sequence[str]) -> str | None:
    """The agency credited in ``text`` (first marker found), if any."""
    if not text:
        return None
    m = _marker_re(tuple(markers)).search(text)
    return m.group(1) if m else None


@dataclass(frozen=True)
class SourceHistory:
    first_seen: datetime | None  # earliest published_at of its items (or added_at)
    active_days: int  # distinct days with items


def is_established(
    in_outlet_list: bool, lookalike: bool, history: SourceHistory | None, now: datetime,
    cfg: dict,
) -> bool:
    """An outlet of the reference list, or a long and regular publishing history; never a
    look-alike."""
    if lookalike:
        return False
    if in_outlet_list:
        return True
    if history is None or history.first_seen is None:
        return False
    age_days = (now - history.first_seen).total_seconds() / 86400
    return (age_days >= float(cfg["sources"]["established_days"])
            and history.active_days >= int(cfg["sources"]["established_active_days"]))


def syndicated_items(
    texts: Sequence[str | None], established: Sequence[bool], markers: Sequence[str]
) -> list[str | None]:
    """Per item: the agency it credits when its source is established, else None."""
    return [attribution(t, markers) if est else None
            for t, est in zip(texts, established, strict=True)]
