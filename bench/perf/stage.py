"""One measured stage, run as ``python -m bench.perf.stage STAGE --data-dir D ...``.

Stages: ``populate`` (build and store items and their precomputed vectors), ``narratives``
(``flows.analyse.update_narratives``), ``signals`` (``flows.signals.score``), ``analyse``
(the whole pass, ``flows.analyse.analyse``), ``route`` (``flows.route.route``). The last
stdout line is the stage's stats as JSON. ``--profile FILE`` records a pyinstrument
profile (FILE.html and FILE.txt).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@contextlib.contextmanager
def profiled(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".html").write_text(profiler.output_html())
        path.with_suffix(".txt").write_text(profiler.output_text(unicode=False, color=False,
                                                                  show_all=False))


def peak_rss_mb() -> float | None:
    """This process's own peak resident memory (VmHWM). Unlike ``ru_maxrss`` it does not
    inherit the parent's size at fork, which exec keeps in the rusage high-water mark."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["populate", "narratives", "signals", "analyse",
                                          "route"])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--n-sources", type=int, default=None)
    parser.add_argument("--bases-limit", type=int, default=None)
    parser.add_argument("--no-vectors", action="store_true",
                        help="populate: leave the new contents for analyse to embed")
    parser.add_argument("--run-id", default=None)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args(argv)

    from vigie.config import load_settings

    settings = load_settings(data_dir=args.data_dir)
    run_id = args.run_id or f"perf-{args.stage}-{int(time.time())}"
    start = time.perf_counter()
    with profiled(args.profile):
        if args.stage == "populate":
            from bench.perf.corpus import cached_calibration, load_bases, populate

            bases = load_bases(settings.embedding.model, args.bases_limit)
            sigma = cached_calibration(bases, settings.embedding.model)["sigma"]
            stats = populate(settings, bases, sigma, args.size, first=args.first,
                             n_sources=args.n_sources, vectors=not args.no_vectors)
            stats["sigma"] = sigma
        elif args.stage == "narratives":
            from detectors.embedding import model_name
            from flows.analyse import update_narratives

            settings.store().init()
            stats = update_narratives(settings, run_id, model_name(settings.embedding.model))
            stats["touched"] = len(stats["touched"])
        elif args.stage == "signals":
            from flows.signals import score

            settings.store().init()
            stats = score(settings, run_id)
        elif args.stage == "analyse":
            from flows.analyse import analyse

            stats = analyse(settings, run_id)
        else:
            from flows.route import route

            stats = route(settings, run_id)
            stats["assigned"] = len(stats.get("assigned", []))
    stats["wall_s"] = round(time.perf_counter() - start, 3)
    stats["vm_hwm_mb"] = peak_rss_mb()
    print(json.dumps(stats, default=str))
    return stats


if __name__ == "__main__":
    main()
