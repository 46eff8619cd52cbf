"""Quick dev loop for the coordination signals (the signals engineer's calibration bench).

Runs the pure detectors directly on the issue-4 mix: CrisisLex tweets (organic; each its
own source, time from the tweet id) + IRA Fearmonger tweets (campaign; source =
author_id), in both variants: (a) one-shot organic, (b) active organic (pseudo-accounts
as active as the troll accounts). Prints item precision / recall / F1 and the organic
false-positive rate against issue 4's ground truth.

    .venv/bin/python bench/coordination_dev.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from detectors.config import detection_config  # noqa: E402
from detectors.coordination import detect_coordination, listed_as_evidence  # noqa: E402
from detectors.duplicates import find_duplicates  # noqa: E402
from detectors.text import normalise  # noqa: E402

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
DAY = 86400.0


def load_mix(data: Path) -> list[dict]:
    rows: list[dict] = []
    for f in sorted((data / "crisislex").glob("*/*-tweets_labeled.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for row in reader:
                tid = int(row[0])
                rows.append({"id": f"cl{tid}", "kind": "organic", "source": f"cl{tid}",
                             "text": row[1], "t": ((tid >> 22) + 1288834974657) / 1000.0})
    path = data / "ira" / "sample_fearmonger_all.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            ts = datetime.strptime(row["publish_date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            rows.append({"id": f"ira{n}", "kind": "troll", "source": row["author_id"],
                         "text": row["content"], "t": ts.timestamp()})
    return [r for r in rows if len(_URL.sub("", r["text"]).strip()) >= 30]


def active_variant(rows: list[dict]) -> list[dict]:
    """Organic tweets spread over K pseudo-accounts as active as the troll accounts."""
    trolls = [r for r in rows if r["kind"] == "troll"]
    organic = [r for r in rows if r["kind"] == "organic"]
    mean_items = len(trolls) / len({r["source"] for r in trolls})
    k = max(1, round(len(organic) / mean_items))
    out = []
    for r in rows:
        if r["kind"] == "organic":
            h = int(hashlib.sha256(r["id"].encode()).hexdigest(), 16) % k
            r = {**r, "source": f"acct{h}"}
        out.append(r)
    return out


def truth(rows: list[dict]) -> set[int]:
    """Troll items whose normalised text equals another troll account's within 24 h."""
    by_text: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r["kind"] == "troll":
            by_text.setdefault(normalise(r["text"]), []).append(i)
    out: set[int] = set()
    for idx in by_text.values():
        for i in idx:
            for j in idx:
                other = rows[i]["source"] != rows[j]["source"]
                if other and abs(rows[i]["t"] - rows[j]["t"]) <= DAY:
                    out.add(i)
                    break
    return out


def evaluate(rows: list[dict], config: dict | None = None) -> dict:
    start = time.perf_counter()
    dup = find_duplicates([r["text"] for r in rows], config=config)
    res = detect_coordination([r["source"] for r in rows], np.array([r["t"] for r in rows]),
                              dup.content, config=config)
    elapsed = time.perf_counter() - start
    cfg = config or detection_config()
    pred = {i for a, b, _, _ in res.evidence
            if listed_as_evidence(Levenshtein.normalized_similarity(dup.keys[a], dup.keys[b]),
                                  min(len(dup.keys[a]), len(dup.keys[b])), cfg)
            for i in (a, b)}
    gold = truth(rows)
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    organic = [i for i, x in enumerate(rows) if x["kind"] == "organic"]
    fp_org = sum(1 for i in organic if i in pred) / len(organic)
    coord = [g for g in res.groups.values() if g.coordinated]
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "organic_fp": fp_org, "window_s": res.window_s, "edges": len(res.edges),
            "groups": len(coord), "group_sources": sum(len(g.sources) for g in coord),
            "seconds": elapsed, "predicted": len(pred), "gold": len(gold)}


def main() -> None:
    ap = argparse.ArgumentParser()
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    ap.add_argument("--data", type=Path, default=default)
    args = ap.parse_args()
    rows = load_mix(args.data)
    for name, data in (("a one-shot", rows), ("b active", active_variant(rows))):
        m = evaluate(data)
        print(f"{name:11s} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
              f"organicFP {m['organic_fp']:.4f} window {m['window_s']:.0f}s edges {m['edges']} "
              f"groups {m['groups']} ({m['group_sources']} sources) pred {m['predicted']} "
              f"gold {m['gold']} {m['seconds']:.1f}s")


if __name__ == "__main__":
    main()
