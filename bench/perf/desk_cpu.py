"""The review desk's CPU per request, one request at a time, against the real server process.

Latency on shared cores says as much about the other processes as about the desk; the CPU the
desk process spends per request (``psutil``, all its threads, DuckDB's included) does not.
On a copy of an analysed store (case summaries built, reviewers seeded as in
``review_load``), one client logs in, opens its case once, then times ``--requests`` queue
pages, repeated views of that case page, decision posts and account pages, each kind in a
block, and reports the desk's CPU and the wall time per request of each kind.

    python -m bench.perf.desk_cpu --store DIR [--requests 100]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from bench.perf.review_load import (
    _CASE,
    _CSRF,
    HOST,
    PASSWORD,
    _free_port,
    _wait_ready,
    seeded_copy,
)


def run(store: Path, requests: int = 100) -> dict:
    with seeded_copy(store, 2, "vigie-perf-desk-cpu-") as copy:
        return _run(copy.work, copy.seeded["reviewers"][0], requests)


def _run(work: Path, rid: str, requests: int) -> dict:
    server = None
    try:
        port = _free_port()
        # no pre-rendering thread: it would spend CPU in the blocks measured
        server = subprocess.Popen([sys.executable, "-m", "bench.perf.review_load", "--serve",
                                   str(work), "--port", str(port), "--no-warm"],
                                  cwd=Path(__file__).resolve().parents[2])
        base = f"http://{HOST}:{port}"
        _wait_ready(base, server)
        desk = psutil.Process(server.pid)
        rows: dict[str, dict] = {}
        with httpx.Client(base_url=base, timeout=60) as client:
            token = _CSRF.search(client.get("/login").text).group(1)
            client.post("/login", data={"login": rid, "password": PASSWORD,
                                        "csrf_token": token})
            nid = _CASE.findall(client.get("/cases/mine").text)[0]
            token = _CSRF.search(client.get(f"/cases/{nid}").text).group(1)

            def block(kind: str, call: Callable[[], httpx.Response]) -> None:
                before, start = desk.cpu_times(), time.perf_counter()
                for _ in range(requests):
                    call()
                wall = time.perf_counter() - start
                after = desk.cpu_times()
                cpu = (after.user + after.system) - (before.user + before.system)
                rows[kind] = {"desk_cpu_ms": round(cpu / requests * 1000, 2),
                              "wall_ms": round(wall / requests * 1000, 2)}

            load_before = os.getloadavg()
            block("queue", lambda: client.get("/cases/mine"))
            block("case (repeated view)", lambda: client.get(f"/cases/{nid}"))
            block("decision", lambda: client.post(f"/cases/{nid}/decisions", data={
                "verdict": "needs_info", "summary": "desk cpu", "confidence": "50",
                "csrf_token": token}))
            block("account", lambda: client.get("/account"))
            load_after = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    return {"requests_each": requests, "per_request": rows,
            "load_average": {"before": [round(x, 2) for x in load_before],
                             "after": [round(x, 2) for x in load_after]}}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args(argv)
    result = run(args.store, args.requests)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
