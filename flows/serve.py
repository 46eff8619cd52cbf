"""``vigie serve``: Prefect server + scheduled deployments + review desk, stopped by Ctrl-C.

A small supervisor. It starts, each in its own process group:
1. ``prefect server start`` (SQLite under ``<data>/prefect``, UI and API on 127.0.0.1:4200),
   unless a server is configured (``serve.prefect_api_url`` or ``PREFECT_API_URL``);
   then waits until ``/api/health`` answers;
2. the deployment runner (``python -m flows.deployments``: monitor every 15 minutes, daily
   digest), pointed at that server: Prefect's temporary server would schedule nothing;
3. the review desk (``python -m flows.serve web``: uvicorn on ``review.host:review.port``).
On SIGINT or SIGTERM (or if one of them dies) it interrupts each group, waits, then kills
what is left, so nothing it started outlives it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from vigie.config import Settings, load_settings

STOP_GRACE_S = 15.0
HEALTH_TIMEOUT_S = 120.0


def child_environment(
    settings: Settings, api_url: str, own_server: bool, config_file: Path | None
) -> dict[str, str]:
    """Children load the same settings (data folder, vigie.toml) and talk to the same server."""
    env = dict(os.environ)
    env["VIGIE_DATA_DIR"] = str(Path(settings.data_dir).resolve())
    if config_file is not None:
        env["VIGIE_CONFIG"] = str(Path(config_file).resolve())
    env["PREFECT_API_URL"] = api_url
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if own_server:
        home = Path(settings.data_dir).resolve() / "prefect"
        home.mkdir(parents=True, exist_ok=True)
        env["PREFECT_HOME"] = str(home)
    return env


def configured_api_url(settings: Settings) -> str:
    return settings.serve.prefect_api_url or os.environ.get("PREFECT_API_URL", "")


def wait_healthy(api_url: str, process: subprocess.Popen | None, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {process.returncode}")
        try:
            if httpx.get(f"{api_url.rstrip('/')}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server at {api_url} was not healthy after {timeout_s:.0f} s")


class Supervisor:
    """Child processes in their own process groups, stopped together."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.log = log

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        self.children.append((name, proc))
        self.log(f"started {name} (pid {proc.pid})")
        return proc

    def dead(self) -> list[str]:
        return [name for name, proc in self.children if proc.poll() is not None]

    def stop(self) -> None:
        """Newest first (the server last, so the others can still report to it): SIGINT the
        process group, then SIGTERM, then SIGKILL whatever is left."""
        for name, proc in reversed(self.children):
            for sig, grace in ((signal.SIGINT, STOP_GRACE_S), (signal.SIGTERM, 5.0),
                               (signal.SIGKILL, 5.0)):
                if not _group_alive(proc):
                    break
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                deadline = time.monotonic() + grace
                while time.monotonic() < deadline and _group_alive(proc):
                    time.sleep(0.2)
            self.log(f"stopped {name}")


def _group_alive(proc: subprocess.Popen) -> bool:
    """Whether any process of ``proc``'s group is left (after reaping ``proc`` itself)."""
    proc.poll()
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(
    settings: Settings, config_file: Path | None = None, log: Callable[[str], None] = print
) -> int:
    """Run until SIGINT/SIGTERM; returns 0 on a requested stop, 1 if a component died."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    supervisor = Supervisor(log)
    try:
        api_url = configured_api_url(settings)
        own_server = not api_url
        if own_server:
            api_url = f"http://127.0.0.1:{settings.serve.prefect_port}/api"
        env = child_environment(settings, api_url, own_server, config_file)
        server = None
        if own_server:
            server = supervisor.start("prefect server", [
                sys.executable, "-m", "prefect", "server", "start",
                "--host", "127.0.0.1", "--port", str(settings.serve.prefect_port)], env)
        wait_healthy(api_url, server, HEALTH_TIMEOUT_S)
        log(f"Prefect API healthy at {api_url} (UI: {api_url.removesuffix('/api')})")
        supervisor.start("deployments", [
            sys.executable, "-m", "flows.deployments",
            "--interval", str(settings.serve.monitor_interval_s),
            "--digest-hour", str(settings.digest.hour)], env)
        if settings.serve.web:
            supervisor.start("review desk", [sys.executable, "-m", "flows.serve", "web"], env)
            log(f"review desk on http://{settings.review.host}:{settings.review.port}")
        while not stop.wait(1.0):
            dead = supervisor.dead()
            if dead:
                log(f"{', '.join(dead)} exited; stopping everything")
                return 1
        log("stopping")
        return 0
    finally:
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_web() -> None:
    """The review desk under uvicorn (``python -m flows.serve web``)."""
    from reservist_review import server
    from reservist_review.app import create_app

    settings = load_settings()
    server.run(create_app(settings), settings)


if __name__ == "__main__":
    if sys.argv[1:] == ["web"]:
        run_web()
    else:
        sys.exit(serve(load_settings()))
