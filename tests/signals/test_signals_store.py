"""Store level: score() writes flags, evidence and edges, and a rerun changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl
from signals_scenario import CAMPAIGN, T0, store_world, world

from flows.signals import forget_scoring, score


def _load(settings, items: pl.DataFrame | None = None, with_sources: bool = True) -> None:
    world_items, sources = world()
    with settings.store().transaction() as con:
        store_world(con, world_items if items is None else items,
                    sources if with_sources else None)


def _snapshot(settings) -> dict[str, pl.DataFrame]:
    with settings.store().connect() as con:
        return {
            "flags": con.sql("SELECT narrative_id, score, flagged, reasons, first_flagged_at "
                             "FROM flags ORDER BY ALL").pl(),
            "evidence": con.sql("SELECT narrative_id, kind, item_id, other_item_id "
                                "FROM evidence ORDER BY ALL").pl(),
            "signals": con.sql("SELECT narrative_id, kind, value FROM signals ORDER BY ALL").pl(),
            "edges": con.sql("SELECT source_a, source_b, weight FROM source_edges "
                             "ORDER BY ALL").pl(),
        }


def test_score_writes_flags_and_is_idempotent(settings):
    _load(settings)
    first = score(settings, "run-1")
    assert first["narratives_scored"] == 14 and first["flagged"] == 3
    before = _snapshot(settings)
    flagged = before["flags"].filter(pl.col("flagged"))["narrative_id"].to_list()
    assert flagged == ["N-camp0", "N-camp1", "N-camp2"]
    linked = set(before["edges"]["source_a"]) | set(before["edges"]["source_b"])
    assert linked == set(CAMPAIGN)  # only the network's sites are linked, all of them
    assert before["evidence"].filter(pl.col("kind") == "syndication").height == 50
    second = score(settings, "run-2", force=True)  # a real rescoring changes nothing
    same = ("narratives_scored", "narratives_kept", "full_rescoring", "flagged",
            "source_edges", "window_s")
    assert {k: second[k] for k in same} == {k: first[k] for k in same}
    # MinHash signatures are cached per content: the rescoring computed none
    assert first["signatures_cached"] > 0 and second["signatures_cached"] == 0
    after = _snapshot(settings)
    for name in before:
        assert before[name].equals(after[name]), name


def test_nothing_new_skips_the_rescoring_and_any_change_rescores(settings):
    _load(settings)
    score(settings, "run-1")
    again = score(settings, "run-2")
    assert again["skipped"] and again["narratives_scored"] == 0 and again["flagged"] == 3
    # a detection setting changed: rescored
    settings.detection = {"scoring": {"flag_threshold": 0.99}}
    changed = score(settings, "run-3")
    assert "skipped" not in changed and changed["narratives_scored"] == 14
    # a setting of the analyse stage only (labels): its effects reach the scoring through
    # the store, so nothing changed for it
    settings.detection = {"scoring": {"flag_threshold": 0.99}, "labels": {"relabel_growth": 0.0}}
    assert score(settings, "run-3b")["skipped"]
    # a new item arrived: rescored
    settings.detection = {}
    score(settings, "run-4")
    with settings.store().transaction() as con:
        con.execute("INSERT INTO items (item_id, source_id, text, published_at, first_seen_at, "
                    "content_hash) VALUES ('late', 'person1.example.org', 'late news', "
                    "?, ?, 'h-late')", [T0 + timedelta(days=11), T0 + timedelta(days=11)])
    assert "skipped" not in score(settings, "run-5")


def test_flags_store_reason_codes_beside_the_english_sentences(settings):
    import json

    from detectors.reason_render import render

    _load(settings)
    score(settings, "run-1")
    with settings.store().connect() as con:
        rows = con.execute("SELECT narrative_id, reasons, reason_codes FROM flags "
                           "ORDER BY narrative_id").fetchall()
    assert rows
    for nid, sentences, codes in rows:
        codes = json.loads(codes)
        assert [c["code"] for c in codes] and len(codes) == len(sentences), nid
        # the stored English is what the shared renderer gives for the stored codes
        assert [render(c["code"], c["params"]) for c in codes] == sentences
    camp = next(json.loads(c) for nid, _, c in rows if nid == "N-camp0")
    look = next(c for c in camp if c["code"] == "lookalike")
    assert look["params"]["domains"] == ["lefigaro-fr.info", "lemonde.ltd"]


def test_narratives_touched_by_the_run_are_scored_even_beyond_the_lookback(settings):
    _load(settings)
    settings.detection = {"signals": {"lookback_days": 1}}
    with settings.store().transaction() as con:
        con.execute("UPDATE narratives SET updated_run = 'run-import' "
                    "WHERE narrative_id = 'N-afp0'")
    score(settings, "run-import")
    with settings.store().connect() as con:
        scored = {r[0] for r in con.execute("SELECT narrative_id FROM flags").fetchall()}
    assert "N-afp0" in scored  # nine days old, but (re)built by this run
    assert "N-afp1" not in scored  # old and untouched: outside the one-day lookback
    assert "N-camp0" in scored  # inside the lookback


def test_narratives_that_faded_in_this_run_are_scored_but_older_faded_ones_are_not(settings):
    # A bulk import of history: its narratives fade in the very run that builds them (their
    # last item is older than the fading delay), and must still be scored.
    _load(settings)
    with settings.store().transaction() as con:
        con.execute("UPDATE narratives SET status = 'faded', updated_run = 'run-import' "
                    "WHERE narrative_id = 'N-camp0'")
        con.execute("UPDATE narratives SET status = 'faded', updated_run = 'run-earlier' "
                    "WHERE narrative_id = 'N-camp1'")
    score(settings, "run-import")
    with settings.store().connect() as con:
        flagged = {r[0] for r in con.execute(
            "SELECT narrative_id FROM flags WHERE flagged").fetchall()}
    assert "N-camp0" in flagged
    assert "N-camp1" not in flagged  # faded in an earlier run: left as it was


def _comparable(settings) -> dict[str, pl.DataFrame]:
    """Everything scoring writes, but the run ids, times and what is relative to ``now``
    only (the "First seen ... ago" reason, the burst ratio of a narrative not bursting)."""
    with settings.store().connect() as con:
        return {
            "flags": con.sql("SELECT narrative_id, score, flagged, reason_codes::VARCHAR AS codes "
                             "FROM flags ORDER BY ALL").pl().with_columns(
                pl.col("codes").map_elements(
                    lambda c: json.dumps([x for x in json.loads(c) if x["code"] != "first_seen"]),
                    return_dtype=pl.Utf8)),
            "evidence": con.sql("SELECT narrative_id, kind, item_id, other_item_id, score, "
                                "detail::VARCHAR FROM evidence ORDER BY ALL").pl(),
            "signals": con.sql("SELECT narrative_id, kind, value, detail::VARCHAR FROM signals "
                               "WHERE kind <> 'burst' ORDER BY ALL").pl(),
            "edges": con.sql("SELECT source_a, source_b, weight, window_s, community, "
                             "evidence::VARCHAR FROM source_edges ORDER BY ALL").pl(),
        }


def test_incremental_scoring_gives_what_a_full_rescoring_of_the_final_state_gives(settings):
    # The campaign's third story and part of the organic cascade arrive in a second run:
    # the campaign's network grows (its older narratives must be rescored), the cascade's
    # narrative is touched, the agency narratives are left alone.
    items, _ = world()
    later = (pl.col("narrative_id") == "N-camp2") | pl.col("item_id").str.starts_with("org-2")
    _load(settings, items.filter(~later))
    first = score(settings, "run-1")
    assert first["full_rescoring"] and first["narratives_scored"] == 13
    _load(settings, items.filter(later), with_sources=False)
    second = score(settings, "run-2")
    assert not second["full_rescoring"]
    with settings.store().connect() as con:
        rescored = {r[0] for r in con.execute(
            "SELECT narrative_id FROM flags WHERE run_id = 'run-2'").fetchall()}
    assert {"N-camp0", "N-camp1", "N-camp2", "N-fire"} <= rescored
    assert not any(n.startswith("N-afp") for n in rescored)
    assert second["narratives_kept"] == 14 - len(rescored) and second["flagged"] == 3
    incremental = _comparable(settings)

    forget_scoring(settings)  # what `vigie analyse --rescore` does
    full = score(settings, "run-3")
    assert full["full_rescoring"] and full["narratives_scored"] == 14
    assert full["signatures_cached"] == 0  # every content was hashed by an earlier run
    rescored_all = _comparable(settings)
    for name in rescored_all:
        assert incremental[name].equals(rescored_all[name]), name
    # a run after the full rescoring keeps everything: nothing changed
    with settings.store().transaction() as con:
        con.execute("UPDATE items SET updated_at = now() WHERE item_id = 'afp-0-0'")
    again = score(settings, "run-4")
    assert again["narratives_scored"] == 0 and again["narratives_kept"] == 14


def test_a_changed_configuration_rescores_every_narrative(settings):
    _load(settings)
    score(settings, "run-1")
    settings.detection = {"bursts": {"ratio": 4.0}}
    changed = score(settings, "run-2")
    assert changed["full_rescoring"] and changed["narratives_scored"] == 14
