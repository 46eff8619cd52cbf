"""Helpers for analysts' notebooks, over a Parquet snapshot (never the live store).

    from vigie.explore import open_snapshot
    snap = open_snapshot()               # ./data/snapshot, or open_snapshot("path/to/snapshot")
    snap.narratives()                    # polars DataFrame, best score first
    snap.narrative_items("N-...")        # one narrative's items
    snap.duplicate_pairs("N-...")        # copy-paste / rewording / translation pairs + diffs
    snap.source_graph()                  # networkx co-publication graph of sources
    snap.embedding_map()                 # 2-D map of item embeddings (UMAP or PCA)
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import networkx as nx
import numpy as np
import polars as pl

from vigie.store import snapshot as queries

PAIR_KINDS = ("copy_paste", "rewording", "translation")


class Snapshot:
    """A snapshot folder opened through an in-memory DuckDB (views over its Parquet files)."""

    def __init__(self, path: Path | str, timezone: str = "Europe/Paris") -> None:
        from vigie.snapshot import read_manifest

        # Resolve the link once: the snapshot may be replaced while we read this one.
        self.path = Path(path).resolve()
        self.manifest = read_manifest(self.path)
        self.timezone = timezone
        self.con = duckdb.connect()
        # Inside Jupyter without ipywidgets, DuckDB refuses this setting: not needed there.
        with contextlib.suppress(duckdb.Error):
            self.con.execute("SET enable_progress_bar = false")
        self.tables = queries.attach_views(self.con, self.path)

    def __repr__(self) -> str:
        rows = ", ".join(f"{k}={v}" for k, v in self.manifest["tables"].items())
        return f"<Snapshot {self.manifest['version']}: {rows}>"

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sql(self, query: str) -> pl.DataFrame:
        """Any read-only SQL over the snapshot's tables, as polars."""
        return self.con.sql(query).pl()

    # --- narratives -------------------------------------------------------------------------

    def narratives(self) -> pl.DataFrame:
        return queries.narratives_overview(self.con)

    def items(self) -> pl.DataFrame:
        return queries.items_frame(self.con)

    def narrative_items(self, narrative_id: str) -> pl.DataFrame:
        return queries.items_frame(self.con, narrative_id)

    def narrative_sources(self, narrative_id: str) -> pl.DataFrame:
        return queries.narrative_sources(self.con, narrative_id)

    def duplicate_pairs(
        self, narrative_id: str, kinds: tuple[str, ...] = PAIR_KINDS
    ) -> pl.DataFrame:
        """Evidence pairs with both items side by side and a word diff of their titles+texts."""
        pairs = queries.evidence_pairs(self.con, narrative_id, list(kinds))
        diffs = [
            word_diff(f"{r['title_a'] or ''}\n{r['text_a'] or ''}",
                      f"{r['title_b'] or ''}\n{r['text_b'] or ''}")
            for r in pairs.iter_rows(named=True)
        ]
        return pairs.with_columns(pl.Series("diff", diffs, dtype=pl.String))

    def translation_pairs(self, narrative_id: str) -> pl.DataFrame:
        return self.duplicate_pairs(narrative_id, ("translation",))

    def volume_by_day(self, by: str = "language") -> pl.DataFrame:
        """Items per local day and ``language``, ``source`` or ``narrative``."""
        if by not in ("language", "source", "narrative"):
            raise ValueError("by must be 'language', 'source' or 'narrative'")
        return queries.volume_by_day(self.con, by, self.timezone)

    # --- sources ----------------------------------------------------------------------------

    def source_graph(self, min_weight: float = 0.0) -> nx.Graph:
        """Sources as nodes (name, domain, items), co-publication edges (weight, community)."""
        graph = nx.Graph()
        for row in queries.source_nodes(self.con).iter_rows(named=True):
            graph.add_node(row.pop("source_id"), **row)
        for row in queries.source_edge_rows(self.con, min_weight).iter_rows(named=True):
            graph.add_edge(row.pop("source_a"), row.pop("source_b"), **row)
        return graph

    def source_groups(self, min_weight: float = 0.0) -> list[set[str]]:
        """Groups of sources acting together: communities of the co-publication graph."""
        graph = self.source_graph(min_weight)
        graph.remove_nodes_from([n for n, d in graph.degree() if d == 0])
        if graph.number_of_edges() == 0:
            return []
        groups = nx.community.louvain_communities(graph, weight="weight", seed=0)
        return sorted((set(g) for g in groups), key=lambda g: (-len(g), sorted(g)))

    def lookalike_domains(self) -> pl.DataFrame:
        frame = queries.lookalike_evidence(self.con)
        imitates = [_detail(d).get("imitates") or _detail(d).get("target") for d in frame["detail"]]
        return frame.with_columns(pl.Series("imitates", imitates, dtype=pl.String)).drop("detail")

    # --- embeddings -------------------------------------------------------------------------

    def embedding_map(self, method: str = "auto", random_state: int = 0) -> pl.DataFrame:
        """Items placed in 2-D (columns ``x``, ``y``) by UMAP if installed, else PCA."""
        if "embeddings" not in self.tables:
            raise ValueError("this snapshot has no embeddings (vigie snapshot --embeddings)")
        rows = queries.embedding_rows(self.con)
        if rows.height == 0:
            return rows.drop("vector").with_columns(x=pl.lit(0.0), y=pl.lit(0.0),
                                                    method=pl.lit("none"))
        vectors = np.asarray(rows["vector"].to_list(), dtype=np.float32)
        xy, used = project_2d(vectors, method, random_state)
        return rows.drop("vector").with_columns(
            pl.Series("x", xy[:, 0]), pl.Series("y", xy[:, 1]), method=pl.lit(used))


