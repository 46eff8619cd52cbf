"""Test helpers of the ingest tests: a real HTTP server on 127.0.0.1 whose routes tests define
(feeds, faults, conditional GET), source registration and a small RSS writer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vigie.config import Settings
from vigie.ingest.registry import feed_source, register_feeds


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Custom behaviour: called with the request handler, writes the whole response itself.
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        path = self.path.split("?")[0]
        self.server.log.append((path, dict(self.headers.items())))
        route = self.server.routes.get(path)
        if route is None:
            route = Route(b"not found", 404)
        if route.handler is not None:
            route.handler(self)
            return
        etag = route.headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(route.status)
        for key, value in route.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        self.wfile.write(route.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # the default backlog of 5 drops SYNs under concurrent fetches

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, dict[str, str]]] = []


class FeedServer:
    """``routes[path] = Route(...)``; ``url(path)``; ``log`` of (path, request headers)."""

    def __init__(self, port: int = 0) -> None:
        self._server = _Server(port)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def routes(self) -> dict[str, Route]:
        return self._server.routes

    @property
    def log(self) -> list[tuple[str, dict[str, str]]]:
        return self._server.log

    def url(self, path: str) -> str:
        return self.base_url + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()



def add_feeds(settings: Settings, server: FeedServer, paths: list[str], **kw: Any) -> list[str]:
    """Register ``paths`` of ``server`` as feed sources; returns their source ids."""
    rows = [feed_source(server.url(p), **kw) for p in paths]
    register_feeds(settings, rows)
    return [r["source_id"] for r in rows]


def rss(
    items: list[dict[str, str]], *, title: str = "Feed", link: str = "https://news.example.org/"
) -> bytes:
    """A small RSS 2.0 document; item keys: title, link, guid, description, pubDate."""
    parts = []
    for it in items:
        fields = "".join(f"<{k}>{v}</{k}>" for k, v in it.items() if v is not None)
        parts.append(f"<item>{fields}</item>")
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{link}</link>{''.join(parts)}</channel></rss>"
    ).encode()
