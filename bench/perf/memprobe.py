"""Where a forced rescoring spends its memory: RSS and the innermost project frames sampled
every 0.25 s while ``flows.signals.score(force=True)`` runs on a store.

    python -m bench.perf.memprobe --data-dir DIR [--limit-mb 16000]

Prints the stage's stats, the peak sampled RSS with its frames, the RSS growth summed by
innermost project frame, and a time line. Stops the process (exit 3) past ``--limit-mb``
after printing, so a runaway stage is diagnosed instead of being killed by the kernel.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import threading
import time
import traceback
from pathlib import Path

import psutil

ROOT = str(Path(__file__).resolve().parents[2]) + os.sep


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--limit-mb", type=float, default=16_000)
    args = parser.parse_args(argv)

    from flows.signals import score
    from vigie.config import load_settings

    settings = load_settings(data_dir=args.data_dir)
    main_id = threading.main_thread().ident
    proc = psutil.Process()
    samples: list[tuple[float, list[str], float]] = []
    done = threading.Event()
    t0 = time.time()

    def report() -> None:
        last = samples[0][0] if samples else 0.0
        growth: collections.Counter[str] = collections.Counter()
        for rss, where, _ in samples:
            growth[" < ".join(reversed(where[-2:])) if where else "?"] += max(0.0, rss - last)
            last = rss
        for frame, mb in growth.most_common(15):
            print(round(mb), frame, flush=True)
        for rss, where, ts in samples[:: max(1, len(samples) // 40)]:
            print(round(ts - t0, 1), round(rss), where[-1:], flush=True)

    def sample() -> None:
        while not done.wait(0.25):
            frame = sys._current_frames().get(main_id)
            where = [f"{fs.filename.removeprefix(ROOT)}:{fs.lineno} {fs.name}"
                     for fs in traceback.extract_stack(frame)
                     if fs.filename.startswith(ROOT) and ".venv" not in fs.filename]
            samples.append((proc.memory_info().rss / 2**20, where[-4:], time.time()))
            if samples[-1][0] > args.limit_mb:
                report()
                os._exit(3)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stats = score(settings, "memprobe", force=True)
    done.set()
    sampler.join()
    print(stats, round(time.time() - t0, 1), "s")
    peak = max(samples, key=lambda s: s[0])
    print("peak MB", round(peak[0]), peak[1])
    report()


if __name__ == "__main__":
    main()