def project_2d(
    vectors: np.ndarray, method: str = "auto", random_state: int = 0
) -> tuple[np.ndarray, str]:
    """2-D coordinates of ``vectors``; returns them and the method used (``umap`` or ``pca``)."""
    n = len(vectors)
    if method in ("auto", "umap") and n >= 5:
        try:
            import umap  # type: ignore[import-not-found]
        except ImportError:
            if method == "umap":
                raise
        else:
            reducer = umap.UMAP(n_components=2, n_neighbors=min(15, n - 1),
                                random_state=random_state, n_jobs=1)
            return np.asarray(reducer.fit_transform(vectors)), "umap"
    if n < 2:
        return np.zeros((n, 2)), "pca"
    from sklearn.decomposition import PCA

    components = min(2, n, vectors.shape[1])
    xy = PCA(n_components=components, random_state=random_state).fit_transform(vectors)
    if components < 2:
        xy = np.hstack([xy, np.zeros((n, 2 - components))])
    return xy, "pca"


def word_diff(a: str, b: str) -> str:
    """Words removed ``[-...-]`` and added ``{+...+}`` from ``a`` to ``b`` (git --word-diff)."""
    wa, wb = a.split(), b.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(wa[i1:i2])
        if op in ("delete", "replace"):
            out.append("[-" + " ".join(wa[i1:i2]) + "-]")
        if op in ("insert", "replace"):
            out.append("{+" + " ".join(wb[j1:j2]) + "+}")
    return " ".join(out)


def _detail(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def open_snapshot(path: Path | str | None = None, data_dir: Path | str | None = None) -> Snapshot:
    """Open a snapshot folder.

    Default: ``$VIGIE_SNAPSHOT``, else the configured data folder's ``snapshot`` (``--data-dir``
    / ``$VIGIE_DATA_DIR`` / ``./data``), else ``../data/snapshot`` (a notebook started in
    ``notebooks/`` of a checkout).
    """
    from vigie.config import load_settings

    settings = load_settings(data_dir=data_dir)
    chosen = path or os.environ.get("VIGIE_SNAPSHOT")
    if not chosen:
        chosen = settings.snapshot_dir
        parent = Path("..") / "data" / "snapshot"
        if data_dir is None and not Path(chosen).exists() and parent.exists():
            chosen = parent
    return Snapshot(chosen, timezone=settings.digest.timezone)
