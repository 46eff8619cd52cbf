"""Queries behind the documented exchange format (``vigie export flags|narratives``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

FLAG_ITEMS_SQL = """
WITH flagged AS (
    SELECT narrative_id, score, reasons FROM flags WHERE flagged
),
item_evidence AS (
    SELECT narrative_id, item_id, kind FROM evidence
    UNION
    SELECT narrative_id, other_item_id AS item_id, kind
    FROM evidence WHERE other_item_id IS NOT NULL
)
SELECT f.narrative_id, f.score, f.reasons,
       i.item_id, i.external_id, s.name AS source, i.url, i.published_at,
       list_sort(list(DISTINCT e.kind) FILTER (WHERE e.kind IS NOT NULL)) AS evidence
FROM flagged f
JOIN narrative_members m ON m.narrative_id = f.narrative_id
JOIN items i ON i.item_id = m.item_id
LEFT JOIN sources s ON s.source_id = i.source_id
LEFT JOIN item_evidence e ON e.narrative_id = f.narrative_id AND e.item_id = i.item_id
GROUP BY ALL
ORDER BY f.score DESC, f.narrative_id, i.published_at, i.item_id
"""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def flagged_narratives(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """One dict per flagged narrative, items with their evidence kinds (JSONL export)."""
    frame = con.sql(FLAG_ITEMS_SQL).pl()
    for (narrative_id,), group in frame.group_by("narrative_id", maintain_order=True):
        first = group.row(0, named=True)
        yield {
            "narrative_id": narrative_id,
            "score": round(float(first["score"]), 4),
            "reasons": list(first["reasons"] or []),
            "items": [
                {
                    "item_id": row["item_id"],
                    "external_id": row["external_id"],
                    "source": row["source"],
                    "url": row["url"],
                    "published_at": _iso(row["published_at"]),
                    "evidence": list(row["evidence"] or []),
                }
                for row in group.iter_rows(named=True)
            ],
        }


def narrative_assignments(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``item_id, external_id, narrative_id`` for every item (null when unclustered)."""
    return con.sql(
        """
        SELECT i.item_id, i.external_id, m.narrative_id
        FROM items i LEFT JOIN narrative_members m USING (item_id)
        ORDER BY i.published_at, i.item_id
        """
    ).pl()


def write_flags_jsonl(con: duckdb.DuckDBPyConnection, fh) -> int:  # noqa: ANN001 - text file
    count = 0
    for record in flagged_narratives(con):
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
