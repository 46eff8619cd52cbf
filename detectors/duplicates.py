"""Typed duplicate pairs, D3lta-style: copy_paste, rewording, translation.

Never all pairs: verbatim copies share a normalised-text key; near-verbatim candidates
come from MinHash LSH over character shingles (:mod:`detectors.minhash`; signatures can be
given, e.g. cached by the store) and are verified with the normalised Levenshtein
similarity (rapidfuzz); rewordings and translations come from embedding neighbours inside
blocks (narratives), searched by matrix blocks within 24-h buckets, optionally only in some
blocks. Items are referred to by their position in the input sequences.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from detectors.config import detection_config
from detectors.minhash import key_hash, lsh_pairs, minhash_signatures
from detectors.text import normalise

KINDS = ("copy_paste", "rewording", "translation")


@dataclass(frozen=True)
class DuplicatePair:
    a: int  # item positions, a < b
    b: int
    kind: str  # copy_paste | rewording | translation
    similarity: float  # Levenshtein similarity (copy_paste) or cosine
    via: str = field(default="text", compare=False)  # "text" (MinHash) or "vectors"


@dataclass
class Duplicates:
    """Typed pairs between distinct texts and the content group of every item (items joined
    by pairs of the kinds in ``[duplicates] content_kinds``)."""

    pairs: list[DuplicatePair]
    content: np.ndarray  # content group per item (connected components); -1 = too short
    keys: list[str] = field(default_factory=list)  # normalised text per item
    # MinHash signature of every usable item (zeros otherwise), the sha1 of the normalised
    # text it signs, and which rows were computed here (not given): what a cache stores
    signatures: np.ndarray | None = None
    key_hashes: list[str | None] = field(default_factory=list)
    fresh: np.ndarray | None = None
    # embedding-neighbour pairs of a content-joining kind, per searched block: they join
    # content groups, so a caller that skips a block's search gives them back (``links``)
    links: list[tuple[int, int]] = field(default_factory=list)

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


MAX_BLOCK_CELLS = 1 << 24  # similarity cells per matrix block (~64 MB of float32)


def _neighbour_pairs(
    vectors: np.ndarray, blocks: Sequence[Any], cfg: dict[str, Any],
    times: np.ndarray | None = None,
) -> list[tuple[int, int, float]]:
    """Embedding neighbours (cosine >= translation threshold) inside each block.

    With ``times`` and ``neighbour_horizon_h`` > 0, an item's neighbours are searched among
    the items of its block published in its own or the previous horizon bucket (so every
    pair less than a horizon apart is a candidate, none more than two): relays follow what
    they relay, and the cost grows with the block's daily volume, not its square."""
    floor = float(cfg["translation_cosine"])
    k = int(cfg["neighbours"])
    step = int(cfg["block_size"])
    horizon = float(cfg.get("neighbour_horizon_h", 0)) * 3600.0
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
        if times is None or horizon <= 0:
            out.extend(_top_pairs(unit, ids, ids, 0, k, floor, step))
            continue
        ids = ids[np.argsort(times[ids], kind="stable")]
        bucket = np.floor(times[ids] / horizon).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, np.diff(bucket) != 0])
        ends = np.r_[starts[1:], len(ids)]
        for n, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
            # candidates: this bucket and the previous one when it is adjacent in time
            first = starts[n - 1] if n and bucket[starts[n - 1]] == bucket[lo] - 1 else lo
            out.extend(_top_pairs(unit, ids[lo:hi], ids[first:hi], lo - first, k, floor, step))
    return out


