"""Combine a narrative's signals into a score in [0, 1] with reasons.

Each reason is a code and its params (see :mod:`detectors.reason_templates`); its English
sentence comes from :func:`detectors.reason_render.render`, the same renderer the review
desk and the digest use in the reader's language.

score = 1 - prod(1 - weight_k * strength_k) (noisy-OR: each signal can only add
suspicion); weights and the flag threshold are in detection.toml. Only coordinated
co-publication or look-alike domains can flag a narrative; the other signals raise the
score and are explained. Syndication explains why a narrative is NOT flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from detectors.reason_render import render


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


@dataclass(frozen=True)
class Reason:
    """One reason: a template code and its params (plain JSON values)."""

    code: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        """The English sentence (what ``flags.reasons`` stores)."""
        return render(self.code, self.params)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def _plain(value: Any) -> Any:
    """Plain JSON values (numpy scalars and tuples come from the signal code)."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value.item() if hasattr(value, "item") else value  # numpy scalar -> int/float


def _reason(code: str, params: dict[str, Any]) -> Reason:
    return Reason(code, {k: _plain(v) for k, v in params.items()})


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


def score(sig: NarrativeSignals, config: dict[str, Any]) -> tuple[float, bool, list[Reason]]:
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


def reasons(sig: NarrativeSignals, st: dict[str, float], flagged: bool) -> list[Reason]:
    out: list[Reason] = []
    if st["coordination"]:
        out.append(_reason("coordination", {
            "sources": len(sig.coord_sources), "source_names": list(sig.coord_sources),
            "contents": sig.coord_contents, "network_sources": sig.coord_group_sources,
            "network_contents": sig.coord_group_contents,
            "window_s": round(sig.coord_window_s)}))
    if sig.sync_sources >= 2 and (st["synchrony"] or st["coordination"]):
        out.append(_reason("synchrony", {"sources": sig.sync_sources,
                                        "span_s": round(sig.sync_span_s)}))
    if sig.lookalikes:
        domains = sorted({d for d, _ in sig.lookalikes})
        out.append(_reason("lookalike", {"count": len(domains),
                                        "targets": sorted({t for _, t in sig.lookalikes}),
                                        "domains": domains}))
    if sig.translation_languages:
        out.append(_reason("translation", {"languages": list(sig.translation_languages),
                                          "pairs": sig.duplicate_pairs.get("translation", 0)}))
    if sig.new_sources:
        out.append(_reason("new_sources", {"count": sig.new_sources, "sources": sig.sources,
                                          "days": sig.new_days}))
    if sig.is_burst:
        out.append(_reason("burst", {"items": sig.burst_latest,
                                    "window_s": round(sig.burst_window_s),
                                    "ratio": round(float(sig.burst_ratio), 1)}))
    for claim, s in sig.watchlist[:2]:
        out.append(_reason("watchlist", {"claim": claim, "similarity": round(s)}))
    for agency, outlets in sig.syndication:
        out.append(_reason("syndication", {"agency": agency, "outlets": len(outlets),
                                          "outlet_names": list(outlets)}))
    if not flagged and not st["coordination"] and sig.sources >= 2:
        out.append(_reason("organic", {"sources": sig.sources}))
    if sig.first_seen_age_s is not None:
        out.append(_reason("first_seen", {"age_s": round(sig.first_seen_age_s)}))
    return out
