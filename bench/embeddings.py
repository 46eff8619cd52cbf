"""MiniLM embeddings shared by every peer, cached on disk by text hash (``bench/.cache/``).

The encode time of the texts not cached yet is recorded with the cache, so the benchmark can
report the embedding floor (a bare ``encode`` of the same texts) even when nothing is re-encoded.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
MODEL = "minilm"


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """``vectors.npy`` + ``keys.json`` (+ ``meta.json`` with the measured encode rate)."""

    def __init__(self, folder: Path = CACHE_DIR / MODEL) -> None:
        self.folder = folder
        self._index: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self.meta: dict = {"encoded": 0, "seconds": 0.0}
        if (folder / "keys.json").is_file():
            keys = json.loads((folder / "keys.json").read_text())
            self._vectors = np.load(folder / "vectors.npy")
            self._index = {k: i for i, k in enumerate(keys)}
            self.meta = json.loads((folder / "meta.json").read_text())

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        ignore = CACHE_DIR / ".gitignore"  # the cache never gets committed
        if self.folder.is_relative_to(CACHE_DIR) and not ignore.exists():
            ignore.write_text("*\n")
        keys = sorted(self._index, key=self._index.__getitem__)
        payloads = {
            "vectors.npy": lambda fh: np.save(fh, self._vectors),
            "keys.json": lambda fh: fh.write(json.dumps(keys).encode()),
            "meta.json": lambda fh: fh.write(json.dumps(self.meta).encode()),
        }
        for name, write in payloads.items():  # temp file then atomic rename
            tmp = self.folder / f"{name}.tmp"
            with tmp.open("wb") as fh:
                write(fh)
            os.replace(tmp, self.folder / name)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` (rows L2-normalised), encoding only the uncached ones."""
        keys = [text_key(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._index}
        missing = sorted(todo.items())
        if missing:
            from detectors.embedding import load_embedder

            embedder = load_embedder(MODEL)
            start = time.perf_counter()
            new = embedder.encode([t for _, t in missing])
            self.meta["seconds"] += time.perf_counter() - start
            self.meta["encoded"] += len(missing)
            base = len(self._index)
            self._vectors = new if base == 0 else np.vstack([self._vectors, new])
            for offset, (k, _) in enumerate(missing):
                self._index[k] = base + offset
            self._save()
        return self._vectors[[self._index[k] for k in keys]]

    def seconds_per_text(self) -> float:
        return self.meta["seconds"] / self.meta["encoded"] if self.meta["encoded"] else 0.0
