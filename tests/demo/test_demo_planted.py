"""What the demo plants, checked on the feeds themselves (not on the generator's word)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, timedelta

from rapidfuzz import fuzz

from vigie.demo.generate import LOOKALIKES


def ratio(a: str, b: str) -> float:
    return fuzz.ratio(a, b) / 100


def spread(items) -> timedelta:
    times = [e.published for e in items]
    return max(times) - min(times)


def _by_story(manifest, entries, links):
    wanted = set(links)
    stories = defaultdict(list)
    for it in manifest.items:
        if it.link in wanted:
            stories[it.story].append(entries[it.link])
    return stories


def test_campaign_wave(demo_site, entries):
    _, manifest = demo_site
    copies = [entries[link] for link in manifest.groups["campaign"]]
    sites = {e.source for e in copies}
    assert len(copies) == len(sites) >= 7
    assert spread(copies) <= timedelta(minutes=15)
    assert {manifest.source(s).kind for s in sites} == {"campaign"}
    domains = {manifest.source(s).domain for s in sites}
    assert set(LOOKALIKES) <= domains  # lemonde.ltd, lefigaro.com.co
    assert set(LOOKALIKES.values()) == {"lemonde.fr", "lefigaro.fr"}
    ratios = [ratio(a.text, b.text) for a, b in itertools.combinations(copies, 2)]
    print(f"campaign copies: min ratio {min(ratios):.3f}, spread {spread(copies)}")
    assert min(ratios) > 0.8
    assert len({e.title for e in copies}) == len(copies)  # every headline reworded


def test_network_pushes_other_stories_together(demo_site, entries):
    _, manifest = demo_site
    network = {entries[link].source for link in manifest.groups["campaign"]}
    wave_day = max(entries[link].published.date() for link in manifest.groups["campaign"])
    others = _by_story(manifest, entries, manifest.groups["campaign_other"])
    assert len(others) >= 2
    for story, copies in others.items():
        assert {e.source for e in copies} <= network, story
        assert len(copies) >= 6 and spread(copies) <= timedelta(minutes=15), story
        assert all(e.published.date() < wave_day for e in copies), story
        ratios = [ratio(a.text, b.text) for a, b in itertools.combinations(copies, 2)]
        assert min(ratios) > 0.8, story


def test_translated_relays_follow_the_wave(demo_site, entries):
    _, manifest = demo_site
    wave = [entries[link] for link in manifest.groups["campaign"]]
    start = min(e.published for e in wave)
    relays = [entries[link] for link in manifest.groups["relay"]]
    assert 2 <= len(relays) <= 3
    langs = {manifest.source(e.source).language for e in relays}
    assert "en" in langs and "fr" not in langs
    for e in relays:
        assert manifest.source(e.source).kind == "relay"
        assert timedelta(0) < e.published - start <= timedelta(hours=2)
        # translated, not copied: below the copy-paste threshold (0.693, D3lta)
        assert all(ratio(e.text, w.text) < 0.65 for w in wave)
    assert any("water for the sahel" in e.text for e in relays)


def test_organic_story_many_independent_outlets_same_day(demo_site, entries):
    _, manifest = demo_site
    items = [entries[link] for link in manifest.groups["organic"]]
    on_last_day = defaultdict(set)
    for e in items:
        if manifest.source(e.source).kind == "established":
            on_last_day[e.published.date()].add(e.source)
    assert len(on_last_day[manifest.last_day]) >= 10
    # spread over the day, not a burst of minutes
    last_day = [e for e in items if e.published.date() == manifest.last_day]
    assert spread(last_day) > timedelta(hours=8)


def test_agency_dispatches_are_routine_syndication(demo_site, entries):
    _, manifest = demo_site
    dispatches = _by_story(manifest, entries, manifest.groups["syndicated"])
    days_by_outlet = defaultdict(set)
    for story, copies in dispatches.items():
        assert len({e.source for e in copies}) >= 5, story
        assert spread(copies) <= timedelta(hours=1), story
        assert all(manifest.source(e.source).kind == "established" for e in copies)
        marker = "afp" if story.startswith("afp") else "reuters"
        assert all(marker in e.text or "agence france-presse" in e.text for e in copies), story
        ratios = [ratio(a.text, b.text) for a, b in itertools.combinations(copies, 2)]
        assert min(ratios) > 0.8, story
        for e in copies:
            days_by_outlet[e.source].add(e.published.date())
    first = manifest.first_day
    every_day = {first + timedelta(days=n) for n in range(7)}
    assert len(days_by_outlet) >= 10
    assert all(days == every_day for days in days_by_outlet.values())
    assert manifest.last_day == date(2026, 11, 25)
