"""Narrative clustering on the CrisisLex dev data, straight through the detectors (no store).

    .venv/bin/python bench/narratives_dev.py [--model use|minilm] [--translation]

Gold label = event folder (13 real 2012-13 crises, ~14k tweets; texts shorter than 30
characters once URLs are removed are dropped). Prints BCubed precision/recall/F1, the
share of items left alone (narratives of one item, counted as unclustered), the number
of narratives, the stability when the data arrives day by day (share of items whose
narrative id on the last day equals the id they first got) and timings. Vectors are
cached under ``$VIGIE_DEV_CACHE`` (default /tmp/vigie-dev-cache) between runs.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detectors.embedding import load_embedder, prepare_text  # noqa: E402
from detectors.narrative_state import resolve  # noqa: E402
from detectors.narratives import NarrativeParams, cluster_stream  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "crisislex"
CACHE = Path(os.environ.get("VIGIE_DEV_CACHE", "/tmp/vigie-dev-cache"))
URL = re.compile(r"https?://\S+|www\.\S+")
TWITTER_EPOCH_MS = 1288834974657


def load_crisislex(folder: Path = DATA) -> tuple[list[str], list[str], np.ndarray, list[str]]:
    """(ids, texts, timestamps in s, gold labels), sorted by id (= by time)."""
    rows = []
    for path in sorted(folder.glob("*/*-tweets_labeled.csv")):
        event = path.parent.name
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for row in reader:
                tweet_id, text = row[0].strip().strip('"'), row[1]
                if len(URL.sub("", text).strip()) < 30:
                    continue
                ms = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
                rows.append((int(tweet_id), text, ms / 1000.0, event))
    rows.sort()
    seen: set[int] = set()
    rows = [r for r in rows if not (r[0] in seen or seen.add(r[0]))]
    return ([f"t{r[0]}" for r in rows], [r[1] for r in rows],
            np.array([r[2] for r in rows]), [r[3] for r in rows])


def embed_cached(texts: list[str], spec: str) -> tuple[np.ndarray, float]:
    """Vectors for texts (cached on disk by model and count), and texts/s when computed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"crisislex-{spec}-{len(texts)}.npy"
    if path.exists():
        return np.load(path), float("nan")
    embedder = load_embedder(spec)
    prepared = [prepare_text(None, t) for t in texts]
    t0 = time.perf_counter()
    vectors = embedder.encode(prepared)
    rate = len(texts) / (time.perf_counter() - t0)
    np.save(path, vectors)
    return vectors, rate


def bcubed(pred: list[str], gold: list[str]) -> tuple[float, float, float]:
    """BCubed precision, recall, F1 (each item's cluster vs its class)."""
    pair = Counter(zip(pred, gold, strict=True))
    p_size, g_size = Counter(pred), Counter(gold)
    precision = sum(c * c / p_size[p] for (p, _), c in pair.items()) / len(pred)
    recall = sum(c * c / g_size[g] for (_, g), c in pair.items()) / len(pred)
    return precision, recall, 2 * precision * recall / (precision + recall)


def day_batches(times: np.ndarray) -> list[np.ndarray]:
    days = np.floor(times / 86400).astype(np.int64)
    return [np.flatnonzero(days == d) for d in np.unique(days)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="use")
    args = parser.parse_args()
    ids, texts, times, gold = load_crisislex()
    vectors, rate = embed_cached(texts, args.model)
    params = NarrativeParams()
    print(f"{len(ids)} items, model {args.model}, embedding {rate:.0f} texts/s", flush=True)

    t0 = time.perf_counter()
    state, first = cluster_stream(ids, vectors, times, [np.arange(len(ids))], params)
    batch_s = time.perf_counter() - t0
    pred = [resolve(state, first[i]) for i in ids]

    t0 = time.perf_counter()
    s_state, s_first = cluster_stream(ids, vectors, times, day_batches(times), params)
    stream_s = time.perf_counter() - t0
    s_pred = [resolve(s_state, s_first[i]) for i in ids]

    for name, labels, secs in (("all at once", pred, batch_s), ("day by day", s_pred, stream_s)):
        sizes = Counter(labels)
        alone = sum(1 for lab in labels if sizes[lab] == 1) / len(labels)
        p, r, f = bcubed(labels, gold)
        print(f"{name:12s} BCubed P {p:.3f} R {r:.3f} F1 {f:.3f} | unclustered {alone:.1%} | "
              f"narratives {len(sizes)} (size>1: {sum(1 for v in sizes.values() if v > 1)}) | "
              f"{secs:.2f} s")
    stable = sum(1 for i, lab in zip(ids, s_pred, strict=True) if lab == s_first[i]) / len(ids)
    print(f"stability (day by day): {stable:.2%}  "
          f"(first day {datetime.fromtimestamp(times.min(), UTC):%Y-%m-%d}, "
          f"{len(day_batches(times))} days)")


if __name__ == "__main__":
    main()
