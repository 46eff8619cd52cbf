"""Store side of the signals stage: read items, sources, vectors and cached MinHash
signatures; write signals, evidence, source edges and flags (one transaction, replacing
earlier rows: idempotent), the signatures computed and each scored narrative's state."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from vigie.store.embeddings import vectors_for_contents
from vigie.store.search_state import TABLES as SEARCH_TABLES
from vigie.store.search_state import forget_search_state

if TYPE_CHECKING:  # polars is imported when used: a pass with nothing new skips it
    import polars as pl

ITEMS_SQL = """
WITH latest AS (SELECT max(published_at) AS t FROM items)
SELECT i.item_id, m.narrative_id, i.source_id,
       coalesce(i.domain, s.domain) AS domain, i.title, i.text, i.language, i.published_at,
       i.content_hash, h.key_hash, h.signature
FROM items i
CROSS JOIN latest
LEFT JOIN narrative_members m ON m.item_id = i.item_id
LEFT JOIN narratives n ON n.narrative_id = m.narrative_id
LEFT JOIN sources s ON s.source_id = i.source_id
LEFT JOIN minhash_signatures h ON h.content_hash = i.content_hash AND h.params = $params
-- active narratives, plus those this run touched even when they faded in the same run
-- (a bulk import of history: its narratives are older than the fading delay)
WHERE (m.narrative_id IS NULL OR n.status = 'active'
       OR (n.status = 'faded' AND n.updated_run = $run_id))
  -- the lookback window, plus every narrative this run touched (history older than the
  -- window is scored too)
  AND (i.published_at >= latest.t - to_days($days) OR n.updated_run = $run_id)
ORDER BY i.published_at, i.item_id
"""

SOURCES_SQL = """
WITH hist AS (
    SELECT source_id, min(published_at) AS first_item,
           count(DISTINCT CAST(published_at AS DATE)) AS active_days
    FROM items GROUP BY source_id
)
SELECT s.source_id, s.name, coalesce(s.domain, s.registered_domain) AS domain,
       least(s.added_at, h.first_item) AS first_seen, coalesce(h.active_days, 0) AS active_days
FROM sources s LEFT JOIN hist h ON h.source_id = s.source_id
ORDER BY s.source_id
"""


def load_inputs(
    con: duckdb.DuckDBPyConnection, model: str, lookback_days: int, run_id: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray | None]:
    """Recent items (with their active narrative, if any), sources with their observed
    history, and the items' vectors for ``model`` (None when no item has one; zero rows
    for the items not embedded yet)."""
    items, sources, vectors, _ = load_scoring_inputs(con, model, lookback_days, run_id)
    return items, sources, vectors


def load_scoring_inputs(
    con: duckdb.DuckDBPyConnection, model: str, lookback_days: int, run_id: str | None = None,
    signature_params: str = "", num_perm: int = 0,
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray | None,
           tuple[np.ndarray, list[str | None]] | None]:
    """:func:`load_inputs`, plus the cached MinHash signatures of the items' contents for
    ``signature_params`` (a (rows, num_perm) uint32 matrix, zero rows where none, and the
    key hash each signs), None when none is cached. ``items`` has a content_hash column."""
    import polars as pl

    params = {"days": int(lookback_days), "run_id": run_id, "params": signature_params}
    table = con.sql(ITEMS_SQL, params=params).to_arrow_table()
    sig_col = table.column("signature")
    key_col = table.column("key_hash")
    items = pl.from_arrow(table.drop_columns(["signature", "key_hash"]))
    assert isinstance(items, pl.DataFrame)
    vectors = vectors_for_contents(con, items["content_hash"].to_list(), model)
    signatures = None
    if num_perm and sig_col.null_count < table.num_rows:
        blobs = sig_col.to_pylist()
        width = 4 * num_perm
        ok = [i for i, b in enumerate(blobs) if b is not None and len(b) == width]
        sigs = np.zeros((table.num_rows, num_perm), dtype=np.uint32)
        if ok:
            sigs[ok] = np.frombuffer(b"".join(blobs[i] for i in ok), dtype="<u4").reshape(
                len(ok), num_perm)
        keys = key_col.to_pylist()
        signatures = (sigs, [keys[i] if blobs[i] is not None and len(blobs[i]) == width
                             else None for i in range(table.num_rows)])
    sources = con.sql(SOURCES_SQL).pl()
    return items, sources, vectors, signatures


def write_signatures(
    con: duckdb.DuckDBPyConnection, params: str, rows: list[tuple[str, str, np.ndarray]]
) -> int:
    """Cache MinHash signatures: (content_hash, key hash, signature) rows; rows whose
    content already has one for ``params`` are ignored. Returns the rows offered."""
    seen: dict[str, tuple[str, bytes]] = {}
    for chash, key, sig in rows:
        if chash and chash not in seen:
            seen[chash] = (key, np.asarray(sig, dtype="<u4").tobytes())
    if not seen:
        return 0
    frame = pa.table({
        "content_hash": pa.array(list(seen), pa.string()),
        "params": pa.array([params] * len(seen), pa.string()),
        "key_hash": pa.array([k for k, _ in seen.values()], pa.string()),
        "signature": pa.array([b for _, b in seen.values()], pa.binary()),
    })
    con.register("_vigie_sigs", frame)
    try:
        con.execute("INSERT OR IGNORE INTO minhash_signatures "
                    "SELECT content_hash, params, key_hash, signature FROM _vigie_sigs")
    finally:
        con.unregister("_vigie_sigs")
    return len(seen)


def load_score_state(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, list]]:
    """narrative_id -> (block digest, inputs digest, links) of each narrative's last scoring."""
    rows = con.execute("SELECT narrative_id, block_digest, inputs_digest, links "
                       "FROM narrative_score_state").fetchall()
    return {nid: (block, inputs, [tuple(p) for p in json.loads(links or "[]")])
            for nid, block, inputs, links in rows}