def _top_pairs(
    unit: np.ndarray, rows_ids: np.ndarray, cols_ids: np.ndarray, offset: int, k: int,
    floor: float, step: int,
) -> list[tuple[int, int, float]]:
    """Each row item's k nearest column items at cosine >= floor (itself excluded: row r is
    column ``offset + r``), as (min item, max item, cosine)."""
    if len(cols_ids) < 2:
        return []
    m_rows, m_cols = unit[rows_ids], unit[cols_ids]
    out: list[tuple[int, int, float]] = []
    # Rows per matrix block shrink as the candidates grow: a block of rows costs
    # rows x candidates cells three times over (sims, -sims, argpartition's int64 output).
    rows_per = max(1, min(step, MAX_BLOCK_CELLS // len(cols_ids)))
    for start in range(0, len(rows_ids), rows_per):
        sims = m_rows[start : start + rows_per] @ m_cols.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start + offset] = -1.0  # not oneself
        kk = min(k, sims.shape[1] - 1)
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        # row-major: the same pairs in the same order as a row-by-row loop
        rr, cc = np.repeat(rows, kk), top.ravel()
        ss = sims[rr, cc]
        keep = ss >= floor
        a, b = rows_ids[start + rr[keep]], cols_ids[cc[keep]]
        out.extend(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(),
                       ss[keep].astype(float).tolist(), strict=True))
    return out


