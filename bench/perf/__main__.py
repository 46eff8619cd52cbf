"""``python -m bench.perf [--quick]``: every performance benchmark, one JSON and one Markdown.

Order: embedding options, floor, scale (keeps its stores), then on the scale's 100k store
(the middle size in --quick): incremental runs, the review desk under load and its profile.
Full sizes: floor 10k + 2k new, scale 10k / 100k / 1M, incremental and review on 100k.
--quick: floor 1k + 200, scale 1k / 3k / 10k on 1,000 base texts (a few minutes).
Results: ``bench/results/perf.json`` and ``perf.md`` (``perf-quick.*`` with --quick).
``--store DIR``: a populated and analysed store of the middle size for the parts that need
one (no scale run to build it); ``--merge``: replace only the parts run in the existing
results, keeping the others' earlier figures (each part records when and under what load
it was measured).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import traceback
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = Path(__file__).resolve().parents[1] / "results"
PARTS = ("options", "floor", "scale", "incremental", "review", "profiles", "statements")
PROFILES = {  # mode -> sizes and bounds
    "full": {"sizes": [10_000, 100_000, 1_000_000], "bases_limit": None, "floor": (10_000, 2_000),
             # the load test: ~20 s a run; this machine's speed moves +-15% within minutes
             "options_texts": 500, "rounds": 10, "reviewers": 20, "timeout": 900.0,
             "review_repeats": 5},
    "quick": {"sizes": [1_000, 3_000, 10_000], "bases_limit": 1_000, "floor": (1_000, 200),
              "options_texts": 100, "rounds": 3, "reviewers": 20, "timeout": 300.0,
              "review_repeats": 1},
    "tiny": {"sizes": [200, 400, 800], "bases_limit": 100, "floor": (200, 20),
             "options_texts": 20, "rounds": 1, "reviewers": 3, "timeout": 300.0,
             "review_repeats": 2},
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
    parser.add_argument("--earlier-scale", action="append", metavar="LOGS:SIZE:TIMEOUT",
                        help="take this scale size from an earlier run's stage logs")
    parser.add_argument("--store", type=Path, default=None,
                        help="a populated and analysed store of the middle size (copied)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other parts of the existing results file")
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

    from bench.perf import (
        desk_statements,
        floor,
        incremental,
        options,
        profiles,
        report,
        review_load,
        scale,
    )
    from bench.perf.measure import machine

    result: dict = {"mode": mode, "machine": machine(), "config": cfg, "errors": {}}
    earlier_file = out / f"{stem}.json"
    if args.merge and earlier_file.exists():
        result = json.loads(earlier_file.read_text())
        result.setdefault("errors", {})
        result.setdefault("measured", {})
        for name in parts:
            result["errors"].pop(name, None)
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # after every part: a failing part never loses the others
        if not args.merge:
            result["total_s"] = round(time.perf_counter() - started, 1)
        (out / f"{stem}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")

    def part(name: str, fn) -> None:  # noqa: ANN001
        if args.merge and name in parts:  # (scale also runs to build the middle store)
            result.setdefault("measured", {})[name] = machine()
        try:
            fn()
        except Exception as exc:  # recorded in the results, the next part still runs
            result["errors"][name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        save()

    earlier = {}
    for spec in args.earlier_scale or []:
        logs, size, timeout_s = spec.rsplit(":", 2)
        earlier[int(size)] = scale.runs_from_logs(Path(logs), int(size), float(timeout_s))
    keep = Path(tempfile.mkdtemp(prefix="vigie-perf-stores-"))
    middle = cfg["sizes"][len(cfg["sizes"]) // 2] if mode != "full" else 100_000
    store = args.store or keep / str(middle)

    def do_floor() -> None:  # the configured embedder, and MiniLM (sentence-transformers)
        from vigie.config import load_settings

        result["floor"] = [floor.run(*cfg["floor"], cfg["bases_limit"])]
        if load_settings().embedding.model != "minilm" and mode != "tiny":
            # the same number of new items as the configured model (the ratio depends on
            # it: a pass has fixed work); fewer base texts, since MiniLM encodes them for real
            base, new = cfg["floor"]
            limit = min(cfg["bases_limit"] or 2_000, 2_000)
            result["floor"].append(floor.run(base, new, limit, model="minilm"))
            # the same pass with the ONNX backend (the floor stays sentence-transformers')
            result["floor"].append(floor.run(base, new, limit, model="minilm", backend="onnx"))

    def do_scale() -> None:
        sizes = [n for n in cfg["sizes"] if n not in earlier] if "scale" in parts else [middle]
        ran = scale.run(sizes, cfg["bases_limit"], timeout_s=timeout, keep=keep,
                        profile_size=middle, profile_dir=profile_dir, earlier=earlier)
        if "scale" in parts:
            result["scale"] = ran
        for n in sizes:  # only the middle store is used further: free the disk
            if n != middle:
                shutil.rmtree(keep / str(n), ignore_errors=True)

    try:
        if "options" in parts:
            part("options", lambda: result.update(options=options.run(
                cfg["options_texts"], 1 if mode != "full" else 2, cfg["bases_limit"])))
        if "floor" in parts:
            part("floor", do_floor)
        if "scale" in parts or (args.store is None
                                and {"incremental", "review", "profiles", "statements"}
                                & set(parts)):
            part("scale", do_scale)
        if "incremental" in parts:
            part("incremental", lambda: result.update(incremental=incremental.run(
                middle, (0.0, 0.01, 0.1), cfg["bases_limit"], store=store, timeout_s=timeout,
                real_embed=1_000 if mode == "full" else 20, profile_dir=profile_dir)))
        if "review" in parts:
            part("review", lambda: result.update(review=review_load.repeated(
                store, cfg["review_repeats"], reviewers=cfg["reviewers"], rounds=cfg["rounds"],
                budget_s=240.0, think_s=0.5)))
        if "profiles" in parts:
            part("profiles", lambda: result.update(desk_profile=profiles.profile_desk(
                store, profile_dir / "review-desk", 20 if mode == "full" else 3)))
        if "statements" in parts:
            part("statements", lambda: result.update(desk_statements=desk_statements.run(
                store, 100 if mode == "full" else 5)))
    finally:
        shutil.rmtree(keep, ignore_errors=True)
    if not args.merge:
        result["total_s"] = round(time.perf_counter() - started, 1)
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    markdown = report.render(result)
    (out / f"{stem}.md").write_text(markdown)
    print(markdown)
    return result


if __name__ == "__main__":
    main()
