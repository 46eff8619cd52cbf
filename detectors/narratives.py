"""Incremental narrative clustering with stable ids (pure: arrays in, results out).

Items are processed in time windows aligned on UTC (``window_h``), oldest first, so the
result does not depend on how the data was split into runs as long as a run holds whole
windows (a day-by-day feed gives the same narratives as one big import). In each window:

1. **Join**: every item is compared with the centroid of each active narrative. The
   cosine is damped by how long the narrative has been quiet:
   ``score = cos(item, centroid) * 0.5 ** (quiet_hours / half_life_h)``; an item joins
   the best narrative when ``score >= join_threshold``.
2. **New narratives**: the items left over are grouped among themselves by average-linkage
   agglomerative clustering on cosine (``new_threshold``); a group whose centroid scores
   ``>= join_threshold`` against an existing narrative joins it, the others become new
   narratives (an outlier becomes a narrative of one item, which later items may join).
3. **Update and merge**: centroids (the mean of member vectors) and last-seen times are
   updated; two active narratives whose centroids reach ``merge_threshold`` merge into the
   larger one (ties: older, then smaller id). The loser keeps its id with status
   ``merged`` and ``merged_into`` the survivor, so old references still resolve.
4. **Fade**: a narrative quiet for ``fade_after_h`` stops attracting items (status
   ``faded``); nothing is deleted.

Ids: ``N-`` + 12 hex of sha256 of the earliest member's item id (earliest by time, then id),
so they are deterministic and never reused (an item is in exactly one narrative).
Cost per window: one matmul against the active centroids and an O(m^2) agglomerative
step on the m leftover items (m <= ``max_window_items``, larger windows are split in time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from detectors.arrays import normalise_rows
from detectors.narrative_state import NarrativeState, resolve

HOUR = 3600.0


@dataclass(frozen=True)
class NarrativeParams:
    """Clustering parameters (tuned on the CrisisLex dev data only; see docs/narratives.md)."""

    join_threshold: float = 0.20  # damped cosine item -> narrative centroid to join it
    new_threshold: float = 0.60  # average-linkage cosine grouping a window's items
    group_join_threshold: float = 0.40  # damped cosine group centroid -> narrative to join
    merge_threshold: float = 0.72  # centroid cosine at which two narratives merge
    half_life_h: float = 72.0  # a quiet narrative's pull halves every half_life_h
    fade_after_h: float = 24.0 * 14  # quiet this long -> faded (no longer a candidate)
    window_h: float = 6.0  # processing window, aligned on UTC; divides 24
    max_window_items: int = 4000  # bound of the quadratic step per window

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> NarrativeParams:
        known = {f.name for f in fields(cls)}
        values = dict(values or {})
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown narrative setting(s): {sorted(unknown)}")
        return cls(**values)


def narrative_id_for(first_item_id: str) -> str:
    return "N-" + hashlib.sha256(first_item_id.encode("utf-8")).hexdigest()[:12]


@dataclass
class UpdateResult:
    assignments: dict[str, tuple[str, float]]  # item id -> (narrative id at join, similarity)
    created: list[tuple[str, float]]  # (narrative id, time)
    merged: list[tuple[str, str, float]]  # (loser, survivor, time)
    faded: list[tuple[str, float]]
    touched: set[str]  # narratives whose members or status changed (merged ones included)


def _decay(quiet_s: np.ndarray, params: NarrativeParams) -> np.ndarray:
    return np.power(0.5, np.maximum(quiet_s, 0.0) / (params.half_life_h * HOUR))


def _best_match(
    state: NarrativeState, vectors: np.ndarray, times: np.ndarray, params: NarrativeParams,
    candidates: np.ndarray, chunk: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Best damped score and its narrative position for each row (-1 when none)."""
    n = len(vectors)
    best = np.full(n, -np.inf, dtype=np.float32)
    where = np.full(n, -1, dtype=np.int64)
    if len(candidates) == 0 or n == 0:
        return best, where
    centroids = state.units[candidates]
    last = state.last_seen[candidates]
    for start in range(0, n, chunk):
        sims = vectors[start:start + chunk] @ centroids.T
        quiet = times[start:start + chunk, None] - last[None, :]
        scores = sims * _decay(quiet, params).astype(np.float32)
        arg = np.argmax(scores, axis=1)
        best[start:start + chunk] = scores[np.arange(len(arg)), arg]
        where[start:start + chunk] = candidates[arg]
    return best, where


