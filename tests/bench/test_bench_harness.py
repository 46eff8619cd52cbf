"""The harness around the metrics: stage measurement, Vigie's exports read back, the report."""

from __future__ import annotations

import sys

import pytest

from bench import metrics, report
from bench.quality import Bench
from bench.vigie_runner import (
    coordination_prediction,
    import_summary,
    json_block,
    measured,
    narrative_labels,
)


def test_measured_reports_exit_code_output_and_peak_memory(tmp_path) -> None:
    code = "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); print('done')"
    stage, out = measured("alloc", [sys.executable, "-c", code], tmp_path / "s.log", {})
    assert stage.returncode == 0 and out.strip() == "done"
    assert stage.peak_rss_mb >= 200  # the 200 MiB buffer was touched
    failing, _ = measured(
        "fail", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "f.log", {}
    )
    assert failing.returncode == 3


def test_measured_peak_is_the_stage_own_not_the_parent_one(tmp_path) -> None:
    ballast = bytearray(400 * 2**20)  # this process's high-water mark goes past 400 MiB
    ballast[::4096] = b"x" * len(ballast[::4096])
    stage, _ = measured("small", [sys.executable, "-c", "pass"], tmp_path / "s.log", {})
    assert stage.peak_rss_mb < 200
    del ballast


def test_reading_vigie_outputs() -> None:
    flags = [
        {
            "narrative_id": "N-1",
            "items": [
                {"external_id": "ira-1", "evidence": ["copy_paste", "synchrony"]},
                {"external_id": "ira-2", "evidence": []},  # only a member
            ],
        },
        {"narrative_id": "N-2", "items": [{"external_id": 123, "evidence": ["burst"]}]},
    ]
    assert coordination_prediction(flags) == {"ira-1", "123"}
    assert json_block('Analysing...\n{\n  "embedded": 3,\n  "embed_s": 1.5\n}\n') == {
        "embedded": 3,
        "embed_s": 1.5,
    }
    assert json_block("no json here") == {}
    assert import_summary("12 rows read: 10 stored, 1 already known, 1 rejected") == {
        "rows": 12,
        "stored": 10,
        "duplicates": 1,
        "rejected": 1,
    }
    import polars as pl

    frame = pl.DataFrame(
        {"item_id": ["it_1", "it_2"], "external_id": ["a", "b"], "narrative_id": ["N-x", None]}
    )
    assert narrative_labels(frame) == {"a": "N-x", "b": None}


@pytest.fixture(scope="module")
def small_bench() -> Bench:
    return Bench(small=True, variants=["a", "b"], log=lambda _: None)


def test_harness_scores_by_external_id_on_the_small_slice(small_bench: Bench) -> None:
    organic = small_bench.organic
    gold_by_id = dict(zip(organic["external_id"], organic["label"], strict=True))
    assert small_bench.narratives_of(gold_by_id)["bcubed"]["f1"] == pytest.approx(1.0)
    nothing = small_bench.narratives_of({})
    assert nothing["unclustered"] == 1.0 and nothing["narratives"] == 0
    truth = small_bench.truth["b"]
    perfect = small_bench.coordination_of("b", truth)
    assert (perfect["precision"], perfect["recall"], perfect["organic_fp_rate"]) == (1, 1, 0)
    everything = small_bench.coordination_of("a", set(small_bench.mix["external_id"]))
    assert everything["organic_fp_rate"] == 1.0
    assert everything["recall"] == 1.0


def test_markdown_report_lists_every_system(small_bench: Bench) -> None:
    gold = ["A", "A", "B"]
    small_bench.results = []
    small_bench.add("Peer X", "a+b", 1.0, narratives=metrics.clustering(gold, [1, 1, None]))
    small_bench.add(
        "Vigie",
        "a",
        2.0,
        narratives=metrics.clustering(gold, [1, 1, 2]),
        coordination={
            "precision": 1.0,
            "recall": 0.5,
            "f1": 2 / 3,
            "organic_fp_rate": 0.01,
            "source_precision": 1.0,
        },
    )
    res = {
        "date": report.now(),
        "machine": report.machine(),
        "small": True,
        "data": small_bench.data_summary(),
        "results": small_bench.results,
        "notes": ["a note"],
        "embedding": {"texts": 3, "floor_seconds": 1.0, "seconds_per_text": 0.3},
        "vigie": {
            "a": {
                "cost": {
                    "import": {"seconds": 1.0, "peak_rss_mb": 100.0, "stats": {"embed_s": 2.5}}
                }
            }
        },
    }
    md = report.markdown(res)
    assert "| Peer X | a+b | " in md and "| Vigie | a | " in md
    assert "33.3%" in md  # Peer X leaves one of three items unclustered
    assert "| 0.67 | 1.0% | 1.00 |" in md  # Vigie's coordination F1, organic FP, source P
    assert res["machine"]["cores"] >= 1 and "SMALL" in md
    assert "| a | import | 1.0 | 100 | embed 2.5 s |" in md
