"""Fetch feeds over HTTP: conditional GET, capped streaming, deadlines, retries, per-host limits.

Bodies are read raw and decompressed here (not by httpx) so the size cap applies to the
decompressed bytes as they are produced: a gzip bomb stops at the cap, never in memory whole.
"""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from vigie.config import FetchSettings

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
NOT_RETRIED_5XX = {501, 505}  # "not implemented" will not change by asking again


class BodyTooLarge(Exception):
    pass


@dataclass
class FetchRequest:
    source_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Attempt:
    number: int
    started_at: datetime
    duration_ms: float
    status: str  # ok | not_modified | error
    http_status: int | None = None
    final_url: str | None = None
    bytes: int = 0
    error: str | None = None
    transient: bool = False


@dataclass
class FetchOutcome:
    request: FetchRequest
    attempts: list[Attempt] = field(default_factory=list)
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def last(self) -> Attempt:
        return self.attempts[-1]

    @property
    def network_s(self) -> float:
        return sum(a.duration_ms for a in self.attempts) / 1000


class _Inflater:
    """One decompression stage with an output cap (gzip, zlib-wrapped or raw deflate)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self.obj = zlib.decompressobj(wbits)
        self.started = False

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            out = self.obj.decompress(data, room + 1)
        except zlib.error:
            if self.encoding != "deflate" or self.started:
                raise
            # Some servers send raw deflate streams without the zlib wrapper.
            self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self.obj.decompress(data, room + 1)
        self.started = True
        if len(out) > room:
            raise BodyTooLarge
        return out


class CappedBody:
    """Accumulates a response body, decoding Content-Encoding, never beyond ``cap`` bytes."""

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        self.cap = cap
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            raise ValueError(f"unsupported Content-Encoding: {', '.join(unknown)}")
        self.stages = [_Inflater(c) for c in reversed(codings)]
        self.parts: list[bytes] = []
        self.size = 0
        self.raw = 0

    def feed(self, data: bytes) -> None:
        self.raw += len(data)
        if self.raw > self.cap:
            raise BodyTooLarge
        for stage in self.stages:
            data = stage.feed(data, self.cap - self.size)
        self.size += len(data)
        if self.size > self.cap:
            raise BodyTooLarge
        if data:
            self.parts.append(data)

    def finish(self) -> bytes:
        body = b"".join(self.parts)
        self.parts = []
        if body[:2] == b"\x1f\x8b":  # a .gz file served without Content-Encoding
            stage = _Inflater("gzip")
            body = stage.feed(body, self.cap)
        return body


def _error_text(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


class Fetcher:
    """Fetches many feeds concurrently, a few per host, with retries for transient errors."""

    def __init__(self, fs: FetchSettings) -> None:
        self.fs = fs
        self._global = asyncio.Semaphore(max(1, fs.concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def client(self) -> httpx.AsyncClient:
        """The HTTP client to pass to :meth:`fetch` (use as an async context manager)."""
        fs = self.fs
        return httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=fs.max_redirects,
            timeout=httpx.Timeout(fs.total_timeout_s, connect=fs.connect_timeout_s),
            limits=httpx.Limits(max_connections=fs.concurrency,
                                max_keepalive_connections=fs.concurrency),
            headers={"User-Agent": fs.user_agent, "Accept": ACCEPT,
                     "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # never route monitored sources through an ambient proxy
        )

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(max(1, self.fs.per_host))
        return self._hosts[host]

    async def run(
        self,
        requests: Sequence[FetchRequest],
        handle: Callable[[FetchOutcome], Awaitable[None]],
    ) -> None:
        """Fetch every request; ``handle`` is awaited with each outcome as it completes."""
        async with self.client() as client:

            async def one(req: FetchRequest) -> None:
                await handle(await self.fetch(client, req))

            await asyncio.gather(*(one(r) for r in requests))

    async def fetch(self, client: httpx.AsyncClient, req: FetchRequest) -> FetchOutcome:
        outcome = FetchOutcome(req)
        for number in range(1, self.fs.retries + 2):
            async with self._host_limit(req.url), self._global:
                attempt, body, headers = await self._attempt(client, req, number)
            outcome.attempts.append(attempt)
            if not (attempt.status == "error" and attempt.transient):
                outcome.body, outcome.headers = body, headers
                break
            if number <= self.fs.retries:  # exponential backoff with jitter, slots released
                await asyncio.sleep(self.fs.backoff_s * 2 ** (number - 1) * (0.5 + random.random()))
        return outcome

    async def _attempt(
        self, client: httpx.AsyncClient, req: FetchRequest, number: int
    ) -> tuple[Attempt, bytes | None, dict[str, str]]:
        fs = self.fs
        started_at = datetime.now(UTC)
        t0 = time.perf_counter()
        attempt = Attempt(number, started_at, 0.0, "error")
        body: bytes | None = None
        headers: dict[str, str] = {}
        conditional = {}
        if req.etag:
            conditional["If-None-Match"] = req.etag
        if req.last_modified:
            conditional["If-Modified-Since"] = req.last_modified
        try:
            async with asyncio.timeout(fs.total_timeout_s), client.stream(
                "GET", req.url, headers=conditional
            ) as resp:
                attempt.http_status = resp.status_code
                attempt.final_url = str(resp.url)
                headers = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code == 304:
                    attempt.status = "not_modified"
                elif resp.status_code >= 400 or not 200 <= resp.status_code < 300:
                    attempt.error = f"HTTP {resp.status_code} {resp.reason_phrase}".strip()
                    attempt.transient = (
                        resp.status_code >= 500 and resp.status_code not in NOT_RETRIED_5XX
                    )
                else:
                    capped = CappedBody(headers.get("content-encoding"), fs.max_bytes)
                    async for chunk in resp.aiter_raw():
                        capped.feed(chunk)
                    body = capped.finish()
                    attempt.bytes = len(body)
                    attempt.status = "ok"
        except TimeoutError:
            attempt.error = f"timeout: no complete response within {fs.total_timeout_s:g} s"
            attempt.transient = True
        except httpx.TimeoutException as exc:
            attempt.error = f"timeout ({type(exc).__name__})"
            attempt.transient = True
        except httpx.TooManyRedirects:
            attempt.error = f"too many redirects (more than {fs.max_redirects})"
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            attempt.error = _error_text(exc)
            attempt.transient = True
        except BodyTooLarge:
            attempt.error = f"body larger than {fs.max_bytes} bytes (decompressed): stopped"
        except zlib.error as exc:
            attempt.error = f"corrupt compressed body: {exc}"
        except (httpx.HTTPError, ValueError) as exc:  # bad URL, unsupported scheme or encoding
            attempt.error = _error_text(exc)
        if attempt.status == "error":
            body = None
        attempt.duration_ms = (time.perf_counter() - t0) * 1000
        return attempt, body, headers
