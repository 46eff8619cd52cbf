"""Store side of the neighbour-search state: what each narrative's last embedding-neighbour
search saw and found (``detectors.score_state.Searched``), so the next one searches only what
changed. Written with the narrative's score state, read back as numpy columns."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TABLES = ("narrative_search_items", "narrative_search_pairs")


def load_search_state(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """narrative_id -> {items, keys, times, rows, cols, cosines} of its last search."""
    items = con.sql("SELECT narrative_id, item_id, item_key, published_s "
                    "FROM narrative_search_items ORDER BY narrative_id, pos").to_arrow_table()
    pairs = con.sql("SELECT narrative_id, row_pos, col_pos, cosine "
                    "FROM narrative_search_pairs ORDER BY narrative_id").to_arrow_table()
    out: dict[str, dict[str, Any]] = {}
    ids, keys = items.column("item_id").to_pylist(), items.column("item_key").to_pylist()
    times = items.column("published_s").to_numpy()
    for nid, lo, hi in _runs(items.column("narrative_id")):
        out[nid] = {"items": ids[lo:hi], "keys": keys[lo:hi], "times": times[lo:hi],
                    "rows": np.zeros(0, np.int32), "cols": np.zeros(0, np.int32),
                    "cosines": np.zeros(0, np.float32)}
    rows = pairs.column("row_pos").to_numpy()
    cols = pairs.column("col_pos").to_numpy()
    cos = pairs.column("cosine").to_numpy()
    for nid, lo, hi in _runs(pairs.column("narrative_id")):
        if nid in out:
            out[nid].update(rows=rows[lo:hi], cols=cols[lo:hi], cosines=cos[lo:hi])
    return out


def _runs(labels: pa.ChunkedArray) -> list[tuple[str, int, int]]:
    """(label, start, end) of each run of equal labels (the rows are sorted by label)."""
    arr = labels.combine_chunks()
    n = len(arr)
    if n == 0:
        return []
    change = pc.not_equal(arr.slice(1), arr.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    cut = np.r_[0, np.flatnonzero(change) + 1, n]
    names = arr.take(pa.array(cut[:-1])).to_pylist()
    return list(zip(names, cut[:-1].tolist(), cut[1:].tolist(), strict=True))


def write_search_state(con: duckdb.DuckDBPyConnection, searched: dict[str, Any]) -> None:
    """Replace the search state of these narratives (``Searched``-like values)."""
    if not searched:
        return
    nids = list(searched)
    s = list(searched.values())
    items = pa.table({
        "narrative_id": _repeated(nids, [len(x.items) for x in s]),
        "pos": pa.array(np.concatenate([np.arange(len(x.items), dtype=np.int32) for x in s]),
                        pa.int32()),
        "item_id": pa.array([i for x in s for i in x.items], pa.string()),
        "item_key": pa.array([k for x in s for k in x.keys], pa.string()),
        "published_s": pa.array(np.concatenate([x.times for x in s]), pa.float64()),
    })
    pairs = pa.table({
        "narrative_id": _repeated(nids, [len(x.rows) for x in s]),
        "row_pos": pa.array(np.concatenate([x.rows for x in s]), pa.int32()),
        "col_pos": pa.array(np.concatenate([x.cols for x in s]), pa.int32()),
        "cosine": pa.array(np.concatenate([x.cosines for x in s]), pa.float32()),
    })
    wanted = pa.table({"narrative_id": pa.array(nids, pa.string())})
    con.register("_vigie_search_nids", wanted)
    con.register("_vigie_search_items", items)
    con.register("_vigie_search_pairs", pairs)
    try:
        for table in TABLES:
            con.execute(f"DELETE FROM {table} WHERE narrative_id IN "
                        "(SELECT narrative_id FROM _vigie_search_nids)")
        con.execute("INSERT INTO narrative_search_items SELECT * FROM _vigie_search_items")
        con.execute("INSERT INTO narrative_search_pairs SELECT * FROM _vigie_search_pairs")
    finally:
        for name in ("_vigie_search_nids", "_vigie_search_items", "_vigie_search_pairs"):
            con.unregister(name)


def _repeated(names: list[str], counts: list[int]) -> pa.DictionaryArray:
    """Each name repeated ``counts`` times, dictionary-encoded: at a million items the pairs
    are tens of millions of rows, and one string each would be gigabytes."""
    index = np.repeat(np.arange(len(names), dtype=np.int32), counts)
    return pa.DictionaryArray.from_arrays(pa.array(index), pa.array(names, pa.string()))


def forget_search_state(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        con.execute(f"DELETE FROM {table}")
