"""The performance harness runs end to end at tiny sizes and writes well-formed results.

Never a timing assert: figures depend on the machine; the benchmark reports them.
"""

from __future__ import annotations

import json

import numpy as np
import pytest


def test_perturbations_are_light_and_recorded():
    from bench.perf.corpus import KINDS, perturb

    rng = np.random.default_rng(0)
    text = "Officials said the bridge will reopen after the floods next week"
    seen = set()
    for copy in range(1, 60):
        title, body, kind = perturb("", text, copy, rng)
        assert title == "" and body != text and kind in KINDS
        assert set(text.lower().split()) <= set(body.lower().replace("(", " ").split()) | {
            w for w in text.lower().split()}
        seen.add(kind)
    assert seen == set(KINDS)
    title, body, kind = perturb("Claim title here", "", 3, rng)  # claim titles: the title moves
    assert body == "" and title != "Claim title here" and kind in KINDS


def test_noise_matches_the_calibrated_cosine():
    from bench.perf.corpus import derive_vectors, sigma_for_cosine

    rng = np.random.default_rng(1)
    base = rng.normal(size=(2000, 512)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    copies = derive_vectors(base, sigma_for_cosine(0.9, 512), rng)
    assert np.allclose(np.linalg.norm(copies, axis=1), 1.0, atol=1e-5)
    assert abs(float(np.median(np.sum(base * copies, axis=1))) - 0.9) < 0.01


def test_loglog_slope():
    from bench.perf.measure import loglog_slope

    assert loglog_slope([10, 100, 1000], [1.0, 10.0, 100.0]) == pytest.approx(1.0)
    assert loglog_slope([10, 100, 1000], [1.0, 100.0, 10000.0]) == pytest.approx(2.0)
    assert loglog_slope([10], [1.0]) is None


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from bench.perf.__main__ import main

    out = tmp_path_factory.mktemp("perf")
    return out, main(["--tiny", "--out", str(out)])


@pytest.mark.slow
def test_tiny_run_writes_every_part(tiny_run):
    out, result = tiny_run
    saved = json.loads((out / "perf-tiny.json").read_text())
    assert saved["mode"] == "tiny" and saved["machine"]["cpus"] >= 1
    assert saved["errors"] == {}, saved["errors"]
    for part in ("options", "floor", "scale", "incremental", "review", "desk_profile",
                 "desk_statements"):
        assert part in saved, part
    markdown = (out / "perf-tiny.md").read_text()
    for heading in ("against the floor", "Incremental runs", "Scale", "under load",
                    "Embedding options", "statement by statement"):
        assert heading in markdown


@pytest.mark.slow
def test_tiny_floor_and_scale_are_well_formed(tiny_run):
    _, result = tiny_run
    for floor in result["floor"]:
        assert floor["texts_encoded"] > 0 and floor["embedded_by_vigie"] == floor["texts_encoded"]
        assert floor["floor_s"] > 0 and floor["ratio"] == pytest.approx(
            floor["vigie_s"] / floor["floor_s"], rel=0.01)
    scale = result["scale"]
    assert [r["items"] for r in scale["rows"]] == [200, 400, 800]
    for row in scale["rows"]:
        for stage in ("populate", "narratives", "signals"):
            assert row[stage]["status"] == "ok", (row["items"], stage)
            assert row[stage]["peak_rss_mb"] > 0
        assert sum(row["kinds"].values()) == row["items"]
    assert set(scale["slopes"]) == {"populate", "narratives", "signals"}


@pytest.mark.slow
def test_tiny_incremental_and_review_are_well_formed(tiny_run):
    _, result = tiny_run
    rows = result["incremental"]["rows"]
    assert [r["new_fraction"] for r in rows] == [0.0, 0.01, 0.1]
    assert rows[0]["embedded"] == 0 and rows[0]["assigned"] == 0  # nothing new: no work
    assert rows[1]["embedded"] == rows[1]["new_items"]  # real encodes in the run
    assert rows[2]["assigned"] == rows[2]["new_items"]
    review = result["review"]
    assert review["errors"] == 0, review["error_kinds"]
    for kind in ("login", "queue", "case", "decision"):
        lat = review["latency"][kind]
        assert lat["n"] >= review["reviewers"] and lat["p50_ms"] <= lat["p95_ms"] <= lat["p99_ms"]
    inside = review["inside_desk"]  # the same requests, timed by the benchmark's desk
    assert inside["first_round_requests"] == 3 * review["reviewers"]
    for kind in ("queue", "case", "decision"):
        first, later = inside["first_round"][kind], inside["later_rounds"][kind]
        assert first["n"] == review["reviewers"]
        assert first["n"] + later.get("n", 0) == review["latency"][kind]["n"]
        assert 0 < first["p50_ms"] <= first["p95_ms"]
    assert inside["first_round_ms_per_request"] > 0
    runs = review["runs"]  # tiny: two whole runs, each reported
    assert len(runs) == 2 and review["met_runs"] == sum(x["met"] for x in runs)
    assert runs[0]["p95_ms"] == {k: review["latency"][k]["p95_ms"] for k in runs[0]["p95_ms"]}
    assert (result["desk_profile"]["profile"]).endswith(".txt")


@pytest.mark.slow
def test_tiny_desk_statements_time_the_same_round_every_way(tiny_run):
    _, result = tiny_run
    r = result["desk_statements"]
    variants = ("duckdb", "duckdb_no_optimizer", "sqlite", "grown", "grown_no_optimizer")
    names = list(r["duckdb"]["statements_ms"])
    assert len(names) == 8 and names[0].startswith("queue") and names[-1].startswith("decision")
    for key in variants:
        per = r[key]["statements_ms"]
        assert list(per) == names and all(ms > 0 for ms in per.values()), key
        assert r[key]["round_ms"] == pytest.approx(sum(per.values()), abs=0.01)
    for table, n in r["sizes"].items():  # grown: copies under new ids, nothing lost
        assert r["grown_sizes"][table] >= n * (r["growth"] if table != "assignments" else 1)


@pytest.mark.slow
def test_tiny_options_compare_int8_with_float(tiny_run):
    _, result = tiny_run
    options = result["options"]
    names = {r["option"] for r in options["rows"]}
    assert {"minilm float32", "minilm int8 dynamic", "use-m3 (numpy)"} <= names
    assert 0.0 <= options["quality"]["top1_int8"] <= 1.0
