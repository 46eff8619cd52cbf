"""Ingest benchmark: 1,000 feeds x 50 items served from loopback, one ingest run.

Reports feeds/s, items/s, peak memory and the split of time between network, parsing
(feedparser, cleaning, language) and the store, as a Markdown table, and writes
bench/results/ingest.json. A second run shows the cost of a pass where every feed answers
304 Not Modified. The feed server runs in its own process (8 loopback addresses, so the
per-host limit applies as it would to many sites) to keep it off the measured process.

    .venv/bin/python bench/ingest.py [--feeds 1000] [--items 50]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOSTS = [f"127.0.0.{i}" for i in range(1, 9)]
WORDS_FR = (
    "le la les un une des et en du au pour dans sur avec par ministre gouvernement "
    "crise frontière port accord élection sécurité armée réfugiés aide sommet "
    "président ambassade manifestation économie énergie sanctions déclaration réseau"
)
WORDS_EN = (
    "the a of and to in for on with by minister government crisis border port deal "
    "election security army refugees aid summit president embassy protest economy "
    "energy sanctions statement network officials said"
)


def make_feed(n: int, items: int) -> bytes:
    rnd = random.Random(n)
    words = (WORDS_FR if n % 2 else WORDS_EN).split()
    base = datetime(2025, 6, 1, tzinfo=UTC)
    parts = []
    for i in range(items):
        title = " ".join(rnd.choice(words) for _ in range(9)).capitalize()
        text = " ".join(rnd.choice(words) for _ in range(90))
        when = format_datetime(base + timedelta(minutes=n * 7 + i * 13))
        parts.append(
            f"<item><title>{title}</title><link>https://site{n}.example.org/a/{i}?utm_source=rss"
            f"</link><guid>site{n}-{i}</guid><pubDate>{when}</pubDate>"
            f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
        )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Site {n}</title><link>https://site{n}.example.org/</link>"
            f"{''.join(parts)}</channel></rss>").encode()


def serve(feeds: int, items: int, port: int, ready: mp.Event) -> None:  # server process
    bodies = {f"/feed/{n}.xml": make_feed(n, items) for n in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            etag = f'"{len(body)}-{self.path}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024

    for host in HOSTS:
        server = Server((host, port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    threading.Event().wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).parent / "results" / "ingest.json")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import psutil

    from vigie.config import load_settings
    from vigie.ingest.registry import feed_source, register_feeds
    from vigie.ingest.runner import ingest  # flows.ingest.ingest_sources without Prefect

    port = _free_port()
    spawn = mp.get_context("spawn")
    ready = spawn.Event()
    server = spawn.Process(target=serve, args=(args.feeds, args.items, port, ready), daemon=True)
    server.start()
    ready.wait(120)
    data = Path(tempfile.mkdtemp(prefix="vigie-bench-ingest-"))
    try:
        settings = load_settings(data_dir=data)
        register_feeds(settings, [
            feed_source(f"http://{HOSTS[n % len(HOSTS)]}:{port}/feed/{n}.xml")
            for n in range(args.feeds)
        ])
        proc = psutil.Process()
        base_rss = proc.memory_info().rss
        peak = [base_rss]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], proc.memory_info().rss)

        threading.Thread(target=sample, daemon=True).start()
        first = ingest(settings, "bench-1")
        second = ingest(settings, "bench-2")  # every feed answers 304
        done.set()
        with settings.store().connect() as con:
            stored = con.execute("SELECT count(*) FROM items").fetchall()[0][0]
    finally:
        server.kill()
        shutil.rmtree(data, ignore_errors=True)

    def row(name: str, s: dict) -> dict:
        wall = s["wall_s"]
        return {"run": name, "feeds": s["sources"], "ok": s["fetched_ok"],
                "not_modified": s["not_modified"], "errors": s["errors"],
                "items_new": s["items_new"], "wall_s": wall,
                "feeds_per_s": round(s["sources"] / wall, 1),
                "items_per_s": round(s["items_new"] / wall, 1),
                "network_s": s["network_s"], "parse_s": s["parse_s"], "store_s": s["store_s"]}

    rows = [row("first pass (200)", first), row("second pass (304)", second)]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "feeds": args.feeds, "items_per_feed": args.items,
        "items_stored": stored, "peak_rss_mb": round(peak[0] / 2**20, 1),
        "rss_growth_mb": round((peak[0] - base_rss) / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "settings": {"concurrency": settings.fetch.concurrency, "per_host": settings.fetch.per_host,
                     "hosts": len(HOSTS)},
        "runs": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"Ingest benchmark: {args.feeds} feeds x {args.items} items, {os.cpu_count()} CPUs, "
          f"concurrency {settings.fetch.concurrency}, per host {settings.fetch.per_host}, "
          f"{len(HOSTS)} loopback hosts\n")
    print("| run | feeds | ok / 304 / errors | items new | wall s | feeds/s | items/s "
          "| network s* | parse s* | store s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['run']} | {r['feeds']} | {r['ok']} / {r['not_modified']} / {r['errors']} "
              f"| {r['items_new']} | {r['wall_s']:.1f} | {r['feeds_per_s']} | {r['items_per_s']} "
              f"| {r['network_s']:.1f} | {r['parse_s']:.1f} | {r['store_s']:.1f} |")
    print(f"\nPeak RSS {result['peak_rss_mb']} MB (growth {result['rss_growth_mb']} MB during the "
          f"runs); {stored} items stored.\n*network s and parse s are summed over concurrent "
          "fetches / the 2 parser threads, so they can exceed the wall time.")


if __name__ == "__main__":
    main()
