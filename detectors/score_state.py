"""What a narrative's last scoring read, as digests: the basis of incremental scoring.

A narrative is rescored only when the digest of what it reads changed
(:func:`detectors.signals.compute_signals` compares them with the stored
:class:`ScoreState`), and searched again for embedding neighbours only when its items did.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detectors.bursts import burst


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
