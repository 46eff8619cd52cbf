"""Narratives in the store: state for the clustering, assignments, merges, labels.

Tables (001): ``narratives`` (``centroid`` holds the MEAN of member vectors, not
normalised, so a run can fold new members in exactly; ``size`` members; ``status``
active | faded | merged; ``merged_into`` the survivor), ``narrative_members`` (one row per
item, always the surviving narrative: members of a merged narrative are moved) and
``narrative_events`` (created / merged / faded, ``event_at`` = data time of the event).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from vigie.store.embeddings import list_to_matrix


def _ts(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def count_unassigned(con: duckdb.DuckDBPyConnection) -> int:
    """Items not in any narrative yet (cheap: the 'nothing new' check)."""
    return int(con.sql(
        "SELECT count(*) FROM items i ANTI JOIN narrative_members m ON m.item_id = i.item_id"
    ).fetchall()[0][0])


def unassigned_windows(
    con: duckdb.DuckDBPyConnection, model: str, window_s: float
) -> list[tuple[int, int]]:
    """(window key, items) of embedded items in no narrative, oldest window first; the key
    is ``floor(epoch / window_s)``, as the clustering's UTC-aligned windows."""
    return [(int(k), int(n)) for k, n in con.sql(
        """
        SELECT CAST(floor(epoch(i.published_at) / $w) AS BIGINT) AS k, count(*)
        FROM items i
        ANTI JOIN narrative_members m ON m.item_id = i.item_id
        JOIN embeddings e ON e.content_hash = i.content_hash AND e.model = $model
        GROUP BY k ORDER BY k
        """,
        params={"model": model, "w": float(window_s)},
    ).fetchall()]


