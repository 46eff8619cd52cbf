"""Combine a narrative's signals into a score in [0, 1] with reasons in plain sentences.

score = 1 - prod(1 - weight_k * strength_k) (noisy-OR: each signal can only add
suspicion); weights and the flag threshold are in detection.toml. Only coordinated
co-publication or look-alike domains can flag a narrative; the other signals raise the
score and are explained. Syndication explains why a narrative is NOT flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NarrativeSignals:
    items: int = 0
    sources: int = 0
    first_seen_age_s: float | None = None  # now - first item
    coord_sources: list[str] = field(default_factory=list)
    coord_contents: int = 0  # distinct contents co-published by the group
    coord_window_s: float = 0.0
    coord_group_sources: int = 0  # size of the whole network behind the narrative
    coord_group_contents: int = 0  # contents the network co-published over all narratives
    sync_sources: int = 0
    sync_span_s: float = 0.0
    lookalikes: list[tuple[str, str]] = field(default_factory=list)  # (domain, target)
    new_sources: int = 0
    new_days: int = 14
    burst_ratio: float = 0.0
    burst_latest: int = 0
    burst_window_s: float = 0.0
    is_burst: bool = False
    watchlist: list[tuple[str, float]] = field(default_factory=list)  # (claim, score)
    duplicate_pairs: dict[str, int] = field(default_factory=dict)  # kind -> pairs
    translation_languages: list[str] = field(default_factory=list)
    syndication: list[tuple[str, list[str]]] = field(default_factory=list)  # (agency, outlets)


def duration(seconds: float) -> str:
    """'9 minutes', '2 hours', '3 days' (rounded, never '0')."""
    s = max(0.0, float(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if s >= size:
            n = round(s / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "under a minute"


def _names(values: list[str], limit: int = 4) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def strengths(sig: NarrativeSignals, cfg: dict[str, Any]) -> dict[str, float]:
    n_coord = len(sig.coord_sources)
    syn = cfg["synchrony"]
    return {
        "coordination": min(1.0, 0.7 + 0.1 * (n_coord - 2)) if n_coord >= 2 else 0.0,
        "lookalike": min(1.0, len(sig.lookalikes) / 2),
        "new_source": sig.new_sources / sig.sources if sig.sources else 0.0,
        "synchrony": (min(1.0, (sig.sync_sources - 1) / 5)
                      if sig.sync_sources >= int(syn["min_sources"]) else 0.0),
        "burst": 1.0 if sig.is_burst else 0.0,
        "watchlist": max((s for _, s in sig.watchlist), default=0.0) / 100,
        "duplicates": min(1.0, sum(sig.duplicate_pairs.values()) / 10),
    }


def score(sig: NarrativeSignals, config: dict[str, Any]) -> tuple[float, bool, list[str]]:
    """(score, flagged, reasons) of one narrative."""
    cfg = config["scoring"]
    st = strengths(sig, config)
    keep = 1.0
    for kind, s in st.items():
        keep *= 1.0 - float(cfg[kind]) * s
    value = round(1.0 - keep, 4)
    can_flag = st["coordination"] > 0 or st["lookalike"] > 0
    flagged = value >= float(cfg["flag_threshold"]) and (
        can_flag or not cfg["require_group_or_lookalike"])
    return value, flagged, reasons(sig, st, flagged)


def reasons(sig: NarrativeSignals, st: dict[str, float], flagged: bool) -> list[str]:
    out: list[str] = []
    if st["coordination"]:
        out.append(
            f"{len(sig.coord_sources)} sources ({_names(sig.coord_sources)}) co-published "
            f"{sig.coord_contents} near-identical text{'s' if sig.coord_contents != 1 else ''} "
            f"here; they belong to a network of {sig.coord_group_sources} sources that "
            f"published {sig.coord_group_contents} contents together, each time within "
            f"{duration(sig.coord_window_s)} of each other, more often than chance allows."
        )
    if sig.sync_sources >= 2 and (st["synchrony"] or st["coordination"]):
        out.append(f"{sig.sync_sources} sources published near-identical text within "
                   f"{duration(sig.sync_span_s)}.")
    if sig.lookalikes:
        targets = sorted({t for _, t in sig.lookalikes})
        domains = sorted({d for d, _ in sig.lookalikes})
        out.append(f"{len(domains)} of the sources are look-alike domains of "
                   f"{_names(targets)} ({_names(domains)}).")
    if sig.translation_languages:
        out.append(f"Translated copies relay it in {_names(sig.translation_languages)} "
                   f"({sig.duplicate_pairs.get('translation', 0)} translation pairs).")
    if sig.new_sources:
        out.append(f"{sig.new_sources} of its {sig.sources} sources first appeared in the "
                   f"last {sig.new_days} days.")
    if sig.is_burst:
        out.append(f"Volume jumped to {sig.burst_latest} items in the last "
                   f"{duration(sig.burst_window_s)} ({sig.burst_ratio:.1f}x its recent pace).")
    for claim, s in sig.watchlist[:2]:
        out.append(f"Matches a known disinformation narrative: \"{claim}\" ({s:.0f}% similar).")
    for agency, outlets in sig.syndication:
        out.append(f"Agency dispatch credited to {agency} republished by {len(outlets)} "
                   f"established outlets ({_names(outlets)}): legitimate syndication, "
                   "not a campaign.")
    if not flagged and not st["coordination"] and sig.sources >= 2:
        out.append(f"{sig.sources} sources cover it without acting as a group (organic "
                   "coverage).")
    if sig.first_seen_age_s is not None:
        out.append(f"First seen {duration(sig.first_seen_age_s)} ago.")
    return out
