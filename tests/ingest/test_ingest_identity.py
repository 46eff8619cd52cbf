"""Identity, deduplication, updates, conditional GET, dates and hostile markup, end to end:
feeds served over loopback HTTP, ingested into a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from ingest_helpers import Route, add_feeds, rss

from flows.ingest import ingest_sources
from vigie.store import items as items_store


def _items(settings, source_id):
    with settings.store().connect() as con:
        return items_store.items_of_source(con, source_id)


def _sql(settings, query, params=None):
    with settings.store().connect() as con:
        return con.execute(query, params or []).fetchall()


def test_rerun_stores_no_duplicate_and_a_changed_article_is_an_update(settings, feed_server):
    items = [
        {"title": "Port reopens", "link": "https://news.example.org/a?utm_source=x",
         "guid": "g-1", "description": "&lt;p&gt;Ships &lt;b&gt;move&lt;/b&gt; again.&lt;/p&gt;"},
        {"title": "Storm warning", "link": "https://news.example.org/b#top",
         "description": "Winds of 120 km/h are expected tonight on the coast."},
    ]
    feed_server.routes["/f.xml"] = Route(rss(items), headers={"Content-Type": "text/xml"})
    (sid,) = add_feeds(settings, feed_server, ["/f.xml"])
    first = ingest_sources(settings, "r1")
    assert first["fetched_ok"] == 1 and first["items_new"] == 2 and first["errors"] == 0
    stored = {r["title"]: r for r in _items(settings, sid)}
    assert stored["Port reopens"]["text"] == "Ships move again."
    assert stored["Port reopens"]["canonical_url"] == "https://news.example.org/a"
    assert stored["Storm warning"]["canonical_url"] == "https://news.example.org/b"
    assert stored["Port reopens"]["registered_domain"] == "example.org"
    assert stored["Storm warning"]["guid"] is None

    # Same content again (the URL now carries other tracking parameters): nothing new.
    items[1]["link"] = "https://news.example.org/b?fbclid=123&utm_medium=social"
    feed_server.routes["/f.xml"] = Route(rss(items))
    again = ingest_sources(settings, "r2")
    assert again["items_new"] == 0 and again["items_updated"] == 0
    assert len(_items(settings, sid)) == 2

    # The article behind guid g-1 is corrected: one update, the old text kept as version 1.
    items[0]["description"] = "Ships move again after the strike ended."
    feed_server.routes["/f.xml"] = Route(rss(items))
    third = ingest_sources(settings, "r3")
    assert third["items_new"] == 0 and third["items_updated"] == 1
    rows = {r["title"]: r for r in _items(settings, sid)}
    assert len(rows) == 2
    assert rows["Port reopens"]["version"] == 2
    assert rows["Port reopens"]["text"] == "Ships move again after the strike ended."
    versions = _sql(settings, "SELECT version, text FROM item_versions WHERE item_id = ?",
                    [rows["Port reopens"]["item_id"]])
    assert versions == [(1, "Ships move again.")]
    # Every attempt is in the fetch log, with the per-fetch item counts.
    log = _sql(settings, "SELECT run_id, status, items_new, items_updated FROM fetches "
               "ORDER BY started_at")
    assert log == [("r1", "ok", 2, 0), ("r2", "ok", 0, 0), ("r3", "ok", 0, 1)]


def test_same_entry_twice_in_one_feed_and_same_content_under_new_guid(settings, feed_server):
    one = {"title": "Dam breach", "guid": "x1", "description": "The dam broke at dawn."}
    feed_server.routes["/d.xml"] = Route(rss([one, dict(one), {**one, "guid": "x2"}]))
    (sid,) = add_feeds(settings, feed_server, ["/d.xml"])
    stats = ingest_sources(settings, "r1")
    assert stats["entries"] == 3 and stats["items_new"] == 1
    assert len(_items(settings, sid)) == 1


def test_conditional_get_304_stores_nothing(settings, feed_server):
    body = rss([{"title": "Only item", "guid": "o1", "description": "Text of the only item."}])
    feed_server.routes["/c.xml"] = Route(
        body, headers={"ETag": '"v1"', "Last-Modified": "Mon, 03 Apr 2023 01:02:03 GMT"}
    )
    (sid,) = add_feeds(settings, feed_server, ["/c.xml"])
    assert ingest_sources(settings, "r1")["items_new"] == 1
    second = ingest_sources(settings, "r2")
    assert second["not_modified"] == 1 and second["fetched_ok"] == 0 and second["items_new"] == 0
    sent = feed_server.log[-1][1]
    assert sent.get("If-None-Match") == '"v1"'
    assert sent.get("If-Modified-Since") == "Mon, 03 Apr 2023 01:02:03 GMT"
    assert "Vigie" in sent.get("User-Agent", "")
    assert _sql(settings, "SELECT status, http_status, bytes FROM fetches ORDER BY started_at") == [
        ("ok", 200, len(body)), ("not_modified", 304, 0)]
    assert _sql(settings, "SELECT etag, last_status FROM sources") == [('"v1"', "not_modified")]
    assert len(_items(settings, sid)) == 1


def test_dates_are_utc_and_estimates_are_marked(settings, feed_server):
    future = format_datetime(datetime.now(UTC) + timedelta(days=30))
    feed_server.routes["/t.xml"] = Route(rss([
        {"title": "Dated", "guid": "1", "description": "Dated item text here.",
         "pubDate": "Tue, 10 Jun 2025 14:30:00 +0200"},
        {"title": "Undated", "guid": "2", "description": "Undated item text here."},
        {"title": "Garbled", "guid": "3", "description": "Garbled date text.",
         "pubDate": "the day after tomorrow"},
        {"title": "Future", "guid": "4", "description": "From the future.", "pubDate": future},
    ]))
    (sid,) = add_feeds(settings, feed_server, ["/t.xml"])
    ingest_sources(settings, "r1")
    rows = {r["title"]: r for r in _items(settings, sid)}
    assert rows["Dated"]["published_at"] == datetime(2025, 6, 10, 12, 30, tzinfo=UTC)
    assert not rows["Dated"]["date_estimated"] and rows["Dated"]["date_reason"] is None
    for title, reason in [("Undated", "missing"), ("Garbled", "unparsable"), ("Future", "future")]:
        row = rows[title]
        assert row["date_estimated"] and row["date_reason"] == reason
        assert row["published_at"] == row["first_seen_at"]


def test_hostile_markup_is_stored_as_inert_text(settings, feed_server):
    evil = (
        '&lt;script&gt;alert("x")&lt;/script&gt;&lt;img src=x onerror="alert(1)"&gt;'
        "Read &lt;a href=\"javascript:alert(2)\"&gt;this&lt;/a&gt; now"
    )
    feed_server.routes["/x.xml"] = Route(rss([
        {"title": "&lt;b onmouseover=alert(3)&gt;Bold&lt;/b&gt; claim", "guid": "e1",
         "link": "javascript:alert(document.cookie)", "description": evil},
        {"title": "Twice escaped", "guid": "e2",
         "description": "&amp;lt;script&amp;gt;alert(4)&amp;lt;/script&amp;gt;text"},
    ]))
    (sid,) = add_feeds(settings, feed_server, ["/x.xml"])
    ingest_sources(settings, "r1")
    # (feedparser resolves a permalink guid against the feed URL: keep the last segment)
    rows = {r["guid"].rsplit("/", 1)[-1]: r for r in _items(settings, sid)}
    assert rows["e1"]["title"] == "Bold claim"
    assert rows["e1"]["text"] == "Read this now"
    assert rows["e1"]["url"] is None and rows["e1"]["canonical_url"] is None
    for row in rows.values():
        for value in (row["title"], row["text"]):
            assert "<" not in value and "onerror" not in value and "javascript:" not in value


def test_source_domain_comes_from_the_channel_link(settings, feed_server):
    feed_server.routes["/s.xml"] = Route(rss(
        [{"title": "Item", "guid": "1", "link": "https://www.lemonde-fr.info/x",
          "description": "Texte de l'article en français, assez long pour la langue."}],
        link="https://www.lemonde-fr.info/",
    ))
    feed_server.routes["/nolink.xml"] = Route(
        b'<rss version="2.0"><channel><title>T</title><item><title>A</title>'
        b"<description>Body text</description></item></channel></rss>")
    sid, bare = add_feeds(settings, feed_server, ["/s.xml", "/nolink.xml"])
    ingest_sources(settings, "r1")
    got = dict(_sql(settings, "SELECT source_id, registered_domain FROM sources"))
    assert got == {sid: "lemonde-fr.info", bare: "127.0.0.1"}
    (item,) = _items(settings, sid)
    assert item["domain"] == "www.lemonde-fr.info" and item["language"] == "fr"
