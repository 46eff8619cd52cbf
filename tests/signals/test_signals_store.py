"""Store level: score() writes flags, evidence and edges, and a rerun changes nothing."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import polars as pl
from signals_scenario import CAMPAIGN, T0, world

from flows.signals import score


def _load(settings) -> None:
    items, sources = world()
    store = settings.store()
    with store.transaction() as con:
        for r in sources.iter_rows(named=True):
            con.execute("INSERT INTO sources (source_id, kind, name, domain, registered_domain, "
                        "added_at) VALUES (?, 'feed', ?, ?, ?, ?)",
                        [r["source_id"], r["name"], r["domain"], r["domain"],
                         T0 - timedelta(days=1)])
        for r in items.iter_rows(named=True):
            h = hashlib.sha256(r["text"].encode()).hexdigest()
            con.execute("INSERT INTO items (item_id, source_id, domain, registered_domain, title, "
                        "text, language, published_at, first_seen_at, content_hash) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [r["item_id"], r["source_id"], r["domain"], r["domain"], r["title"],
                         r["text"], r["language"], r["published_at"], r["published_at"], h])
            con.execute("INSERT INTO narrative_members (item_id, narrative_id, joined_at) "
                        "VALUES (?, ?, ?)", [r["item_id"], r["narrative_id"], r["published_at"]])
        for nid in items["narrative_id"].unique().to_list():
            con.execute("INSERT INTO narratives (narrative_id) VALUES (?)", [nid])


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
    assert second == {**first, "signals_s": second["signals_s"]}
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
