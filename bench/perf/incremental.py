"""Incremental cost on a store of 100k items: a run with nothing new, 1% new, 10% new.

The store is built (``populate``: real texts, precomputed vectors) and analysed once; then
``flows.analyse.analyse`` runs in its own process after adding nothing, 1% and 10% new
items. Up to ``--real-embed`` new items are embedded for real by the run itself; larger
batches get precomputed vectors (recorded in the row, with the embedding time estimated at
the measured encode rate). Targets: nothing new under 2 s; cost proportional to what is new.

    python -m bench.perf.incremental [--size 100000] [--quick] [--store DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench.perf.measure import run_stage

TARGET_NOTHING_NEW_S = 2.0


def _analyse(data_dir: Path, name: str, logs: Path, timeout_s: float,
             profile: Path | None = None) -> dict:
    args = ["analyse", "--data-dir", str(data_dir), "--run-id", name]
    if profile is not None:
        args += ["--profile", str(profile)]
    return run_stage(name, args, timeout_s=timeout_s, log=logs / f"{name}.log")


def prepare(data_dir: Path, size: int, bases_limit: int | None, logs: Path,
            timeout_s: float) -> list[dict]:
    """Populate and analyse a fresh store of ``size`` items (each a measured stage)."""
    args = ["populate", "--data-dir", str(data_dir), "--size", str(size)]
    if bases_limit:
        args += ["--bases-limit", str(bases_limit)]
    built = run_stage("populate", args, timeout_s=timeout_s, log=logs / "populate.log")
    first = _analyse(data_dir, "first-analysis", logs, timeout_s)
    return [built, first]


def run(size: int, fractions: tuple[float, ...], bases_limit: int | None, *,
        store: Path | None = None, real_embed: int = 1_000, timeout_s: float = 900.0,
        logs: Path | None = None, profile_dir: Path | None = None) -> dict:
    """``profile_dir``: record pyinstrument profiles of the nothing-new run and of the
    smallest batch of new items there."""
    from bench.perf.corpus import load_bases

    logs = logs or Path(tempfile.mkdtemp(prefix="vigie-perf-incr-logs-"))
    work = Path(tempfile.mkdtemp(prefix="vigie-perf-incr-"))
    setup: list[dict] = []
    if store is not None:  # a prepared (populated and analysed) store: work on a copy
        shutil.copytree(store, work, dirs_exist_ok=True)
    else:
        setup = prepare(work, size, bases_limit, logs, timeout_s)
    from vigie.config import load_settings

    rate = load_bases(load_settings().embedding.model, bases_limit).texts_per_s
    n_sources = max(50, size // 200)
    total, rows = size, []
    try:
        for fraction in fractions:
            new = round(size * fraction)
            row: dict = {"new_fraction": fraction, "new_items": new, "store_items": total}
            if new:
                real = new <= real_embed
                args = ["populate", "--data-dir", str(work), "--size", str(new),
                        "--first", str(total), "--n-sources", str(n_sources)]
                if bases_limit:
                    args += ["--bases-limit", str(bases_limit)]
                if real:
                    args.append("--no-vectors")
                added = run_stage(f"add-{new}", args, timeout_s=timeout_s,
                                  log=logs / f"add-{new}.log")
                row["embedding"] = "real, in the run" if real else "precomputed"
                contents = added["stats"].get("contents", new)
                row["estimated_embed_s"] = None if real else round(contents / rate, 1)
                total += new
            else:
                row["embedding"] = "nothing to embed"
            # profiled: the run with nothing new and the smallest batch of new items
            smallest = fraction == min(f for f in fractions if f) if new else False
            name = ("analyse-nothing-new" if not new else
                    f"analyse-{fraction * 100:g}pct-new" if smallest else None)
            profile = (profile_dir / f"{name}-{size}"
                       if profile_dir is not None and name else None)
            done = _analyse(work, f"run-{fraction:g}", logs, timeout_s, profile)
            stats = done["stats"]
            row.update({
                "run_s": stats.get("wall_s"), "process_s": done["seconds"],
                "peak_rss_mb": done["peak_rss_mb"], "timed_out": done["timed_out"],
                "embed_s": stats.get("embed_s"), "narratives_s": stats.get("narratives_s"),
                "score_s": stats.get("score_s"), "embedded": stats.get("embedded"),
                "assigned": stats.get("assigned"), "narratives": stats.get("narratives"),
                "narratives_touched": stats.get("narratives_touched"),
                "narratives_relabelled": stats.get("narratives_relabelled"),
                "narratives_scored": stats.get("narratives_scored"),
                "narratives_kept": stats.get("narratives_kept"),
                "neighbour_rows_searched": stats.get("neighbour_rows_searched"),
                "neighbour_rows_kept": stats.get("neighbour_rows_kept"),
                "signals_split_s": {k: stats[k] for k in ("signals_load_s", "signals_compute_s",
                                                          "signals_write_s") if k in stats},
            })
            rows.append(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    nothing = next((r for r in rows if r["new_items"] == 0), None)
    base_s = (nothing or {}).get("run_s") or 0.0
    for r in rows:
        if r["new_items"] and r.get("run_s") is not None:
            r["s_per_1k_new_beyond_nothing"] = round((r["run_s"] - base_s) / r["new_items"]
                                                     * 1000, 3)
    return {
        "store_items": size, "rows": rows, "setup": setup, "encode_rate_texts_per_s": rate,
        "target_nothing_new_s": TARGET_NOTHING_NEW_S,
        "nothing_new_met": bool(nothing and nothing.get("run_s") is not None
                                and nothing["run_s"] < TARGET_NOTHING_NEW_S),
        "logs": str(logs),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--bases-limit", type=int, default=None)
    parser.add_argument("--store", type=Path, default=None,
                        help="a populated and analysed data folder to copy")
    parser.add_argument("--real-embed", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="a 2,000-item store")
    args = parser.parse_args(argv)
    if args.quick:
        args.size = 2_000
        args.bases_limit = args.bases_limit or 1_000
    result = run(args.size, (0.0, 0.01, 0.1), args.bases_limit, store=args.store,
                 real_embed=args.real_embed)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
