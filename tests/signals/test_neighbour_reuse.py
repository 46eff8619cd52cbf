"""The embedding-neighbour search builds on the last one and finds what a full search finds."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from signals_scenario import store_world

from detectors.config import detection_config
from detectors.neighbours import EarlierSearch, neighbour_pairs
from detectors.signals import compute_signals
from vigie.store import search_state

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
WORDS = ("army", "convoy", "mine", "gold", "night", "witnesses", "memo", "aid", "funds",
         "vaccine", "trial", "doctors", "children", "hospital", "minister", "audit", "resigned",
         "leaked", "plan", "cut", "security", "firms", "report")


def _item(nid: str, k: int, day: float, rng: np.random.Generator) -> dict:
    words = " ".join(rng.choice(WORDS, size=12))
    return {"item_id": f"{nid}-{k}", "narrative_id": nid, "source_id": f"site{k % 7}.example",
            "domain": f"site{k % 7}.example", "title": f"{nid} story {k}",
            "text": f"Report {k} on {nid}: {words}.", "language": "fr" if k % 4 == 0 else "en",
            "published_at": T0 + timedelta(days=day)}


def _vectors(items: pl.DataFrame) -> np.ndarray:
    """A direction per narrative, each item scattered around it (the same vector for the
    same item in every run): some neighbours above the translation floor, some below."""
    out = []
    for nid, iid in zip(items["narrative_id"].to_list(), items["item_id"].to_list(), strict=True):
        base = np.random.default_rng(zlib.crc32(nid.encode())).normal(size=32)
        noise = np.random.default_rng(zlib.crc32(iid.encode())).normal(scale=0.45, size=32)
        out.append(base / np.linalg.norm(base) * 5.6 + noise)
    return np.array(out, dtype=np.float32)


def _sources(items: pl.DataFrame) -> pl.DataFrame:
    sites = sorted(set(items["source_id"].to_list()))
    return pl.DataFrame({"source_id": sites, "name": sites, "domain": sites,
                         "first_seen": [T0 - timedelta(days=400)] * len(sites),
                         "active_days": [300] * len(sites)})


def _world(seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Before and after: N-long (6 days) gains items in its last days and one in an old
    day; N-mid loses an item and has one re-dated; N-short is left alone."""
    rng = np.random.default_rng(seed)
    before = [_item("N-long", k, k / 10, rng) for k in range(60)]
    before += [_item("N-mid", k, 1 + k / 8, rng) for k in range(24)]
    before += [_item("N-short", k, 0.5 + k / 40, rng) for k in range(12)]
    after = [dict(r) for r in before if r["item_id"] != "N-mid-3"]
    after += [_item("N-long", 100 + k, 6 + k / 12, rng) for k in range(14)]
    after.append(_item("N-long", 200, 2.3, rng))
    for r in after:
        if r["item_id"] == "N-mid-10":
            r["published_at"] = T0 + timedelta(days=3.9)
    return pl.DataFrame(before), pl.DataFrame(after)


def _found(state) -> set[tuple[str, str, float]]:  # noqa: ANN001
    s = state.searched
    return {(s.items[r], s.items[c], float(x))
            for r, c, x in zip(s.rows.tolist(), s.cols.tolist(), s.cosines.tolist(), strict=True)}


@pytest.mark.parametrize("seed", range(3))
def test_incremental_search_gives_the_full_search_result(seed):
    before, after = _world(seed)
    now = T0 + timedelta(days=8)
    first = compute_signals(before, _sources(before), _vectors(before), [], [], now)
    assert first.neighbour_rows[1] == 0 and first.neighbour_rows[0] > 0
    incremental = compute_signals(after, _sources(after), _vectors(after), [], [], now,
                                  previous=first.state)
    full = compute_signals(after, _sources(after), _vectors(after), [], [], now)
    assert set(incremental.narratives) == {"N-long", "N-mid"}  # N-short: nothing changed
    for nid in incremental.narratives:
        assert incremental.narratives[nid] == full.narratives[nid], nid
        assert _found(incremental.state[nid]) == _found(full.state[nid]), nid
    searched, kept = incremental.neighbour_rows
    assert kept > 0 and searched < full.neighbour_rows[0]  # the old buckets were not searched
    signals = full.narratives["N-long"].signals  # the pairs compared are many, of both kinds
    assert signals["rewording"][0] > 50 and signals["translation"][0] > 50


