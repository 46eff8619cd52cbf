"""MinHash signatures and LSH candidate pairs of normalised texts (pure).

datasketch's signatures and band layout; the bands are grouped with polars instead of
inserting every signature into a ``MinHashLSH`` (same candidate pairs, tested), so a
million texts stay near-linear. Signatures can be cached by the caller (per content, keyed
by :func:`key_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache

import numpy as np
import polars as pl

from detectors.text import shingles


def key_hash(key: str) -> str:
    """Identity of a normalised text (what a cached signature was computed from)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


MINHASH_SCHEME = "affine32"  # datasketch's hashing scheme (its default since 2.0)
MINHASH_SEED = 1
MINHASH_BATCH = 10_000


def signature_params(num_perm: int, shingle_size: int) -> str:
    """What a signature depends on: a cached one is reused only under the same string."""
    return f"perm={num_perm};shingle={shingle_size};seed={MINHASH_SEED};{MINHASH_SCHEME}"


def minhash_signatures(keys: Sequence[str], num_perm: int, shingle_size: int) -> np.ndarray:
    """datasketch MinHash signatures of normalised texts: (len(keys), num_perm) uint32."""
    from datasketch import MinHash

    out = np.zeros((len(keys), num_perm), dtype=np.uint32)
    # a batch of shingle sets at a time: a million texts' sets at once take gigabytes
    for start in range(0, len(keys), MINHASH_BATCH):
        sets = [[s.encode("utf-8") for s in shingles(k, shingle_size)]
                for k in keys[start:start + MINHASH_BATCH]]
        hashed = MinHash.bulk(sets, num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)
        out[start:start + len(sets)] = np.vstack([m.hashvalues for m in hashed])
    return out


@cache
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's MinHashLSH picks for this threshold."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def lsh_pairs(signatures: np.ndarray, threshold: float, max_bucket: int = 200
              ) -> list[tuple[int, int]]:
    """Pairs of rows sharing all the values of at least one band: the candidates
    datasketch's MinHashLSH returns (same bands), found by grouping each band's values
    (near-linear, plus the pairs inside each group); a group larger than ``max_bucket``
    gives the pairs of its first row with each other one only."""
    n, num_perm = signatures.shape
    if n < 2:
        return []
    b, r = lsh_bands(threshold, num_perm)
    sig = signatures.astype(np.uint64)
    pairs = pl.DataFrame(schema={"u": pl.Int64, "v": pl.Int64})
    for band in range(b):
        part = sig[:, band * r:(band + 1) * r]
        cols = {f"k{j}": (part[:, 2 * j] << np.uint64(32)) | (part[:, 2 * j + 1]
                                                               if 2 * j + 1 < r else 0)
                for j in range((r + 1) // 2)}
        frame = pl.DataFrame({**cols, "u": np.arange(n, dtype=np.int64)})
        keys = list(cols)
        groups = (frame.group_by(keys).agg(pl.col("u")).filter(pl.col("u").list.len() >= 2)
                  .select("u"))
        if groups.height:
            big = pl.col("u").list.len() > max_bucket
            # every pair inside an ordinary bucket; a bucket of more than `max_bucket`
            # distinct texts (shared boilerplate, or a mass of variants) as a star around
            # its first text: its pairs would grow with the square of its size
            full = (groups.filter(~big).with_columns(pl.col("u").alias("v"))
                    .explode("u").explode("v").filter(pl.col("u") < pl.col("v")))
            star = (groups.filter(big).select(pl.col("u").list.min().alias("u"),
                                              pl.col("u").alias("v"))
                    .explode("v").filter(pl.col("u") < pl.col("v")))
            # deduplicated band by band: near-copies share most bands
            pairs = pl.concat([pairs, full, star]).unique()
    pairs = pairs.sort(["u", "v"])
    return list(zip(pairs["u"].to_list(), pairs["v"].to_list(), strict=True))
