"""Typed duplicate pairs, D3lta-style: copy_paste, rewording, translation.

Never all pairs: verbatim copies share a normalised-text key; near-verbatim candidates
come from MinHash LSH over character shingles (:mod:`detectors.minhash`; signatures can be
given, e.g. cached by the store) and are verified with the normalised Levenshtein
similarity (rapidfuzz); rewordings and translations come from embedding neighbours inside
blocks (narratives), searched within 24-h buckets (:mod:`detectors.neighbours`), optionally
only in some blocks and building on an earlier search. Items are referred to by their
position in the input sequences; pairs are kept as columns
(:class:`detectors.pairs.PairTable`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from detectors.arrays import unique_pairs
from detectors.config import detection_config
from detectors.minhash import key_hash, lsh_pairs, minhash_signatures
from detectors.neighbours import EarlierSearch, Found, concat, empty, neighbour_pairs
from detectors.pairs import PairTable, classify_pairs, kind_numbers, language_codes
from detectors.text import normalise

__all__ = ["Duplicates", "PairTable", "find_duplicates", "neighbour_duplicates"]


@dataclass
class Duplicates:
    """Typed pairs between distinct texts and the content group of every item (items joined
    by pairs of the kinds in ``[duplicates] content_kinds``)."""

    pairs: PairTable
    content: np.ndarray  # content group per item (connected components); -1 = too short
    keys: list[str] = field(default_factory=list)  # normalised text per item
    # MinHash signature of every usable item (zeros otherwise), the sha1 of the normalised
    # text it signs, and which rows were computed here (not given): what a cache stores
    signatures: np.ndarray | None = None
    key_hashes: list[str | None] = field(default_factory=list)
    fresh: np.ndarray | None = None
    # embedding-neighbour pairs of a content-joining kind, per searched block, as rows
    # (a, b): they join content groups, so a caller that skips a block's search gives them
    # back (``links``)
    links: np.ndarray = field(default_factory=lambda: _no_links())
    # the embedding-neighbour search's pairs, each from the row that found it (searched
    # now or kept from ``earlier``): what a later search can build on
    found: Found = field(default_factory=empty)
    rows_searched: int = 0  # rows of that search: searched now, or kept from ``earlier``
    rows_kept: int = 0


def _no_links() -> np.ndarray:
    return np.zeros((0, 2), dtype=np.int64)


def _as_links(links: Iterable[tuple[int, int]] | np.ndarray) -> np.ndarray:
    arr = np.asarray(links if isinstance(links, np.ndarray) else list(links), dtype=np.int64)
    return arr.reshape(-1, 2) if arr.size else _no_links()


def _text_ids(keys: Sequence[str], min_chars: int) -> tuple[np.ndarray, dict[str, int]]:
    """Per item, the first item with the same normalised text (-1 when too short to
    compare), and that first item per distinct text."""
    first: dict[str, int] = {}
    ids = np.array([first.setdefault(k, i) if len(k) >= min_chars else -1
                    for i, k in enumerate(keys)], dtype=np.int64)
    return ids, first


def _components(n: int, usable: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Content group per item: connected components of the edges (a, b), numbered in the
    order of their first item; -1 for items not usable."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    first = np.full(count, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    roots = np.where(usable, first[labels], -1)
    _, content = np.unique(roots, return_inverse=True)
    return np.where(roots < 0, -1, content).astype(np.int64)


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
    links: Iterable[tuple[int, int]] | np.ndarray = (),
    times: np.ndarray | None = None,
    earlier: EarlierSearch | None = None,
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
    (``neighbour_horizon_h``); without them a whole block is searched. ``earlier``: what an
    earlier search of the same blocks found (:class:`detectors.neighbours.EarlierSearch`):
    only what changed since is searched again, with the same result.
    """
    cfg = config or detection_config()
    dcfg = cfg["duplicates"]
    n = len(texts)
    keys = [normalise(t) for t in texts]
    text_id, first = _text_ids(keys, int(dcfg["min_chars"]))
    usable = text_id >= 0
    usable_list = usable.tolist()
    rep = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    lang = language_codes(languages, n)
    sigs, hashes, fresh = _signatures(keys, usable_list, first, signatures, signature_keys, cfg)
    u, v = lsh_pairs(sigs[rep], float(dcfg["minhash_threshold"]), int(dcfg["lsh_max_bucket"]))
    a, b = np.minimum(rep[u], rep[v]), np.maximum(rep[u], rep[v])
    kind, sim = classify_pairs(keys, a, b, lang, None, dcfg)
    keep = kind >= 0
    dup = Duplicates(PairTable(a[keep], b[keep], kind[keep], sim[keep],
                               np.zeros(int(keep.sum()), dtype=bool)).sorted(),
                     np.full(n, -1, dtype=np.int64), keys, sigs, hashes, fresh)
    if vectors is not None and len(vectors) == n and n > 1:
        dup.links = _add_neighbour_pairs(dup, text_id, lang, vectors, blocks, search, dcfg,
                                         times, earlier)
    # Content groups feed the co-publication network: verbatim copies, and only the pair
    # kinds configured (by default copy_paste) join items into one content. Embedding
    # neighbours chain: on a crowd of active accounts, rewording and translation pairs
    # turned whole events into one "content" and organic communities into networks
    # (issue-4 benchmark, variant b).
    joining = np.isin(dup.pairs.kind, kind_numbers(dcfg["content_kinds"]))
    given = _as_links(links)
    same = np.flatnonzero(usable)
    dup.content = _components(
        n, usable,
        np.concatenate([same, dup.pairs.a[joining], given[:, 0]]),
        np.concatenate([text_id[same], dup.pairs.b[joining], given[:, 1]]))
    return dup


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
    dup: Duplicates, text_id: np.ndarray, lang: np.ndarray, vectors: np.ndarray,
    blocks: Sequence[Any] | None, search: Collection[Any] | None, dcfg: dict[str, Any],
    times: np.ndarray | None = None, earlier: EarlierSearch | None = None,
) -> np.ndarray:
    """Typed embedding-neighbour pairs of the searched blocks (of usable items), added to
    ``dup.pairs`` (a pair already there keeps its type; the pairs as found are added to
    ``dup.found``); returns the pairs of a content-joining kind, as sorted rows (a, b)."""
    n = len(dup.keys)
    codes: dict[Any, int] = {}
    blk = blocks if blocks is not None else [0] * n
    block_no = np.array([codes.setdefault(x, len(codes))
                         if text_id[i] >= 0 and x is not None and (search is None or x in search)
                         else -1 for i, x in enumerate(blk)], dtype=np.int64)
    if earlier is not None:  # only the searched blocks' earlier pairs
        row, col, cos = earlier.found
        mine = block_no[row] >= 0
        earlier = EarlierSearch(earlier.settled, {codes[label]: t for label, t
                                                  in earlier.gone.items() if label in codes},
                                (row[mine], col[mine], cos[mine]))
    result = neighbour_pairs(np.asarray(vectors, dtype=np.float32), block_no, dcfg, times,
                             earlier)
    dup.found = concat([dup.found, result.found])
    dup.rows_searched += result.rows_searched
    dup.rows_kept += result.rows_kept
    row, col, cos = result.found
    a, b = np.minimum(row, col), np.maximum(row, col)
    key = a * n + b
    _, once = np.unique(key, return_index=True)  # a pair found from both of its sides
    once = once[text_id[a[once]] != text_id[b[once]]]  # distinct texts only
    a, b, cos, key = a[once], b[once], cos[once], key[once]
    known = dup.pairs.keys(n)  # sorted, as the table is
    at = np.minimum(np.searchsorted(known, key), max(len(known) - 1, 0))
    old = (known[at] == key) if len(known) else np.zeros(len(key), dtype=bool)
    kind, sim = classify_pairs(dup.keys, a[~old], b[~old], lang, cos[~old], dcfg)
    new = kind >= 0
    added = PairTable(a[~old][new], b[~old][new], kind[new], sim[new],
                      np.ones(int(new.sum()), dtype=bool))
    joining = kind_numbers(dcfg["content_kinds"])
    link_a = np.concatenate([a[old][np.isin(dup.pairs.kind[at[old]], joining)],
                             added.a[np.isin(added.kind, joining)]])
    link_b = np.concatenate([b[old][np.isin(dup.pairs.kind[at[old]], joining)],
                             added.b[np.isin(added.kind, joining)]])
    dup.pairs = PairTable.concat([dup.pairs, added])
    return unique_pairs(np.column_stack([link_a, link_b]).reshape(-1, 2), n)


def neighbour_duplicates(
    dup: Duplicates, languages: Sequence[str | None] | None, vectors: np.ndarray,
    blocks: Sequence[Any], search: Collection[Any], config: dict[str, Any] | None = None,
    times: np.ndarray | None = None, earlier: EarlierSearch | None = None,
) -> PairTable:
    """Search more blocks of an earlier :func:`find_duplicates` (e.g. blocks whose links
    were given): their typed pairs, added to ``dup.pairs`` (content groups unchanged, the
    links being the ones given). ``earlier``: as in :func:`find_duplicates`."""
    dcfg = (config or detection_config())["duplicates"]
    n = len(dup.keys)
    if not search or len(vectors) != n or n < 2:
        return PairTable.empty()
    text_id, _ = _text_ids(dup.keys, int(dcfg["min_chars"]))
    before = dup.pairs.keys(n)
    dup.links = np.concatenate([dup.links, _add_neighbour_pairs(
        dup, text_id, language_codes(languages, n), vectors, blocks, search, dcfg, times,
        earlier)])
    return dup.pairs.take(~np.isin(dup.pairs.keys(n), before))
