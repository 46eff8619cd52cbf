"""Analyse stage: embed new content (cached), update narratives, label them, score them, and
store the case summaries the review desk reads (``vigie.store.review.summaries``).

Thin orchestration: detectors do the work, ``vigie.store`` does the SQL, and no
connection is held while a model encodes. Running it twice changes nothing; with nothing
new it only runs two counting queries (and the scoring stage).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from detectors.config import detection_config
from detectors.embedding import Embedder, load_embedder, model_name, prepare_text
from detectors.labels import label_narratives, languages, needs_relabel
from detectors.narrative_state import NarrativeState, resolve
from detectors.narratives import NarrativeParams, chunk_bounds, update
from vigie.config import Settings
from vigie.store import embeddings as emb_store
from vigie.store import narratives as nar_store
from vigie.store.review import summaries

log = logging.getLogger(__name__)

EMBED_CHUNK = 2048  # contents encoded (and committed) per step: bounded memory, progress kept
CLUSTER_CHUNK = 100_000  # unassigned items clustered (and committed) per step, whole windows
LABEL_MEMBERS = 2_000  # members read per narrative for its keywords and headline


def narrative_params(settings: Settings) -> NarrativeParams:
    """``[narratives]`` of detectors/detection.toml, with ``[detection.narratives]`` overrides."""
    return NarrativeParams.from_mapping(detection_config(settings.detection)["narratives"])


def embedder_for(settings: Settings) -> Embedder:
    """The configured embedder (``[embedding]`` model, batch size and backend)."""
    e = settings.embedding
    return load_embedder(e.model, e.batch_size, e.backend, settings.model_cache_dir)


def embed_new(settings: Settings, embedder: Embedder | None = None) -> tuple[int, str]:
    """Embed every item content without a vector for the configured model.

    Returns (contents embedded, model name). The model loads only when there is work.
    """
    store = settings.store()
    name = embedder.name if embedder else model_name(settings.embedding.model)
    with store.connect() as con:
        todo = emb_store.contents_to_embed(con, name)
    if todo and embedder is None:
        embedder = embedder_for(settings)
    done = 0
    for start in range(0, len(todo), EMBED_CHUNK):
        chunk = todo[start:start + EMBED_CHUNK]
        vectors = embedder.encode([prepare_text(title, text) for _, title, text in chunk])
        with store.transaction() as con:
            emb_store.write_vectors(con, name, [c[0] for c in chunk], vectors)
        done += len(chunk)
    return done, name


def update_narratives(settings: Settings, run_id: str, model: str) -> dict[str, Any]:
    """Cluster unassigned embedded items into narratives, write them and their labels.

    A backlog (a first import, a long outage) is fed in chunks of whole time windows,
    each written in its own transaction: the same narratives as one pass, with the memory
    of one chunk, and the work done so far kept if the run stops."""
    store = settings.store()
    params = narrative_params(settings)
    with store.connect() as con:
        if nar_store.count_unassigned(con) == 0:
            return {"assigned": 0, "new_narratives": 0, "merged": 0, "faded": 0,
                    "touched": []}
        windows = nar_store.unassigned_windows(con, model, params.window_h * 3600.0)
        rows = nar_store.load_active(con, model)
    state: NarrativeState | None = None
    touched: set[str] = set()
    counts = {"assigned": 0, "new_narratives": 0, "merged": 0, "faded": 0}
    timings = {"cluster_s": 0.0, "write_s": 0.0}
    for until in chunk_bounds(windows, params, CLUSTER_CHUNK):
        with store.connect() as con:
            ids, times, vectors = nar_store.load_unassigned(con, model, until)
        if not ids:
            continue
        t0 = time.perf_counter()
        if state is None:
            state = NarrativeState.from_rows(vectors.shape[1], rows)
        result = update(state, ids, vectors, times, params)
        t1 = time.perf_counter()
        with store.transaction() as con:
            nar_store.write_update(con, run_id, model, state, result, resolve)
        timings["cluster_s"] += t1 - t0
        timings["write_s"] += time.perf_counter() - t1
        touched |= result.touched
        counts["assigned"] += len(result.assignments)
        counts["new_narratives"] += len(result.created)
        counts["merged"] += len(result.merged)
        counts["faded"] += len(result.faded)
        del ids, times, vectors, result
    if state is None:
        return {**counts, "touched": []}
    status = {n: state.status[state.index[n]] for n in touched}
    active_touched = sorted(n for n, s in status.items() if s == "active")
    changed = sorted(n for n, s in status.items() if s != "merged")  # faded ones keep a label
    growth = float(detection_config(settings.detection)["labels"]["relabel_growth"])
    t2 = time.perf_counter()
    with store.transaction() as con:
        sizes = nar_store.label_sizes(con, changed)
        relabel = [n for n in changed if n in sizes and needs_relabel(*sizes[n], growth)]
        langs = nar_store.language_counts(con, changed)
        members, vecs, centroids, background = (
            nar_store.load_label_inputs(con, relabel, model, LABEL_MEMBERS) if relabel
            else ({}, {}, {}, []))
        t3 = time.perf_counter()
        labels = label_narratives(members, vecs, centroids, background, language_counts=langs)
        t4 = time.perf_counter()
        nar_store.write_labels(con, labels)
        # the others keep their keywords and headline; a new language shows at once
        nar_store.write_languages(con, {n: languages(langs.get(n, {})) for n in changed
                                        if n not in labels})
    t5 = time.perf_counter()
    return {**counts, "touched": active_touched, "relabelled": len(labels),
            "timings": {**timings, "label_read_s": t3 - t2, "label_s": t4 - t3,
                        "label_write_s": t5 - t4}}


def _score(settings: Settings, run_id: str) -> dict[str, Any]:
    try:
        from flows.signals import score
    except ImportError as exc:  # the signals stage is developed in parallel
        if exc.name != "flows.signals":
            raise
        log.warning("flows.signals is not available yet: narratives are not scored")
        return {"narratives_scored": 0, "flagged": 0, "signals_missing": True}
    return score(settings, run_id)


def case_summaries(settings: Settings) -> dict[str, Any]:
    """Rebuild the review desk's case summaries that the narratives or scoring made stale."""
    start = time.perf_counter()
    with settings.store().transaction() as con:
        counts = summaries.refresh(con)
    return {"case_summaries_rebuilt": counts["rebuilt"],
            "case_summaries_s": round(time.perf_counter() - start, 3)}


