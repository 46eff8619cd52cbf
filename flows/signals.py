"""Signals stage: score the active narratives (coordination evidence, flags, reasons).

Thin: read inputs from the store, run the pure detectors, write everything back in one
transaction (replacing the previous rows of the narratives scored, so a rerun changes
nothing).

Incremental: skipped when neither the store's inputs nor the detection configuration
changed since the last scoring; otherwise only the narratives whose inputs changed are
scored (``detectors.score_state.ScoreState``: their items, sources, content groups, the
co-publication network around them, new sources, bursts), the co-publication network is
recomputed whole, and MinHash signatures are cached per content. A changed configuration
(detection settings, reference lists, embedding model), ``force`` or
:func:`forget_scoring` rescore everything.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from detectors.config import detection_config
from detectors.embedding import model_name
from vigie.config import Settings
from vigie.reference import load_outlets
from vigie.reference.watchlist import load_watchlist
from vigie.store import search_state
from vigie.store import signals as store

# Sections of the detection configuration that the analyse stage reads, not the scoring:
# their effects reach it through the store (memberships, sizes), which the inputs'
# fingerprint covers, so changing them alone does not rescore every narrative.
NOT_SCORING = frozenset({"narratives", "labels"})


def _sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def score(settings: Settings, run_id: str, *, force: bool = False) -> dict[str, Any]:
    """Score the narratives whose inputs changed; skipped when neither the store's inputs
    nor the detection configuration changed since the last scoring (``force`` rescores
    every narrative)."""
    start = time.perf_counter()
    cfg = detection_config(settings.detection)
    ref = cfg["reference"]
    outlets = [o.domain for o in load_outlets(ref["outlets"])]
    claims = [c.title for c in load_watchlist(ref["watchlist"] or None)]
    model = model_name(settings.embedding.model)
    scoring_cfg = {k: v for k, v in cfg.items() if k not in NOT_SCORING}
    config_fp = _sha([model, scoring_cfg, sorted(outlets), claims])
    st = settings.store()
    with st.connect() as con:
        fingerprint = _sha([store.inputs_fingerprint(con, model), config_fp])
        if not force and store.last_fingerprint(con) == fingerprint:
            return {"narratives_scored": 0, "flagged": store.flagged_count(con),
                    "source_edges": None, "skipped": "nothing changed since the last scoring",
                    "signals_s": round(time.perf_counter() - start, 3)}
        from detectors.minhash import signature_params

        params = signature_params(int(cfg["duplicates"]["minhash_perm"]),
                                  int(cfg["text"]["shingle_size"]))
        items, sources, vectors, known = store.load_scoring_inputs(
            con, model, int(cfg["signals"]["lookback_days"]), run_id, params,
            int(cfg["duplicates"]["minhash_perm"]))
        previous = searched = None
        if not force and store.last_fingerprint(con, "signals-config") == config_fp:
            previous = store.load_score_state(con)
            searched = search_state.load_search_state(con)
    if items.height == 0:
        return {"narratives_scored": 0, "flagged": 0, "source_edges": 0}
    # imported here: a pass with nothing new does not pay for scipy, networkx, datasketch
    from detectors.score_state import ScoreState, Searched
    from detectors.signals import compute_signals

    t_load = time.perf_counter()
    now = max(items["published_at"].to_list())
    result = compute_signals(
        items, sources, vectors, outlets, claims, now, config=cfg,
        signatures=known[0] if known else None, signature_keys=known[1] if known else None,
        previous=None if previous is None else {
            nid: ScoreState(block, inputs, links,
                            Searched(**searched[nid]) if nid in (searched or {}) else None)
            for nid, (block, inputs, links) in previous.items()},
    )
    t_compute = time.perf_counter()
    hashes = items["content_hash"].to_list()
    at = datetime.now(UTC)
    with st.transaction() as con:
        store.write_results(con, run_id, result, now)
        store.write_score_state(con, run_id, result.state, at)
        search_state.write_search_state(con, {nid: s.searched for nid, s in result.state.items()
                                              if s.searched is not None})
        store.prune_score_state(con)
        cached = store.write_signatures(con, params, [(hashes[i], key, sig) for i, key, sig
                                                      in result.signatures])
        store.save_fingerprint(con, fingerprint, at)
        store.save_fingerprint(con, config_fp, at, "signals-config")
        kept_flagged = store.flagged_count(con, result.kept) if result.kept else 0
    return {
        "narratives_scored": len(result.narratives),
        "narratives_kept": len(result.kept),
        "full_rescoring": previous is None,
        "flagged": sum(r.flagged for r in result.narratives.values()) + kept_flagged,
        "source_edges": len(result.edges),
        "window_s": round(result.window_s, 1),
        "signatures_cached": cached,
        "neighbour_rows_searched": result.neighbour_rows[0],
        "neighbour_rows_kept": result.neighbour_rows[1],
        "signals_load_s": round(t_load - start, 3),
        "signals_compute_s": round(t_compute - t_load, 3),
        "signals_write_s": round(time.perf_counter() - t_compute, 3),
        "signals_s": round(time.perf_counter() - start, 3),
    }


def forget_scoring(settings: Settings) -> None:
    """Make the next scoring rescore every narrative (``vigie analyse --rescore``): e.g. to
    refresh the "First seen ... ago" reasons of narratives nothing happened to."""
    with settings.store().transaction() as con:
        store.forget_scoring(con)
