"""Run records: one row per pass of the pipeline, with its stats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import duckdb


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, kind: str) -> None:
    con.execute(
        "INSERT OR REPLACE INTO runs (run_id, kind, started_at, status) "
        "VALUES (?, ?, ?, 'running')",
        [run_id, kind, datetime.now(UTC)],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection, run_id: str, status: str, stats: dict[str, Any]
) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE run_id = ?",
        [datetime.now(UTC), status, json.dumps(stats, default=str), run_id],
    )


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT run_id, kind, started_at, finished_at, status, stats FROM runs "
        "ORDER BY started_at DESC LIMIT ?",
        [limit],
    ).fetchall()
    cols = ["run_id", "kind", "started_at", "finished_at", "status", "stats"]
    return [dict(zip(cols, r, strict=True)) for r in rows]