def load_unassigned(
    con: duckdb.DuckDBPyConnection, model: str, until: float | None = None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(item ids, published_at epoch seconds, vectors) of embedded items in no narrative,
    published before ``until`` (epoch seconds) when given."""
    table = con.sql(
        """
        SELECT i.item_id, epoch(i.published_at) AS t, e.vector
        FROM items i
        ANTI JOIN narrative_members m ON m.item_id = i.item_id
        JOIN embeddings e ON e.content_hash = i.content_hash AND e.model = $model
        WHERE $until IS NULL OR epoch(i.published_at) < $until
        ORDER BY t, i.item_id
        """,
        params={"model": model, "until": until},
    ).to_arrow_table()
    n = table.num_rows
    ids = table.column("item_id").to_pylist()
    times = table.column("t").to_numpy().astype(np.float64) if n else np.zeros(0)
    return ids, times, list_to_matrix(table.column("vector"), n)


def load_active(con: duckdb.DuckDBPyConnection, model: str) -> list[dict[str, Any]]:
    """Active narratives built with ``model``, as rows for ``NarrativeState.from_rows``."""
    table = con.sql(
        """
        SELECT narrative_id, size, epoch(first_seen_at) AS first_seen,
               epoch(last_seen_at) AS last_seen, status, merged_into, centroid
        FROM narratives
        WHERE status = 'active' AND model = $model
        ORDER BY first_seen_at, narrative_id
        """,
        params={"model": model},
    ).to_arrow_table()
    n = table.num_rows
    if n == 0:
        return []
    centroids = list_to_matrix(table.column("centroid"), n)
    rows = table.drop(["centroid"]).to_pylist()
    for row, centroid in zip(rows, centroids, strict=True):
        row["centroid"] = centroid
    return rows


def write_update(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    model: str,
    state: Any,
    result: Any,
    resolve: Any,
) -> None:
    """Persist one clustering update (call inside ``store.transaction()``).

    ``state``/``result``/``resolve`` are ``detectors.narratives`` objects; every narrative
    of ``result.touched`` is upserted from ``state``.
    """
    if result.assignments:
        ids = list(result.assignments)
        members = pa.table({
            "item_id": pa.array(ids, pa.string()),
            "narrative_id": pa.array([resolve(state, result.assignments[i][0]) for i in ids],
                                     pa.string()),
            "similarity": pa.array([result.assignments[i][1] for i in ids], pa.float64()),
        })
        con.register("_vigie_members", members)
        try:
            con.execute(
                """
                INSERT INTO narrative_members (item_id, narrative_id, similarity, joined_at,
                                               joined_run)
                SELECT m.item_id, m.narrative_id, m.similarity, i.published_at, $run
                FROM _vigie_members m JOIN items i USING (item_id)
                ON CONFLICT DO NOTHING
                """,
                {"run": run_id},
            )
        finally:
            con.unregister("_vigie_members")
    if result.merged:  # earlier members of merged narratives move to the final survivor
        redirects = pa.table({
            "loser": pa.array([m[0] for m in result.merged], pa.string()),
            "final": pa.array([resolve(state, m[1]) for m in result.merged], pa.string()),
        })
        con.register("_vigie_redirects", redirects)
        try:
            con.execute("UPDATE narrative_members SET narrative_id = r.final "
                        "FROM _vigie_redirects r WHERE narrative_members.narrative_id = r.loser")
            con.execute("UPDATE narratives SET merged_into = r.final "
                        "FROM _vigie_redirects r WHERE narratives.merged_into = r.loser")
        finally:
            con.unregister("_vigie_redirects")
    _upsert_narratives(con, run_id, model, state, result.touched, resolve)
    events = [(nid, "created", None, t) for nid, t in result.created]
    events += [(loser, "merged", survivor, t) for loser, survivor, t in result.merged]
    events += [(survivor, "absorbed", loser, t) for loser, survivor, t in result.merged]
    events += [(nid, "faded", None, t) for nid, t in result.faded]
    if events:
        table = pa.table({
            "narrative_id": pa.array([e[0] for e in events], pa.string()),
            "event": pa.array([e[1] for e in events], pa.string()),
            "other_id": pa.array([e[2] for e in events], pa.string()),
            "event_at": pa.array([_ts(e[3]) for e in events], pa.timestamp("us", tz="UTC")),
        })
        con.register("_vigie_events", table)
        try:
            con.execute("INSERT INTO narrative_events (narrative_id, event, other_id, event_at, "
                        "run_id) SELECT *, $run FROM _vigie_events", {"run": run_id})
        finally:
            con.unregister("_vigie_events")


def _upsert_narratives(con: duckdb.DuckDBPyConnection, run_id: str, model: str, state: Any,
                       touched: Iterable[str], resolve: Any) -> None:
    positions = sorted(state.index[n] for n in set(touched) if n in state.index)
    if not positions:
        return
    dim = state.means.shape[1]
    means = np.ascontiguousarray(state.means[positions], dtype=np.float32)
    offsets = pa.array(np.arange(0, (len(positions) + 1) * dim, dim, dtype=np.int32))
    rows = pa.table({
        "narrative_id": pa.array([state.ids[p] for p in positions], pa.string()),
        "size": pa.array([state.sizes[p] for p in positions], pa.int32()),
        "first_seen_at": pa.array([_ts(state.first_seen[p]) for p in positions],
                                  pa.timestamp("us", tz="UTC")),
        "last_seen_at": pa.array([_ts(state.last_seen[p]) for p in positions],
                                 pa.timestamp("us", tz="UTC")),
        "status": pa.array([state.status[p] for p in positions], pa.string()),
        "merged_into": pa.array([resolve(state, state.ids[p]) if state.status[p] == "merged"
                                 else None for p in positions], pa.string()),
        "centroid": pa.ListArray.from_arrays(offsets, pa.array(means.reshape(-1))),
    })
    con.register("_vigie_narratives", rows)
    try:
        con.execute(
            """
            INSERT INTO narratives (narrative_id, size, first_seen_at, last_seen_at, status,
                                    merged_into, centroid, model, created_run, updated_run)
            SELECT narrative_id, size, first_seen_at, last_seen_at, status, merged_into,
                   centroid::FLOAT[], $model, $run, $run
            FROM _vigie_narratives
            ON CONFLICT (narrative_id) DO UPDATE SET
                size = excluded.size, first_seen_at = excluded.first_seen_at,
                last_seen_at = excluded.last_seen_at, status = excluded.status,
                merged_into = excluded.merged_into, centroid = excluded.centroid,
                updated_run = excluded.updated_run
            """,
            {"model": model, "run": run_id},
        )
    finally:
        con.unregister("_vigie_narratives")


def label_sizes(con: duckdb.DuckDBPyConnection,
                narrative_ids: Iterable[str]) -> dict[str, tuple[int, int | None]]:
    """(size, size when last labelled) of the given narratives."""
    ids = sorted(set(narrative_ids))
    if not ids:
        return {}
    rows = con.execute("SELECT narrative_id, size, labelled_size FROM narratives "
                       "WHERE narrative_id IN (SELECT unnest($ids))", {"ids": ids}).fetchall()
    return {nid: (int(size), labelled) for nid, size, labelled in rows}


def language_counts(con: duckdb.DuckDBPyConnection,
                    narrative_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Language -> number of members, over every member of each given narrative."""
    ids = sorted(set(narrative_ids))
    if not ids:
        return {}
    rows = con.execute(
        """
        SELECT m.narrative_id, i.language, count(*)
        FROM narrative_members m JOIN items i USING (item_id)
        WHERE m.narrative_id IN (SELECT unnest($ids)) AND i.language IS NOT NULL
        GROUP BY ALL
        """, {"ids": ids}).fetchall()
    counts: dict[str, dict[str, int]] = {}
    for nid, lang, count in rows:
        counts.setdefault(nid, {})[lang] = int(count)
    return counts


def load_label_inputs(
    con: duckdb.DuckDBPyConnection, narrative_ids: Iterable[str], model: str,
    max_members: int | None = None, background_limit: int = 5000,
) -> tuple[dict[str, list[tuple[str, str, str | None]]], dict[str, np.ndarray],
           dict[str, np.ndarray], list[str]]:
    """Members (title, text, language), member vectors and centroids of the given
    narratives, and a deterministic sample of other narratives' texts (the background).

    ``max_members``: read at most this many members per narrative (a deterministic sample
    by hash of the item id), so labelling a million items does not hold them all; smaller
    narratives are read whole, in time order."""
    wanted = pa.table({"narrative_id": pa.array(sorted(set(narrative_ids)), pa.string())})
    con.register("_vigie_label_ids", wanted)
    try:
        table = con.sql(
            """
            SELECT m.narrative_id, coalesce(i.title, '') AS title,
                   coalesce(i.text, '') AS text, i.language, e.vector
            FROM narrative_members m
            JOIN _vigie_label_ids w USING (narrative_id)
            JOIN items i USING (item_id)
            JOIN embeddings e ON e.content_hash = i.content_hash AND e.model = $model
            QUALIFY $cap IS NULL
                 OR row_number() OVER (PARTITION BY m.narrative_id ORDER BY md5(m.item_id))
                    <= $cap
            ORDER BY m.narrative_id, i.published_at, i.item_id
            """,
            params={"model": model, "cap": max_members},
        ).to_arrow_table()
        cents = con.sql(
            "SELECT n.narrative_id, n.centroid FROM narratives n "
            "JOIN _vigie_label_ids USING (narrative_id) ORDER BY n.narrative_id"
        ).to_arrow_table()
        background = [r[0] for r in con.execute(
            f"""
            SELECT coalesce(i.title, '') || ' ' || coalesce(left(i.text, 500), '')
            FROM narrative_members m JOIN items i USING (item_id)
            ANTI JOIN _vigie_label_ids w ON w.narrative_id = m.narrative_id
            ORDER BY md5(m.item_id) LIMIT {int(background_limit)}
            """
        ).fetchall()]
    finally:
        con.unregister("_vigie_label_ids")
    vectors = list_to_matrix(table.column("vector"), table.num_rows)
    nids = table.column("narrative_id").to_pylist()
    titles, texts = table.column("title").to_pylist(), table.column("text").to_pylist()
    langs = table.column("language").to_pylist()
    del table
    members: dict[str, list[tuple[str, str, str | None]]] = {}
    rows_of: dict[str, list[int]] = {}
    for k, nid in enumerate(nids):
        members.setdefault(nid, []).append((titles[k], texts[k], langs[k]))
        rows_of.setdefault(nid, []).append(k)
    member_vectors = {nid: vectors[rows] for nid, rows in rows_of.items()}
    centroid_matrix = list_to_matrix(cents.column("centroid"), cents.num_rows)
    centroids = dict(zip(cents.column("narrative_id").to_pylist(), centroid_matrix,
                         strict=True))
    return members, member_vectors, {n: centroids[n] for n in members}, background


def write_labels(con: duckdb.DuckDBPyConnection, labels: Mapping[str, Any]) -> None:
    """Store ``detectors.labels.NarrativeLabel`` objects by narrative id, with the size they
    were computed at (``labelled_size``)."""
    ids = sorted(labels)
    _update_narratives(con, pa.table({
        "narrative_id": pa.array(ids, pa.string()),
        "label": pa.array([labels[n].label for n in ids], pa.string()),
        "keywords": pa.array([labels[n].keywords for n in ids], pa.list_(pa.string())),
        "headline": pa.array([labels[n].headline for n in ids], pa.string()),
        "languages": pa.array([labels[n].languages for n in ids], pa.list_(pa.string())),
    }), "label = l.label, keywords = l.keywords, headline = l.headline, "
        "languages = l.languages, labelled_size = narratives.size")


def write_languages(con: duckdb.DuckDBPyConnection,
                    languages: Mapping[str, list[str]]) -> None:
    """Store narratives' languages (most frequent first), keeping their keywords and
    headline."""
    ids = sorted(languages)
    _update_narratives(con, pa.table({
        "narrative_id": pa.array(ids, pa.string()),
        "languages": pa.array([languages[n] for n in ids], pa.list_(pa.string())),
    }), "languages = l.languages")


def _update_narratives(con: duckdb.DuckDBPyConnection, rows: pa.Table, assignments: str) -> None:
    """``UPDATE narratives SET <assignments>`` from ``rows`` (``l``), by narrative id."""
    if not rows.num_rows:
        return
    con.register("_vigie_labels", rows)
    try:
        con.execute(f"UPDATE narratives SET {assignments} FROM _vigie_labels l "
                    "WHERE narratives.narrative_id = l.narrative_id")
    finally:
        con.unregister("_vigie_labels")


def narrative_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.sql("SELECT status, count(*) FROM narratives GROUP BY status").fetchall()
    return {status: int(n) for status, n in rows}
