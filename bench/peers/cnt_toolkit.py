"""QUT coordination-network-toolkit 1.5.2: co_tweet and co_similar_tweet networks.

Sources are the toolkit's users; there are no repost ids (every post counts as original), no
URLs. The toolkit returns user-pair edges; an item is predicted coordinated when it is one of the
messages behind an edge (it matched a message of the edge's other user within the window).
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

# The messages behind each edge: the toolkit's own join, restricted to its network's edges.
_CO_TWEET_ITEMS = """
    select distinct e_1.message_id
    from edge e_1
    join edge e_2
      on (e_1.transformed_message_length, e_1.transformed_message_hash, e_1.transformed_message)
       = (e_2.transformed_message_length, e_2.transformed_message_hash, e_2.transformed_message)
      and e_2.timestamp between e_1.timestamp - ?1 and e_1.timestamp + ?1
      and e_1.user_id != e_2.user_id
    join co_tweet_network n on n.user_1 = e_1.user_id and n.user_2 = e_2.user_id
"""
_CO_SIMILAR_ITEMS = """
    select distinct e_1.message_id
    from edge e_1
    join edge e_2
      on e_2.timestamp between e_1.timestamp - ?1 and e_1.timestamp + ?1
      and e_1.user_id != e_2.user_id
    join co_similar_tweet_network n on n.user_1 = e_1.user_id and n.user_2 = e_2.user_id
    where e_1.repost_id is null and e_2.repost_id is null
      and e_1.token_set is not null and e_2.token_set is not null
      and similarity(e_1.token_set, e_2.token_set) >= ?2
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
    from coordination_network_toolkit.similarity import similarity

    with tempfile.TemporaryDirectory(prefix="vigie-cnt-") as tmp:
        db_path = str(Path(tmp) / "cnt.db")
        with contextlib.redirect_stdout(io.StringIO()):  # the toolkit prints progress
            _load(db_path, mix)
            if method == "co_tweet":
                cn.compute_co_tweet_network(db_path, WINDOW_S, n_threads=THREADS)
                query, params = _CO_TWEET_ITEMS, (WINDOW_S,)
            elif method == "co_similar_tweet":
                cn.compute_co_similar_tweet(
                    db_path, WINDOW_S, n_threads=THREADS, similarity_threshold=SIMILARITY
                )
                query, params = _CO_SIMILAR_ITEMS, (WINDOW_S, SIMILARITY)
            else:
                raise ValueError(f"unknown method {method!r}")
        db = sqlite3.connect(db_path)
        try:
            db.create_function("similarity", 2, similarity)
            return {row[0] for row in db.execute(query, params)}
        finally:
            db.close()
