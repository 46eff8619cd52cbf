"""QUT coordination-network-toolkit 1.5.2: co_tweet and co_similar_tweet networks.

Sources are the toolkit's users; there are no repost ids (every post counts as original), no
URLs. The toolkit returns user-pair edges (minimum weight 1): the accounts in an edge are the
coordinated ones, and every item they posted is predicted coordinated (the toolkit does not point
at items; this is how its output reaches an item-level score).
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import tempfile
from pathlib import Path

import polars as pl

WINDOW_S = 3600
SIMILARITY = 0.8
THREADS = 2

# The toolkit flags accounts (user pairs); every message of a flagged account is predicted.
# Its queries join each message with itself, so every user gets a self-loop: skip those.
_ITEMS_OF_FLAGGED_USERS = """
    select message_id from edge
    where user_id in (select user_1 from {table} where user_1 != user_2)
"""


def _load(db_path: str, mix: pl.DataFrame) -> None:
    from coordination_network_toolkit.preprocess import preprocess_data

    rows = (
        (eid, src, src, None, None, text, ts.timestamp(), [])
        for eid, src, text, ts in mix.select(
            "external_id", "source", "text", "published_at"
        ).iter_rows()
    )
    preprocess_data(db_path, rows)


def coordinated_items(mix: pl.DataFrame, method: str = "co_tweet") -> set[str]:
    """External ids the toolkit's ``co_tweet`` or ``co_similar_tweet`` network puts behind edges."""
    from coordination_network_toolkit import compute_networks as cn
    from coordination_network_toolkit.database import COMMAND_TABLE_MAPPING

    with tempfile.TemporaryDirectory(prefix="vigie-cnt-") as tmp:
        db_path = str(Path(tmp) / "cnt.db")
        with contextlib.redirect_stdout(io.StringIO()):  # the toolkit prints progress
            _load(db_path, mix)
            if method == "co_tweet":
                cn.compute_co_tweet_network(db_path, WINDOW_S, n_threads=THREADS)
            elif method == "co_similar_tweet":
                cn.compute_co_similar_tweet(
                    db_path, WINDOW_S, n_threads=THREADS, similarity_threshold=SIMILARITY
                )
            else:
                raise ValueError(f"unknown method {method!r}")
        db = sqlite3.connect(db_path)
        try:
            table = COMMAND_TABLE_MAPPING[method]
            return {row[0] for row in db.execute(_ITEMS_OF_FLAGGED_USERS.format(table=table))}
        finally:
            db.close()
