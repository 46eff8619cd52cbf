"""Run one benchmark stage in its own process: wall time, peak RSS, bounded in time.

Peak RSS is the stage's own ``VmHWM`` (reported by the stage before it exits), else the
peak of psutil samples every 50 ms. Not ``wait4``'s ``ru_maxrss``: after fork + exec it
still holds the parent's size at fork, which would charge every stage with the harness's
loaded models. A stage prints its stats as one JSON line last on stdout
(``bench.perf.stage``).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psutil

from bench.vigie_runner import bench_env

ROOT = Path(__file__).resolve().parents[2]


def run_stage(name: str, args: list[str], *, timeout_s: float, log: Path,
              env: dict[str, str] | None = None) -> dict:
    """``python -m bench.perf.stage *args``; never raises for a failed or slow stage."""
    log.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "bench.perf.stage", *args]
    with log.open("ab") as err, log.with_suffix(".out").open("wb") as out:
        err.write(f"$ {' '.join(argv)}\n".encode())
        err.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT, env=env or bench_env())
        timed_out, sampled = False, 0
        watched = psutil.Process(proc.pid)
        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            with contextlib.suppress(psutil.Error):
                sampled = max(sampled, watched.memory_info().rss)
            if time.perf_counter() - start > timeout_s and not timed_out:
                timed_out = True
                proc.kill()
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = log.with_suffix(".out").read_text(errors="replace").strip().splitlines()
    stats: dict = {}
    if lines and not timed_out:
        try:
            stats = json.loads(lines[-1])
        except json.JSONDecodeError:
            stats = {}
    return {"stage": name, "seconds": round(seconds, 3),
            "peak_rss_mb": stats.get("vm_hwm_mb") or round(sampled / 2**20, 1),
            "returncode": proc.returncode, "timed_out": timed_out, "stats": stats}


def loglog_slope(sizes: list[int], seconds: list[float]) -> float | None:
    """Exponent k of time ~ n^k, least squares on log-log (None with < 2 usable points)."""
    pts = [(n, s) for n, s in zip(sizes, seconds, strict=True) if n > 0 and s and s > 0]
    if len(pts) < 2:
        return None
    x = np.log([p[0] for p in pts])
    y = np.log([p[1] for p in pts])
    return round(float(np.polyfit(x, y, 1)[0]), 2)


def machine() -> dict:
    """Date and machine the figures were measured on (load average at start too)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpu": cpu,
            "cpus": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "load_avg_1m": round(os.getloadavg()[0], 2)}
