"""Run Vigie inside the benchmark the way a user does: ``vigie import``, ``vigie analyse``,
``vigie export``, each stage a subprocess timed and measured (peak RSS from ``wait4``).

The streamed (day by day) run for stability calls the same CLI in-process (Typer's runner):
hundreds of days would otherwise pay the interpreter and model start-up hundreds of times.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from bench.datasets import IMPORT_MAP


@dataclass
class Stage:
    name: str
    seconds: float
    peak_rss_mb: float
    returncode: int
    stats: dict = field(default_factory=dict)


class VigieError(RuntimeError):
    pass


@functools.cache
def _prefect_home() -> str:
    """One throw-away Prefect home per benchmark process, removed at exit."""
    home = tempfile.mkdtemp(prefix="vigie-bench-prefect-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    return home


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    env["COLUMNS"] = "500"  # rich wraps at 80 columns off a terminal, even inside JSON
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")  # busy machines
    env.setdefault("PREFECT_HOME", _prefect_home())
    env.pop("VIGIE_DATA_DIR", None)
    env.pop("VIGIE_CONFIG", None)
    return env


def vigie_executable() -> list[str]:
    script = Path(sys.executable).parent / "vigie"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from vigie.cli.main import app; app()"]


# Linux carries a process's RSS high-water mark across fork and exec, so a child started by this
# (large) process would report at least our own peak. A small launcher starts the stage instead
# and hands back the stage's own ru_maxrss (KiB).
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)  # killed by a signal: 128 + signum
"""


def measured(name: str, args: list[str], log: Path, env: dict[str, str]) -> tuple[Stage, str]:
    """Run ``args``; return its wall time and peak RSS (its own, not this process's)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path = log.with_suffix(".out")
    rss_path = log.with_suffix(".rss")
    launcher = [sys.executable, "-I", "-c", _LAUNCHER, str(rss_path)]
    with out_path.open("wb") as out, log.open("ab") as err:
        err.write(f"$ {' '.join(args)}\n".encode())
        err.flush()
        start = time.perf_counter()
        returncode = subprocess.run([*launcher, *args], stdout=out, stderr=err, env=env).returncode
        seconds = time.perf_counter() - start
    stdout = out_path.read_text(errors="replace")
    peak_kib = int(rss_path.read_text()) if rss_path.is_file() else 0
    rss_path.unlink(missing_ok=True)
    return Stage(name, seconds, peak_kib / 1024, returncode), stdout


def json_block(text: str) -> dict:
    """The JSON object a command printed (``vigie analyse`` pretty-prints its stats)."""
    start = 0 if text.startswith("{") else text.find("\n{") + 1
    if start == 0 and not text.startswith("{"):
        return {}
    try:
        return json.loads(text[start:])
    except json.JSONDecodeError:
        return {}


_IMPORT_SUMMARY = re.compile(r"(\d+) rows read: (\d+) stored, (\d+) already known, (\d+) rejected")


def import_summary(text: str) -> dict:
    m = _IMPORT_SUMMARY.search(text)
    if not m:
        return {}
    return dict(
        zip(("rows", "stored", "duplicates", "rejected"), map(int, m.groups()), strict=True)
    )


class VigieCli:
    """One fresh data folder driven through the ``vigie`` command."""

    def __init__(self, data_dir: Path, log: Path, config: Path | None = None) -> None:
        self.data_dir = data_dir
        self.log = log
        self.env = bench_env()
        self.base = [*vigie_executable(), "--data-dir", str(data_dir)]
        if config is not None:
            self.base += ["--config", str(config)]
        self.stages: list[Stage] = []

    def _run(self, name: str, *args: str, check: bool = True) -> tuple[Stage, str]:
        stage, stdout = measured(name, [*self.base, *args], self.log, self.env)
        if check and stage.returncode != 0:
            raise VigieError(f"`vigie {' '.join(args)}` exited {stage.returncode}; see {self.log}")
        return stage, stdout

    def import_csv(self, csv_path: Path) -> Stage:
        stage, stdout = self._run("import", "import", str(csv_path), "--map", IMPORT_MAP)
        stage.stats = import_summary(stdout)
        self.stages.append(stage)
        return stage

    def analyse(self) -> Stage:
        stage, stdout = self._run("analyse", "analyse")
        stage.stats = json_block(stdout)
        self.stages.append(stage)
        return stage

    def export_flags(self, dest: Path) -> list[dict]:
        stage, _ = self._run("export flags", "export", "flags", "--output", str(dest))
        self.stages.append(stage)
        return [json.loads(line) for line in dest.read_text().splitlines() if line.strip()]

    def export_narratives(self, dest: Path) -> pl.DataFrame:
        args = ("export", "narratives", "--format", "parquet", "--output", str(dest))
        stage, _ = self._run("export narratives", *args)
        self.stages.append(stage)
        return pl.read_parquet(dest)

    def cost(self) -> dict:
        return {s.name: asdict(s) for s in self.stages}


def coordination_prediction(flags: list[dict]) -> set[str]:
    """Vigie's coordinated items: listed with non-empty evidence in a flagged narrative."""
    return {
        str(item["external_id"])
        for flag in flags
        for item in flag.get("items", [])
        if item.get("evidence")
    }


def narrative_labels(narratives: pl.DataFrame) -> dict[str, str | None]:
    return {
        str(eid): nid for eid, nid in narratives.select("external_id", "narrative_id").iter_rows()
    }
