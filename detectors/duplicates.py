"""Typed duplicate pairs, D3lta-style: copy_paste, rewording, translation.

Never all pairs: verbatim copies share a normalised-text key; near-verbatim candidates
come from MinHash LSH (datasketch) over character shingles and are verified with the
normalised Levenshtein similarity (rapidfuzz); rewordings and translations come from
embedding neighbours inside blocks (narratives), searched by matrix blocks.
Items are referred to by their position in the input sequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import Levenshtein

from detectors.config import detection_config
from detectors.text import normalise, shingles

KINDS = ("copy_paste", "rewording", "translation")


@dataclass(frozen=True)
class DuplicatePair:
    a: int  # item positions, a < b
    b: int
    kind: str  # copy_paste | rewording | translation
    similarity: float  # Levenshtein similarity (copy_paste) or cosine


@dataclass
class Duplicates:
    """Typed pairs between distinct texts and the content group of every item (items joined
    by pairs of the kinds in ``[duplicates] content_kinds``)."""

    pairs: list[DuplicatePair]
    content: np.ndarray  # content group per item (connected components); -1 = too short
    keys: list[str] = field(default_factory=list)  # normalised text per item

    def kind_of(
        self,
        i: int,
        j: int,
        languages: Sequence[str | None] | None = None,
        vectors: np.ndarray | None = None,
        cfg: dict[str, Any] | None = None,
    ) -> tuple[str, float]:
        """Type an arbitrary pair of items of the same content group (evidence)."""
        cfg = cfg or detection_config()["duplicates"]
        return classify(self.keys[i], self.keys[j], _lang(languages, i), _lang(languages, j),
                        _cos(vectors, i, j), cfg)


def _lang(languages: Sequence[str | None] | None, i: int) -> str | None:
    return languages[i] if languages is not None else None


def _cos(vectors: np.ndarray | None, i: int, j: int) -> float | None:
    if vectors is None or len(vectors) == 0:
        return None
    u, v = vectors[i], vectors[j]
    denom = float(np.linalg.norm(u) * np.linalg.norm(v)) or 1.0
    return float(np.dot(u, v) / denom)


def classify(
    key_a: str, key_b: str, lang_a: str | None, lang_b: str | None,
    cosine: float | None, cfg: dict[str, Any],
) -> tuple[str, float]:
    """D3lta's typing of one pair; ('', 0) when the pair is no duplicate.

    Near-verbatim texts are copy_paste whatever languages were detected: a language
    detector often disagrees with itself on two copies of a short post, and a real
    translation never keeps most of the characters."""
    same_lang = not lang_a or not lang_b or lang_a == lang_b
    if key_a == key_b:
        return "copy_paste", 1.0
    lev = Levenshtein.normalized_similarity(key_a, key_b)
    if lev > cfg["levenshtein"]:
        return "copy_paste", float(lev)
    if same_lang:
        if cosine is not None and cosine > cfg["rewording_cosine"]:
            return "rewording", cosine
    elif cosine is not None and cosine > cfg["translation_cosine"]:
        return "translation", cosine
    return "", 0.0


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, x: int) -> int:
        p = self.parent
        root = x
        while p[root] != root:
            root = p[root]
        while p[x] != root:  # path compression
            p[x], x = root, p[x]
        return int(root)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _minhash_pairs(
    uniq: list[str], cfg: dict[str, Any], shingle_size: int
) -> list[tuple[int, int]]:
    """Candidate pairs of distinct texts whose shingle sets look alike (LSH, near-linear)."""
    if len(uniq) < 2:
        return []
    num_perm = int(cfg["minhash_perm"])
    sets = [[s.encode("utf-8") for s in shingles(t, shingle_size)] for t in uniq]
    sigs = MinHash.bulk(sets, num_perm=num_perm, seed=1)
    lsh = MinHashLSH(threshold=float(cfg["minhash_threshold"]), num_perm=num_perm)
    with lsh.insertion_session() as session:
        for u, sig in enumerate(sigs):
            session.insert(u, sig, check_duplication=False)
    out: list[tuple[int, int]] = []
    for u, sig in enumerate(sigs):
        out.extend((u, v) for v in lsh.query(sig) if v > u)
    return out


MAX_BLOCK_CELLS = 1 << 24  # similarity cells per matrix block (~64 MB of float32)


def _neighbour_pairs(
    vectors: np.ndarray, blocks: Sequence[Any], cfg: dict[str, Any]
) -> list[tuple[int, int, float]]:
    """Embedding neighbours (cosine >= translation threshold) inside each block."""
    floor = float(cfg["translation_cosine"])
    k = int(cfg["neighbours"])
    step = int(cfg["block_size"])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
    members: dict[Any, list[int]] = {}
    for i, b in enumerate(blocks):
        if b is not None:
            members.setdefault(b, []).append(i)
    out: list[tuple[int, int, float]] = []
    for idx in members.values():
        if len(idx) < 2:
            continue
        ids = np.asarray(idx)
        m = unit[ids]
        # Rows per matrix block shrink as the block grows: a block of rows costs
        # rows x len(ids) cells three times over (sims, -sims, argpartition's int64 output).
        rows_per = max(1, min(step, MAX_BLOCK_CELLS // len(ids)))
        for start in range(0, len(ids), rows_per):
            sims = m[start : start + rows_per] @ m.T
            rows = np.arange(sims.shape[0])
            sims[rows, rows + start] = -1.0  # not oneself
            kk = min(k, sims.shape[1] - 1)
            top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
            # row-major, as the row-by-row loop it replaces: same pairs in the same order
            rr, cc = np.repeat(rows, kk), top.ravel()
            ss = sims[rr, cc]
            keep = ss >= floor
            a, b = ids[start + rr[keep]], ids[cc[keep]]
            out.extend(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(),
                           ss[keep].astype(float).tolist(), strict=True))
    return out


def find_duplicates(
    texts: Sequence[str | None],
    languages: Sequence[str | None] | None = None,
    vectors: np.ndarray | None = None,
    blocks: Sequence[Any] | None = None,
    config: dict[str, Any] | None = None,
) -> Duplicates:
    """Typed duplicate pairs and content groups.

    ``vectors`` (one row per text) enable rewording/translation pairs, searched among items
    of the same ``blocks`` value (e.g. narrative id); without ``blocks`` all items form one
    block. Verbatim copies (equal normalised text) share a content group without listing
    their pairs (a viral text would give quadratically many).
    """
    cfg = config or detection_config()
    dcfg = cfg["duplicates"]
    n = len(texts)
    keys = [normalise(t) for t in texts]
    uf = _UnionFind(n)
    usable = [len(k) >= int(dcfg["min_chars"]) for k in keys]
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        if usable[i]:
            if k in first:
                uf.union(first[k], i)
            else:
                first[k] = i
    uniq = list(first)
    rep = [first[k] for k in uniq]
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    for u, v in _minhash_pairs(uniq, dcfg, int(cfg["text"]["shingle_size"])):
        a, b = sorted((rep[u], rep[v]))
        kind, sim = classify(keys[a], keys[b], _lang(languages, a), _lang(languages, b), None, dcfg)
        if kind:
            pairs[(a, b)] = DuplicatePair(a, b, kind, sim)
    if vectors is not None and len(vectors) == n and n > 1:
        blk = blocks if blocks is not None else [0] * n
        blk = [b if usable[i] else None for i, b in enumerate(blk)]
        for a, b, cos in _neighbour_pairs(np.asarray(vectors, dtype=np.float32), blk, dcfg):
            if (a, b) in pairs or keys[a] == keys[b]:
                continue
            kind, sim = classify(keys[a], keys[b], _lang(languages, a), _lang(languages, b),
                                 cos, dcfg)
            if kind:
                pairs[(a, b)] = DuplicatePair(a, b, kind, sim)
    # Content groups feed the co-publication network: only the pair kinds configured (by
    # default copy_paste) join items into one content. Embedding neighbours chain: on a
    # crowd of active accounts, rewording and translation pairs turned whole events into
    # one "content" and organic communities into networks (issue-4 benchmark, variant b).
    joining = set(dcfg["content_kinds"])
    for p in pairs.values():
        if p.kind in joining:
            uf.union(p.a, p.b)
    roots = np.array([uf.find(i) if usable[i] else -1 for i in range(n)], dtype=np.int64)
    _, content = np.unique(roots, return_inverse=True)
    content = np.where(roots < 0, -1, content)
    return Duplicates(sorted(pairs.values(), key=lambda p: (p.a, p.b)), content, keys)
