"""The demo site: deterministic, big enough, well-formed feeds on fictional domains."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from vigie.demo import build_demo_site, load_manifest

FIRST = datetime(2026, 11, 19, tzinfo=UTC)
END = datetime(2026, 11, 26, tzinfo=UTC)


def _snapshot(root: Path) -> dict[str, tuple[bytes, float]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_generation_is_deterministic(demo_site, tmp_path):
    root, _ = demo_site
    again = build_demo_site(tmp_path / "again")
    first, second = _snapshot(root), _snapshot(tmp_path / "again")
    assert first.keys() == second.keys()
    assert first == second  # same bytes and same modification times
    assert load_manifest(tmp_path / "again") == again


def test_size_and_timeline(demo_site, entries):
    _, manifest = demo_site
    assert len(manifest.sources) >= 20
    assert len(manifest.items) >= 400
    assert len(entries) == len(manifest.items)  # every ground-truth item is in a feed
    assert all(FIRST <= e.published < END for e in entries.values())
    assert manifest.last_day == date(2026, 11, 25)
    assert {s.language for s in manifest.sources} >= {"fr", "en"}
    assert sum(s.feed_format == "atom" for s in manifest.sources) >= 2


def test_feeds_parse_cleanly_with_fictional_domains(demo_site, parsed):
    _, manifest = demo_site
    for src in manifest.sources:
        feed = parsed[src.slug]
        assert not feed.bozo, (src.slug, feed.get("bozo_exception"))
        assert feed.version in ("rss20", "atom10")
        assert feed.feed.link.rstrip("/") == src.site_url.rstrip("/")
        assert (feed.feed.get("language") or src.language).startswith(src.language)
        for e in feed.entries:
            assert urlsplit(e.link).hostname == src.domain
            assert e.id and e.title and e.get("summary")
        assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_established_feeds_span_every_day_and_new_sites_do_not(demo_site, entries):
    _, manifest = demo_site
    days = {}
    for e in entries.values():
        days.setdefault(e.source, set()).add(e.published.date())
    for src in manifest.sources:
        if src.kind == "established":
            assert len(days[src.slug]) == 7, src.slug
        elif src.kind in ("campaign", "relay"):
            assert min(days[src.slug]) >= date(2026, 11, 23), src.slug


def test_texts_have_article_length(entries):
    words = [len(e.text.split()) for e in entries.values()]
    assert min(words) >= 55
    assert max(words) <= 170


def test_hostile_markup_is_escaped_in_the_xml(demo_site, entries):
    root, manifest = demo_site
    (link,) = manifest.groups["hostile"]
    raw = (root / "presquile-blog" / "feed.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "onerror=alert(1)" in raw and "<img" not in raw
    assert "alert(1)" in entries[link].title  # the title still carries the payload as text
