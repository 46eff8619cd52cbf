"""Signals stage: score every active narrative (coordination evidence, flags, reasons).

Thin: read inputs from the store, run the pure detectors, write everything back in one
transaction (replacing the previous rows, so a rerun changes nothing).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from detectors.config import detection_config
from detectors.embedding import model_name
from detectors.signals import compute_signals
from vigie.config import Settings
from vigie.reference import load_outlets
from vigie.reference.watchlist import load_watchlist
from vigie.store import signals as store


def score(settings: Settings, run_id: str, *, force: bool = False) -> dict[str, Any]:
    """Score every active narrative; skipped when neither the store's inputs nor the detection
    configuration changed since the last scoring (``force`` rescores anyway)."""
    start = time.perf_counter()
    cfg = detection_config(settings.detection)
    ref = cfg["reference"]
    outlets = [o.domain for o in load_outlets(ref["outlets"])]
    claims = [c.title for c in load_watchlist(ref["watchlist"] or None)]
    model = model_name(settings.embedding.model)
    st = settings.store()
    with st.connect() as con:
        fingerprint = hashlib.sha256(json.dumps(
            [store.inputs_fingerprint(con, model), model, cfg, sorted(outlets), claims],
            sort_keys=True, default=str).encode()).hexdigest()
        if not force and store.last_fingerprint(con) == fingerprint:
            return {"narratives_scored": 0, "flagged": store.flagged_count(con),
                    "source_edges": None, "skipped": "nothing changed since the last scoring",
                    "signals_s": round(time.perf_counter() - start, 3)}
        items, sources, vectors = store.load_inputs(
            con, model, int(cfg["signals"]["lookback_days"]), run_id)
    if items.height == 0:
        return {"narratives_scored": 0, "flagged": 0, "source_edges": 0}
    now = max(items["published_at"].to_list())
    result = compute_signals(items, sources, vectors, outlets, claims, now, config=cfg)
    with st.transaction() as con:
        store.write_results(con, run_id, result, now)
        store.save_fingerprint(con, fingerprint, datetime.now(UTC))
    return {
        "narratives_scored": len(result.narratives),
        "flagged": sum(r.flagged for r in result.narratives.values()),
        "source_edges": len(result.edges),
        "window_s": round(result.window_s, 1),
        "signals_s": round(time.perf_counter() - start, 3),
    }
