"""Synchronisation: how tightly in time a narrative's copies appeared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Synchrony:
    sources: int  # most distinct sources whose copies fell within the span
    span_s: float  # span of those copies
    items: list[int] = field(default_factory=list)


def synchrony(
    times: Sequence[float], sources: Sequence[str], content: Sequence[int], tight_s: float
) -> Synchrony | None:
    """The tightest burst of copies of one content by distinct sources (first copy per
    source), maximising the number of sources within ``tight_s`` seconds."""
    best: Synchrony | None = None
    groups: dict[int, dict[str, tuple[float, int]]] = {}
    for i, (t, s, c) in enumerate(zip(times, sources, content, strict=True)):
        if c < 0:
            continue
        first = groups.setdefault(int(c), {})
        if s not in first or t < first[s][0]:
            first[s] = (float(t), i)
    for first in groups.values():
        if len(first) < 2:
            continue
        copies = sorted(first.values())
        ts = np.array([t for t, _ in copies])
        right = np.searchsorted(ts, ts + tight_s, side="right")
        counts = right - np.arange(len(ts))
        k = int(np.argmax(counts))
        n, span = int(counts[k]), float(ts[right[k] - 1] - ts[k])
        if best is None or (n, -span) > (best.sources, -best.span_s):
            best = Synchrony(n, span, [i for _, i in copies[k : right[k]]])
    return best
