"""Typed duplicate pairs as columns, and D3lta's typing rule applied to many pairs at once.

A million-item store has tens of millions of near-copy and neighbour pairs: as Python
objects they took gigabytes (issue 9, 1M scale), as columns they take 26 bytes each, and
they are typed in batches (rapidfuzz's ``cpdist``, in C++ on every core).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from detectors.arrays import rows_by

KINDS = ("copy_paste", "rewording", "translation")
COPY_PASTE, REWORDING, TRANSLATION = range(3)
NO_KIND = -1
_BATCH = 500_000  # pairs typed per cpdist call (two lists of references each)


@dataclass(frozen=True)
class DuplicatePair:
    """One row of a :class:`PairTable`, for reading."""

    a: int  # item positions, a < b
    b: int
    kind: str  # copy_paste | rewording | translation
    similarity: float  # Levenshtein similarity (copy_paste) or cosine
    via: str = field(default="text", compare=False)  # "text" (MinHash) or "vectors"


@dataclass
class PairTable:
    """Typed pairs, one array per column, one row per pair (a < b)."""

    a: np.ndarray  # int64 item positions
    b: np.ndarray
    kind: np.ndarray  # int8 index into KINDS
    similarity: np.ndarray  # float64
    from_vectors: np.ndarray  # bool: found among embedding neighbours, not by MinHash

    @classmethod
    def empty(cls) -> PairTable:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), np.zeros(0, np.int8), np.zeros(0), np.zeros(0, bool))

    def __len__(self) -> int:
        return len(self.a)

    def __iter__(self) -> Iterator[DuplicatePair]:
        for (a, b, k, s), v in zip(self.records(), self.from_vectors.tolist(), strict=True):
            yield DuplicatePair(a, b, k, s, "vectors" if v else "text")

    def records(self) -> list[tuple[int, int, str, float]]:
        """(a, b, kind, similarity) per pair, as Python values (cheaper than rows)."""
        return [(a, b, KINDS[k], s) for a, b, k, s in zip(
            self.a.tolist(), self.b.tolist(), self.kind.tolist(), self.similarity.tolist(),
            strict=True)]

    def __eq__(self, other: object) -> bool:  # the same typed pairs (how found aside)
        if not isinstance(other, PairTable):
            return NotImplemented
        return all(np.array_equal(x, y) for x, y in (
            (self.a, other.a), (self.b, other.b), (self.kind, other.kind),
            (self.similarity, other.similarity)))

    def take(self, rows: np.ndarray) -> PairTable:
        return PairTable(self.a[rows], self.b[rows], self.kind[rows], self.similarity[rows],
                         self.from_vectors[rows])

    def keys(self, n: int) -> np.ndarray:
        """One int64 per pair, ordered like (a, b)."""
        return self.a * n + self.b

    def sorted(self) -> PairTable:
        """The rows sorted by (a, b)."""
        return self.take(np.lexsort((self.b, self.a)))

    @staticmethod
    def concat(tables: Sequence[PairTable]) -> PairTable:
        """The rows of all tables, sorted by (a, b)."""
        return PairTable(*(np.concatenate([getattr(x, c) for x in tables])
                           for c in ("a", "b", "kind", "similarity", "from_vectors"))).sorted()


def kind_numbers(kinds: Sequence[str]) -> list[int]:
    """The numbers of these kinds in a table's ``kind`` column."""
    return [KINDS.index(k) for k in kinds]


def language_codes(languages: Sequence[str | None] | None, n: int) -> np.ndarray:
    """An int per item for its language, -1 when unknown (or no languages given)."""
    if languages is None:
        return np.full(n, -1, dtype=np.int32)
    code: dict[str, int] = {}
    return np.array([code.setdefault(x, len(code)) if x else -1 for x in languages],
                    dtype=np.int32)


