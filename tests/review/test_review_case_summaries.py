"""Case summaries (stored by the analysis pass) and the case page's evidence cache: what is
stored equals what is computed live, stale rows are never used, and the page never shows the
evidence of an earlier state of the store."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

from flows.analyse import case_summaries
from vigie.config import Settings
from vigie.store.review import summaries


def _refresh(settings: Settings) -> dict[str, int]:
    with settings.store().transaction() as con:
        return summaries.refresh(con)


def test_stored_summaries_equal_the_live_ones(seeded: Settings):
    counts = _refresh(seeded)
    assert counts == {"rebuilt": 2, "kept": 0}  # the two flagged narratives; N-org is not
    with seeded.store().connect() as con:
        for nid in ("N-camp1", "N-camp2"):
            stored = summaries.stored(con, nid)
            assert stored is not None
            assert stored == summaries.build(con, [nid])[nid]
        assert summaries.stored(con, "N-org") is None
        camp1 = summaries.build(con, ["N-camp1"])["N-camp1"]
    assert camp1["item_count"] == 5
    assert [(x["lang"], x["n"]) for x in camp1["languages"]] == [("fr", 4), ("en", 1)]
    assert camp1["first_items"] == ["it1", "it2", "it3", "it4", "it5"]
    assert {x["kind"]: x["n"] for x in camp1["evidence_counts"]} == {
        "copy_paste": 1, "lookalike_domain": 1, "synchrony": 1, "translation": 1,
        "watchlist": 1}
    s1 = next(x for x in camp1["sources"] if x["source_id"] == "s1")
    assert s1["item_count"] == 1 and len(s1["lookalike"]) == 1
    assert _refresh(seeded) == {"rebuilt": 0, "kept": 2}


def test_a_rescoring_makes_the_summary_stale_until_the_next_refresh(seeded: Settings):
    _refresh(seeded)
    with seeded.store().transaction() as con:  # what the signals stage does to a narrative
        con.execute("DELETE FROM evidence WHERE narrative_id = 'N-camp1' AND kind = 'copy_paste'")
        con.execute("UPDATE flags SET run_id = 'r2' WHERE narrative_id = 'N-camp1'")
    with seeded.store().connect() as con:
        assert summaries.stored(con, "N-camp1") is None
        assert summaries.stored(con, "N-camp2") is not None
        live = summaries.for_case(con, "N-camp1")
    assert "copy_paste" not in {x["kind"] for x in live["evidence_counts"]}
    assert _refresh(seeded) == {"rebuilt": 1, "kept": 1}
    with seeded.store().connect() as con:
        assert summaries.stored(con, "N-camp1") == live


def test_an_edited_member_makes_only_its_narrative_stale(seeded: Settings):
    _refresh(seeded)
    with seeded.store().transaction() as con:  # ingest saw a new version of it1
        con.execute("UPDATE items SET language = 'en', updated_at = ? WHERE item_id = 'it1'",
                    [datetime.now(UTC)])
    with seeded.store().connect() as con:
        assert summaries.stored(con, "N-camp1") is None
    assert _refresh(seeded) == {"rebuilt": 1, "kept": 1}
    with seeded.store().connect() as con:
        camp1 = summaries.stored(con, "N-camp1")
        assert summaries.stored(con, "N-camp2") is not None
    assert [(x["lang"], x["n"]) for x in camp1["languages"]] == [("fr", 3), ("en", 2)]


def test_the_analysis_pass_builds_them(seeded: Settings):
    stats = case_summaries(seeded)
    assert stats["case_summaries_rebuilt"] == 2


def _pairs(html: str) -> str:
    found = re.search(r'<p id="pair-counts">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def test_case_page_follows_rescoring_in_process(seeded: Settings, client_for):
    carla = client_for("coordinator")
    _refresh(seeded)
    before = carla.get("/cases/N-camp1").text
    assert 'data-kind="copy_paste"' in _pairs(before)
    assert carla.get("/cases/N-camp1").text.count("pair-kind") == before.count("pair-kind")
    with seeded.store().transaction() as con:
        con.execute("DELETE FROM evidence WHERE narrative_id = 'N-camp1' AND kind = 'copy_paste'")
        con.execute("UPDATE flags SET run_id = 'r2' WHERE narrative_id = 'N-camp1'")
    after = carla.get("/cases/N-camp1").text
    assert 'data-kind="copy_paste"' not in _pairs(after)
    _refresh(seeded)
    assert 'data-kind="copy_paste"' not in _pairs(carla.get("/cases/N-camp1").text)


RENAME = textwrap.dedent("""
    import sys
    from vigie.store import Store
    with Store(sys.argv[1]).transaction() as con:   # waits for the desk to hand the file over
        con.execute("UPDATE sources SET name = 'Renamed Source' WHERE source_id = 's2'")
""")


def test_case_page_follows_writes_of_another_process(seeded: Settings, client_for, app):
    carla = client_for("coordinator")
    _refresh(seeded)
    assert "Sahel Vérité" in carla.get("/cases/N-camp1").text
    generation = app.state.db.generation
    # nothing the case page keys on changes: only the other process's write can tell
    other = subprocess.run([sys.executable, "-c", RENAME, str(seeded.db_path)],
                           capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr
    page = carla.get("/cases/N-camp1").text
    assert app.state.db.generation > generation
    assert "Renamed Source" in page and "Sahel Vérité" not in page


def test_open_cases_are_rendered_before_anyone_asks(seeded: Settings, client_for, app):
    from flows.route import route

    route(seeded, "r1")  # N-camp1 and N-camp2 become open cases
    carla = client_for("coordinator")  # logging in is a request: it starts the warm-up
    app.state.warmer.join(60)
    assert app.state.warmer.last["cases"] == 2
    hits = app.state.case_cache.hits
    assert "Sahel Vérité" in carla.get("/cases/N-camp1").text
    assert app.state.case_cache.hits == hits + 1, "the page came from the warm-up"
