"""Incremental clustering on hand-made vectors: joins, new narratives, merges, invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.narrative_state import NarrativeState, resolve
from detectors.narratives import (
    NarrativeParams,
    chunk_bounds,
    cluster_stream,
    narrative_id_for,
    update,
)

DIM = 24
HOUR = 3600.0
T0 = 1_700_000_000.0 - (1_700_000_000.0 % 86400)  # a UTC midnight
PARAMS = NarrativeParams(join_threshold=0.6, new_threshold=0.6, group_join_threshold=0.6,
                         merge_threshold=0.9,
                         half_life_h=96, fade_after_h=24 * 7, window_h=6)


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def topics(n: int, seed: int = 0) -> np.ndarray:
    """n orthonormal topic directions."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(DIM, DIM)))
    return q[:n].astype(np.float32)


def items_around(center: np.ndarray, n: int, rng: np.random.Generator,
                 noise: float = 0.1) -> np.ndarray:
    return unit(center + noise * rng.normal(size=(n, DIM))).astype(np.float32)


def dataset(seed: int, sizes: tuple[int, ...] = (6, 5, 4)):
    rng = np.random.default_rng(seed)
    centers = topics(len(sizes), seed)
    vectors = np.vstack([items_around(c, n, rng) for c, n in zip(centers, sizes, strict=True)])
    gold = np.repeat(np.arange(len(sizes)), sizes)
    times = T0 + rng.uniform(0, 30 * HOUR, size=len(gold))
    ids = [f"it_{seed}_{k:03d}" for k in range(len(gold))]
    return ids, vectors, times, gold


def run(ids, vectors, times, params=PARAMS) -> dict[str, str]:
    state = NarrativeState(dim=vectors.shape[1])
    res = update(state, ids, vectors, times, params)
    return {item: resolve(state, nid) for item, (nid, _) in res.assignments.items()}


def test_recovers_hand_made_topics_with_stable_ids() -> None:
    ids, vectors, times, gold = dataset(1)
    got = run(ids, vectors, times)
    labels = [got[i] for i in ids]
    for topic in range(3):
        members = {labels[k] for k in np.flatnonzero(gold == topic)}
        assert len(members) == 1, f"topic {topic} split into {members}"
    assert len(set(labels)) == 3
    # the id is derived from the earliest member of each narrative
    for topic in range(3):
        rows = np.flatnonzero(gold == topic)
        first = min(rows, key=lambda r: (times[r], ids[r]))
        assert labels[rows[0]] == narrative_id_for(ids[first])


def test_new_items_join_the_narrative_of_their_topic_in_a_later_run() -> None:
    ids, vectors, times, gold = dataset(2)
    state = NarrativeState(dim=DIM)
    first = update(state, ids, vectors, times, PARAMS)
    rng = np.random.default_rng(9)
    late = items_around(topics(3, 2)[1], 3, rng)
    late_times = times.max() + np.array([1, 2, 3]) * HOUR
    res = update(state, ["late_a", "late_b", "late_c"], late, late_times, PARAMS)
    topic_1 = {resolve(state, first.assignments[ids[k]][0]) for k in np.flatnonzero(gold == 1)}
    assert {resolve(state, nid) for nid, _ in res.assignments.values()} == topic_1
    assert res.created == []
    assert all(sim >= PARAMS.join_threshold for _, sim in res.assignments.values())


def test_a_quiet_narrative_fades_and_stops_attracting() -> None:
    ids, vectors, times, gold = dataset(3)
    state = NarrativeState(dim=DIM)
    update(state, ids, vectors, times, PARAMS)
    much_later = times.max() + 10 * 24 * HOUR  # beyond fade_after_h
    again = items_around(topics(3, 3)[0], 2, np.random.default_rng(4))
    res = update(state, ["x1", "x2"], again, np.array([much_later, much_later + 60]), PARAMS)
    assert len(res.faded) == 3
    assert len(res.created) == 1  # the topic comes back as a new narrative
    assert {s for s in state.status} == {"faded", "active"}


