"""All signals for a batch of items grouped in narratives: pure, data in and results out.

The co-publication network is computed over every item given (coordination is a
property of sources across stories); the other signals per narrative. The flow reads
the store, calls :func:`compute_signals`, and writes the result.

Incremental scoring: given the :class:`ScoreState` of the narratives' last scoring,
only narratives whose inputs changed are scored (and searched for embedding neighbours,
the costly part); see :func:`compute_signals`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from detectors.arrays import pair_cosines, unique_pairs
from detectors.bursts import burst
from detectors.config import detection_config
from detectors.coordination import detect_coordination, listed_as_evidence
from detectors.duplicates import find_duplicates, neighbour_duplicates
from detectors.lookalike import LookalikeMatcher
from detectors.pairs import (
    KINDS,
    TRANSLATION,
    ByNarrative,
    classify_pairs,
    count_kinds,
    language_codes,
)
from detectors.score_state import ScoreState, digest, earlier_search, inputs_digest, searched_states
from detectors.scoring import NarrativeSignals, score
from detectors.synchrony import synchrony
from detectors.syndication import SourceHistory, is_established, syndicated_items
from detectors.watchlist import match_watchlist

ITEM_COLUMNS = ("item_id", "narrative_id", "source_id", "domain", "title", "text", "language",
                "published_at")
SOURCE_COLUMNS = ("source_id", "name", "domain", "first_seen", "active_days")


@dataclass
class Row:
    kind: str
    item_id: str
    other_item_id: str | None = None
    score: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class NarrativeResult:
    narrative_id: str
    score: float
    flagged: bool
    reasons: list[str]  # English sentences
    signals: dict[str, tuple[float, dict[str, Any]]]  # kind -> (value, detail)
    evidence: list[Row]
    reason_codes: list[dict[str, Any]] = field(default_factory=list)  # [{code, params}]


@dataclass
class EdgeResult:
    source_a: str
    source_b: str
    weight: int
    window_s: float
    community: str | None
    coordinated: bool
    p_value: float
    pairs: list[tuple[str, str]]


@dataclass
class SignalsResult:
    narratives: dict[str, NarrativeResult]  # the narratives scored
    edges: list[EdgeResult]
    window_s: float
    state: dict[str, ScoreState] = field(default_factory=dict)  # of the narratives scored
    kept: list[str] = field(default_factory=list)  # not scored: nothing they read changed
    # MinHash signatures computed here (not given): (item position, key hash, signature)
    signatures: list[tuple[int, str, np.ndarray]] = field(default_factory=list)
    # rows of the embedding-neighbour search: searched, and kept from the last search
    neighbour_rows: tuple[int, int] = (0, 0)


def compute_signals(
    items: pl.DataFrame,
    sources: pl.DataFrame,
    vectors: np.ndarray | None,
    outlet_domains: Sequence[str],
    claims: Sequence[str],
    now: datetime,
    touched: set[str] | None = None,
    config: dict[str, Any] | None = None,
    *,
    signatures: np.ndarray | None = None,
    signature_keys: Sequence[str | None] | None = None,
    previous: Mapping[str, ScoreState] | None = None,
) -> SignalsResult:
    """``items``: ITEM_COLUMNS (published_at aware datetimes), ``sources``: SOURCE_COLUMNS;
    ``vectors`` one row per item (or None); ``touched``: narratives to score (None = all).

    ``signatures``/``signature_keys``: MinHash signatures known for the items (e.g. a
    cache) and the key hash each signs (see :func:`detectors.duplicates.find_duplicates`).
    ``previous``: the :class:`ScoreState` of each narrative's last scoring with the same
    configuration; when given, only narratives whose state changed (or that have none) are
    scored, and only their blocks are searched for embedding neighbours (the others' links
    are taken from their state). The co-publication network is always recomputed whole.
    """
    cfg = config or detection_config()
    n = items.height
    ids = items["item_id"].to_list()
    src = items["source_id"].to_list()
    nar = items["narrative_id"].to_list()
    langs = items["language"].to_list()
    titles = items["title"].to_list()
    texts = [" ".join(p for p in (t, x) if p) for t, x in
             zip(titles, items["text"].to_list(), strict=True)]
    times = np.array([d.timestamp() for d in items["published_at"].to_list()], dtype=np.float64)
    now_s = now.timestamp()
    vec_ok = vectors is not None and len(vectors) == n

    src_info = {r["source_id"]: r for r in sources.iter_rows(named=True)}
    matcher = LookalikeMatcher(outlet_domains, cfg)
    outlet_set = {m for m in matcher.outlets}
    host_of = [d or (src_info.get(s) or {}).get("domain") for d, s in
               zip(items["domain"].to_list(), src, strict=True)]
    look_by_host = {h: matcher.match(h) for h in set(host_of) if h}
    src_look: dict[str, Any] = {}
    for h, s in zip(host_of, src, strict=True):
        if h and look_by_host.get(h) and s not in src_look:
            src_look[s] = look_by_host[h]
    established: dict[str, bool] = {}
    for s in set(src):
        info = src_info.get(s) or {}
        dom = (info.get("domain") or "").lower()
        listed = any(dom == o or dom.endswith("." + o) for o in outlet_set)
        hist = SourceHistory(info.get("first_seen"), int(info.get("active_days") or 0))
        established[s] = is_established(listed, s in src_look, hist, now, cfg)
    agency = syndicated_items(texts, [established[s] for s in src],
                              cfg["syndication"]["markers"])
    syndicated = np.array([a is not None for a in agency])

    members: dict[str, list[int]] = {}
    for i, x in enumerate(nar):
        if x is not None:
            members.setdefault(x, []).append(i)
    embedded = (np.any(np.asarray(vectors) != 0, axis=1).tolist() if vec_ok
                else [False] * n)
    item_key = [digest((ids[i], titles[i], texts[i], langs[i], embedded[i]))
                for i in range(n)]
    block = {nid: digest([item_key[i] for i in idx]) for nid, idx in members.items()}
    search: set[str] | None = None
    links: list[tuple[int, int]] = []
    earlier = (earlier_search(previous, nar, ids, item_key, times)
               if previous is not None and vec_ok else None)
    if previous is not None:
        search = {nid for nid in members
                  if nid not in previous or previous[nid].block != block[nid]}
        pos = {item: i for i, item in enumerate(ids)}
        links = [(pos[a], pos[b]) for nid in members if nid not in search
                 for a, b in previous[nid].links]

    dup = find_duplicates(texts, langs, vectors, blocks=nar, config=cfg, signatures=signatures,
                          signature_keys=signature_keys, search=search, links=links,
                          times=times, earlier=earlier)
    coord = detect_coordination(src, times, dup.content, excluded=syndicated, config=cfg)
    dcfg = cfg["duplicates"]
    groups = coord.groups
    network_of = coord.community_of

    raw_pairs: dict[str, list[tuple[int, int, str, float]]] = {}
    for a, b, group, dt in coord.evidence:
        for x in {nar[a], nar[b]} - {None}:
            raw_pairs.setdefault(x, []).append((a, b, group, dt))
    # typed pairs inside one narrative, by narrative (rows of dup.pairs, in (a, b) order)
    by_nar = ByNarrative(nar)
    text_rows = by_nar.pair_rows(dup.pairs, text_only=True)

    def text_pairs(nid: str) -> list[tuple[str, str, str, float]]:
        t = dup.pairs.take(text_rows.get(nid, np.zeros(0, dtype=np.int64)))
        return [(ids[a], ids[b], k, s) for a, b, k, s in t.records()]

    inputs = {
        nid: inputs_digest(block[nid], idx, cfg, src, times, now_s, host_of, agency,
                            dup.content, src_info, item_key, raw_pairs.get(nid, []),
                            network_of, groups, coord.window_s, text_pairs(nid))
        for nid, idx in members.items()
    }
    if previous is None or search is None:
        dirty = set(members)
    else:
        dirty = search | {nid for nid in members if nid not in search
                           and previous[nid].inputs != inputs[nid]}
    scored = dirty if touched is None else dirty & set(touched)
    if search is not None and vec_ok:
        more = scored - search
        if more:  # their links are the ones given: content groups do not change
            neighbour_duplicates(dup, langs, np.asarray(vectors), nar, more, cfg, times,
                                 earlier)

    # Co-publication evidence: pairs inside coordinated networks, typed; near-copies
    # below `evidence_levenshtein` only link sources, they are not listed as evidence.
    shown = [e for e in coord.evidence if {nar[e[0]], nar[e[1]]} & scored]
    ea = np.array([e[0] for e in shown], dtype=np.int64)
    eb = np.array([e[1] for e in shown], dtype=np.int64)
    kinds, sims = classify_pairs(
        dup.keys, ea, eb, language_codes(langs, n),
        pair_cosines(np.asarray(vectors), ea, eb) if vec_ok else None, dcfg)
    by_narrative: dict[str, list[tuple[int, int, str, float, float]]] = {}
    for (a, b, _group, dt), k, sim in zip(shown, kinds.tolist(), sims.tolist(), strict=True):
        shortest = min(len(dup.keys[a]), len(dup.keys[b]))
        if k < 0 or (KINDS[k] == "copy_paste" and not listed_as_evidence(sim, shortest, cfg)):
            continue
        for x in {nar[a], nar[b]} & scored:
            by_narrative.setdefault(x, []).append((a, b, KINDS[k], sim, dt))

    idx_pairs: dict[str, dict[str, int]] = {}
    translations: dict[str, list[tuple[int, int, float]]] = {}
    for nid, rows in by_nar.pair_rows(dup.pairs, only=scored).items():
        idx_pairs[nid] = count_kinds(dup.pairs.kind[rows])
        tr = dup.pairs.take(rows[dup.pairs.kind[rows] == TRANSLATION])
        if len(tr):
            translations[nid] = [(a, b, s) for a, b, _k, s in tr.records()]
    found_links = unique_pairs(dup.links, n)
    link_ids = {nid: [(ids[a], ids[b]) for a, b in found_links[rows].tolist()]
                for nid, rows in by_nar.link_rows(found_links, only=scored).items()}

    # every narrative scored was searched (in ``search`` or ``more``): its search state
    searched = (searched_states(dup.found, by_nar.item_rows(dup.found[0], only=scored), scored,
                                members, ids, item_key, times) if vec_ok else {})

    results: dict[str, NarrativeResult] = {}
    state: dict[str, ScoreState] = {}
    for nid in sorted(scored):
        results[nid] = _narrative(
            nid, members[nid], cfg, ids, src, times, now_s, texts, langs, dup.content, host_of,
            look_by_host, src_info, agency, by_narrative.get(nid, []), groups, network_of,
            coord.window_s, idx_pairs.get(nid, {}), translations.get(nid, []), claims, titles,
        )
        state[nid] = ScoreState(block[nid], inputs[nid], link_ids.get(nid, []),
                                searched.get(nid))
    edges = [
        EdgeResult(e.source_a, e.source_b, e.weight, coord.window_s, e.community, e.coordinated,
                   e.p_value, [(ids[i], ids[j]) for i, j in e.pairs])
        for e in coord.edges
    ]
    fresh = ([(i, str(dup.key_hashes[i]), dup.signatures[i])
              for i in np.flatnonzero(dup.fresh).tolist()]
             if dup.fresh is not None and dup.signatures is not None else [])
    return SignalsResult(results, edges, coord.window_s, state,
                         sorted(set(members) - scored), fresh,
                         (dup.rows_searched, dup.rows_kept))


def _narrative(
    nid: str, idx: list[int], cfg: dict[str, Any], ids: list[str], src: list[str],
    times: np.ndarray, now_s: float, texts: list[str], langs: list[Any], content: np.ndarray,
    host_of: list[Any], look_by_host: dict[str, Any], src_info: dict[str, Any],
    agency: list[str | None], pairs: list[tuple[int, int, str, float, float]],
    groups: dict[str, Any], network_of: dict[str, str], window_s: float,
    dup_counts: dict[str, int], translations: list[tuple[int, int, float]],
    claims: Sequence[str], titles: list[str | None],
) -> NarrativeResult:
    sig = NarrativeSignals(items=len(idx))
    n_sources = sorted({src[i] for i in idx})
    sig.sources = len(n_sources)
    sig.first_seen_age_s = now_s - float(times[idx].min())
    evidence: list[Row] = []
    signals: dict[str, tuple[float, dict[str, Any]]] = {}
    name = {s: (src_info.get(s) or {}).get("name") or s for s in n_sources}

    coord_items: set[int] = set()
    if pairs:
        coord_src = sorted({src[i] for a, b, *_ in pairs for i in (a, b)})
        sig.coord_sources = [name.get(s, s) for s in coord_src]
        sig.coord_contents = len({int(content[a]) for a, *_ in pairs})
        nets = {network_of[s] for s in coord_src if s in network_of}
        sig.coord_group_sources = sum(len(groups[g].sources) for g in nets)
        sig.coord_group_contents = sum(groups[g].contents for g in nets)
        sig.coord_window_s = window_s
        for a, b, kind, sim, dt in pairs:
            coord_items.update((a, b))
            detail = {"delay_s": round(dt, 1), "network": network_of.get(src[a])}
            evidence.append(Row("co_publication", ids[a], ids[b], sim, detail))
            evidence.append(Row(kind, ids[a], ids[b], sim, {}))
            if kind == "translation":
                sig.translation_languages = sorted(
                    set(sig.translation_languages) | {langs[a], langs[b]} - {None})
        signals["co_publication"] = (float(len(coord_src)), {
            "sources": coord_src, "contents": sig.coord_contents, "window_s": window_s,
            "networks": sorted(nets)})
    for kind, count in dup_counts.items():
        signals[kind] = (float(count), {"pairs": count})
        sig.duplicate_pairs[kind] = count
    # Translated relays: a translation of coordinated content is evidence even when the
    # relaying site is outside the network (it publishes later, in another language).
    relayed = [(a, b, sim) for a, b, sim in translations if a in coord_items or b in coord_items]
    for a, b, sim in relayed:
        evidence.append(Row("translation", ids[a], ids[b], sim,
                            {"languages": sorted({langs[a], langs[b]} - {None})}))
        # the relay's language: the side outside the network (both when both are inside)
        relay_side = {i for i in (a, b) if i not in coord_items} or {a, b}
        sig.translation_languages = sorted(
            set(sig.translation_languages) | {langs[i] for i in relay_side} - {None})
    if relayed:
        sig.duplicate_pairs["translation"] = len(relayed)

    # synchrony over the coordinated copies when there are some, else the whole narrative
    sub = sorted(coord_items) or idx
    sync = synchrony(times[sub], [src[i] for i in sub], content[sub],
                     float(cfg["synchrony"]["tight_s"]))
    if sync and sync.sources >= 2:
        sig.sync_sources, sig.sync_span_s = sync.sources, sync.span_s
        signals["synchrony"] = (float(sync.sources), {"span_s": sync.span_s})
        if coord_items:
            evidence.extend(Row("synchrony", ids[sub[k]], None, sync.span_s, {})
                            for k in sync.items)

    seen_look: set[str] = set()
    for i in idx:
        look = look_by_host.get(host_of[i]) if host_of[i] else None
        if look:
            evidence.append(Row("lookalike_domain", ids[i], None, None,
                                {"domain": look.domain, "target": look.target,
                                 "how": look.kind, "detail": look.detail}))
            if look.domain not in seen_look:
                seen_look.add(look.domain)
                sig.lookalikes.append((look.domain, look.target))
    if sig.lookalikes:
        signals["lookalike_domain"] = (float(len(sig.lookalikes)), {
            "domains": [{"domain": d, "target": t} for d, t in sig.lookalikes]})

    new_days = int(cfg["sources"]["new_source_days"])
    sig.new_days = new_days
    new_src = []
    for s in n_sources:
        first = (src_info.get(s) or {}).get("first_seen")
        if first is not None and now_s - first.timestamp() <= new_days * 86400:
            new_src.append(s)
    sig.new_sources = len(new_src)
    if new_src:
        signals["new_source"] = (len(new_src) / len(n_sources), {"sources": new_src})
        is_new = set(new_src)
        evidence.extend(Row("new_source", ids[i], None, None, {}) for i in sorted(coord_items)
                        if src[i] in is_new)

    bcfg = cfg["bursts"]
    b = burst(times[idx], now_s, float(bcfg["window_s"]))
    sig.burst_ratio, sig.burst_latest = b.ratio, b.latest
    sig.burst_window_s = float(bcfg["window_s"])
    sig.is_burst = b.latest >= int(bcfg["min_items"]) and b.ratio >= float(bcfg["ratio"])
    signals["burst"] = (b.ratio, {"latest": b.latest, "baseline": b.baseline})

    if claims:
        heads = [titles[i] or texts[i][:200] for i in idx]
        for m in match_watchlist(heads, claims, cfg["watchlist"])[:5]:
            sig.watchlist.append((claims[m.claim_index], m.score))
            evidence.append(Row("watchlist", ids[idx[m.text_index]], None, m.score,
                                {"claim": claims[m.claim_index]}))
        if sig.watchlist:
            signals["watchlist"] = (max(s for _, s in sig.watchlist) / 100,
                                    {"claims": [c for c, _ in sig.watchlist]})

    synd: dict[str, set[str]] = {}
    synd_items: list[int] = []
    for i in idx:
        if agency[i] and int(content[i]) >= 0:
            synd.setdefault(agency[i], set()).add(src[i])
            synd_items.append(i)
    sig.syndication = [(a, sorted(name.get(s, s) for s in ss)) for a, ss in sorted(synd.items())
                       if len(ss) >= 2]
    if sig.syndication:
        signals["syndication"] = (float(sum(len(o) for _, o in sig.syndication)), {
            "agencies": {a: o for a, o in sig.syndication}})

    value, flagged, why = score(sig, cfg)
    if sig.syndication and not flagged:
        evidence.extend(Row("syndication", ids[i], None, None, {"agency": agency[i]})
                        for i in synd_items)
    if not flagged:
        # evidence of an unflagged narrative documents why it was not flagged only
        evidence = [r for r in evidence if r.kind in ("syndication", "lookalike_domain")]
    return NarrativeResult(nid, value, flagged, [r.text for r in why], signals, evidence,
                           [r.as_json() for r in why])