def _group(vectors: np.ndarray, params: NarrativeParams) -> np.ndarray:
    """Cluster labels of leftover items (average linkage on cosine)."""
    if len(vectors) == 1:
        return np.zeros(1, dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    # Cosine distances by one float32 matrix product (rows are unit vectors): scipy's
    # float64 pdist took most of the clustering time (33 s of 37 s at 100k items).
    unit = normalise_rows(vectors)
    dist = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    dist = (dist + dist.T) / 2  # exactly symmetric, whatever the rounding of the product
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average",
        distance_threshold=1.0 - params.new_threshold,
    )
    return model.fit_predict(dist)


def _windows(times: np.ndarray, params: NarrativeParams) -> list[np.ndarray]:
    """Row positions per UTC-aligned window (rows already sorted by time, id)."""
    keys = np.floor(times / (params.window_h * HOUR)).astype(np.int64)
    bounds = np.flatnonzero(np.diff(keys)) + 1
    out = []
    for part in np.split(np.arange(len(times)), bounds):
        if len(part) <= params.max_window_items:
            out.append(part)
        else:  # split an oversized window into equal time slices
            t = times[part]
            k = int(np.ceil(len(part) / params.max_window_items))
            edges = np.linspace(t[0], t[-1], k + 1)[1:-1]
            out.extend(p for p in np.split(part, np.searchsorted(t, edges, "right")) if len(p))
    return out


def chunk_bounds(
    window_counts: Sequence[tuple[int, int]], params: NarrativeParams, max_items: int
) -> list[float | None]:
    """Split a backlog into chunks of whole windows of about ``max_items`` items each.

    ``window_counts``: (window key, items) oldest first, the key being ``floor(epoch /
    window_s)``. Returns the exclusive upper time bound of each chunk (None for the last).
    Feeding the chunks in turn gives the same narratives as one call to :func:`update`
    (windows are never split), with the memory of one chunk."""
    bounds: list[float | None] = []
    pending = 0
    for k, (key, count) in enumerate(window_counts):
        if pending and pending + count > max_items:
            bounds.append(key * params.window_h * HOUR)
            pending = 0
        pending += count
        if k == len(window_counts) - 1:
            bounds.append(None)
    return bounds


def update(
    state: NarrativeState,
    item_ids: Sequence[str],
    vectors: np.ndarray,
    times: np.ndarray,
    params: NarrativeParams | None = None,
) -> UpdateResult:
    """Place new items into narratives, mutating ``state``; deterministic for a given input.

    ``vectors`` are L2-normalised rows; ``times`` are epoch seconds (UTC).
    """
    params = params or NarrativeParams()
    result = UpdateResult({}, [], [], [], set())
    if len(item_ids) == 0:
        return result
    times = np.asarray(times, dtype=np.float64)
    order = np.lexsort((np.asarray(item_ids, dtype=object).astype(str), times))
    ids = [item_ids[i] for i in order]
    vecs = normalise_rows(np.asarray(vectors)[order])
    ts = times[order]
    for rows in _windows(ts, params):
        _process_window(state, [ids[i] for i in rows], vecs[rows], ts[rows], params, result)
    return result


def _process_window(
    state: NarrativeState, ids: list[str], vecs: np.ndarray, ts: np.ndarray,
    params: NarrativeParams, result: UpdateResult,
) -> None:
    start = float(ts[0])
    window = UpdateResult({}, [], [], [], set())  # this window's changes
    _fade(state, start, params, window)
    floor = min(params.join_threshold, params.group_join_threshold)
    candidates = state.active()
    if len(candidates):  # narratives too quiet to reach a threshold even at cosine 1
        quiet = start - state.last_seen[candidates]
        candidates = candidates[_decay(quiet, params) >= floor]
    target = np.full(len(ids), -1, dtype=np.int64)  # narrative position fed, or -2 - new pos
    sims = np.zeros(len(ids), dtype=np.float64)

    # 1. dense groups of this window: join a narrative as a whole, or start a new one
    labels = _group(vecs, params)
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(row)
    dense = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
    if dense:
        means = normalise_rows(np.vstack([vecs[g].mean(axis=0) for g in dense]))
        g_best, g_where = _best_match(state, means, np.array([ts[g[-1]] for g in dense]),
                                      params, candidates)
        for k, group in enumerate(dense):
            if g_best[k] >= params.group_join_threshold:
                target[group] = g_where[k]
                sims[group] = vecs[group] @ state.units[g_where[k]]
            else:
                pos = _create(state, ids, vecs, ts, group, window)
                target[group] = -2 - pos
                sims[group] = vecs[group] @ means[k]
    new_positions = np.array([state.index[n] for n, _ in window.created], dtype=np.int64)
    candidates = np.concatenate([candidates, new_positions])

    # 2. loose items: join the best narrative (new ones included) or wait alone
    loose = np.array(sorted(g[0] for g in groups.values() if len(g) == 1), dtype=np.int64)
    if len(loose):
        best, where = _best_match(state, vecs[loose], ts[loose], params, candidates)
        for k, row in enumerate(loose.tolist()):
            if best[k] >= params.join_threshold:
                target[row], sims[row] = where[k], best[k]
            else:
                target[row] = -2 - _create(state, ids, vecs, ts, [row], window)
                sims[row] = 1.0

    fed: dict[int, list[int]] = {}
    for row, pos in enumerate(target.tolist()):
        if pos >= 0:
            fed.setdefault(pos, []).append(row)
        real = pos if pos >= 0 else -2 - pos
        window.assignments[ids[row]] = (state.ids[real], float(sims[row]))
    for pos, rows in fed.items():
        state.feed(pos, vecs[rows], float(ts[rows].max()))
        window.touched.add(state.ids[pos])
    fresh = {state.index[n] for n in window.touched}
    _merge(state, {p for p in fresh if state.status[p] == "active"}, float(ts[-1]), params,
           window)
    result.assignments.update(window.assignments)
    result.created.extend(window.created)
    result.merged.extend(window.merged)
    result.faded.extend(window.faded)
    result.touched |= window.touched


