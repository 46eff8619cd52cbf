"""Embedding cache: one vector per (content_hash, model) in table ``embeddings``.

Public API (other stages build on it):

- ``load_vectors(con, item_ids, model) -> np.ndarray``: float32 matrix, one
  L2-normalised row per item id, in the order given. Items share vectors through
  their ``content_hash``. Raises :class:`MissingEmbeddingError` if an item is unknown
  or not embedded yet for ``model`` (run the analyse stage first).
- ``contents_to_embed(con, model, limit=None) -> list[tuple[str, str | None, str | None]]``:
  (content_hash, title, text) of item contents with no vector for ``model`` yet.
- ``write_vectors(con, model, content_hashes, vectors) -> int``: bulk insert (Arrow),
  existing rows are kept (the cache is append-only per model).
- ``count_vectors(con, model) -> int``.

``model`` is the embedder's ``name`` (``detectors.embedding.Embedder.name``), e.g.
``"use-m3@0.2.1"``, never the short spec from the settings.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa


class MissingEmbeddingError(LookupError):
    """Some requested items have no vector for the model."""


def contents_to_embed(
    con: duckdb.DuckDBPyConnection, model: str, limit: int | None = None
) -> list[tuple[str, str | None, str | None]]:
    """Distinct contents of items lacking a vector for ``model`` (stable order)."""
    sql = """
        SELECT i.content_hash, any_value(i.title ORDER BY i.item_id),
               any_value(i.text ORDER BY i.item_id)
        FROM items i
        ANTI JOIN (SELECT content_hash FROM embeddings WHERE model = $model) e
            ON e.content_hash = i.content_hash
        GROUP BY i.content_hash
        ORDER BY i.content_hash
    """
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return con.execute(sql, {"model": model}).fetchall()


def write_vectors(
    con: duckdb.DuckDBPyConnection,
    model: str,
    content_hashes: Sequence[str],
    vectors: np.ndarray,
) -> int:
    """Insert vectors (rows aligned with ``content_hashes``); returns rows offered."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(content_hashes)
    if vectors.shape[0] != n:
        raise ValueError(f"{n} content hashes but {vectors.shape[0]} vectors")
    if n == 0:
        return 0
    dim = vectors.shape[1]
    offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32))
    column = pa.ListArray.from_arrays(offsets, pa.array(vectors.reshape(-1)))
    batch = pa.table({"content_hash": pa.array(list(content_hashes), pa.string()),
                      "vector": column})
    con.register("_vigie_new_vectors", batch)
    try:
        con.execute(
            """
            INSERT INTO embeddings (content_hash, model, vector)
            SELECT content_hash, $model, vector::FLOAT[] FROM _vigie_new_vectors
            ON CONFLICT DO NOTHING
            """,
            {"model": model},
        )
    finally:
        con.unregister("_vigie_new_vectors")
    return n


def count_vectors(con: duckdb.DuckDBPyConnection, model: str) -> int:
    return int(con.execute("SELECT count(*) FROM embeddings WHERE model = ?", [model])
               .fetchall()[0][0])


def list_to_matrix(column: pa.ChunkedArray | pa.Array, n: int) -> np.ndarray:
    """Arrow list<float> column -> (n, d) float32 matrix without per-row Python."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    flat = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return flat.reshape(n, -1)


def load_vectors(
    con: duckdb.DuckDBPyConnection, item_ids: Sequence[str], model: str
) -> np.ndarray:
    """Vectors of ``item_ids`` (in that order) for ``model`` as a float32 matrix."""
    ids = list(item_ids)
    if not ids:
        return np.zeros((0, 0), dtype=np.float32)
    wanted = pa.table({"item_id": pa.array(ids, pa.string()),
                       "pos": pa.array(np.arange(len(ids), dtype=np.int64))})
    con.register("_vigie_wanted_items", wanted)
    try:
        table = con.sql(
            """
            SELECT w.pos, e.vector
            FROM _vigie_wanted_items w
            JOIN items i ON i.item_id = w.item_id
            JOIN embeddings e ON e.content_hash = i.content_hash AND e.model = $model
            ORDER BY w.pos
            """,
            params={"model": model},
        ).to_arrow_table()
    finally:
        con.unregister("_vigie_wanted_items")
    if table.num_rows != len(ids):
        found = set(table.column("pos").to_numpy().tolist())
        missing = [ids[i] for i in range(len(ids)) if i not in found]
        raise MissingEmbeddingError(
            f"{len(missing)} of {len(ids)} items have no '{model}' vector "
            f"(first: {missing[:3]}); run the analyse stage first"
        )
    return list_to_matrix(table.column("vector"), len(ids))


VECTOR_BATCH = 50_000  # vectors per streamed batch


def vectors_for_contents(
    con: duckdb.DuckDBPyConnection, content_hashes: Sequence[str | None], model: str
) -> np.ndarray | None:
    """One row per given content hash (zeros where there is no ``model`` vector), or None
    when none has one. The vectors are streamed unsorted and written in place: sorting and
    converting a million 512-float vectors with their rows held three copies at once."""
    rows = [(h, k) for k, h in enumerate(content_hashes) if h is not None]
    if not rows:
        return None
    wanted = pa.table({"content_hash": pa.array(sorted({h for h, _ in rows}), pa.string())})
    positions: dict[str, list[int]] = {}
    for h, k in rows:
        positions.setdefault(h, []).append(k)
    con.register("_vigie_wanted_contents", wanted)
    vectors: np.ndarray | None = None
    try:
        reader = con.sql(
            """
            SELECT e.content_hash, e.vector
            FROM embeddings e SEMI JOIN _vigie_wanted_contents w USING (content_hash)
            WHERE e.model = $model
            """,
            params={"model": model},
        ).to_arrow_reader(VECTOR_BATCH)
        for batch in reader:
            if batch.num_rows == 0:
                continue
            mat = list_to_matrix(batch.column(1), batch.num_rows)
            if vectors is None:
                vectors = np.zeros((len(content_hashes), mat.shape[1]), dtype=np.float32)
            src, dst = [], []
            for k, h in enumerate(batch.column(0).to_pylist()):
                for row in positions[h]:
                    src.append(k)
                    dst.append(row)
            vectors[dst] = mat[src]
    finally:
        con.unregister("_vigie_wanted_contents")
    return vectors
