"""Organic coverage is written in each outlet's own words: no near-duplicates between outlets."""

from __future__ import annotations

import itertools
from collections import defaultdict

from rapidfuzz import fuzz

PLANTED = ("campaign", "afp-", "reuters-", "hostile")


def test_organic_items_of_different_outlets_stay_below_bound(demo_site, entries):
    _, manifest = demo_site
    stories = defaultdict(list)
    for it in manifest.items:
        if not it.story.startswith(PLANTED):
            stories[it.story].append(entries[it.link])
    assert len(stories) >= 6
    worst, pair = 0.0, None
    for story, items in stories.items():
        assert len({e.source for e in items}) >= 5, story
        for a, b in itertools.combinations(items, 2):
            if a.source == b.source:
                continue
            score = fuzz.ratio(a.text, b.text) / 100
            if score > worst:
                worst, pair = score, (story, a.link, b.link)
    print(f"max organic similarity between outlets: {worst:.3f} {pair}")
    assert worst < 0.6, pair
