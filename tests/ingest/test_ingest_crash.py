"""Crash safety: SIGKILL the ingest process in the middle of a run, then run again.
No duplicate item, no lost item, no half-written batch (every stored item is accounted for
by a committed fetch record of its source, and the other way round)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ingest_helpers import FeedServer, Route, rss

from vigie.config import load_settings
from vigie.ingest.registry import feed_source, register_feeds

N_FEEDS, N_ITEMS = 120, 40
CHILD = """
import sys
from vigie.config import load_settings
from vigie.ingest.runner import ingest   # what flows.ingest.ingest_sources runs, sans Prefect
s = load_settings(data_dir=sys.argv[1])
s.fetch.total_timeout_s = float(sys.argv[2])
s.fetch.retries = 0
s.fetch.per_host = 8
print(ingest(s, sys.argv[3], force=True), flush=True)
"""
REPO = Path(__file__).resolve().parents[2]


def _drip(h) -> None:  # a source that keeps the run open until its deadline
    h.send_response(200)
    h.send_header("Content-Length", "100000")
    h.end_headers()
    try:
        h.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
        for _ in range(300):
            time.sleep(0.1)
            h.wfile.write(b" ")
            h.wfile.flush()
    except OSError:
        pass


def _start(data_dir: Path, timeout_s: float, run_id: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), str(timeout_s), run_id],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_requests(server: FeedServer, count: int, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while len(server.log) < count:
        assert time.monotonic() < deadline, f"only {len(server.log)} requests arrived"
        time.sleep(0.02)


def _consistency(data_dir: Path) -> tuple[dict[str, int], int, int]:
    settings = load_settings(data_dir=data_dir)
    with settings.store().connect() as con:
        items = dict(con.execute("SELECT source_id, count(*) FROM items GROUP BY 1").fetchall())
        accounted = dict(con.execute(
            "SELECT source_id, sum(items_new) FROM fetches WHERE status = 'ok' GROUP BY 1"
        ).fetchall())
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT (source_id, guid)) FROM items").fetchall()[0]
    for sid, n in items.items():
        assert accounted.get(sid) == n, f"{sid}: {n} items, fetch log accounts for {accounted}"
    for sid, n in accounted.items():
        assert items.get(sid, 0) == n
    return items, total, distinct


def test_sigkill_mid_run_then_rerun(tmp_path):
    server = FeedServer()
    rows = []
    for f in range(N_FEEDS):
        server.routes[f"/f{f}.xml"] = Route(rss([
            {"title": f"Feed {f} story {i}", "guid": f"f{f}-{i}",
             "description": f"Body of story {i} from feed {f}, long enough to read."}
            for i in range(N_ITEMS)]))
        rows.append(feed_source(server.url(f"/f{f}.xml")))
    server.routes["/slow.xml"] = Route(handler=_drip)
    rows.append(feed_source(server.url("/slow.xml")))
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir)
    register_feeds(settings, rows)
    try:
        # 1: killed while the first feeds are being fetched and written.
        child = _start(data_dir, 30, "killed-early")
        _wait_for_requests(server, 40)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        early, _, _ = _consistency(data_dir)
        # 2: killed later, once every fast feed was served (some batches committed, the slow
        # source still holding the run open).
        server.log.clear()
        child = _start(data_dir, 30, "killed-late")
        _wait_for_requests(server, N_FEEDS + 1)
        time.sleep(2.0)  # batches are written at least every 0.5 s
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        assert child.returncode == -signal.SIGKILL
        late, _, _ = _consistency(data_dir)
        assert sum(late.values()) > 0 and sum(late.values()) >= sum(early.values())
        with settings.store().connect() as con:  # the slow source's fetch never committed
            assert con.execute("SELECT count(*) FROM fetches WHERE source_id = ?",
                               [rows[-1]["source_id"]]).fetchall() == [(0,)]
        # 3: a full run recovers everything, without duplicates.
        child = _start(data_dir, 2, "recovery")
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()[-2000:]
        items, total, distinct = _consistency(data_dir)
    finally:
        server.close()
    assert total == distinct == N_FEEDS * N_ITEMS
    assert len(items) == N_FEEDS and set(items.values()) == {N_ITEMS}
