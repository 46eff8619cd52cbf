"""Embedding neighbours inside blocks (narratives), within time buckets, never all pairs.

Each item's k nearest items of its block at cosine >= a floor, among the items published in
its own or the previous horizon bucket (``neighbour_horizon_h``; 0 = the whole block). An
earlier search of the same blocks can be given (:class:`EarlierSearch`): a bucket whose rows
and candidates are all unchanged since then (no item added, changed or gone in it or in the
bucket before it) keeps the pairs found from its rows, and only the other buckets are
searched. New items arrive in the latest buckets, so a pass costs what is new, not the
narrative's history. Items are positions in the input arrays; pairs are returned as the
arrays (row, col, cosine), row by row: each pair from the side of the row that found it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detectors.arrays import normalise_rows

MAX_BLOCK_CELLS = 1 << 24  # similarity cells per matrix block (~64 MB of float32)

Found = tuple[np.ndarray, np.ndarray, np.ndarray]  # (row, col, cosine)


@dataclass
class EarlierSearch:
    """What an earlier search of the same blocks saw and found, in today's positions.

    ``settled``: per item, it was in the same block then with the same text, language,
    vector and time; ``gone``: per block number, the times of items the block held then
    and no longer holds (moved, changed or out of the window); ``found``: the pairs found
    then from settled rows to settled columns."""

    settled: np.ndarray
    gone: dict[int, np.ndarray] = field(default_factory=dict)
    found: Found = field(default_factory=lambda: empty())


def empty() -> Found:
    z = np.zeros(0, dtype=np.int64)
    return z, z.copy(), np.zeros(0, dtype=np.float32)


def concat(parts: list[Found]) -> Found:
    if not parts:
        return empty()
    return tuple(np.concatenate(c) for c in zip(*parts, strict=True))  # type: ignore[return-value]


@dataclass
class Search:
    """The pairs found (row, col, cosine), and how many rows were searched or kept."""

    found: Found
    rows_searched: int = 0
    rows_kept: int = 0


def neighbour_pairs(
    vectors: np.ndarray, blocks: np.ndarray, cfg: dict[str, Any],
    times: np.ndarray | None = None, earlier: EarlierSearch | None = None,
) -> Search:
    """Embedding neighbours (cosine >= translation threshold) inside each block (``blocks``:
    a block number per item, -1 for none), as arrays (row, col, cosine) in a :class:`Search`.

    With ``times`` and ``neighbour_horizon_h`` > 0, an item's neighbours are searched among
    the items of its block published in its own or the previous horizon bucket (so every
    pair less than a horizon apart is a candidate, none more than two): relays follow what
    they relay, and the cost grows with the block's daily volume, not its square.
    ``earlier``: the buckets it leaves unchanged are not searched again (module docstring);
    the result is the same as a search of everything."""
    floor = float(cfg["translation_cosine"])
    k = int(cfg["neighbours"])
    step = int(cfg["block_size"])
    horizon = float(cfg.get("neighbour_horizon_h", 0)) * 3600.0
    order = np.argsort(blocks, kind="stable")
    order = order[blocks[order] >= 0]
    bounds = np.flatnonzero(np.r_[True, np.diff(blocks[order]) != 0, True])
    reused = np.zeros(len(blocks), dtype=bool)  # rows whose earlier pairs stand
    out: list[Found] = []
    for lo_b, hi_b in zip(bounds[:-1], bounds[1:], strict=True):
        ids = order[lo_b:hi_b]
        if len(ids) < 2:
            continue
        changed = _changed_times(ids, int(blocks[ids[0]]), earlier, times)
        if times is None or horizon <= 0:
            if changed is not None and len(changed) == 0:
                reused[ids] = True
            else:
                out.append(_top_pairs(vectors, ids, ids, 0, k, floor, step))
            continue
        ids = ids[np.argsort(times[ids], kind="stable")]
        bucket = np.floor(times[ids] / horizon).astype(np.int64)
        # a bucket is searched again when it or the one before it changed
        dirty = None if changed is None else set(
            np.floor(changed / horizon).astype(np.int64).tolist())
        starts = np.flatnonzero(np.r_[True, np.diff(bucket) != 0])
        ends = np.r_[starts[1:], len(ids)]
        for n, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
            here = int(bucket[lo])
            if dirty is not None and here not in dirty and here - 1 not in dirty:
                reused[ids[lo:hi]] = True
                continue
            # candidates: this bucket and the previous one when it is adjacent in time
            first = starts[n - 1] if n and bucket[starts[n - 1]] == bucket[lo] - 1 else lo
            out.append(_top_pairs(vectors, ids[lo:hi], ids[first:hi], lo - first, k, floor,
                                  step))
    if earlier is not None:
        row, col, cos = earlier.found
        keep = reused[row]
        out.append((row[keep], col[keep], cos[keep]))
    n_rows = int(np.count_nonzero(blocks >= 0))
    kept = int(np.count_nonzero(reused))
    return Search(concat(out), n_rows - kept, kept)


def _changed_times(ids: np.ndarray, block: int, earlier: EarlierSearch | None,
                   times: np.ndarray | None) -> np.ndarray | None:
    """Times of what changed in one block since the earlier search (items not settled, and
    items gone); None when there is no earlier search to build on."""
    if earlier is None:
        return None
    fresh = ids[~earlier.settled[ids]]
    gone = earlier.gone.get(block, np.zeros(0))
    if times is None:
        return np.zeros(len(fresh) + len(gone))
    return np.concatenate([times[fresh], gone])


def _top_pairs(
    vectors: np.ndarray, rows_ids: np.ndarray, cols_ids: np.ndarray,
    offset: int, k: int, floor: float, step: int,
) -> Found:
    """Each row item's k nearest column items at cosine >= floor (itself excluded: row r is
    column ``offset + r``), as arrays (row item, column item, cosine), row by row."""
    if len(cols_ids) < 2:
        return empty()
    # normalised where gathered: only the rows searched (a pass that keeps most buckets
    # needs few), never all at once (the squares of a million vectors are 1.5 GB)
    m_cols = normalise_rows(vectors[cols_ids])
    out = []
    # Rows per matrix block shrink as the candidates grow: a block of rows costs
    # rows x candidates cells three times over (sims, -sims, argpartition's int64 output).
    rows_per = max(1, min(step, MAX_BLOCK_CELLS // len(cols_ids)))
    for start in range(0, len(rows_ids), rows_per):
        # the rows are columns offset.. of the candidates (a copy: BLAS rounds a product
        # by the operands' alignment, and a pair must get the same cosine from either side)
        m_rows = m_cols[offset + start: offset + start + rows_per].copy()
        sims = m_rows @ m_cols.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start + offset] = -1.0  # not oneself
        kk = min(k, sims.shape[1] - 1)
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        # row-major: the same pairs in the same order as a row-by-row loop
        rr, cc = np.repeat(rows, kk), top.ravel()
        ss = sims[rr, cc]
        keep = ss >= floor
        out.append((rows_ids[start + rr[keep]], cols_ids[cc[keep]], ss[keep]))
    return concat(out)
