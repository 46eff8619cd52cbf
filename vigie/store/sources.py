"""Sources and their fetch log (all SQL for ``sources`` and ``fetches`` lives here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from vigie.store.connection import rows_as_dicts as _dicts
from vigie.store.items import TS

FETCH_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()), ("run_id", pa.string()), ("started_at", TS),
        ("duration_ms", pa.float64()), ("status", pa.string()), ("http_status", pa.int32()),
        ("final_url", pa.string()), ("bytes", pa.int64()), ("entries", pa.int32()),
        ("items_new", pa.int32()), ("items_updated", pa.int32()), ("bozo", pa.string()),
        ("error", pa.string()), ("attempt", pa.int32()),
    ]
)
# What a finished fetch changes on its source (NULL keeps the stored value).
STATE_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()), ("ok", pa.bool_()), ("last_status", pa.string()),
        ("fetched_at", TS), ("etag", pa.string()), ("last_modified", pa.string()),
        ("last_error", pa.string()), ("feed_title", pa.string()),
        ("site_url", pa.string()), ("domain", pa.string()), ("registered_domain", pa.string()),
    ]
)
SOURCE_COLUMNS = (
    "source_id", "kind", "name", "url", "site_url", "domain", "registered_domain", "language",
    "region", "added_at",
)


def upsert_sources(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> int:
    """Add sources (dicts with SOURCE_COLUMNS); a known source_id gets its non-null name,
    region and language updated and is reactivated. Returns how many were new."""
    if not rows:
        return 0
    table = pa.Table.from_pylist(
        [{c: r.get(c) for c in SOURCE_COLUMNS} for r in rows],
        schema=pa.schema([(c, TS if c == "added_at" else pa.string()) for c in SOURCE_COLUMNS]),
    )
    con.register("_new_sources", table)
    try:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _add AS
            SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER (PARTITION BY source_id) AS rn
                                        FROM _new_sources) WHERE rn = 1
        """)
    finally:
        con.unregister("_new_sources")
    con.execute("""
        UPDATE sources SET name = coalesce(a.name, sources.name),
               region = coalesce(a.region, sources.region),
               language = coalesce(a.language, sources.language), active = TRUE
        FROM _add a WHERE a.source_id = sources.source_id
    """)
    cols = ", ".join(SOURCE_COLUMNS)
    # A new source without a name is named by its URL.
    values = cols.replace("name,", "coalesce(name, url, source_id),")
    new = con.execute(f"""
        INSERT INTO sources ({cols})
        SELECT {values} FROM _add WHERE source_id NOT IN (SELECT source_id FROM sources)
    """).fetchall()[0][0]
    con.execute("DROP TABLE _add")
    return new


def find_source(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any] | None:
    """A source by id, feed URL or name."""
    rows = _dicts(con.execute(
        "SELECT * FROM sources WHERE source_id = $k OR url = $k OR name = $k "
        "ORDER BY (source_id = $k) DESC, (url = $k) DESC LIMIT 1", {"k": key}
    ))
    return rows[0] if rows else None


def set_active(con: duckdb.DuckDBPyConnection, source_id: str, active: bool) -> None:
    con.execute("UPDATE sources SET active = ? WHERE source_id = ?", [active, source_id])


def delete_source(con: duckdb.DuckDBPyConnection, source_id: str) -> None:
    """Remove a source and its fetch log (callers refuse when it still has items)."""
    con.execute("DELETE FROM fetches WHERE source_id = ?", [source_id])
    con.execute("DELETE FROM sources WHERE source_id = ?", [source_id])


def list_sources(con: duckdb.DuckDBPyConnection, *, active_only: bool = False) -> list[dict]:
    where = "WHERE active" if active_only else ""
    return _dicts(con.execute(f"SELECT * FROM sources {where} ORDER BY kind, name, source_id"))