def test_buckets_next_to_a_change_are_searched_again():
    """Rows whose bucket or previous bucket changed are searched; the others keep their
    earlier pairs, which the earlier search must have found."""
    cfg = detection_config()["duplicates"]
    rng = np.random.default_rng(3)
    vectors = (rng.normal(size=(40, 16)) * 0.3 + 1.0).astype(np.float32)
    times = np.repeat(np.arange(5) * 86400.0 + 3600.0, 8)  # 5 days, 8 items a day
    blocks = np.zeros(40, dtype=np.int64)
    full = neighbour_pairs(vectors, blocks, cfg, times)
    assert full.rows_searched == 40 and full.rows_kept == 0
    settled = np.ones(40, dtype=bool)
    settled[17] = False  # an item of day 2 changed: days 2 and 3 are searched again
    again = neighbour_pairs(vectors, blocks, cfg, times,
                            EarlierSearch(settled, {0: np.array([])}, full.found))
    assert again.rows_searched == 16 and again.rows_kept == 24
    assert sorted(zip(*[a.tolist() for a in again.found], strict=True)) == sorted(
        zip(*[a.tolist() for a in full.found], strict=True))
    # a day's item gone (day 0): days 0 and 1 are searched again
    gone = neighbour_pairs(vectors, blocks, cfg, times,
                           EarlierSearch(np.ones(40, dtype=bool), {0: np.array([5000.0])},
                                         full.found))
    assert gone.rows_searched == 16 and gone.rows_kept == 24


def test_search_state_round_trip(settings):
    before, _ = _world(0)
    result = compute_signals(before, _sources(before), _vectors(before), [], [],
                             T0 + timedelta(days=8))
    searched = {nid: s.searched for nid, s in result.state.items()}
    store = settings.store()
    store.init()
    with store.transaction() as con:
        search_state.write_search_state(con, searched)
        search_state.write_search_state(con, {"N-long": searched["N-long"]})  # replaced
        back = search_state.load_search_state(con)
    assert set(back) == set(searched)
    for nid, s in searched.items():
        b = back[nid]
        assert b["items"] == s.items and b["keys"] == s.keys
        assert np.array_equal(b["times"], s.times)
        for name in ("rows", "cols", "cosines"):
            assert np.array_equal(b[name], getattr(s, name)), (nid, name)


def test_state_of_merged_narratives_is_pruned(settings):
    from vigie.store.signals import prune_score_state, write_score_state

    before, _ = _world(0)
    result = compute_signals(before, _sources(before), _vectors(before), [], [],
                             T0 + timedelta(days=8))
    store = settings.store()
    store.init()
    with store.transaction() as con:
        con.execute("INSERT INTO narratives (narrative_id, status) VALUES ('N-long', 'merged'), "
                    "('N-mid', 'active')")
        write_score_state(con, "run-1", result.state, T0)
        search_state.write_search_state(con, {n: s.searched for n, s in result.state.items()})
        prune_score_state(con)
        left = {t: {r[0] for r in con.execute(f"SELECT DISTINCT narrative_id FROM {t}").fetchall()}
                for t in ("narrative_score_state", *search_state.TABLES)}
    assert all(names == {"N-mid", "N-short"} for names in left.values()), left


def _store_world(settings, frame: pl.DataFrame) -> None:
    """The world as ingest and analysis would have stored it, with the items' vectors
    (replacing what was there)."""
    from detectors.embedding import model_name
    from vigie.store.embeddings import write_vectors

    store = settings.store()
    store.init()
    with store.transaction() as con:
        for table in ("narrative_members", "items", "narratives", "sources", "embeddings"):
            con.execute(f"DELETE FROM {table}")
        hashes = store_world(con, frame, _sources(frame), added_at=T0 - timedelta(days=400))
        write_vectors(con, model_name(settings.embedding.model), hashes, _vectors(frame))


def _results(settings) -> dict[str, list]:
    with settings.store().connect() as con:
        return {
            "flags": con.execute("SELECT narrative_id, score, flagged FROM flags "
                                 "ORDER BY ALL").fetchall(),
            "evidence": con.execute("SELECT narrative_id, kind, item_id, other_item_id, score "
                                    "FROM evidence ORDER BY ALL").fetchall(),
            "signals": con.execute("SELECT narrative_id, kind, value FROM signals "
                                   "WHERE kind <> 'burst' ORDER BY ALL").fetchall(),
        }


def test_scoring_passes_build_on_the_stored_search(settings):
    """Through the store: the second pass keeps rows of the first pass's search, and gives
    what a full rescoring of the same store gives."""
    from flows.signals import forget_scoring, score

    before, after = _world(1)
    _store_world(settings, before)
    first = score(settings, "run-1")
    assert first["full_rescoring"] and first["neighbour_rows_kept"] == 0
    _store_world(settings, after)
    second = score(settings, "run-2")
    assert not second["full_rescoring"] and second["neighbour_rows_kept"] > 0
    incremental = _results(settings)
    assert any(kind in ("rewording", "translation") for _n, kind, _v in incremental["signals"])
    forget_scoring(settings)
    full = score(settings, "run-3")
    assert full["full_rescoring"] and full["neighbour_rows_kept"] == 0
    assert _results(settings) == incremental
