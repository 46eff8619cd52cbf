"""Items and their versions: bulk upserts with deduplication (all SQL for items lives here).

An incoming row is the same item as a stored one of the same source when it has the same
item id (same guid, or URL/hash when no guid), the same canonical URL with no conflicting
guid, or (feeds only) the same content hash. A known item whose content hash changed is an
update: the old text goes to ``item_versions`` and ``version`` grows by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
ITEM_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()), ("source_id", pa.string()), ("external_id", pa.string()),
        ("guid", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()),
        ("domain", pa.string()), ("registered_domain", pa.string()), ("author", pa.string()),
        ("title", pa.string()), ("text", pa.string()), ("language", pa.string()),
        ("published_at", TS), ("date_estimated", pa.bool_()), ("date_reason", pa.string()),
        ("first_seen_at", TS), ("content_hash", pa.string()),
    ]
)
COLUMNS = ", ".join(ITEM_SCHEMA.names)


def rows_to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Item rows (dicts with the ITEM_SCHEMA keys) as an Arrow table."""
    return pa.Table.from_pylist(list(rows), schema=ITEM_SCHEMA)


def _match_sql(by_content: bool) -> str:
    url_rule = (
        "(SELECT min(i.item_id) FROM items i WHERE i.source_id = c.source_id "
        " AND c.canonical_url IS NOT NULL AND i.canonical_url = c.canonical_url "
        " AND (i.guid IS NULL OR c.guid IS NULL OR i.guid = c.guid))"
    )
    hash_rule = (
        "(SELECT min(i.item_id) FROM items i WHERE i.source_id = c.source_id "
        " AND i.content_hash = c.content_hash)"
    )
    rules = ["(SELECT i.item_id FROM items i WHERE i.item_id = c.item_id)"]
    if by_content:
        rules += [url_rule, hash_rule]
    return f"""
        CREATE OR REPLACE TEMP TABLE _cand AS
        SELECT c.*, coalesce({", ".join(rules)}) AS existing_id
        FROM (SELECT row_number() OVER () AS pos, * FROM _incoming) c
    """


def upsert_items(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[dict[str, Any]] | pa.Table,
    now: datetime,
    *,
    by_content: bool = True,
) -> dict[str, dict[str, int]]:
    """Insert new items, record updates, skip known ones; run inside the caller's transaction.

    ``by_content`` (feeds) also matches on canonical URL and content hash; imports match on
    their external id only (two posts of one account may share a link or a text).
    Returns ``{source_id: {"new": n, "updated": n, "unchanged": n}}``.
    """
    table = rows if isinstance(rows, pa.Table) else rows_to_table(rows)
    if table.num_rows == 0:
        return {}
    con.register("_incoming", table)
    try:
        con.execute(_match_sql(by_content))
    finally:
        con.unregister("_incoming")
    # One row per target item: the first candidate wins (order of the feed or file).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _pick AS
        SELECT * EXCLUDE (rn) FROM (
            SELECT c.*, i.content_hash AS old_hash,
                   row_number() OVER (PARTITION BY coalesce(c.existing_id, c.item_id)
                                      ORDER BY c.pos) AS rn
            FROM _cand c LEFT JOIN items i ON i.item_id = c.existing_id
        ) WHERE rn = 1
    """)
    con.execute(f"""
        INSERT INTO items ({COLUMNS}, version)
        SELECT {COLUMNS}, 1 FROM _pick WHERE existing_id IS NULL ORDER BY pos
    """)
    con.execute("""
        INSERT INTO item_versions (item_id, version, title, text, content_hash, seen_at)
        SELECT i.item_id, i.version, i.title, i.text, i.content_hash,
               coalesce(i.updated_at, i.first_seen_at)
        FROM items i JOIN _pick p ON p.existing_id = i.item_id
        WHERE p.old_hash <> p.content_hash
    """)
    con.execute("""
        UPDATE items SET title = p.title, text = p.text, content_hash = p.content_hash,
               language = coalesce(p.language, items.language),
               url = coalesce(p.url, items.url), author = coalesce(p.author, items.author),
               version = items.version + 1, updated_at = $now
        FROM _pick p
        WHERE p.existing_id = items.item_id AND p.old_hash <> p.content_hash
    """, {"now": now})
    counts = con.execute("""
        SELECT c.source_id,
               count(*) FILTER (WHERE p.existing_id IS NULL AND p.pos IS NOT NULL),
               count(*) FILTER (WHERE p.existing_id IS NOT NULL AND p.old_hash <> p.content_hash),
               count(*) - count(*) FILTER (WHERE p.pos IS NOT NULL AND (p.existing_id IS NULL
                                            OR p.old_hash <> p.content_hash))
        FROM _cand c LEFT JOIN _pick p ON p.pos = c.pos
        GROUP BY c.source_id
    """).fetchall()
    con.execute("DROP TABLE _cand")
    con.execute("DROP TABLE _pick")
    return {sid: {"new": n, "updated": u, "unchanged": d} for sid, n, u, d in counts}


def item_count_by_source(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("SELECT source_id, count(*) FROM items GROUP BY 1").fetchall())


def items_of_source(con: duckdb.DuckDBPyConnection, source_id: str) -> list[dict[str, Any]]:
    """Stored items of one source (oldest first), as dicts: for tests and inspection."""
    cur = con.execute(
        "SELECT * FROM items WHERE source_id = ? ORDER BY published_at, item_id", [source_id]
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