def find_duplicates(
    texts: Sequence[str | None],
    languages: Sequence[str | None] | None = None,
    vectors: np.ndarray | None = None,
    blocks: Sequence[Any] | None = None,
    config: dict[str, Any] | None = None,
    *,
    signatures: np.ndarray | None = None,
    signature_keys: Sequence[str | None] | None = None,
    search: Collection[Any] | None = None,
    links: Iterable[tuple[int, int]] = (),
    times: np.ndarray | None = None,
) -> Duplicates:
    """Typed duplicate pairs and content groups.

    ``vectors`` (one row per text) enable rewording/translation pairs, searched among items
    of the same ``blocks`` value (e.g. narrative id); without ``blocks`` all items form one
    block. Verbatim copies (equal normalised text) share a content group without listing
    their pairs (a viral text would give quadratically many).

    ``signatures`` (one row per text, e.g. from a cache) are used where ``signature_keys``
    (the :func:`key_hash` each was computed from) matches the text; the others are computed.
    ``search``: only these blocks are searched for embedding neighbours (None = all);
    ``links``: content-joining neighbour pairs of the blocks not searched (found by an
    earlier search of the same block), so content groups are the same as with a full search.
    ``times`` (epoch seconds per text) bound the neighbour search in time
    (``neighbour_horizon_h``); without them a whole block is searched.
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
    sigs, hashes, fresh = _signatures(keys, usable, first, signatures, signature_keys, cfg)
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    for u, v in lsh_pairs(sigs[rep] if rep else sigs[:0], float(dcfg["minhash_threshold"]),
                          int(dcfg["lsh_max_bucket"])):
        a, b = sorted((rep[u], rep[v]))
        kind, sim = classify(keys[a], keys[b], _lang(languages, a), _lang(languages, b), None, dcfg)
        if kind:
            pairs[(a, b)] = DuplicatePair(a, b, kind, sim)
    joining = set(dcfg["content_kinds"])
    found_links: list[tuple[int, int]] = []
    if vectors is not None and len(vectors) == n and n > 1:
        found_links = _add_neighbour_pairs(pairs, keys, usable, languages, vectors, blocks,
                                           search, dcfg, times)
    # Content groups feed the co-publication network: only the pair kinds configured (by
    # default copy_paste) join items into one content. Embedding neighbours chain: on a
    # crowd of active accounts, rewording and translation pairs turned whole events into
    # one "content" and organic communities into networks (issue-4 benchmark, variant b).
    for p in pairs.values():
        if p.kind in joining:
            uf.union(p.a, p.b)
    for a, b in links:
        uf.union(a, b)
    roots = np.array([uf.find(i) if usable[i] else -1 for i in range(n)], dtype=np.int64)
    _, content = np.unique(roots, return_inverse=True)
    content = np.where(roots < 0, -1, content)
    return Duplicates(sorted(pairs.values(), key=lambda p: (p.a, p.b)), content, keys,
                      sigs, hashes, fresh, found_links)


def _signatures(
    keys: list[str], usable: list[bool], first: dict[str, int], given: np.ndarray | None,
    given_keys: Sequence[str | None] | None, cfg: dict[str, Any],
) -> tuple[np.ndarray, list[str | None], np.ndarray]:
    """A signature per usable item: given ones whose key hash matches, the others computed
    once per distinct text. Returns (signatures, key hashes, rows not given)."""
    num_perm = int(cfg["duplicates"]["minhash_perm"])
    n = len(keys)
    hashes: list[str | None] = [key_hash(k) if usable[i] else None for i, k in enumerate(keys)]
    sigs = np.zeros((n, num_perm), dtype=np.uint32)
    have = np.zeros(n, dtype=bool)
    if given is not None and given_keys is not None and len(given) == n:
        ok = [i for i in range(n) if hashes[i] is not None and given_keys[i] == hashes[i]]
        if ok:
            sigs[ok] = np.asarray(given, dtype=np.uint32)[ok]
            have[ok] = True
    by_key: dict[str, int] = {}  # a signed item per distinct text
    for i in np.flatnonzero(have).tolist():
        by_key.setdefault(keys[i], i)
    todo = [k for k in first if k not in by_key]
    computed = minhash_signatures(todo, num_perm, int(cfg["text"]["shingle_size"]))
    fresh_rows = {k: computed[j] for j, k in enumerate(todo)}
    fresh = np.zeros(n, dtype=bool)
    for i, k in enumerate(keys):
        if usable[i] and not have[i]:
            sigs[i] = fresh_rows[k] if k in fresh_rows else sigs[by_key[k]]
            fresh[i] = True
    return sigs, hashes, fresh


def _add_neighbour_pairs(
    pairs: dict[tuple[int, int], DuplicatePair], keys: list[str], usable: list[bool],
    languages: Sequence[str | None] | None, vectors: np.ndarray, blocks: Sequence[Any] | None,
    search: Collection[Any] | None, dcfg: dict[str, Any], times: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Typed embedding-neighbour pairs of the searched blocks, added to ``pairs`` (a pair
    already there keeps its type); returns the pairs of a content-joining kind."""
    n = len(keys)
    blk = blocks if blocks is not None else [0] * n
    blk = [b if usable[i] and (search is None or b in search) else None
           for i, b in enumerate(blk)]
    joining = set(dcfg["content_kinds"])
    links: set[tuple[int, int]] = set()
    for a, b, cos in _neighbour_pairs(np.asarray(vectors, dtype=np.float32), blk, dcfg, times):
        if keys[a] == keys[b]:
            continue
        p = pairs.get((a, b))
        if p is None:
            kind, sim = classify(keys[a], keys[b], _lang(languages, a), _lang(languages, b),
                                 cos, dcfg)
            if not kind:
                continue
            p = pairs[(a, b)] = DuplicatePair(a, b, kind, sim, "vectors")
        if p.kind in joining:
            links.add((a, b))
    return sorted(links)


def neighbour_duplicates(
    dup: Duplicates, languages: Sequence[str | None] | None, vectors: np.ndarray,
    blocks: Sequence[Any], search: Collection[Any], config: dict[str, Any] | None = None,
    times: np.ndarray | None = None,
) -> list[DuplicatePair]:
    """Search more blocks of an earlier :func:`find_duplicates` (e.g. blocks whose links
    were given): their typed pairs, added to ``dup.pairs`` (content groups unchanged, the
    links being the ones given)."""
    dcfg = (config or detection_config())["duplicates"]
    usable = [len(k) >= int(dcfg["min_chars"]) for k in dup.keys]
    pairs = {(p.a, p.b): p for p in dup.pairs}
    before = set(pairs)
    if search and len(vectors) == len(dup.keys) and len(vectors) > 1:
        dup.links.extend(_add_neighbour_pairs(pairs, dup.keys, usable, languages, vectors,
                                              blocks, search, dcfg, times))
    dup.pairs = sorted(pairs.values(), key=lambda p: (p.a, p.b))
    return [p for k, p in pairs.items() if k not in before]
