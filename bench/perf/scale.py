"""Scale: stores of 10k, 100k and 1M items; wall time and peak memory of each stage.

Each size gets a fresh store built from the real texts (``bench.perf.corpus``: originals,
then recorded perturbations), then the analysis stages run one by one, each in its own
process: ``narratives`` (clustering and labels) and ``signals`` (duplicates, coordination,
scores, flags). Vectors are precomputed (real encodes of the distinct base texts, noise for
the perturbed copies), so the analysis is measured without 1M real encodes; the embedding
time is reported apart as distinct contents / the measured encode rate. A slope of
log(time) against log(size) over the sizes tells how each stage grows (1 = linear).
Target: 1M items analysed within 8 GB. Every stage is bounded by ``--stage-timeout``; a
stage that runs out of time is reported as such, with an extrapolation from the slope.

    python -m bench.perf.scale [--sizes 10000,100000,1000000] [--quick] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench.perf.measure import loglog_slope, run_stage

STAGES = ("populate", "narratives", "signals")
TARGET_RSS_MB = 8 * 1024


def run_size(size: int, data_dir: Path, bases_limit: int | None, logs: Path,
             timeout_s: float, profile_dir: Path | None = None) -> dict:
    rows: dict[str, dict] = {}
    for stage in STAGES:
        args = [stage, "--data-dir", str(data_dir), "--run-id", f"scale-{size}"]
        if profile_dir is not None and stage != "populate":
            args += ["--profile", str(profile_dir / f"{stage}-{size}")]
        if stage == "populate":
            args += ["--size", str(size)]
            if bases_limit:
                args += ["--bases-limit", str(bases_limit)]
        rows[stage] = run_stage(f"{stage}-{size}", args, timeout_s=timeout_s,
                                log=logs / f"{size}-{stage}.log")
        if rows[stage]["timed_out"] or rows[stage]["returncode"] != 0:
            break
    return rows


def _work_s(stage: dict) -> float:
    """Seconds of the stage's own work (in-process), without interpreter start-up."""
    return stage["stats"].get("wall_s") or stage["seconds"]


def runs_from_logs(logs: Path, size: int, timeout_s: float) -> dict:
    """Stage records of an earlier run of ``size``, rebuilt from its stage logs (the stats
    each stage printed). A stage that printed nothing was killed at ``timeout_s``; its peak
    memory and process time were not kept in the logs."""
    rows: dict[str, dict] = {}
    for stage in STAGES:
        out = logs / f"{size}-{stage}.out"
        if not out.is_file():
            break
        lines = out.read_text().strip().splitlines()
        if lines:
            stats = json.loads(lines[-1])
            rows[stage] = {"stage": f"{stage}-{size}", "seconds": stats["wall_s"],
                           "peak_rss_mb": stats.get("vm_hwm_mb"), "returncode": 0,
                           "timed_out": False, "stats": stats, "from_logs": str(logs)}
        else:
            rows[stage] = {"stage": f"{stage}-{size}", "seconds": timeout_s,
                           "peak_rss_mb": None, "returncode": -9, "timed_out": True,
                           "stats": {}, "from_logs": str(logs)}
            break
    return rows


