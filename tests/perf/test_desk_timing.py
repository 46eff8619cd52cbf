"""The review desk's latency read back from inside it (bench.perf.desk_timing), fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.perf.desk_timing import inside_desk, request_kind


def test_request_kinds() -> None:
    assert request_kind("GET", "/cases/mine") == "queue"
    assert request_kind("GET", "/cases/N-abc") == "case"
    assert request_kind("POST", "/cases/N-abc/decisions") == "decision"
    assert request_kind("POST", "/cases/N-abc/reassign") is None
    assert request_kind("POST", "/login") is None


def test_first_round_is_the_first_arrivals_of_each_kind(tmp_path: Path) -> None:
    # two reviewers: both queues at 0 s, both cases at 0.03 s, decisions at 0.06 s, then a
    # second round at 1 s; a login and a line cut short are ignored
    t = 100.0
    rows = [("GET", "/cases/mine", t, t + 0.010), ("GET", "/cases/mine", t + 0.001, t + 0.020),
            ("GET", "/cases/N-a", t + 0.03, t + 0.05), ("GET", "/cases/N-b", t + 0.031, t + 0.06),
            ("POST", "/cases/N-a/decisions", t + 0.06, t + 0.07),
            ("POST", "/cases/N-b/decisions", t + 0.061, t + 0.08),
            ("POST", "/login", t - 1, t - 0.5),
            ("GET", "/cases/mine", t + 1, t + 1.004), ("GET", "/cases/N-a", t + 1.01, t + 1.02)]
    path = tmp_path / "times.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + '["GET", "/cases/mi')
    got = inside_desk(path, reviewers=2)
    assert got["first_round_requests"] == 6
    assert got["first_round_span_ms"] == pytest.approx(80.0)
    assert got["first_round_ms_per_request"] == pytest.approx(80.0 / 6, abs=0.01)
    assert got["first_round"]["queue"]["n"] == 2 and got["first_round"]["queue"]["max_ms"] == 19.0
    assert got["later_rounds"]["queue"] == {"n": 1, "p50_ms": 4.0, "p95_ms": 4.0, "p99_ms": 4.0,
                                            "max_ms": 4.0}
    assert got["later_rounds"]["decision"] == {"n": 0}
    assert inside_desk(tmp_path / "missing.jsonl", 2)["first_round_requests"] == 0