def write_score_state(
    con: duckdb.DuckDBPyConnection, run_id: str, state: dict[str, Any], at: datetime
) -> None:
    """Replace the state of the narratives scored (``detectors.score_state.ScoreState`` values)."""
    if not state:
        return
    frame = pa.table({
        "narrative_id": pa.array(list(state), pa.string()),
        "block_digest": pa.array([s.block for s in state.values()], pa.string()),
        "inputs_digest": pa.array([s.inputs for s in state.values()], pa.string()),
        "links": pa.array([json.dumps([list(p) for p in s.links]) for s in state.values()],
                          pa.string()),
    })
    con.register("_vigie_state", frame)
    try:
        con.execute("DELETE FROM narrative_score_state WHERE narrative_id IN "
                    "(SELECT narrative_id FROM _vigie_state)")
        con.execute("INSERT INTO narrative_score_state SELECT narrative_id, block_digest, "
                    "inputs_digest, links::JSON, ?, ? FROM _vigie_state", [run_id, at])
    finally:
        con.unregister("_vigie_state")


def prune_score_state(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the score and search state of merged narratives: their members moved to the
    survivor and they are never scored again (the search state is a row per member)."""
    for table in ("narrative_score_state", *SEARCH_TABLES):
        con.execute(f"DELETE FROM {table} WHERE narrative_id IN "
                    "(SELECT narrative_id FROM narratives WHERE status = 'merged')")


def forget_scoring(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what the last scorings recorded: the next scoring rescores every narrative."""
    con.execute("DELETE FROM score_state")
    con.execute("DELETE FROM narrative_score_state")
    forget_search_state(con)


def write_results(
    con: duckdb.DuckDBPyConnection, run_id: str, result: Any, computed_at: datetime
) -> None:
    """Replace signals/evidence/flags of the scored narratives and the whole source network.

    ``result`` is a :class:`detectors.signals.SignalsResult`. Call inside a transaction.
    """
    import polars as pl

    nids = list(result.narratives)
    if nids:
        scope = pl.DataFrame({"narrative_id": nids})
        con.register("_vigie_scored", scope.to_arrow())
        try:
            for table in ("signals", "evidence"):
                con.execute(f"DELETE FROM {table} WHERE narrative_id IN "
                            "(SELECT narrative_id FROM _vigie_scored)")
            first = dict(con.execute(
                "SELECT narrative_id, first_flagged_at FROM flags WHERE narrative_id IN "
                "(SELECT narrative_id FROM _vigie_scored)").fetchall())
            con.execute("DELETE FROM flags WHERE narrative_id IN "
                        "(SELECT narrative_id FROM _vigie_scored)")
        finally:
            con.unregister("_vigie_scored")
    else:
        first = {}
    sig_rows, ev_rows, flag_rows = [], [], []
    for nid, r in result.narratives.items():
        for kind, (value, detail) in sorted(r.signals.items()):
            sig_rows.append((nid, kind, float(value), json.dumps(detail, default=str), run_id,
                             computed_at))
        for e in r.evidence:
            ev_rows.append((nid, e.kind, e.item_id, e.other_item_id, e.score,
                            json.dumps(e.detail, default=str)))
        was = first.get(nid)
        flag_rows.append((nid, float(r.score), bool(r.flagged), list(r.reasons),
                          json.dumps(r.reason_codes, ensure_ascii=False),
                          was or (computed_at if r.flagged else None), computed_at, run_id))
    # Arrow batches, not executemany: DuckDB runs executemany as one statement per row
    # (~0.6 ms each; 1.7 s for 3,000 signal rows, 0.1 s as one batch).
    if sig_rows:
        _bulk(con, "signals", ["narrative_id", "kind", "value", "detail", "run_id",
                               "computed_at"], sig_rows)
    if ev_rows:
        _bulk(con, "evidence", ["narrative_id", "kind", "item_id", "other_item_id", "score",
                                "detail"], ev_rows)
    if flag_rows:
        _bulk(con, "flags", ["narrative_id", "score", "flagged", "reasons", "reason_codes",
                             "first_flagged_at", "updated_at", "run_id"], flag_rows)
    con.execute("DELETE FROM source_edges")
    edge_rows = [(e.source_a, e.source_b, float(e.weight), e.window_s, e.community,
                  json.dumps({"coordinated": e.coordinated, "p_value": e.p_value,
                              "pairs": e.pairs}), run_id) for e in result.edges]
    if edge_rows:
        _bulk(con, "source_edges", ["source_a", "source_b", "weight", "window_s", "community",
                                    "evidence", "run_id"], edge_rows)


_JSON_COLUMNS = ("detail", "evidence", "reason_codes")  # written as JSON text


def _bulk(con: duckdb.DuckDBPyConnection, table: str, cols: list[str], rows: list[tuple]) -> None:
    import polars as pl

    # Read every row to type the columns: a column may be null for the first hundreds of rows.
    frame = pl.DataFrame(rows, schema=cols, orient="row", infer_schema_length=None)
    con.register("_vigie_bulk", frame.to_arrow())
    try:
        casts = ", ".join(f"{c}::JSON" if c in _JSON_COLUMNS else c for c in cols)
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {casts} FROM _vigie_bulk")
    finally:
        con.unregister("_vigie_bulk")


INPUTS_FINGERPRINT_SQL = """
SELECT
  (SELECT count(*) || '/' || coalesce(max(first_seen_at)::VARCHAR, '') || '/'
          || coalesce(max(updated_at)::VARCHAR, '') FROM items),
  (SELECT count(*) || '/' || coalesce(max(joined_at)::VARCHAR, '') FROM narrative_members),
  (SELECT count(*) || '/' || coalesce(sum(size), 0) || '/'
          || count(*) FILTER (WHERE status = 'active') FROM narratives),
  (SELECT count(*) || '/' || coalesce(max(added_at)::VARCHAR, '') FROM sources),
  (SELECT count(*) FROM embeddings WHERE model = $model)
"""


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, model: str) -> str:
    """A cheap summary that changes whenever anything the scores depend on changes."""
    row = con.sql(INPUTS_FINGERPRINT_SQL, params={"model": model}).fetchall()[0]
    return "|".join(str(v) for v in row)


def last_fingerprint(con: duckdb.DuckDBPyConnection, key: str = "signals") -> str | None:
    """``key``: 'signals' (inputs and configuration) or 'signals-config' (configuration)."""
    rows = con.execute("SELECT fingerprint FROM score_state WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def save_fingerprint(
    con: duckdb.DuckDBPyConnection, fingerprint: str, at: datetime, key: str = "signals"
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO score_state (key, fingerprint, scored_at) VALUES (?, ?, ?)",
        [key, fingerprint, at],
    )


def flagged_count(con: duckdb.DuckDBPyConnection, narratives: list[str] | None = None) -> int:
    """Flagged narratives (among ``narratives`` when given)."""
    if narratives is None:
        return int(con.execute("SELECT count(*) FROM flags WHERE flagged").fetchall()[0][0])
    return int(con.execute("SELECT count(*) FROM flags WHERE flagged AND narrative_id IN "
                           "(SELECT unnest(?::VARCHAR[]))", [narratives]).fetchall()[0][0])
