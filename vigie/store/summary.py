"""Read-only figures for the end-of-run summary printed by ``vigie run`` and ``vigie demo``."""

from __future__ import annotations

from typing import Any

import duckdb


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute(
        """
        SELECT
          (SELECT count(*) FROM sources WHERE active),
          (SELECT count(*) FROM items),
          (SELECT count(*) FROM narratives WHERE status = 'active'),
          (SELECT count(*) FROM flags WHERE flagged)
        """
    ).fetchall()[0]
    keys = ("sources", "items", "narratives", "flagged")
    return dict(zip(keys, (int(v) for v in row), strict=True))


def flagged_with_assignees(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Flagged narratives, best score first, with the open assignment if any."""
    rows = con.execute(
        """
        SELECT f.narrative_id, n.label, n.size, f.score, f.reasons, r.name, a.reason
        FROM flags f
        JOIN narratives n USING (narrative_id)
        LEFT JOIN assignments a ON a.narrative_id = f.narrative_id AND a.status = 'open'
        LEFT JOIN reservists r ON r.reservist_id = a.reservist_id
        WHERE f.flagged
        ORDER BY f.score DESC, f.narrative_id
        """
    ).fetchall()
    cols = ("narrative_id", "label", "size", "score", "reasons", "assignee", "assignment_reason")
    return [dict(zip(cols, r, strict=True)) for r in rows]
