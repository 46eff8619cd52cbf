"""What a narrative's last scoring read, as digests: the basis of incremental scoring.

A narrative is rescored only when the digest of what it reads changed
(:func:`detectors.signals.compute_signals` compares them with the stored
:class:`ScoreState`), and searched again for embedding neighbours only when its items did;
that search itself builds on the last one (:class:`Searched`, :func:`earlier_search`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detectors.bursts import burst
from detectors.neighbours import EarlierSearch, Found, concat


@dataclass
class ScoreState:
    """What a narrative's last scoring read, as two digests, and the content-joining pairs
    its embedding-neighbour search found (item ids).

    ``block``: its items (ids, titles and texts, languages, whether embedded), which decide
    its neighbour pairs; ``inputs``: ``block`` and everything else its result is computed
    from (sources, times, domains, content groups, the co-publication pairs and networks
    around it, the network window, its text duplicate pairs, syndication), plus the
    time-dependent decisions: which of its sources are new and whether it is bursting.
    Not in it: ``now`` itself, so a kept narrative's "First seen ... ago" and its burst
    ratio when not bursting are those of its last scoring (they move no score or flag).
    """

    block: str
    inputs: str
    links: list[tuple[str, str]] = field(default_factory=list)
    searched: Searched | None = None  # its last embedding-neighbour search


@dataclass
class Searched:
    """A narrative's last embedding-neighbour search: the members it saw (item id, item key
    as in ``block``, time) and the pairs found from each row, as positions in ``items``."""

    items: list[str]
    keys: list[str]
    times: np.ndarray  # epoch seconds (float64)
    rows: np.ndarray  # int32
    cols: np.ndarray  # int32
    cosines: np.ndarray  # float32


def earlier_search(previous: dict[str, ScoreState], nar: list[Any], ids: list[str],
                   item_key: list[str], times: np.ndarray) -> EarlierSearch:
    """The narratives' last searches in today's positions (``nar``, ``ids``, ``item_key``,
    ``times``: per item): a member is settled when it is still a member with the same key
    and time; the others (and members gone) are the changes a new search looks at."""
    n = len(ids)
    pos = {item: i for i, item in enumerate(ids)}
    settled = np.zeros(n, dtype=bool)
    gone: dict[str, np.ndarray] = {}
    found: list[Found] = []
    for nid, state in previous.items():
        s = state.searched
        if s is None:
            continue
        at = np.array([pos.get(x, -1) for x in s.items], dtype=np.int64)
        same = np.array([i >= 0 and nar[i] == nid and item_key[i] == key and times[i] == t
                         for i, key, t in zip(at.tolist(), s.keys, s.times.tolist(),
                                              strict=True)], dtype=bool)
        settled[at[same]] = True
        if not same.all():
            gone[nid] = s.times[~same]
        keep = same[s.rows] & same[s.cols]
        found.append((at[s.rows[keep]], at[s.cols[keep]], s.cosines[keep]))
    return EarlierSearch(settled, gone, concat(found))


def searched_states(found: Found, rows_of: dict[str, np.ndarray], narratives: Iterable[str],
                    members: dict[str, list[int]], ids: list[str], item_key: list[str],
                    times: np.ndarray) -> dict[str, Searched]:
    """What the search just done saw and found, for each of ``narratives`` (searched);
    ``rows_of``: the rows of ``found`` by narrative."""
    row, col, cos = found
    local = np.full(len(ids), -1, dtype=np.int64)
    out: dict[str, Searched] = {}
    for nid in narratives:
        idx = members[nid]
        sel = rows_of.get(nid, np.zeros(0, dtype=np.int64))
        local[idx] = np.arange(len(idx))
        out[nid] = Searched([ids[i] for i in idx], [item_key[i] for i in idx],
                            np.asarray(times[idx], dtype=np.float64),
                            local[row[sel]].astype(np.int32), local[col[sel]].astype(np.int32),
                            np.asarray(cos[sel], dtype=np.float32))
        local[idx] = -1
    return out



def digest(parts: Any) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()


def inputs_digest(
    block: str, idx: list[int], cfg: dict[str, Any], src: list[str], times: np.ndarray,
    now_s: float, host_of: list[Any], agency: list[str | None], content: np.ndarray,
    src_info: dict[str, Any], item_key: list[str],
    raw: list[tuple[int, int, str, float]], network_of: dict[str, str],
    groups: dict[str, Any], window_s: float, text_pairs: list[tuple[str, str, str, float]],
) -> str:
    """Everything :func:`detectors.signals._narrative` reads for one narrative, as a digest
    (``now`` only through the decisions it changes: new sources and bursting)."""
    first_of: dict[int, int] = {}  # content partition inside the narrative
    part = [first_of.setdefault(int(content[i]), k) if content[i] >= 0 else -1
            for k, i in enumerate(idx)]
    items = [(src[i], float(times[i]), host_of[i], agency[i]) for i in idx]
    n_sources = sorted({src[i] for i in idx})
    new_days = int(cfg["sources"]["new_source_days"])
    srcs = []
    for s in n_sources:
        info = src_info.get(s) or {}
        first = info.get("first_seen")
        new = first is not None and now_s - first.timestamp() <= new_days * 86400
        srcs.append((s, info.get("name"), str(first), new))
    bcfg = cfg["bursts"]
    b = burst(times[idx], now_s, float(bcfg["window_s"]))
    bursting = b.latest >= int(bcfg["min_items"]) and b.ratio >= float(bcfg["ratio"])
    pairs = [(item_key[a], item_key[b], src[a], src[b], g, float(dt), network_of.get(src[a]),
              network_of.get(src[b])) for a, b, g, dt in raw]
    nets = sorted({network_of[s] for a, b, *_ in raw for s in (src[a], src[b])
                   if s in network_of})
    net_info = [(g, len(groups[g].sources), groups[g].contents) for g in nets if g in groups]
    return digest((block, part, items, srcs,
                    (b.latest, round(b.ratio, 1)) if bursting else None,
                    pairs, net_info, window_s if raw else None, text_pairs))
