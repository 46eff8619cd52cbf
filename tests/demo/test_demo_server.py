"""The loopback server: real HTTP, conditional GET, nothing outside the site folder."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest

from vigie.demo import DemoServer


@pytest.fixture(scope="module")
def server(demo_site):
    root, _ = demo_site
    with DemoServer(root) as srv:
        yield srv


def test_serves_every_feed(server, demo_site):
    root, manifest = demo_site
    urls = server.feed_urls(manifest)
    assert len(urls) == len(manifest.sources)
    assert server.base_url.startswith("http://127.0.0.1:")
    with httpx.Client() as client:
        for url, src in urls:
            resp = client.get(url)
            assert resp.status_code == 200, url
            assert resp.content == (root / src.feed_path).read_bytes()
            assert resp.headers["content-type"].startswith("application/xml")
            assert not feedparser.parse(resp.content).bozo
        assert client.get(f"{server.base_url}/manifest.json").json()["last_day"] == "2026-11-25"


def test_conditional_get_answers_304(server, demo_site):
    _, manifest = demo_site
    url, _ = server.feed_urls(manifest)[0]
    first = httpx.get(url)
    last_modified, etag = first.headers["last-modified"], first.headers["etag"]
    assert last_modified.endswith("GMT") and etag.startswith('"')
    by_date = httpx.get(url, headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304 and by_date.content == b""
    by_etag = httpx.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304
    stale = httpx.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert stale.status_code == 200 and stale.content == first.content
    other_etag = httpx.get(url, headers={"If-None-Match": '"something-else"'})
    assert other_etag.status_code == 200
    garbage = httpx.get(url, headers={"If-Modified-Since": "not a date"})
    assert garbage.status_code == 200


def test_nothing_outside_the_site(server, demo_site, tmp_path_factory):
    root, _ = demo_site
    (root.parent / "secret.txt").write_text("no")
    netloc = urlsplit(server.base_url).netloc
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/", "/missing.xml", "/courrier-rhone"):
        conn = http.client.HTTPConnection(netloc, timeout=5)
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 404, path
        assert resp.read() != b"no"
        conn.close()


def test_fixed_port_and_restart(demo_site):
    root, _ = demo_site
    with DemoServer(root) as first:
        port = int(first.base_url.rsplit(":", 1)[1])
    with DemoServer(root, port=port) as again:  # the port is free again after stop()
        assert again.base_url.endswith(f":{port}")
        assert httpx.get(f"{again.base_url}/manifest.json").status_code == 200
    with pytest.raises(RuntimeError):
        _ = again.base_url
