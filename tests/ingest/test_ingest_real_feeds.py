"""The 60 captured real feeds (Guardian, Heise, UOL, Reddit, podcasts, gzipped, latin-1,
broken ones) served over loopback HTTP: every feed ingests; the HTML pages that are not
feeds are recorded errors."""

from __future__ import annotations

import gzip

import pytest
from ingest_helpers import FeedServer, Route

from flows.ingest import ingest_sources
from vigie.ingest.registry import feed_source, register_feeds

# Two captures are HTML pages, not feeds: node-feedparser's notafeed.html and rss-parser's
# unrecognized.rss (a "Document Moved" page).
NOT_FEEDS = {"node-feedparser/notafeed.html", "rss-parser/unrecognized.rss"}
# Feeds whose only entry has neither title nor text (an empty <author>, a bare <id>): the
# fetch succeeds and nothing is stored, since there is nothing to analyse.
NOTHING_TO_STORE = {"rss-parser/incomplete-fields.atom", "rss-parser/missing-fields.atom"}


@pytest.fixture(scope="module")
def real_run(shared_data, tmp_path_factory):
    from vigie.config import load_settings

    root = shared_data / "feeds" / "real"
    server = FeedServer()
    rows, by_path = [], {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "LICENSE" not in p.name):
        rel = path.relative_to(root).as_posix()
        body = path.read_bytes()
        headers = {}
        if body[:2] == b"\x1f\x8b":  # stored gzipped: serve as a server would, compressed
            headers["Content-Encoding"] = "gzip"
            # ... and once more as a bare .gz body without the header (sniffed and inflated)
            server.routes[f"/raw/{rel}"] = Route(body)
            rows.append(feed_source(server.url(f"/raw/{rel}")))
            by_path[f"raw/{rel}"] = rows[-1]["source_id"]
        server.routes[f"/{rel}"] = Route(body, headers=headers)
        rows.append(feed_source(server.url(f"/{rel}")))
        by_path[rel] = rows[-1]["source_id"]
    settings = load_settings(data_dir=tmp_path_factory.mktemp("real") / "data")
    settings.fetch.retries = 0
    settings.fetch.per_host = 16
    register_feeds(settings, rows)
    stats = ingest_sources(settings, "real")
    with settings.store().connect() as con:
        fetch = {r[0]: r[1:] for r in con.execute(
            "SELECT source_id, status, error, entries, items_new FROM fetches").fetchall()}
        items = con.execute(
            "SELECT source_id, count(*), count(language), count(*) FILTER (WHERE url IS NOT NULL),"
            " count(registered_domain), count(*) FILTER (WHERE regexp_matches(text, '<[a-zA-Z!/?]')"
            " OR regexp_matches(title, '<[a-zA-Z!/?]')) FROM items GROUP BY 1").fetchall()
    server.close()
    yield stats, by_path, fetch, {r[0]: r[1:] for r in items}


def test_every_real_feed_ingests(real_run):
    stats, by_path, fetch, items = real_run
    assert len(by_path) == 62  # 60 captures, 2 of them also served as bare gzip
    failed = {rel: fetch[sid][1] for rel, sid in by_path.items() if fetch[sid][0] != "ok"}
    assert set(failed) == NOT_FEEDS, failed
    assert all("not a feed" in error for error in failed.values())
    assert stats["errors"] == 2 and stats["fetched_ok"] == 60
    empty = {rel for rel, sid in by_path.items()
             if rel not in NOT_FEEDS and fetch[sid][2] and not items.get(sid)}
    assert empty == NOTHING_TO_STORE, f"feeds with entries but no item stored: {empty}"
    assert stats["items_new"] > 1500


def test_gzipped_captures_are_decoded_with_or_without_content_encoding(real_run, shared_data):
    _, by_path, fetch, items = real_run
    for rel in ("node-feedparser/compressed.xml", "node-feedparser/invalid-characters-gzipped.xml"):
        raw = (shared_data / "feeds" / "real" / rel).read_bytes()
        assert gzip.decompress(raw)  # it really is gzip on disk
        declared, bare = by_path[rel], by_path[f"raw/{rel}"]
        assert fetch[declared][0] == fetch[bare][0] == "ok"
        assert items[declared][0] == items[bare][0] > 0


def test_real_items_carry_language_domain_and_no_markup(real_run):
    _, _, _, items = real_run
    total = sum(v[0] for v in items.values())
    with_lang = sum(v[1] for v in items.values())
    with_url = sum(v[2] for v in items.values())
    with_domain = sum(v[3] for v in items.values())
    assert with_lang > 0.95 * total
    assert with_domain == with_url  # every item link gives its domain
    # No tag survived cleaning (a bare "<" in code or diffs, as in "a < b", is text).
    assert sum(v[4] for v in items.values()) == 0