def summarise(sizes: list[int], runs: dict[int, dict], rate: float) -> dict:
    """Per-stage slopes, analysis totals, extrapolations for stages that did not finish."""
    slopes: dict[str, float | None] = {}
    for stage in STAGES:
        ok = [(n, _work_s(runs[n][stage])) for n in sizes if stage in runs[n]
              and not runs[n][stage]["timed_out"] and runs[n][stage]["returncode"] == 0]
        slopes[stage] = loglog_slope([n for n, _ in ok], [s for _, s in ok])
    table = []
    for n in sizes:
        r = runs[n]
        row: dict = {"items": n}
        for stage in STAGES:
            s = r.get(stage)
            if s is None:
                row[stage] = {"status": "not run"}
                continue
            status = ("timed out" if s["timed_out"] else
                      "failed" if s["returncode"] != 0 else "ok")
            row[stage] = {"status": status, "seconds": _work_s(s), "process_s": s["seconds"],
                          "peak_rss_mb": s["peak_rss_mb"]}
            if status != "ok" and slopes.get(stage):
                done = [m for m in sizes if m < n and runs[m].get(stage, {}).get("returncode")
                        == 0 and not runs[m][stage]["timed_out"]]
                if done:
                    ref = max(done)
                    row[stage]["extrapolated_s"] = round(
                        _work_s(runs[ref][stage]) * (n / ref) ** slopes[stage], 1)
        contents = (r.get("populate") or {}).get("stats", {}).get("contents", n)
        row["embedding_estimate_s"] = round(contents / rate, 1) if rate else None
        row["distinct_contents"] = contents
        analysis = [r[s] for s in ("narratives", "signals") if s in r]
        complete = len(analysis) == 2 and all(a["returncode"] == 0 and not a["timed_out"]
                                              for a in analysis)
        row["analysis_s"] = round(sum(_work_s(a) for a in analysis), 1) if complete else None
        row["analysis_peak_rss_mb"] = max((a["peak_rss_mb"] for a in analysis
                                           if a["peak_rss_mb"] is not None), default=None)
        row["within_8gb"] = bool(complete and row["analysis_peak_rss_mb"] is not None
                                 and row["analysis_peak_rss_mb"] <= TARGET_RSS_MB)
        row["kinds"] = (r.get("populate") or {}).get("stats", {}).get("kinds")
        row["earlier_run"] = next((s["from_logs"] for s in r.values() if "from_logs" in s), None)
        table.append(row)
    return {"sizes": sizes, "rows": table, "slopes": slopes, "target_rss_mb": TARGET_RSS_MB,
            "encode_rate_texts_per_s": rate}


def run(sizes: list[int], bases_limit: int | None, *, timeout_s: float = 900.0,
        keep: Path | None = None, logs: Path | None = None,
        profile_size: int | None = None, profile_dir: Path | None = None,
        earlier: dict[int, dict] | None = None) -> dict:
    """``profile_size``: record pyinstrument profiles of that size's analysis stages;
    ``earlier``: stage records of other sizes from an earlier run (``runs_from_logs``)."""
    from bench.perf.corpus import load_bases
    from vigie.config import load_settings

    logs = logs or Path(tempfile.mkdtemp(prefix="vigie-perf-scale-logs-"))
    bases = load_bases(load_settings().embedding.model, bases_limit)  # encodes once, cached
    runs: dict[int, dict] = {}
    for n in sizes:
        data_dir = (keep / str(n)) if keep else Path(tempfile.mkdtemp(prefix=f"vigie-perf-{n}-"))
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        try:
            runs[n] = run_size(n, data_dir, bases_limit, logs, timeout_s,
                               profile_dir if n == profile_size else None)
        finally:
            if keep is None:
                shutil.rmtree(data_dir, ignore_errors=True)
    for n, rows in (earlier or {}).items():
        runs[n] = rows
    sizes = sorted(runs)
    result = summarise(sizes, runs, bases.texts_per_s)
    result["bases"] = bases.frame.height
    result["vectors"] = ("real encodes of the distinct base texts; perturbed copies: base "
                         "vector + Gaussian noise, renormalised (precomputed, inserted into "
                         "the embeddings table)")
    result["stages"] = {n: runs[n] for n in sizes}
    result["logs"] = str(logs)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--bases-limit", type=int, default=None)
    parser.add_argument("--stage-timeout", type=float, default=900.0)
    parser.add_argument("--keep", type=Path, default=None, help="keep the stores under DIR")
    parser.add_argument("--quick", action="store_true", help="1k, 3k, 10k items")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.quick:
        sizes = [1_000, 3_000, 10_000]
        args.bases_limit = args.bases_limit or 1_000
    result = run(sizes, args.bases_limit, timeout_s=args.stage_timeout, keep=args.keep)
    print(json.dumps({k: v for k, v in result.items() if k != "stages"}, indent=2))
    return result


if __name__ == "__main__":
    main()
