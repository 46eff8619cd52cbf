"""Latency of the review desk seen from inside it, for ``bench.perf.review_load``.

The benchmark's desk (not the product) is wrapped in :class:`Timed`, which writes when each
request reached the app and when its response ended. :func:`inside_desk` reads that back:
the desk's own share of each latency per request kind, the first round apart, and what the
first round cost the desk per request when every reviewer arrived at once.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("queue", "case", "decision")  # the requests each simulated reviewer repeats
TIMES_FILE = "desk-request-times.jsonl"  # in the desk's data folder


def percentiles(values: list[float]) -> dict:
    """n, p50, p95, p99 and max of latencies in ms (``{"n": 0}`` when there are none)."""
    if not values:
        return {"n": 0}
    a = np.asarray(values)
    return {"n": len(values), "p50_ms": round(float(np.percentile(a, 50)), 1),
            "p95_ms": round(float(np.percentile(a, 95)), 1),
            "p99_ms": round(float(np.percentile(a, 99)), 1),
            "max_ms": round(float(a.max()), 1)}


class Timed:
    """ASGI wrapper of the benchmark's desk (not of the product): when each request reached
    the app and when its response ended, one JSON line each (``time.perf_counter``), so the
    time spent inside the desk is told apart from the client's and loopback's."""

    def __init__(self, app: Any, path: Path) -> None:
        self.app = app
        self.out = path.open("a", buffering=1)  # line-buffered: complete when killed

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.out.write(json.dumps([scope["method"], scope["path"], start,
                                       time.perf_counter()]) + "\n")


def request_kind(method: str, path: str) -> str | None:
    if path == "/cases/mine":
        return "queue"
    if path.startswith("/cases/N-"):
        return "decision" if method == "POST" and path.endswith("/decisions") else (
            "case" if method == "GET" else None)
    return None


def inside_desk(path: Path, reviewers: int) -> dict:
    """Latency inside the desk (arrival at the app to the end of the response) per kind; the
    first round is the first ``reviewers`` requests of each kind to arrive. Also how long
    the first round's requests took from the first arrival to the last response, in all and
    per request: when they arrive together, that is what the desk needs for each."""
    rows = []
    for line in path.read_text().splitlines() if path.is_file() else []:
        try:
            method, url, start, end = json.loads(line)
        except ValueError:  # a line cut short when the desk was stopped
            continue
        kind = request_kind(method, url)
        if kind is not None:
            rows.append((start, end, kind))
    rows.sort()
    first: dict[str, list[tuple[float, float]]] = {k: [] for k in KINDS}
    later: dict[str, list[float]] = {k: [] for k in KINDS}
    for start, end, kind in rows:
        if len(first[kind]) < reviewers:
            first[kind].append((start, end))
        else:
            later[kind].append((end - start) * 1000)
    spans = [t for k in KINDS for t in first[k]]
    span_ms = (max(e for _, e in spans) - min(s for s, _ in spans)) * 1000 if spans else None
    return {
        "first_round": {k: percentiles([(e - s) * 1000 for s, e in v]) for k, v in first.items()},
        "later_rounds": {k: percentiles(v) for k, v in later.items()},
        "first_round_requests": len(spans),
        "first_round_span_ms": round(span_ms, 1) if span_ms is not None else None,
        "first_round_ms_per_request": round(span_ms / len(spans), 2) if spans else None,
    }
