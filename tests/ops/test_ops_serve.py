"""``vigie serve`` for real: Prefect server, scheduled ingests of a loopback feed, review desk,
and a clean stop on SIGINT with no process left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psutil
import pytest

from flows.deployments import build_deployments
from vigie.config import load_settings

VIGIE = str(Path(sys.executable).parent / "vigie")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _feed() -> bytes:
    now = datetime.now(UTC)
    entries = "".join(
        f"<item><title>Story {k}</title><link>https://news.example.org/{k}</link>"
        f"<guid>https://news.example.org/{k}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(hours=k))}</pubDate>"
        f"<description>Text of story number {k} about the harbour.</description></item>"
        for k in range(3))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback news</title>'
            f"<link>https://news.example.org/</link><description>t</description>{entries}"
            "</channel></rss>").encode()


class _Feed(BaseHTTPRequestHandler):
    hits: list[float] = []
    body = _feed()

    def do_GET(self):  # noqa: N802 - http.server hook name
        type(self).hits.append(time.monotonic())
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_deployments_are_scheduled_one_at_a_time():
    settings = load_settings()
    settings.serve.monitor_interval_s, settings.digest.hour = 600, 6
    monitor, digest = build_deployments(settings)
    assert monitor.name == "monitor" and digest.name == "daily-digest"
    assert monitor.schedules[0].schedule.interval == timedelta(seconds=600)
    cron = digest.schedules[0].schedule
    assert (cron.cron, cron.timezone) == ("0 6 * * *", "Europe/Paris")
    assert digest.parameters == {"previous_day": True}
    for dep in (monitor, digest):
        assert dep.concurrency_limit == 1
        assert dep.concurrency_options.collision_strategy.value == "CANCEL_NEW"


@pytest.mark.slow
def test_serve_runs_scheduled_ingests_and_stops_cleanly(tmp_path):
    feed_server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    threading.Thread(target=feed_server.serve_forever, daemon=True).start()
    feed_url = f"http://127.0.0.1:{feed_server.server_address[1]}/feed.xml"
    prefect_port, web_port = _free_port(), _free_port()
    data = tmp_path / "data"
    config = tmp_path / "vigie.toml"
    config.write_text(
        f"[serve]\nmonitor_interval_s = 10\nprefect_port = {prefect_port}\n"
        f'[review]\nport = {web_port}\nbase_url = "http://127.0.0.1:{web_port}"\n'
        "cookie_secure = false\n"
        # the numpy-only multilingual encoder starts in a second, torch takes many
        '[embedding]\nmodel = "use"\n',
        encoding="utf-8")
    env = {**os.environ, "VIGIE_SECRET_KEY": "serve-test-secret-0123456789abcdef",
           # scheduler and runner poll quickly so two 10-second intervals fit in the test
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
           "PREFECT_RUNNER_POLL_FREQUENCY": "2",
           "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "180"}
    env.pop("PREFECT_API_URL", None)
    base = [VIGIE, "--data-dir", str(data), "--config", str(config)]
    subprocess.run([*base, "sources", "add", feed_url, "--name", "Loopback news"],
                   env=env, check=True, capture_output=True, timeout=120)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([*base, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while len(_Feed.hits) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(1)
        assert len(_Feed.hits) >= 2, (tmp_path / "serve.log").read_text()[-3000:]
        assert _Feed.hits[1] - _Feed.hits[0] >= 5  # two scheduled runs, not one retry
        # the review desk and the Prefect UI answer on their ports
        assert httpx.get(f"http://127.0.0.1:{web_port}/login", timeout=10).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{prefect_port}/api/health", timeout=10).json() is True
        # stop only once two scheduled runs have finished (a run records its fetch after
        # parsing, seconds after the hit: stopping at the second hit raced with it)
        runs: list[dict] = []
        while time.monotonic() < deadline:
            runs = httpx.post(f"http://127.0.0.1:{prefect_port}/api/flow_runs/filter",
                              json={"flow_runs": {"state": {"type": {"any_": [
                                  "COMPLETED", "FAILED", "CRASHED"]}}}}, timeout=10).json()
            if sum(r["deployment_id"] is not None for r in runs) >= 2:
                break
            time.sleep(1)
        finished = [r for r in runs if r["deployment_id"]]
        assert len(finished) >= 2, (tmp_path / "serve.log").read_text()[-3000:]
        assert all(r["state_type"] == "COMPLETED" for r in finished), finished
        family = psutil.Process(proc.pid).children(recursive=True)
        assert len(family) >= 3  # prefect server, deployment runner, review desk
    finally:
        os.kill(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(timeout=90)
        finally:
            log.close()
            feed_server.shutdown()
    assert code == 0, (tmp_path / "serve.log").read_text()[-3000:]
    time.sleep(0.5)
    left = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], [p.cmdline() for p in left]
    with load_settings(data_dir=data).store().connect() as con:
        fetched = con.execute("SELECT count(*) FROM fetches").fetchall()[0][0]
    assert fetched >= 2
