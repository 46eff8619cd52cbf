"""SQL of the Parquet snapshot: copying store tables out, and reading a snapshot back.

Writing runs on a store connection (``copy_tables``); reading runs on an in-memory DuckDB
connection whose views point at the snapshot's Parquet files (``attach_views``), so analysts
never open the live ``.duckdb`` file. Also the table exports for other analysts
(``vigie export tables``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

# What a snapshot holds. People (reservists: e-mails, password hashes), sessions and audit
# stay out: the snapshot is for analysis and may be shared with analysts.
SNAPSHOT_TABLES: dict[str, str] = {
    "sources": "SELECT * FROM sources",
    "items": "SELECT * FROM items",
    "narratives": "SELECT * EXCLUDE (centroid) FROM narratives",
    "narrative_members": "SELECT * FROM narrative_members",
    "signals": "SELECT * FROM signals",
    "evidence": "SELECT * FROM evidence",
    "source_edges": "SELECT * FROM source_edges",
    "flags": "SELECT * FROM flags",
    "cases": "SELECT * FROM cases",
    "decisions": "SELECT * EXCLUDE (comments) FROM decisions",
}
EMBEDDINGS_SQL = """
    SELECT i.item_id, e.model, e.vector
    FROM items i JOIN embeddings e USING (content_hash)
    ORDER BY i.item_id, e.model
"""

# ``vigie export tables``: flat tables for spreadsheets and other tools.
EXPORT_TABLES: dict[str, str] = {
    "narratives": """
        SELECT n.narrative_id, n.label, n.headline, array_to_string(n.keywords, ', ') AS keywords,
               array_to_string(n.languages, ', ') AS languages, n.size, n.first_seen_at,
               n.last_seen_at, n.status, n.merged_into, f.score,
               coalesce(f.flagged, false) AS flagged, c.status AS case_status
        FROM narratives n
        LEFT JOIN flags f USING (narrative_id)
        LEFT JOIN cases c USING (narrative_id)
        ORDER BY n.narrative_id
    """,
    "flags": """
        SELECT narrative_id, score, flagged, array_to_string(reasons, ' | ') AS reasons,
               first_flagged_at, updated_at, run_id
        FROM flags ORDER BY narrative_id
    """,
    "items": """
        SELECT i.item_id, i.external_id, i.source_id, s.name AS source, i.url,
               i.registered_domain, i.title, i.text, i.language, i.published_at, i.first_seen_at,
               m.narrative_id
        FROM items i
        LEFT JOIN sources s USING (source_id)
        LEFT JOIN narrative_members m USING (item_id)
        ORDER BY i.published_at, i.item_id
    """,
}


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def copy_tables(
    con: duckdb.DuckDBPyConnection, folder: Path, include_embeddings: bool = True
) -> dict[str, int]:
    """Write each snapshot table to ``folder/<table>.parquet``; returns rows per table."""
    queries = dict(SNAPSHOT_TABLES)
    if include_embeddings:
        queries["embeddings"] = EMBEDDINGS_SQL
    rows = {}
    for name, sql in queries.items():
        target = folder / f"{name}.parquet"
        # COPY cannot take its target as a parameter; the path is ours, quoted as a literal.
        result = con.execute(f"COPY ({sql}) TO {_literal(target)} (FORMAT parquet)").fetchall()
        rows[name] = int(result[0][0])
    return rows


def export_tables(
    con: duckdb.DuckDBPyConnection, folder: Path, fmt: str, tables: list[str] | None = None
) -> dict[str, int]:
    """Write narratives, flags and items as ``<table>.parquet`` or ``<table>.csv``."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown table format {fmt!r} (parquet or csv)")
    rows = {}
    for name in tables or list(EXPORT_TABLES):
        if name not in EXPORT_TABLES:
            raise ValueError(f"unknown table {name!r} (one of {', '.join(EXPORT_TABLES)})")
        target = folder / f"{name}.{fmt}"
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        result = con.execute(
            f"COPY ({EXPORT_TABLES[name]}) TO {_literal(target)} ({options})"
        ).fetchall()
        rows[name] = int(result[0][0])
    return rows


# --- reading a snapshot (in-memory connection, views over the Parquet files) ---------------


