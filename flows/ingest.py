"""Ingest stage: fetch every due feed source and store its new and changed items.

Thin on purpose: the work is in ``vigie.ingest.runner`` (fetch, parse, batch writes).
Per-fetch retries happen inside, so the Prefect task itself never retries.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from vigie.config import Settings
from vigie.ingest.runner import ingest


def ingest_sources(
    settings: Settings,
    run_id: str,
    *,
    source_ids: list[str] | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Stats keys: sources, fetched_ok, not_modified, errors, items_new, items_updated, plus
    entries, items_unchanged, bytes and the time split (network_s, parse_s, store_s, wall_s)."""
    return ingest(settings, run_id, source_ids=source_ids, force=force)


@task(name="ingest", retries=0, cache_policy=NO_CACHE)
def ingest_task(settings: Settings, run_id: str) -> dict[str, Any]:
    return ingest_sources(settings, run_id)
