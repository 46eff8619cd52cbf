"""``python -m bench.perf [--quick]``: every performance benchmark, one JSON and one Markdown.

Order: embedding options, floor, scale (keeps its stores), then on the scale's 100k store
(the middle size in --quick): incremental runs, the review desk under load and its profile.
Full sizes: floor 10k + 2k new, scale 10k / 100k / 1M, incremental and review on 100k.
--quick: floor 1k + 200, scale 1k / 3k / 10k on 1,000 base texts (a few minutes).
Results: ``bench/results/perf.json`` and ``perf.md`` (``perf-quick.*`` with --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = Path(__file__).resolve().parents[1] / "results"
PARTS = ("options", "floor", "scale", "incremental", "review", "profiles")
PROFILES = {  # mode -> sizes and bounds
    "full": {"sizes": [10_000, 100_000, 1_000_000], "bases_limit": None, "floor": (10_000, 2_000),
             "options_texts": 500, "rounds": 10, "reviewers": 20, "timeout": 900.0},
    "quick": {"sizes": [1_000, 3_000, 10_000], "bases_limit": 1_000, "floor": (1_000, 200),
              "options_texts": 100, "rounds": 3, "reviewers": 20, "timeout": 300.0},
    "tiny": {"sizes": [200, 400, 800], "bases_limit": 100, "floor": (200, 20),
             "options_texts": 20, "rounds": 1, "reviewers": 3, "timeout": 300.0},
}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # tests
    parser.add_argument("--only", default=",".join(PARTS), help=f"subset of {','.join(PARTS)}")
    parser.add_argument("--sizes", default=None, help="scale sizes, e.g. 10000,100000")
    parser.add_argument("--bases-limit", type=int, default=None)
    parser.add_argument("--stage-timeout", type=float, default=None)
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    args = parser.parse_args(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    cfg = dict(PROFILES[mode])
    if args.sizes:
        cfg["sizes"] = [int(s) for s in args.sizes.split(",")]
    if args.bases_limit:
        cfg["bases_limit"] = args.bases_limit
    timeout = args.stage_timeout or cfg["timeout"]
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    out = args.out or RESULTS
    stem = "perf" if mode == "full" else f"perf-{mode}"
    profile_dir = out / "profiles" if mode == "full" else out / f"profiles-{mode}"

    from bench.perf import floor, incremental, options, profiles, report, review_load, scale
    from bench.perf.measure import machine

    result: dict = {"mode": mode, "machine": machine(), "config": cfg}
    started = time.perf_counter()
    keep = Path(tempfile.mkdtemp(prefix="vigie-perf-stores-"))
    try:
        if "options" in parts:
            result["options"] = options.run(cfg["options_texts"],
                                            1 if mode != "full" else 2, cfg["bases_limit"])
        if "floor" in parts:  # the configured embedder, and MiniLM (sentence-transformers)
            from vigie.config import load_settings

            configured = load_settings().embedding.model
            result["floor"] = [floor.run(*cfg["floor"], cfg["bases_limit"])]
            if configured != "minilm" and mode != "tiny":  # fewer base texts: MiniLM encodes them for real
                limit = min(cfg["bases_limit"] or 3_000, 3_000)
                result["floor"].append(floor.run(*cfg["floor"], limit, model="minilm"))
        middle = cfg["sizes"][len(cfg["sizes"]) // 2] if mode != "full" else 100_000
        store = keep / str(middle)
        if {"scale", "incremental", "review", "profiles"} & set(parts):
            sizes = cfg["sizes"] if "scale" in parts else [middle]
            ran = scale.run(sizes, cfg["bases_limit"], timeout_s=timeout, keep=keep,
                            profile_size=middle, profile_dir=profile_dir)
            if "scale" in parts:
                result["scale"] = ran
            for n in sizes:  # only the middle store is used further: free the disk
                if n != middle:
                    shutil.rmtree(keep / str(n), ignore_errors=True)
        if "incremental" in parts:
            result["incremental"] = incremental.run(
                middle, (0.0, 0.01, 0.1), cfg["bases_limit"], store=store, timeout_s=timeout,
                real_embed=1_000 if mode == "full" else 20, profile_dir=profile_dir)
        if "review" in parts:
            result["review"] = review_load.run(store, cfg["reviewers"], cfg["rounds"],
                                               budget_s=240.0, think_s=0.5)
        if "profiles" in parts:
            result["desk_profile"] = profiles.profile_desk(store, profile_dir / "review-desk",
                                                           20 if mode == "full" else 3)
    finally:
        shutil.rmtree(keep, ignore_errors=True)
    result["total_s"] = round(time.perf_counter() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    markdown = report.render(result)
    (out / f"{stem}.md").write_text(markdown)
    print(markdown)
    return result


if __name__ == "__main__":
    main()
