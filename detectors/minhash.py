"""MinHash signatures and LSH candidate pairs of normalised texts (pure).

datasketch's signatures and band layout; the bands are grouped by sorting instead of
inserting every signature into a ``MinHashLSH`` (same candidate pairs, tested), so a
million texts stay near-linear. Signatures can be cached by the caller (per content, keyed
by :func:`key_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache

import numpy as np

from detectors.arrays import sorted_unique
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
              ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows sharing all the values of at least one band: the candidates
    datasketch's MinHashLSH returns (same bands), found by sorting each band's values
    (near-linear, plus the pairs inside each group); a group larger than ``max_bucket``
    gives the pairs of its first row with each other one only. Returns the rows (u, v) of
    each pair, u < v, sorted, as two int64 arrays.

    Pairs are kept as one int64 key each (u * n + v) and merged band by band: near-copies
    share most bands, and a million texts give tens of millions of candidates."""
    n, num_perm = signatures.shape
    found = np.zeros(0, dtype=np.int64)
    if n >= 2:
        b, r = lsh_bands(threshold, num_perm)
        for band in range(b):
            part = np.ascontiguousarray(signatures[:, band * r:(band + 1) * r])
            found = sorted_unique(np.concatenate([found, _band_pairs(part, n, max_bucket)]))
    return found // max(n, 1), found % max(n, 1)


def _band_pairs(part: np.ndarray, n: int, max_bucket: int) -> np.ndarray:
    """Keys u * n + v (u < v) of the rows with equal values in this band."""
    order = np.lexsort(part.T[::-1])  # rows sorted by their band values
    rows = part[order]
    new = np.r_[True, np.any(rows[1:] != rows[:-1], axis=1)]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.r_[starts, n])
    keys = [np.zeros(0, dtype=np.int64)]
    for size in sorted(set(sizes[sizes >= 2].tolist())):
        # the groups of one size as a matrix of row numbers, each row sorted
        members = np.sort(order[starts[sizes == size, None] + np.arange(size)], axis=1)
        if size > max_bucket:
            # a bucket of more than `max_bucket` distinct texts (shared boilerplate, or a
            # mass of variants) as a star around its first text: its pairs would grow
            # with the square of its size
            u, v = np.repeat(members[:, :1], size - 1, axis=1), members[:, 1:]
        else:
            iu, ju = np.triu_indices(size, k=1)
            u, v = members[:, iu], members[:, ju]
        keys.append((u.astype(np.int64) * n + v).ravel())
    return sorted_unique(np.concatenate(keys))
