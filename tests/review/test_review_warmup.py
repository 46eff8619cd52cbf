"""The case warm-up gives way to requests, without stalling under a steady load."""

from __future__ import annotations

import time
from types import SimpleNamespace

from reservist_review import warmup


def _warmer() -> warmup.Warmer:
    db = SimpleNamespace(generation=0)
    w = warmup.Warmer(SimpleNamespace(db=db))
    w.warmed_generation = 0  # nothing to warm: poke only records the request
    return w


def test_warm_up_waits_for_a_pause_in_the_requests():
    w = _warmer()
    w.poke()  # a request now
    start = time.monotonic()
    w._give_way()
    waited = time.monotonic() - start
    assert warmup.QUIET_S <= waited < warmup.MAX_YIELD_S


def test_warm_up_still_progresses_under_a_steady_load(monkeypatch):
    monkeypatch.setattr(warmup, "MAX_YIELD_S", 0.3)
    w = _warmer()
    w._last_request = float("inf")  # requests never stop
    start = time.monotonic()
    w._give_way()
    assert 0.3 <= time.monotonic() - start < 1.0


def test_start_up_poke_is_not_a_request():
    w = _warmer()
    w.poke(request=False)
    start = time.monotonic()
    w._give_way()
    assert time.monotonic() - start < warmup.QUIET_S
