"""Queries behind the daily digest and the STIX export (read-only, plus the ``digests`` log).

Every function takes an open connection and a period ``[start, end)`` of aware UTC datetimes,
and returns plain dicts ordered deterministically, so the same data always gives the same
digest. Only tables of migration 001 are used.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import duckdb

# The latest decision on each narrative (a revised decision supersedes the earlier one).
LATEST_DECISIONS = """
    SELECT * FROM (
        SELECT d.*, row_number() OVER (
            PARTITION BY d.narrative_id ORDER BY d.decided_at DESC, d.decision_id DESC) AS rn
        FROM decisions d
    ) WHERE rn = 1
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def new_flags(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Narratives flagged for the first time in the period, highest score first."""
    return _rows(
        con,
        """
        SELECT f.narrative_id, f.score, f.reasons, f.reason_codes, f.first_flagged_at,
               n.label, n.headline, n.keywords, n.size, n.first_seen_at, n.last_seen_at,
               c.status AS case_status
        FROM flags f
        JOIN narratives n USING (narrative_id)
        LEFT JOIN cases c USING (narrative_id)
        WHERE f.flagged AND f.first_flagged_at >= ? AND f.first_flagged_at < ?
        ORDER BY f.score DESC, f.narrative_id
        """,
        [start, end],
    )


def confirmed_in_period(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Campaigns confirmed by a reservist in the period (their latest decision), newest first."""
    return _rows(
        con,
        f"""
        SELECT d.narrative_id, d.decision_id, d.summary, d.confidence, d.techniques, d.responses,
               d.decided_at, r.name AS reviewer, n.label, n.headline, n.keywords, n.size,
               n.first_seen_at, n.last_seen_at, f.score, f.reasons, f.reason_codes
        FROM ({LATEST_DECISIONS}) d
        JOIN narratives n USING (narrative_id)
        LEFT JOIN reservists r ON r.reservist_id = d.reservist_id
        LEFT JOIN flags f ON f.narrative_id = d.narrative_id
        WHERE d.verdict = 'confirmed' AND d.decided_at >= ? AND d.decided_at < ?
        ORDER BY d.decided_at DESC, d.narrative_id
        """,
        [start, end],
    )


def open_flag_count(con: duckdb.DuckDBPyConnection, start: datetime) -> int:
    """Narratives flagged before the period and still waiting for a decision."""
    row = con.execute(
        f"""
        SELECT count(*) FROM flags f
        LEFT JOIN ({LATEST_DECISIONS}) d USING (narrative_id)
        WHERE f.flagged AND f.first_flagged_at < ?
          AND (d.verdict IS NULL OR d.verdict = 'needs_info')
        """,
        [start],
    ).fetchall()
    return int(row[0][0])


def growth(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    previous_start: datetime,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Narratives whose volume (items published) grew most against the previous period."""
    return _rows(
        con,
        """
        WITH volume AS (
            SELECT m.narrative_id,
                   count(*) FILTER (WHERE i.published_at >= ? AND i.published_at < ?) AS current,
                   count(*) FILTER (WHERE i.published_at >= ? AND i.published_at < ?) AS previous
            FROM narrative_members m JOIN items i USING (item_id)
            GROUP BY m.narrative_id
        )
        SELECT v.narrative_id, v.current, v.previous, n.label, n.headline, n.size,
               coalesce(f.flagged, false) AS flagged, f.score
        FROM volume v
        JOIN narratives n USING (narrative_id)
        LEFT JOIN flags f USING (narrative_id)
        WHERE n.status = 'active' AND v.current > v.previous AND v.current >= 2
        ORDER BY v.current - v.previous DESC, v.current DESC, v.narrative_id
        LIMIT ?
        """,
        [start, end, previous_start, start, limit],
    )


def period_totals(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> dict[str, int]:
    """How much arrived in the period: items published, sources publishing, new narratives."""
    row = con.execute(
        """
        SELECT
          (SELECT count(*) FROM items WHERE published_at >= ? AND published_at < ?),
          (SELECT count(DISTINCT source_id) FROM items
            WHERE published_at >= ? AND published_at < ?),
          (SELECT count(*) FROM narratives WHERE first_seen_at >= ? AND first_seen_at < ?)
        """,
        [start, end, start, end, start, end],
    ).fetchall()[0]
    return dict(zip(("items", "sources", "new_narratives"), (int(v) for v in row), strict=True))


def narrative_sources(
    con: duckdb.DuckDBPyConnection, narrative_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Sources publishing each narrative, most items first."""
    if not narrative_ids:
        return {}
    rows = _rows(
        con,
        """
        SELECT m.narrative_id, i.source_id, coalesce(s.name, i.source_id) AS name,
               coalesce(s.registered_domain, i.registered_domain) AS domain, count(*) AS items
        FROM narrative_members m JOIN items i USING (item_id)
        LEFT JOIN sources s ON s.source_id = i.source_id
        WHERE m.narrative_id IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY ALL
        ORDER BY m.narrative_id, items DESC, name, i.source_id
        """,
        [narrative_ids],
    )
    return _group(rows)


def narrative_languages(
    con: duckdb.DuckDBPyConnection, narrative_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Languages of each narrative's items, most items first."""
    if not narrative_ids:
        return {}
    rows = _rows(
        con,
        """
        SELECT m.narrative_id, coalesce(i.language, 'und') AS language, count(*) AS items
        FROM narrative_members m JOIN items i USING (item_id)
        WHERE m.narrative_id IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY ALL
        ORDER BY m.narrative_id, items DESC, language
        """,
        [narrative_ids],
    )
    return _group(rows)


def daily_volume(
    con: duckdb.DuckDBPyConnection,
    narrative_ids: list[str],
    first_day: date,
    last_day: date,
    timezone: str,
) -> dict[str, list[dict[str, Any]]]:
    """Items published per local day (in ``timezone``) per narrative; empty days omitted."""
    if not narrative_ids:
        return {}
    rows = _rows(
        con,
        """
        SELECT m.narrative_id, timezone(?, i.published_at)::DATE AS day, count(*) AS items
        FROM narrative_members m JOIN items i USING (item_id)
        WHERE m.narrative_id IN (SELECT unnest(?::VARCHAR[]))
          AND timezone(?, i.published_at)::DATE BETWEEN ? AND ?
        GROUP BY ALL
        ORDER BY m.narrative_id, day
        """,
        [timezone, narrative_ids, timezone, first_day, last_day],
    )
    return _group(rows)


def example_items(
    con: duckdb.DuckDBPyConnection, narrative_ids: list[str], per_narrative: int = 3
) -> dict[str, list[dict[str, Any]]]:
    """The earliest items of each narrative (title, source, domain): what a reader recognises."""
    if not narrative_ids:
        return {}
    rows = _rows(
        con,
        """
        SELECT * EXCLUDE (rn) FROM (
            SELECT m.narrative_id, i.item_id, i.title, i.language, i.published_at,
                   coalesce(i.registered_domain, s.registered_domain) AS domain,
                   coalesce(s.name, i.source_id) AS source,
                   row_number() OVER (PARTITION BY m.narrative_id
                                      ORDER BY i.published_at, i.item_id) AS rn
            FROM narrative_members m JOIN items i USING (item_id)
            LEFT JOIN sources s ON s.source_id = i.source_id
            WHERE m.narrative_id IN (SELECT unnest(?::VARCHAR[]))
        ) WHERE rn <= ?
        ORDER BY narrative_id, published_at, item_id
        """,
        [narrative_ids, per_narrative],
    )
    return _group(rows)


def communication_recipients(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Active roster members with the ``communication`` role and an e-mail address."""
    return _rows(
        con,
        """
        SELECT reservist_id, name, email, languages FROM reservists
        WHERE role = 'communication' AND active AND email IS NOT NULL AND email <> ''
        ORDER BY reservist_id
        """,
        [],
    )


def record_digest(
    con: duckdb.DuckDBPyConnection,
    day: date,
    lang: str,
    path: str,
    start: datetime,
    end: datetime,
    generated_at: datetime,
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO digests "
        "(digest_date, lang, path, period_start, period_end, generated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [day, lang, path, start, end, generated_at],
    )


# --- STIX export ---------------------------------------------------------------------------


def confirmed_campaigns(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every narrative whose latest decision confirms a campaign (STIX export)."""
    return _rows(
        con,
        f"""
        SELECT d.narrative_id, d.decision_id, d.summary, d.confidence, d.techniques, d.responses,
               d.decided_at, d.reservist_id, r.name AS reviewer, n.label, n.headline, n.keywords,
               n.first_seen_at, n.last_seen_at, n.languages
        FROM ({LATEST_DECISIONS}) d
        JOIN narratives n USING (narrative_id)
        LEFT JOIN reservists r ON r.reservist_id = d.reservist_id
        WHERE d.verdict = 'confirmed'
        ORDER BY d.narrative_id
        """,
        [],
    )


def lookalike_domains(
    con: duckdb.DuckDBPyConnection, narrative_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Look-alike domains behind each narrative's ``lookalike_domain`` evidence.

    The domain is the evidence item's registered domain; ``detail`` (JSON written by the
    signals stage) may name the imitated outlet, kept as text for the indicator description.
    """
    if not narrative_ids:
        return {}
    rows = _rows(
        con,
        """
        SELECT e.narrative_id, coalesce(i.registered_domain, i.domain) AS domain,
               min(CAST(e.detail AS VARCHAR)) AS detail, min(i.published_at) AS first_seen
        FROM evidence e JOIN items i ON i.item_id = e.item_id
        WHERE e.kind = 'lookalike_domain' AND e.narrative_id IN (SELECT unnest(?::VARCHAR[]))
          AND coalesce(i.registered_domain, i.domain) IS NOT NULL
        GROUP BY ALL
        ORDER BY e.narrative_id, domain
        """,
        [narrative_ids],
    )
    for row in rows:
        try:
            row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
        except ValueError:
            row["detail"] = {}
    return _group(rows)


def _group(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row.pop("narrative_id"), []).append(row)
    return grouped