def levenshtein_similarity(keys: Sequence[str], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Normalised Levenshtein similarity of keys[a[i]] and keys[b[i]] (float64, exactly
    rapidfuzz's ``Levenshtein.normalized_similarity``)."""
    out = np.empty(len(a), dtype=np.float64)
    for s in range(0, len(a), _BATCH):
        qa = [keys[i] for i in a[s:s + _BATCH].tolist()]
        qb = [keys[i] for i in b[s:s + _BATCH].tolist()]
        out[s:s + len(qa)] = cpdist(qa, qb, scorer=Levenshtein.normalized_similarity,
                                    dtype=np.float64, workers=-1)
    return out


def classify_pairs(
    keys: Sequence[str], a: np.ndarray, b: np.ndarray, lang: np.ndarray,
    cosine: np.ndarray | None, cfg: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """D3lta's typing of pairs (a[i], b[i]) of normalised texts: (kind, similarity) arrays,
    kind NO_KIND for no duplicate.

    Near-verbatim texts are copy_paste whatever languages were detected (``lang``: codes
    from :func:`language_codes`, -1 unknown): a language detector often disagrees with
    itself on two copies of a short post, and a real translation never keeps most of the
    characters. Otherwise the cosine types rewordings (same or unknown language) and
    translations."""
    lev = levenshtein_similarity(keys, a, b)
    kind = np.full(len(a), NO_KIND, dtype=np.int8)
    sim = np.zeros(len(a), dtype=np.float64)
    copy = lev > float(cfg["levenshtein"])
    kind[copy], sim[copy] = COPY_PASTE, lev[copy]
    if cosine is not None:
        la, lb = lang[a], lang[b]
        same = (la < 0) | (lb < 0) | (la == lb)
        cos = np.asarray(cosine, dtype=np.float64)
        for k, mask in ((REWORDING, same & (cos > float(cfg["rewording_cosine"]))),
                        (TRANSLATION, ~same & (cos > float(cfg["translation_cosine"])))):
            mask &= ~copy
            kind[mask], sim[mask] = k, cos[mask]
    return kind, sim


def classify(
    key_a: str, key_b: str, lang_a: str | None, lang_b: str | None,
    cosine: float | None, cfg: dict[str, Any],
) -> tuple[str, float]:
    """:func:`classify_pairs` for one pair: (kind, similarity), ('', 0) for no duplicate."""
    one = np.zeros(1, dtype=np.int64)
    lang = language_codes([lang_a, lang_b], 2)
    kind, sim = classify_pairs([key_a, key_b], one, one + 1, lang,
                               None if cosine is None else np.array([cosine]), cfg)
    return (KINDS[kind[0]], float(sim[0])) if kind[0] != NO_KIND else ("", 0.0)


def count_kinds(kind: np.ndarray) -> dict[str, int]:
    """Pairs per kind, kinds in the order they first appear."""
    found, first, count = np.unique(kind, return_index=True, return_counts=True)
    return {KINDS[found[j]]: int(count[j]) for j in np.argsort(first)}


class ByNarrative:
    """Typed pairs and links grouped by the narrative both their items belong to."""

    def __init__(self, narratives: Sequence[str | None]) -> None:
        self.code: dict[str, int] = {}
        self.number = np.array([self.code.setdefault(x, len(self.code)) if x is not None
                                else -1 for x in narratives], dtype=np.int64)
        self.name = list(self.code)

    def _split(self, a: np.ndarray, keep: np.ndarray, only: Collection[str] | None
               ) -> dict[str, np.ndarray]:
        if only is not None:
            keep = keep & np.isin(self.number[a], [self.code[x] for x in only])
        return {self.name[k]: rows for k, rows in
                rows_by(self.number[a], np.flatnonzero(keep)).items()}

    def pair_rows(self, pairs: PairTable, *, text_only: bool = False,
                  only: Collection[str] | None = None) -> dict[str, np.ndarray]:
        """Rows of ``pairs`` (in table order) whose two items share a narrative, by
        narrative; ``text_only``: the pairs MinHash found; ``only``: these narratives."""
        na = self.number[pairs.a]
        keep = (na >= 0) & (na == self.number[pairs.b])
        if text_only:
            keep &= ~pairs.from_vectors
        return self._split(pairs.a, keep, only)

    def link_rows(self, links: np.ndarray, only: Collection[str] | None = None
                  ) -> dict[str, np.ndarray]:
        """Rows of ``links`` (rows a, b inside one narrative) by narrative."""
        return self._split(links[:, 0], self.number[links[:, 0]] >= 0, only)

    def item_rows(self, items: np.ndarray, only: Collection[str] | None = None
                  ) -> dict[str, np.ndarray]:
        """Rows of ``items`` (item positions) by the narrative of the item."""
        return self._split(items, self.number[items] >= 0, only)
