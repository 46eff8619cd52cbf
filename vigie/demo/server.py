"""Serve a generated demo site over loopback HTTP, like a set of real news sites.

A threaded ``http.server`` with quiet logs that answers conditional requests: ``Last-Modified`` /
``If-Modified-Since`` and ``ETag`` / ``If-None-Match`` give ``304 Not Modified``, so the ingest
stage exercises the same conditional GET it uses on the open web.
"""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote

from vigie.demo.manifest import DemoManifest, DemoSource

_TYPES = {".xml": "application/xml; charset=utf-8", ".json": "application/json; charset=utf-8"}


class _Handler(BaseHTTPRequestHandler):
    root: Path  # set on the subclass made per server
    server_version = "VigieDemo/1"

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._respond(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(body=False)

    def _respond(self, body: bool) -> None:
        path = self._resolve()
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        data = path.read_bytes()
        mtime = int(path.stat().st_mtime)
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        if self._not_modified(etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", _TYPES.get(path.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
        self.send_header("ETag", etag)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _resolve(self) -> Path | None:
        """The requested file inside the root, or None (no escaping the root, no listings)."""
        rel = unquote(self.path.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
        try:
            path = (self.root / rel).resolve()
            path.relative_to(self.root)
        except (ValueError, OSError):
            return None
        return path if path.is_file() else None

    def _not_modified(self, etag: str, mtime: int) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110: If-None-Match takes precedence over If-Modified-Since
            return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims is None:
            return False
        try:
            return mtime <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet: the demo prints its own summary


class DemoServer:
    """Context manager serving ``root`` on ``http://host:port`` from a background thread.

    ``port=0`` picks a free port; ``vigie demo`` passes a fixed one so that source URLs (and thus
    source ids) stay the same from one run to the next.
    """

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root).resolve()
        self.host = host
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("DemoServer is not running")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> DemoServer:
        handler = type("DemoHandler", (_Handler,), {"root": self.root})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        # A short poll interval keeps stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="vigie-demo-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def feed_urls(self, manifest: DemoManifest) -> list[tuple[str, DemoSource]]:
        """``(feed URL, source)`` for every source of the manifest."""
        return [(f"{self.base_url}/{src.feed_path}", src) for src in manifest.sources]

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
