"""Narratives known so far, as numpy buffers: the state the clustering updates (pure).

Centroids are the means of member vectors (kept with their normalised copies), with size,
first and last seen times and status; merged narratives redirect to their survivor
(:func:`resolve`). Built from stored rows by the flow, mutated by
:func:`detectors.narratives.update`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


class NarrativeState:
    """All narratives known so far; centroids are means of member vectors.

    Per-narrative numbers live in numpy buffers grown by doubling, so adding the
    thousands of narratives of a large first run stays linear.
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.ids: list[str] = []
        self.status: list[str] = []
        self.index: dict[str, int] = {}
        self.merged_into: dict[str, str] = {}
        self._means = np.zeros((16, dim), np.float32)
        self._unit = np.zeros((16, dim), np.float32)  # normalised means, kept in step
        self._sizes = np.zeros(16, np.int64)
        self._first = np.zeros(16, np.float64)
        self._last = np.zeros(16, np.float64)
        self._active = np.zeros(16, bool)

    # views on the filled part of the buffers
    @property
    def means(self) -> np.ndarray:
        return self._means[: len(self.ids)]

    @property
    def units(self) -> np.ndarray:
        """Normalised centroids (cosine = dot product)."""
        return self._unit[: len(self.ids)]

    def refresh(self, pos: int) -> None:
        norm = float(np.linalg.norm(self._means[pos]))
        self._unit[pos] = self._means[pos] / (norm or 1.0)

    @property
    def sizes(self) -> np.ndarray:
        return self._sizes[: len(self.ids)]

    @property
    def first_seen(self) -> np.ndarray:
        return self._first[: len(self.ids)]

    @property
    def last_seen(self) -> np.ndarray:
        return self._last[: len(self.ids)]

    @classmethod
    def from_rows(cls, dim: int, rows: Iterable[dict[str, Any]]) -> NarrativeState:
        """From stored narratives: dicts with narrative_id, centroid, size, first_seen,
        last_seen (epoch seconds), status, merged_into."""
        state = cls(dim=dim)
        for row in sorted(rows, key=lambda r: (r["first_seen"], r["narrative_id"])):
            pos = state._append(row["narrative_id"], row.get("status") or "active")
            state._means[pos] = np.asarray(row["centroid"], np.float32)
            state.refresh(pos)
            state._sizes[pos] = int(row["size"])
            state._first[pos] = float(row["first_seen"])
            state._last[pos] = float(row["last_seen"])
            if row.get("merged_into"):
                state.merged_into[row["narrative_id"]] = row["merged_into"]
        return state

    def _append(self, nid: str, status: str) -> int:
        pos = len(self.ids)
        if pos == len(self._sizes):
            grow = max(16, pos)
            self._means = np.vstack([self._means, np.zeros((grow, self.dim), np.float32)])
            self._unit = np.vstack([self._unit, np.zeros((grow, self.dim), np.float32)])
            self._sizes = np.concatenate([self._sizes, np.zeros(grow, np.int64)])
            self._first = np.concatenate([self._first, np.zeros(grow)])
            self._last = np.concatenate([self._last, np.zeros(grow)])
            self._active = np.concatenate([self._active, np.zeros(grow, bool)])
        self.index[nid] = pos
        self.ids.append(nid)
        self.status.append(status)
        self._active[pos] = status == "active"
        return pos

    def add(self, nid: str, vectors: np.ndarray, first: float, last: float) -> int:
        pos = self._append(nid, "active")
        self._means[pos] = vectors.mean(axis=0)
        self.refresh(pos)
        self._sizes[pos] = len(vectors)
        self._first[pos], self._last[pos] = first, last
        return pos

    def feed(self, pos: int, vectors: np.ndarray, last: float) -> None:
        n, m = int(self._sizes[pos]), len(vectors)
        self._means[pos] = (self._means[pos] * n + vectors.sum(axis=0)) / (n + m)
        self.refresh(pos)
        self._sizes[pos] = n + m
        self._last[pos] = max(self._last[pos], last)

    def set_status(self, pos: int, status: str) -> None:
        self.status[pos] = status
        self._active[pos] = status == "active"

    def active(self) -> np.ndarray:
        return np.flatnonzero(self._active[: len(self.ids)])


def resolve(state: NarrativeState, narrative_id: str) -> str:
    """Follow merge redirects to the surviving narrative."""
    seen = set()
    while narrative_id in state.merged_into and narrative_id not in seen:
        seen.add(narrative_id)
        narrative_id = state.merged_into[narrative_id]
    return narrative_id