def test_two_narratives_drifting_together_merge_and_the_old_id_redirects() -> None:
    a, b = topics(2, 5)
    b = unit(0.7 * a + np.sqrt(1 - 0.49) * b)  # cosine 0.7 with a: close, not merged yet
    rng = np.random.default_rng(6)
    state = NarrativeState(dim=DIM)
    params = NarrativeParams(join_threshold=0.75, new_threshold=0.9, group_join_threshold=0.75,
                             merge_threshold=0.8,
                             half_life_h=1000, window_h=1)
    update(state, [f"a{k}" for k in range(8)], items_around(a, 8, rng, noise=0.02),
           T0 + np.arange(8) * 60.0, params)
    update(state, [f"b{k}" for k in range(3)], items_around(b, 3, rng, noise=0.02),
           T0 + HOUR + np.arange(3) * 60.0, params)
    survivor_id, loser_id = narrative_id_for("a0"), narrative_id_for("b0")
    assert state.ids == [survivor_id, loser_id]
    bridge = items_around(unit(a + b), 12, rng, noise=0.02)
    merged = []
    for k in range(12):  # one bridging item per hour pulls the larger centroid towards b
        res = update(state, [f"m{k:02d}"], bridge[k:k + 1], np.array([T0 + (2 + k) * HOUR]),
                     params)
        merged += res.merged
    assert [m[:2] for m in merged] == [(loser_id, survivor_id)]  # the larger one survives
    assert state.status[state.index[loser_id]] == "merged"
    assert resolve(state, loser_id) == survivor_id
    assert state.sizes[state.index[survivor_id]] == 8 + 3 + 12


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_same_input_in_any_order_gives_the_same_ids(seed: int, perm_seed: int) -> None:
    ids, vectors, times, _ = dataset(seed)
    perm = np.random.default_rng(perm_seed).permutation(len(ids))
    assert run(ids, vectors, times) == run([ids[k] for k in perm], vectors[perm], times[perm])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), at=st.floats(0, 40 * HOUR))
def test_an_unrelated_item_leaves_existing_ids_alone(seed: int, at: float) -> None:
    ids, vectors, times, _ = dataset(seed)
    before = run(ids, vectors, times)
    stranger = topics(4, seed)[3:4]  # orthogonal to every topic
    after = run(ids + ["zz_stranger"], np.vstack([vectors, stranger]),
                np.append(times, T0 + at))
    assert {k: after[k] for k in before} == before
    assert after["zz_stranger"] not in before.values()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_feeding_day_by_day_gives_the_same_narratives_as_all_at_once(seed: int) -> None:
    ids, vectors, times, _ = dataset(seed, sizes=(7, 6, 5, 4))
    days = np.floor(times / 86400)
    batches = [np.flatnonzero(days == d) for d in np.unique(days)]
    whole, _ = cluster_stream(ids, vectors, times, [np.arange(len(ids))], PARAMS)
    daily, first = cluster_stream(ids, vectors, times, batches, PARAMS)
    assert sorted(whole.ids) == sorted(daily.ids)
    assert np.allclose(sorted(whole.sizes), sorted(daily.sizes))
    assert set(first.values()) <= set(daily.ids)


def test_chunk_bounds_keep_whole_windows_and_bound_each_chunk() -> None:
    window = PARAMS.window_h * HOUR
    counts = [(10, 3), (11, 4), (13, 2), (14, 5), (20, 1)]
    bounds = chunk_bounds(counts, PARAMS, max_items=6)
    # chunks: windows 10 (3 items) | 11, 13 (6) | 14, 20 (6): a window is never split,
    # even when alone it exceeds the bound
    assert bounds == [11 * window, 14 * window, None]
    assert chunk_bounds(counts, PARAMS, max_items=100) == [None]
    assert chunk_bounds([(5, 50), (6, 1)], PARAMS, max_items=10) == [6 * window, None]
    assert chunk_bounds([], PARAMS, max_items=10) == []


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), max_items=st.integers(1, 12))
def test_a_backlog_fed_in_chunks_gives_what_one_pass_gives(seed: int, max_items: int) -> None:
    ids, vectors, times, _ = dataset(seed, sizes=(7, 6, 5, 4))
    keys = np.floor(times / (PARAMS.window_h * HOUR)).astype(np.int64)
    counts = [(int(k), int((keys == k).sum())) for k in np.unique(keys)]
    batches, low = [], -np.inf
    for until in chunk_bounds(counts, PARAMS, max_items):
        high = np.inf if until is None else until
        batches.append(np.flatnonzero((times >= low) & (times < high)))
        low = high
    assert sum(len(b) for b in batches) == len(ids)
    whole, first_whole = cluster_stream(ids, vectors, times, [np.arange(len(ids))], PARAMS)
    chunked, first_chunked = cluster_stream(ids, vectors, times, batches, PARAMS)
    assert whole.ids == chunked.ids and whole.status == chunked.status
    assert np.array_equal(whole.sizes, chunked.sizes)
    assert np.allclose(whole.means, chunked.means, atol=1e-6)
    assert {i: resolve(whole, n) for i, n in first_whole.items()} == {
        i: resolve(chunked, n) for i, n in first_chunked.items()}


def test_params_reject_unknown_settings() -> None:
    assert NarrativeParams.from_mapping({"join_threshold": 0.5}).join_threshold == 0.5
    try:
        NarrativeParams.from_mapping({"join": 0.5})
    except ValueError as exc:
        assert "join" in str(exc)
    else:
        raise AssertionError("unknown key accepted")