def attach_views(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """Create one view per Parquet file of the snapshot; returns the table names."""
    names = []
    for file in sorted(folder.glob("*.parquet")):
        name = file.stem
        if not name.isidentifier():
            continue
        source = f"read_parquet({_literal(file)})"
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {source}")
        names.append(name)
    return names


def _pl(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    return con.sql(sql, params=params or None).pl()


def narratives_overview(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per narrative: size, sources, languages, flag, review status, latest verdict."""
    return _pl(con, """
        WITH stats AS (
            SELECT m.narrative_id, count(*) AS items, count(DISTINCT i.source_id) AS sources,
                   list_sort(list(DISTINCT coalesce(i.language, 'und'))) AS item_languages,
                   min(i.published_at) AS first_published, max(i.published_at) AS last_published
            FROM narrative_members m JOIN items i USING (item_id) GROUP BY m.narrative_id
        ),
        verdicts AS (
            SELECT narrative_id, arg_max(verdict, decided_at) AS verdict,
                   arg_max(summary, decided_at) AS summary
            FROM decisions GROUP BY narrative_id
        )
        SELECT n.narrative_id, n.label, n.status, coalesce(s.items, 0) AS items,
               coalesce(s.sources, 0) AS sources, s.item_languages, s.first_published,
               s.last_published, coalesce(f.score, 0.0) AS score,
               coalesce(f.flagged, false) AS flagged, f.reasons, c.status AS case_status,
               v.verdict, v.summary, coalesce(v.verdict = 'confirmed', false) AS confirmed
        FROM narratives n
        LEFT JOIN stats s USING (narrative_id)
        LEFT JOIN flags f USING (narrative_id)
        LEFT JOIN cases c USING (narrative_id)
        LEFT JOIN verdicts v USING (narrative_id)
        ORDER BY score DESC, items DESC, n.narrative_id
    """)


def items_frame(con: duckdb.DuckDBPyConnection, narrative_id: str | None = None) -> pl.DataFrame:
    """Items with their source and narrative (all, or one narrative's), oldest first."""
    return _pl(con, """
        SELECT i.item_id, m.narrative_id, i.source_id, s.name AS source,
               coalesce(i.registered_domain, s.registered_domain) AS domain, i.language,
               i.published_at, i.title, i.text, i.url
        FROM items i
        LEFT JOIN narrative_members m USING (item_id)
        LEFT JOIN sources s USING (source_id)
        WHERE ? IS NULL OR m.narrative_id = ?
        ORDER BY i.published_at, i.item_id
    """, [narrative_id, narrative_id])


def narrative_sources(con: duckdb.DuckDBPyConnection, narrative_id: str) -> pl.DataFrame:
    return _pl(con, """
        SELECT i.source_id, any_value(s.name) AS source,
               any_value(coalesce(s.registered_domain, i.registered_domain)) AS domain,
               count(*) AS items, min(i.published_at) AS first_published,
               max(i.published_at) AS last_published,
               list_sort(list(DISTINCT coalesce(i.language, 'und'))) AS languages
        FROM narrative_members m JOIN items i USING (item_id) LEFT JOIN sources s USING (source_id)
        WHERE m.narrative_id = ?
        GROUP BY i.source_id
        ORDER BY first_published, i.source_id
    """, [narrative_id])


def evidence_pairs(
    con: duckdb.DuckDBPyConnection, narrative_id: str, kinds: list[str]
) -> pl.DataFrame:
    """Item pairs behind pairwise evidence (copy-paste, rewording, translation)."""
    return _pl(con, """
        SELECT e.kind, e.score, e.item_id AS item_a, e.other_item_id AS item_b,
               sa.name AS source_a, sb.name AS source_b, a.language AS language_a,
               b.language AS language_b, a.published_at AS published_a,
               b.published_at AS published_b, a.title AS title_a, b.title AS title_b,
               a.text AS text_a, b.text AS text_b
        FROM evidence e
        JOIN items a ON a.item_id = e.item_id
        JOIN items b ON b.item_id = e.other_item_id
        LEFT JOIN sources sa ON sa.source_id = a.source_id
        LEFT JOIN sources sb ON sb.source_id = b.source_id
        WHERE e.narrative_id = ? AND e.kind IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY e.kind, e.score DESC NULLS LAST, item_a, item_b
    """, [narrative_id, kinds])


def source_nodes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return _pl(con, """
        SELECT s.source_id, s.name, s.registered_domain AS domain, s.language,
               count(i.item_id) AS items
        FROM sources s LEFT JOIN items i USING (source_id)
        GROUP BY ALL ORDER BY s.source_id
    """)


def source_edge_rows(con: duckdb.DuckDBPyConnection, min_weight: float) -> pl.DataFrame:
    return _pl(con, """
        SELECT source_a, source_b, weight, window_s, community FROM source_edges
        WHERE weight >= ? ORDER BY source_a, source_b
    """, [min_weight])


def lookalike_evidence(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return _pl(con, """
        SELECT e.narrative_id, coalesce(i.registered_domain, i.domain) AS domain,
               any_value(CAST(e.detail AS VARCHAR)) AS detail, count(*) AS items
        FROM evidence e JOIN items i USING (item_id)
        WHERE e.kind = 'lookalike_domain'
        GROUP BY ALL ORDER BY e.narrative_id, domain
    """)


def volume_by_day(con: duckdb.DuckDBPyConnection, by: str, timezone: str) -> pl.DataFrame:
    """Items per local day and ``language`` or ``source`` or ``narrative``."""
    column = {"language": "coalesce(i.language, 'und')", "source": "s.name",
              "narrative": "m.narrative_id"}[by]
    return _pl(con, f"""
        SELECT timezone(?, i.published_at)::DATE AS day, {column} AS {by}, count(*) AS items
        FROM items i LEFT JOIN sources s USING (source_id)
        LEFT JOIN narrative_members m USING (item_id)
        GROUP BY ALL ORDER BY day, {by}
    """, [timezone])


def embedding_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Vectors of the most common model, with what a map's hover text needs."""
    return _pl(con, """
        WITH model AS (SELECT model FROM embeddings GROUP BY model ORDER BY count(*) DESC, model
                       LIMIT 1)
        SELECT e.item_id, e.vector, m.narrative_id, coalesce(f.flagged, false) AS flagged,
               i.title, i.language, s.name AS source
        FROM embeddings e
        JOIN items i USING (item_id)
        LEFT JOIN narrative_members m USING (item_id)
        LEFT JOIN flags f ON f.narrative_id = m.narrative_id
        LEFT JOIN sources s ON s.source_id = i.source_id
        WHERE e.model = (SELECT model FROM model)
        ORDER BY e.item_id
    """)
