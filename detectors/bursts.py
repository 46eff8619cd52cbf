"""Bursts (OSoMe BotSlayer style): a narrative's latest volume against its own past."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Burst:
    latest: int  # items in the latest window
    baseline: float  # mean items per window before it
    ratio: float


def burst(times: Sequence[float], now: float, window_s: float, history: int = 8) -> Burst:
    """Items in the window ending at ``now`` against the mean of the ``history`` windows
    before it (a narrative with no past gets baseline 0 and ratio = latest)."""
    t = np.asarray(times, dtype=np.float64)
    age = (now - t) // window_s
    latest = int(np.sum(age == 0))
    past = np.sum((age >= 1) & (age <= history))
    first = (now - t.min()) // window_s if len(t) else 0
    span = max(1, min(history, int(first)))
    baseline = float(past) / span if first >= 1 else 0.0
    return Burst(latest, baseline, latest / max(baseline, 1.0))
