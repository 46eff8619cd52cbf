"""Translated relays: a translation of coordinated content is listed as evidence."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
from signals_scenario import T0, world

from detectors.signals import compute_signals
from vigie.reference import load_outlets

OUTLETS = [o.domain for o in load_outlets()]
RELAY = "verite-afrique.ru"


def _with_relay() -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    items, sources = world()
    relay = pl.DataFrame([{
        "item_id": "relay-0", "narrative_id": "N-camp0", "source_id": RELAY, "domain": RELAY,
        "title": "", "language": "fr",
        "text": "Des soldats français accusés de piller des mines d'or dans le nord du Mali",
        "published_at": T0 + timedelta(days=9, hours=1, minutes=30),
    }])
    items = pl.concat([items, relay.select(items.columns)])
    sources = pl.concat([sources, pl.DataFrame([{
        "source_id": RELAY, "first_seen": relay["published_at"][0], "active_days": 1,
        "domain": RELAY, "name": RELAY}]).select(sources.columns)], how="vertical_relaxed")
    # One direction per narrative, items scattered closely around it (what an embedder gives
    # for copies and translations of one text).
    rng = np.random.default_rng(7)
    bases = {nid: rng.normal(size=64) for nid in items["narrative_id"].unique().to_list()}
    vectors = np.stack([bases[nid] + rng.normal(scale=0.05, size=64)
                        for nid in items["narrative_id"].to_list()]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return items, sources, vectors


def test_translation_of_coordinated_copies_is_evidence_with_a_reason() -> None:
    items, sources, vectors = _with_relay()
    now = max(items["published_at"].to_list()) + timedelta(hours=1)
    result = compute_signals(items, sources, vectors, OUTLETS, [], now)
    camp = result.narratives["N-camp0"]
    assert camp.flagged
    translated = [e for e in camp.evidence if e.kind == "translation"]
    assert translated and all("relay-0" in (e.item_id, e.other_item_id) for e in translated)
    assert any("Translated copies relay it in French" in r for r in camp.reasons)
    # an unrelated story of the network gets no translation evidence
    assert not [e for e in result.narratives["N-camp1"].evidence if e.kind == "translation"]