def analyse(settings: Settings, run_id: str) -> dict[str, Any]:
    """Embed new items, update narratives and their labels, then score narratives."""
    t0 = time.perf_counter()
    store = settings.store()
    store.init()
    embedded, model = embed_new(settings)
    t1 = time.perf_counter()
    narr = update_narratives(settings, run_id, model)
    t2 = time.perf_counter()
    with store.connect() as con:
        counts = nar_store.narrative_counts(con)
    stats: dict[str, Any] = {
        "embedded": embedded,
        "model": model,
        "narratives": counts.get("active", 0),
        "new_narratives": narr["new_narratives"],
        "assigned": narr["assigned"],
        "merged": narr["merged"],
        "faded": narr["faded"],
        "narratives_touched": len(narr["touched"]),
        "narratives_relabelled": narr.get("relabelled", 0),
        **{k: round(v, 3) for k, v in narr.get("timings", {}).items()},
        "embed_s": round(t1 - t0, 3),
        "narratives_s": round(t2 - t1, 3),
    }
    scored = _score(settings, run_id)
    stats.update({k: v for k, v in scored.items() if k not in stats})
    stats.setdefault("flagged", 0)
    stats["score_s"] = round(time.perf_counter() - t2, 3)
    stats.update(case_summaries(settings))
    return stats
