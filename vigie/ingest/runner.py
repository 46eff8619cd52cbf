"""One ingest run: fetch due feeds concurrently, parse in worker threads, write in batches.

Each batch is one transaction holding the fetch records, the items and the source states of
the fetches in it, so a killed process leaves whole fetches or nothing; the validators
(ETag, Last-Modified) only move forward with the items they stand for, so a rerun refetches
whatever was lost. The store connection is opened per batch, never held while fetching.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vigie.config import FetchSettings, Settings
from vigie.ingest.canonical import domains
from vigie.ingest.fetch import Fetcher, FetchOutcome, FetchRequest
from vigie.ingest.parse import FeedError, parse_feed
from vigie.ingest.records import entry_rows, fill_languages
from vigie.store import Store
from vigie.store import items as items_store
from vigie.store import sources as sources_store

log = logging.getLogger(__name__)

BATCH_ITEMS = 5_000
BATCH_FETCHES = 200
BATCH_WAIT_S = 0.5


@dataclass
class Processed:
    """A finished fetch, ready to be written: attempt rows, source state, item rows."""

    source_id: str
    fetch_rows: list[dict[str, Any]]
    state: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Stats:
    sources: int = 0
    fetched_ok: int = 0
    not_modified: int = 0
    errors: int = 0
    entries: int = 0
    items_new: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    bytes: int = 0
    network_s: float = 0.0  # summed over concurrent fetches
    parse_s: float = 0.0  # parsing, cleaning, language (worker threads, summed)
    store_s: float = 0.0  # batch transactions
    wall_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for key in ("network_s", "parse_s", "store_s", "wall_s"):
            out[key] = round(out[key], 3)
        return out


def _fetch_row(attempt: Any, source_id: str, run_id: str) -> dict[str, Any]:
    return {
        "source_id": source_id, "run_id": run_id, "started_at": attempt.started_at,
        "duration_ms": round(attempt.duration_ms, 2), "status": attempt.status,
        "http_status": attempt.http_status, "final_url": attempt.final_url,
        "bytes": attempt.bytes, "entries": None, "items_new": None, "items_updated": None,
        "bozo": None, "error": attempt.error, "attempt": attempt.number,
    }


def process(outcome: FetchOutcome, run_id: str,
            max_entries: int = FetchSettings.max_entries) -> Processed:
    """Parse one fetched body into item rows (runs in a worker thread; never raises).

    A feed listing more than ``max_entries`` entries keeps the first ones, and the fetch
    records how many it dropped (status stays ``ok``: what was kept is stored)."""
    req, last = outcome.request, outcome.last
    now = datetime.now(UTC)
    rows = [_fetch_row(a, req.source_id, run_id) for a in outcome.attempts]
    final = rows[-1]
    state: dict[str, Any] = {"source_id": req.source_id, "fetched_at": now, "feed_title": None,
                             "site_url": None, "domain": None, "registered_domain": None,
                             "etag": outcome.headers.get("etag"),
                             "last_modified": outcome.headers.get("last-modified")}
    items: list[dict[str, Any]] = []
    if last.status == "ok":
        try:
            parsed = parse_feed(outcome.body or b"", outcome.headers, last.final_url or req.url)
            items = entry_rows(req.source_id, parsed.entries[:max_entries], now)
            fill_languages(items)
        except FeedError as exc:
            final.update(status="error", error=str(exc)[:500])
        except Exception as exc:  # noqa: BLE001 - a hostile body must not stop the run
            log.exception("parser failure on %s", req.url)
            final.update(status="error", error=f"parser failure: {type(exc).__name__}: {exc}"[:500])
        else:
            final.update(entries=len(parsed.entries), bozo=parsed.bozo)
            if len(parsed.entries) > max_entries:
                final.update(error=f"the feed lists {len(parsed.entries):,} entries: kept the "
                                   f"first {max_entries:,} (fetch.max_entries)")
            # A source's domain: its site link when the feed gives one, else the feed URL.
            domain, registered = domains(parsed.site_url or last.final_url or req.url)
            state.update(feed_title=parsed.title[:300] or None, site_url=parsed.site_url,
                         domain=domain, registered_domain=registered)
    state.update(ok=final["status"] != "error", last_status=final["status"],
                 last_error=final["error"])
    return Processed(req.source_id, rows, state, items)


class BatchWriter:
    """Background thread writing processed fetches, many per transaction."""

    def __init__(self, store: Store, settings: Settings, stats: Stats) -> None:
        self.store = store
        self.fs = settings.fetch
        self.stats = stats
        self.queue: queue.Queue[Processed | None] = queue.Queue(maxsize=256)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, name="vigie-ingest-writer", daemon=True)
        self.thread.start()

    def put(self, item: Processed) -> None:
        self.queue.put(item)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _loop(self) -> None:
        """Write a batch when it is big enough or its oldest fetch waited BATCH_WAIT_S."""
        pending: list[Processed] = []
        n_items = 0
        oldest = 0.0
        done = False
        while not done:
            wait = BATCH_WAIT_S - (time.monotonic() - oldest) if pending else BATCH_WAIT_S
            try:
                got = self.queue.get(timeout=max(wait, 0.001))
            except queue.Empty:
                got = False
            if got is None:
                done = True
            elif got:
                if not pending:
                    oldest = time.monotonic()
                pending.append(got)
                n_items += len(got.rows)
                full = n_items >= BATCH_ITEMS or len(pending) >= BATCH_FETCHES
                if not full and time.monotonic() - oldest < BATCH_WAIT_S:
                    continue
            if pending:
                try:
                    self._flush(pending)
                except BaseException as exc:  # noqa: BLE001 - surfaced by close()
                    self.error = exc
                pending, n_items = [], 0

    def _flush(self, batch: list[Processed]) -> None:
        t0 = time.perf_counter()
        try:
            self._write(batch)
        except Exception as exc:  # noqa: BLE001 - isolate the fetch that breaks the batch
            if len(batch) == 1:
                log.exception("store write failed for %s", batch[0].source_id)
                self._write_failure(batch[0], exc)
            else:
                for one in batch:
                    self._flush([one])
        self.stats.store_s += time.perf_counter() - t0

    def _write(self, batch: list[Processed]) -> None:
        rows = [r for p in batch for r in p.rows]
        with self.store.transaction() as con:
            counts = items_store.upsert_items(con, rows, batch[-1].state["fetched_at"])
            fetch_rows = []
            for p in batch:
                c = counts.get(p.source_id, {})
                if p.fetch_rows[-1]["status"] != "error":
                    p.fetch_rows[-1].update(items_new=c.get("new", 0),
                                            items_updated=c.get("updated", 0))
                fetch_rows.extend(p.fetch_rows)
            sources_store.record_fetches(
                con, fetch_rows, [p.state for p in batch],
                backoff_s=self.fs.failure_backoff_s, max_backoff_s=self.fs.max_failure_backoff_s,
            )
        for p in batch:
            self._count(p, counts.get(p.source_id, {}))

    def _write_failure(self, p: Processed, exc: Exception) -> None:
        """The items of ``p`` could not be stored: record the fetch as failed instead."""
        p.fetch_rows[-1].update(status="error", error=f"store error: {exc}"[:500])
        p.state.update(ok=False, last_status="error", last_error=p.fetch_rows[-1]["error"])
        p.rows = []
        with self.store.transaction() as con:
            sources_store.record_fetches(
                con, p.fetch_rows, [p.state],
                backoff_s=self.fs.failure_backoff_s, max_backoff_s=self.fs.max_failure_backoff_s,
            )
        self._count(p, {})

    def _count(self, p: Processed, counts: dict[str, int]) -> None:
        s, final = self.stats, p.fetch_rows[-1]
        if final["status"] == "ok":
            s.fetched_ok += 1
        elif final["status"] == "not_modified":
            s.not_modified += 1
        else:
            s.errors += 1
        s.entries += final["entries"] or 0
        s.bytes += sum(r["bytes"] or 0 for r in p.fetch_rows)
        s.items_new += counts.get("new", 0)
        s.items_updated += counts.get("updated", 0)
        s.items_unchanged += counts.get("unchanged", 0)


async def _run(settings: Settings, run_id: str, due: list[dict[str, Any]], stats: Stats) -> None:
    store = settings.store()
    fetcher = Fetcher(settings.fetch)
    writer = BatchWriter(store, settings, stats)
    loop = asyncio.get_running_loop()
    # Bounds the bodies held in memory between fetching and writing.
    inflight = asyncio.Semaphore(max(2, 2 * settings.fetch.concurrency))
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="vigie-parse")

    def timed_process(outcome: FetchOutcome) -> Processed:
        t0 = time.perf_counter()
        try:
            return process(outcome, run_id, settings.fetch.max_entries)
        finally:
            stats.parse_s += time.perf_counter() - t0

    async def one(client: Any, src: dict[str, Any]) -> None:
        req = FetchRequest(src["source_id"], src["url"], src.get("etag"), src.get("last_modified"))
        async with inflight:
            outcome = await fetcher.fetch(client, req)
            stats.network_s += outcome.network_s
            processed = await loop.run_in_executor(pool, timed_process, outcome)
            await loop.run_in_executor(None, writer.put, processed)

    try:
        async with fetcher.client() as client:
            await asyncio.gather(*(one(client, src) for src in due))
    finally:
        pool.shutdown(wait=True)
        await loop.run_in_executor(None, writer.close)


def _run_coroutine(coro: Any) -> None:
    """``asyncio.run``, also when called from a thread that already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            failure.append(exc)

    thread = threading.Thread(target=target, name="vigie-ingest")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def ingest(
    settings: Settings,
    run_id: str,
    *,
    source_ids: list[str] | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Fetch every due feed source (or ``source_ids``; ``force`` ignores back-off) and store
    its new and changed items. Returns the run's figures."""
    t0 = time.perf_counter()
    store = settings.store()
    with store.connect() as con:
        due = sources_store.due_feeds(con, datetime.now(UTC), source_ids=source_ids, force=force)
    stats = Stats(sources=len(due))
    if due:
        _run_coroutine(_run(settings, run_id, due, stats))
    stats.wall_s = time.perf_counter() - t0
    return stats.as_dict()
