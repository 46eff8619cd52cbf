"""Pure helpers: canonical URLs, cleaning, identity, capped decompression, entity guard."""

from __future__ import annotations

import gzip
import zlib

import pytest

from vigie.ingest.canonical import canonical_url, domains
from vigie.ingest.clean import html_to_text
from vigie.ingest.fetch import BodyTooLarge, CappedBody
from vigie.ingest.identity import content_hash, item_id
from vigie.ingest.parse import FeedError, check_entities, parse_feed


@pytest.mark.parametrize(("raw", "canon"), [
    ("HTTPS://WWW.Example.COM:443/a?utm_source=x&b=2&a=1&fbclid=z#top",
     "https://www.example.com/a?a=1&b=2"),
    ("http://user:pw@example.org:8080", "http://example.org:8080/"),
    ("http://example.org/p?gclid=1&xtor=RSS-3&id=7", "http://example.org/p?id=7"),
    ("javascript:alert(1)", None), ("data:text/html,<b>", None), ("/relative", None), ("", None),
])
def test_canonical_url(raw, canon):
    assert canonical_url(raw) == canon


def test_domains_use_the_offline_suffix_list():
    assert domains("https://news.bbc.co.uk/x") == ("news.bbc.co.uk", "bbc.co.uk")
    assert domains("http://www.lemonde-fr.info/a") == ("www.lemonde-fr.info", "lemonde-fr.info")
    assert domains("http://127.0.0.1:8000/f") == ("127.0.0.1", "127.0.0.1")


@pytest.mark.parametrize(("html", "text"), [
    ("<p>Hello &amp; <b>wor</b>ld</p><p>next</p><script>alert(1)</script>", "Hello & world next"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;after", "after"),
    ('<img src=x onerror="alert(1)">caption', "caption"),
    ("a < b and c > d", "a < b and c > d"),
    ("Caf&eacute;\u200b  \n\t&#8230;", "Café …"),
    ("<style>p{}</style><iframe src=x>in</iframe>kept", "kept"),
])
def test_html_to_text(html, text):
    assert html_to_text(html) == text


def test_identity_is_stable_and_content_hash_normalised():
    assert content_hash("Title", "Some  text") == content_hash(" title ", "some text")
    assert content_hash("Title", "a") != content_hash("Title", "b")
    assert item_id("feed:1", "g") == item_id("feed:1", "g") != item_id("feed:2", "g")
    assert item_id("feed:1", "g").startswith("it_") and len(item_id("feed:1", "g")) == 19


def test_capped_body_stops_gzip_bomb_and_decodes_deflate():
    bomb = gzip.compress(b"\0" * (20 * 2**20))
    body = CappedBody("gzip", 2**20)
    with pytest.raises(BodyTooLarge):
        for i in range(0, len(bomb), 4096):
            body.feed(bomb[i:i + 4096])
    assert body.size <= 2**20
    for data in (zlib.compress(b"<rss/>"), zlib.compress(b"<rss/>")[2:-4]):  # zlib and raw
        ok = CappedBody("deflate", 1000)
        ok.feed(data)
        assert ok.finish() == b"<rss/>"
    sniffed = CappedBody(None, 1000)
    sniffed.feed(gzip.compress(b"<rss/>"))
    assert sniffed.finish() == b"<rss/>"
    with pytest.raises(ValueError, match="unsupported"):
        CappedBody("br", 1000)


def test_entity_guard():
    check_entities(b'<!DOCTYPE rss [<!ENTITY id "tag:example.com,">]><rss/>')  # harmless
    with pytest.raises(FeedError):
        check_entities(b'<!DOCTYPE x [<!ENTITY a "x"><!ENTITY b "&a;&a;">]><x/>')
    with pytest.raises(FeedError):
        check_entities(b'<!DOCTYPE x [<!ENTITY a "x">]>' + b" " * 70_000 + b"<x/>")


def test_json_feed_is_mapped():
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", '
            b'"home_page_url": "https://j.example.org/", "items": [{"id": "1", '
            b'"url": "https://j.example.org/1", "content_html": "<p>Hi</p>", '
            b'"date_published": "2024-05-01T10:00:00+02:00"}, "junk"]}')
    feed = parse_feed(body, {"content-type": "application/feed+json"}, "http://127.0.0.1/j")
    assert feed.bozo is None and feed.site_url == "https://j.example.org/"
    (entry,) = feed.entries
    assert entry.guid == "1" and entry.body == "<p>Hi</p>"
    assert entry.published.isoformat() == "2024-05-01T08:00:00+00:00"
    with pytest.raises(FeedError):
        parse_feed(b'{"no": "items"}', {"content-type": "application/json"}, "http://x/")
