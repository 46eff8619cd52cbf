"""Stability: feed the mix to Vigie day by day (by timestamp) and follow each item's narrative.

Each day's slice goes through ``vigie import``, the analysis stage and ``vigie export
narratives``. Hundreds of days would pay the interpreter, Prefect and model start-up hundreds
of times as subprocesses, so the commands run in-process through the Typer app (same code path
as the command line) and the analysis calls the stage function ``flows.analyse.analyse`` that
``vigie analyse`` wraps in a Prefect flow.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import polars as pl

from bench.datasets import IMPORT_MAP, write_import_csv
from bench.vigie_runner import VigieError, coordination_prediction, narrative_labels


class InProcessVigie:
    def __init__(self, data_dir: Path, config: Path | None = None) -> None:
        from typer.testing import CliRunner

        from vigie.cli.main import app
        from vigie.config import load_settings

        self.app = app
        self.runner = CliRunner()
        self.data_dir = data_dir
        self.settings = load_settings(data_dir, config)
        self.options = ["--data-dir", str(data_dir)]
        if config is not None:
            self.options += ["--config", str(config)]

    def invoke(self, *args: str) -> None:
        result = self.runner.invoke(self.app, [*self.options, *args])
        if result.exit_code != 0:
            detail = result.output[-2000:] if result.output else repr(result.exception)
            raise VigieError(f"`vigie {' '.join(args)}` exited {result.exit_code}: {detail}")

    def analyse(self, run_id: str) -> dict:
        from flows.analyse import analyse

        return analyse(self.settings, run_id)

    def flags(self, dest: Path) -> list[dict]:
        self.invoke("export", "flags", "--output", str(dest))
        return [json.loads(line) for line in dest.read_text().splitlines() if line.strip()]

    def narratives(self, dest: Path) -> pl.DataFrame:
        self.invoke("export", "narratives", "--format", "parquet", "--output", str(dest))
        return pl.read_parquet(dest)


def stream(mix: pl.DataFrame, workdir: Path, log=print, config: Path | None = None) -> dict:
    """First and last narrative of every item when the mix arrives one day at a time, and
    every item listed as evidence in a flagged narrative on any day (what reviewers saw)."""
    vigie = InProcessVigie(workdir / "data", config)
    days = mix.with_columns(pl.col("published_at").dt.date().alias("day")).partition_by(
        "day", maintain_order=True, include_key=False
    )
    first: dict[str, str | None] = {}
    labels: dict[str, str | None] = {}
    evidence: set[str] = set()
    start = time.perf_counter()
    for n, part in enumerate(days):
        csv = write_import_csv(part, workdir / "days" / f"day-{n:04d}.csv")
        vigie.invoke("import", str(csv), "--map", IMPORT_MAP)
        vigie.analyse(f"bench-day-{n:04d}")
        labels = narrative_labels(vigie.narratives(workdir / "narratives.parquet"))
        evidence |= coordination_prediction(vigie.flags(workdir / "flags.jsonl"))
        for eid in part["external_id"]:
            first[eid] = labels.get(eid)
        if n % 50 == 49:
            log(f"  day {n + 1}/{len(days)} ({time.perf_counter() - start:.0f} s)")
    return {
        "first": first,
        "last": labels,
        "evidence": evidence,
        "days": len(days),
        "seconds": time.perf_counter() - start,
    }