def _create(state: NarrativeState, ids: list[str], vecs: np.ndarray, ts: np.ndarray,
            rows: list[int], window: UpdateResult) -> int:
    nid = narrative_id_for(ids[rows[0]])  # rows sorted by (time, id): the earliest member
    pos = state.add(nid, vecs[rows], float(ts[rows[0]]), float(ts[rows[-1]]))
    window.created.append((nid, float(ts[rows[0]])))
    window.touched.add(nid)
    return pos


def _fade(state: NarrativeState, now: float, params: NarrativeParams,
          result: UpdateResult) -> None:
    limit = now - params.fade_after_h * HOUR
    active = state.active()
    for pos in active[state.last_seen[active] < limit].tolist():
        state.set_status(pos, "faded")
        result.faded.append((state.ids[pos], now))
        result.touched.add(state.ids[pos])


def _merge(state: NarrativeState, touched: set[int], now: float, params: NarrativeParams,
           result: UpdateResult) -> None:
    """Merge touched narratives into close active ones until no pair reaches the threshold."""
    pending = sorted(touched)
    while pending:
        active = state.active()
        if len(active) < 2:
            return
        centroids = state.units[active]
        pos_in_active = {p: k for k, p in enumerate(active.tolist())}
        probe = [p for p in pending if p in pos_in_active]
        if not probe:
            return
        sims = centroids[[pos_in_active[p] for p in probe]] @ centroids.T
        for k, p in enumerate(probe):
            sims[k, pos_in_active[p]] = -1.0
        k, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[k, j] < params.merge_threshold:
            return
        a, b = probe[k], int(active[j])
        survivor, loser = sorted(
            (a, b), key=lambda p: (-state.sizes[p], state.first_seen[p], state.ids[p]))
        n, m = state.sizes[survivor], state.sizes[loser]
        state.means[survivor] = (state.means[survivor] * n + state.means[loser] * m) / (n + m)
        state.refresh(survivor)
        state.sizes[survivor] = n + m
        state.first_seen[survivor] = min(state.first_seen[survivor], state.first_seen[loser])
        state.last_seen[survivor] = max(state.last_seen[survivor], state.last_seen[loser])
        state.set_status(loser, "merged")
        state.merged_into[state.ids[loser]] = state.ids[survivor]
        result.merged.append((state.ids[loser], state.ids[survivor], now))
        result.touched.update({state.ids[survivor], state.ids[loser]})
        pending = sorted((set(pending) - {loser}) | {survivor})


def cluster_stream(
    item_ids: Sequence[str], vectors: np.ndarray, times: np.ndarray,
    batches: Iterable[np.ndarray], params: NarrativeParams | None = None,
) -> tuple[NarrativeState, dict[str, str]]:
    """Feed ``batches`` (row positions) in turn from an empty state, as successive runs
    would; returns the final state and the resolved id each item got in its own run."""
    vectors = np.asarray(vectors, dtype=np.float32)
    state = NarrativeState(dim=vectors.shape[1])
    first: dict[str, str] = {}
    for rows in batches:
        rows = np.asarray(rows)
        res = update(state, [item_ids[i] for i in rows], vectors[rows], times[rows], params)
        for item, (nid, _) in res.assignments.items():
            first[item] = resolve(state, nid)
    return state, first