def due_feeds(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    *,
    source_ids: Iterable[str] | None = None,
    force: bool = False,
) -> list[dict[str, Any]]:
    """Active feed sources to fetch now (failing ones wait for ``next_fetch_after``)."""
    sql = ("SELECT source_id, url, etag, last_modified, name, site_url FROM sources "
           "WHERE kind = 'feed' AND active AND url IS NOT NULL")
    params: dict[str, Any] = {}
    if not force:
        sql += " AND (next_fetch_after IS NULL OR next_fetch_after <= $now)"
        params["now"] = now
    if source_ids is not None:
        sql += " AND list_contains($ids, source_id)"
        params["ids"] = list(source_ids)
    return _dicts(con.execute(sql + " ORDER BY source_id", params))


def record_fetches(
    con: duckdb.DuckDBPyConnection,
    fetch_rows: Sequence[dict],
    states: Sequence[dict],
    *,
    backoff_s: float = 900.0,
    max_backoff_s: float = 86400.0,
) -> None:
    """Append fetch attempts and apply each source's new state (in the caller's transaction).

    A failing source waits ``backoff_s * 2**(failures - 1)`` (at most ``max_backoff_s``)
    before its next fetch; a success clears the back-off."""
    if fetch_rows:
        con.register("_fetches", pa.Table.from_pylist(list(fetch_rows), schema=FETCH_SCHEMA))
        try:
            cols = ", ".join(FETCH_SCHEMA.names)
            con.execute(f"INSERT INTO fetches ({cols}) SELECT {cols} FROM _fetches")
        finally:
            con.unregister("_fetches")
    if not states:
        return
    con.register("_states", pa.Table.from_pylist(list(states), schema=STATE_SCHEMA))
    try:
        con.execute("""
            UPDATE sources SET
                last_status = s.last_status,
                last_fetch_at = s.fetched_at,
                last_error = s.last_error,
                consecutive_failures = CASE WHEN s.ok THEN 0
                                            ELSE sources.consecutive_failures + 1 END,
                next_fetch_after = CASE WHEN s.ok THEN NULL ELSE s.fetched_at + to_microseconds(
                    CAST(1e6 * least($cap, $base * pow(2, least(sources.consecutive_failures, 30)))
                         AS BIGINT)) END,
                last_success_at = CASE WHEN s.ok THEN s.fetched_at
                                       ELSE sources.last_success_at END,
                etag = CASE WHEN s.ok AND s.last_status = 'ok' THEN s.etag ELSE sources.etag END,
                last_modified = CASE WHEN s.ok AND s.last_status = 'ok' THEN s.last_modified
                                     ELSE sources.last_modified END,
                feed_title = coalesce(s.feed_title, sources.feed_title),
                site_url = coalesce(s.site_url, sources.site_url),
                domain = coalesce(s.domain, sources.domain),
                registered_domain = coalesce(s.registered_domain, sources.registered_domain)
            FROM _states s WHERE s.source_id = sources.source_id
        """, {"base": backoff_s, "cap": max_backoff_s})
    finally:
        con.unregister("_states")


def status_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per source: last status, last success, failures, items stored, last error."""
    return _dicts(con.execute("""
        SELECT s.source_id, s.kind, s.name, s.url, s.active, s.registered_domain, s.last_status,
               s.last_fetch_at, s.last_success_at, s.consecutive_failures, s.next_fetch_after,
               s.last_error, coalesce(i.n, 0) AS items
        FROM sources s LEFT JOIN (SELECT source_id, count(*) AS n FROM items GROUP BY 1) i
             USING (source_id)
        ORDER BY s.kind, s.name, s.source_id
    """))


def fetch_log(con: duckdb.DuckDBPyConnection, source_id: str | None = None) -> list[dict]:
    """Fetch attempts, newest first (all sources, or one)."""
    where, params = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
    return _dicts(con.execute(
        f"SELECT * FROM fetches {where} ORDER BY started_at DESC, fetch_id DESC", params
    ))
