"""One full pass of Vigie as a Prefect flow: ingest -> analyse -> route -> digest -> snapshot.

The flow only orchestrates: every stage is a plain function of another module taking
``Settings`` and a run id and returning a JSON-able dict of stats, so stages can be run
alone (tests, CLI) or moved to remote workers. Every stage is idempotent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from vigie.config import Settings
from vigie.store import runs


def new_run_id(kind: str = "pass") -> str:
    return f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


@task(name="ingest", cache_policy=NO_CACHE)
def ingest_task(settings: Settings, run_id: str) -> dict[str, Any]:
    from flows.ingest import ingest_sources

    return ingest_sources(settings, run_id)


@task(name="analyse", cache_policy=NO_CACHE)
def analyse_task(settings: Settings, run_id: str) -> dict[str, Any]:
    from flows.analyse import analyse

    return analyse(settings, run_id)


@task(name="route", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def route_task(settings: Settings, run_id: str) -> dict[str, Any]:
    from flows.route import route

    return route(settings, run_id)


@task(name="digest", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def digest_task(settings: Settings, day: date | None, lang: str) -> dict[str, Any]:
    from flows.digest import write_digest

    return write_digest(settings, day, lang)


@task(name="snapshot", cache_policy=NO_CACHE)
def snapshot_task(settings: Settings) -> dict[str, Any]:
    from vigie.snapshot import write_snapshot

    return write_snapshot(settings)


def _record(settings: Settings, run_id: str, status: str | None, stats: dict[str, Any]) -> None:
    with settings.store().connect() as con:
        if status is None:
            runs.start_run(con, run_id, "pass")
        else:
            runs.finish_run(con, run_id, status, stats)


@flow(name="vigie-pass", log_prints=False)
def vigie_pass(
    settings: Settings,
    run_id: str | None = None,
    ingest: bool = True,
    digest_day: date | None = None,
    digest_lang: str | None = None,
) -> dict[str, Any]:
    """Ingest the configured sources, analyse, route flagged narratives, write the digest."""
    run_id = run_id or new_run_id()
    settings.store().init()
    _record(settings, run_id, None, {})
    stats: dict[str, Any] = {"run_id": run_id}
    try:
        if ingest:
            stats["ingest"] = ingest_task(settings, run_id)
        stats["analyse"] = analyse_task(settings, run_id)
        stats["route"] = route_task(settings, run_id)
        stats["digest"] = digest_task(settings, digest_day, digest_lang or settings.digest.lang)
        stats["snapshot"] = snapshot_task(settings)
    except Exception as exc:
        stats["error"] = f"{type(exc).__name__}: {exc}"
        _record(settings, run_id, "failed", stats)
        raise
    _record(settings, run_id, "completed", stats)
    return stats


@flow(name="vigie-analyse", log_prints=False)
def analyse_flow(settings: Settings, run_id: str | None = None) -> dict[str, Any]:
    """Analysis only (embed, narratives, signals, flags) on what is already in the store."""
    run_id = run_id or new_run_id("analyse")
    return analyse_task(settings, run_id)
