"""Signals stage: score every active narrative (coordination evidence, flags, reasons).

Thin: read inputs from the store, run the pure detectors, write everything back in one
transaction (replacing the previous rows, so a rerun changes nothing).
"""

from __future__ import annotations

import time
from typing import Any

from detectors.config import detection_config
from detectors.embedding import model_name
from detectors.signals import compute_signals
from vigie.config import Settings
from vigie.reference import load_outlets
from vigie.reference.watchlist import load_watchlist
from vigie.store import signals as store


def score(settings: Settings, run_id: str) -> dict[str, Any]:
    start = time.perf_counter()
    cfg = detection_config(settings.detection)
    ref = cfg["reference"]
    outlets = [o.domain for o in load_outlets(ref["outlets"])]
    claims = [c.title for c in load_watchlist(ref["watchlist"] or None)]
    st = settings.store()
    with st.connect() as con:
        items, sources, vectors = store.load_inputs(
            con, model_name(settings.embedding.model), int(cfg["signals"]["lookback_days"]))
    if items.height == 0:
        return {"narratives_scored": 0, "flagged": 0, "source_edges": 0}
    now = max(items["published_at"].to_list())
    result = compute_signals(items, sources, vectors, outlets, claims, now, config=cfg)
    with st.transaction() as con:
        store.write_results(con, run_id, result, now)
    return {
        "narratives_scored": len(result.narratives),
        "flagged": sum(r.flagged for r in result.narratives.values()),
        "source_edges": len(result.edges),
        "window_s": round(result.window_s, 1),
        "signals_s": round(time.perf_counter() - start, 3),
    }
