"""Two naive baselines on normalised text (lower-cased, URLs/@mentions/leading RT removed).

- ``same_text``: an item is coordinated when another source posted the same normalised text
  within 24 hours (the ground-truth rule, applied blind to who is a troll).
- ``repeated_pairs``: source pairs that co-publish at least two distinct identical texts within
  24 hours; their co-published items are predicted.
"""

from __future__ import annotations

import bisect
from collections import defaultdict

import polars as pl

from bench.datasets import COPY_WINDOW, copies_within


def same_text(mix: pl.DataFrame) -> set[str]:
    hits = copies_within(
        mix["norm"].to_list(), mix["source"].to_list(), mix["published_at"].to_list()
    )
    return {eid for eid, hit in zip(mix["external_id"], hits, strict=True) if hit}


def repeated_pairs(mix: pl.DataFrame, min_texts: int = 2) -> set[str]:
    groups: dict[str, list[tuple]] = defaultdict(list)
    for eid, src, ts, key in mix.select(
        "external_id", "source", "published_at", "norm"
    ).iter_rows():
        if key:
            groups[key].append((ts, src, eid))
    texts: dict[tuple[str, str], set[str]] = defaultdict(set)
    items: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        members.sort()
        stamps = [m[0] for m in members]
        for pos, (ts, src, eid) in enumerate(members):
            hi = bisect.bisect_right(stamps, ts + COPY_WINDOW)
            for _ts2, src2, eid2 in members[pos + 1 : hi]:
                if src2 != src:
                    pair = (min(src, src2), max(src, src2))
                    texts[pair].add(key)
                    items[pair].update((eid, eid2))
    return {eid for pair, keys in texts.items() if len(keys) >= min_texts for eid in items[pair]}
