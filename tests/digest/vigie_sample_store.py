"""A small store with known content, written with plain SQL (tables of the migrations).

Shared by the digest, ops and notebook tests (their conftests put this folder on sys.path).
Digest day: 2026-11-25 in Europe/Paris. Narratives:
- N-camp: coordinated campaign, flagged on the 24th, CONFIRMED on the 25th (decision with
  DISARM ids), six sources of which two look-alike domains, a translated relay in English.
- N-hostile: flagged on the 25th; label and item titles are hostile markup.
- N-organic: organic story, not flagged, growing on the 25th (2 items on the 24th, 6 on the 25th).
- N-old: flagged on the 20th, still without a decision.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import numpy as np

from detectors.reason_render import render
from vigie.config import Settings

DAY = date(2026, 11, 25)
HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)> **bold** '
    "[click](javascript:alert(1)) & co"
)
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 09:00 in Paris on the digest day
CAMP_REASONS = [
    {"code": "synchrony", "params": {"sources": 6, "span_s": 900}},
    {"code": "lookalike", "params": {"count": 2, "targets": ["lefigaro.fr", "lemonde.fr"],
                                     "domains": ["lefigaro-news.com", "lemonde-fr.info"]}},
]
# A look-alike domain is feed-derived: hostile markup in the params must stay text.
HOSTILE_REASONS = [
    {"code": "lookalike", "params": {"count": 1, "targets": ["lemonde.fr"],
                                     "domains": [HOSTILE]}},
]
OLD_REASON = "Burst of volume."

SOURCES = [
    # source_id, name, registered_domain, language
    ("s-lemonde-fr", "Le Monde (clone)", "lemonde-fr.info", "fr"),
    ("s-figaro-news", "Le Figaro (clone)", "lefigaro-news.com", "fr"),
    ("s-echo", "Echo Sahel", "echo-sahel.net", "fr"),
    ("s-verite", "Vérité Afrique", "verite-afrique.org", "fr"),
    ("s-info24", "Info 24 Monde", "info24monde.com", "fr"),
    ("s-relay-en", "Global Truth Wire", "globaltruthwire.com", "en"),
    ("s-agency", "Agence Presse Libre", "apl-news.fr", "fr"),
    ("s-ouest", "Journal de l'Ouest", "journal-ouest.fr", "fr"),
]


def _item(n: int) -> str:
    return f"it_{n:016x}"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_sample_store(settings: Settings, embedding_dim: int = 16) -> dict:
    """Fill the settings' store; returns the facts the tests check against."""
    store = settings.store()
    store.init()
    rng = np.random.default_rng(7)
    centres = {
        nid: rng.normal(size=embedding_dim) for nid in ("N-camp", "N-hostile", "N-organic", "N-old")
    }
    items: list[tuple] = []
    members: list[tuple] = []
    vectors: list[tuple] = []
    n = 0

    def add(nid: str, source: str, title: str, lang: str, when: datetime) -> str:
        nonlocal n
        n += 1
        iid = _item(n)
        domain = next(s[2] for s in SOURCES if s[0] == source)
        text = f"{title} — body {n}"
        h = _hash(text)
        items.append(
            (
                iid,
                source,
                f"ext-{n}",
                f"https://{domain}/a/{n}",
                domain,
                title,
                text,
                lang,
                when,
                when + timedelta(minutes=5),
                h,
            )
        )
        members.append((iid, nid, 0.9, when))
        vec = centres[nid] + rng.normal(scale=0.2, size=embedding_dim)
        vectors.append((h, "test-model", [float(x) for x in vec]))
        return iid

    camp_start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    camp = [
        add(
            "N-camp",
            src,
            "Les soldats français pillent l'or du Sahel",
            "fr",
            camp_start + timedelta(minutes=3 * k),
        )
        for k, src in enumerate(["s-lemonde-fr", "s-figaro-news", "s-echo", "s-verite", "s-info24"])
    ]
    camp.append(
        add(
            "N-camp",
            "s-relay-en",
            "French soldiers loot Sahel gold",
            "en",
            camp_start + timedelta(hours=2),
        )
    )
    for k in range(4):  # the campaign keeps going on the digest day
        camp.append(
            add(
                "N-camp",
                ["s-echo", "s-verite", "s-info24", "s-lemonde-fr"][k],
                "Les soldats français pillent l'or du Sahel (suite)",
                "fr",
                T0 + timedelta(minutes=k),
            )
        )
    hostile = [
        add("N-hostile", src, HOSTILE, "fr", T0 + timedelta(hours=1, minutes=k))
        for k, src in enumerate(["s-echo", "s-verite", "s-info24"])
    ]
    for k in range(2):
        add(
            "N-organic",
            ["s-agency", "s-ouest"][k],
            "Tempête sur la côte atlantique",
            "fr",
            datetime(2026, 11, 24, 12, k, tzinfo=UTC),
        )
    for k in range(6):
        add(
            "N-organic",
            ["s-agency", "s-ouest"][k % 2],
            f"Tempête : bilan {k}",
            "fr",
            T0 + timedelta(hours=3, minutes=10 * k),
        )
    [
        add("N-old", "s-echo", "Ancienne rumeur", "fr", datetime(2026, 11, 20, 10, k, tzinfo=UTC))
        for k in range(3)
    ]

    with store.transaction() as con:
        now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
        con.executemany(
            "INSERT INTO sources (source_id, kind, name, url, site_url, domain, registered_domain,"
            " language, added_at) VALUES (?, 'feed', ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    sid,
                    name,
                    f"http://127.0.0.1:9/{sid}.xml",
                    f"https://{dom}/",
                    dom,
                    dom,
                    lang,
                    datetime(2026, 11, 1, tzinfo=UTC),
                )
                for sid, name, dom, lang in SOURCES
            ],
        )
        con.executemany(
            "INSERT INTO items (item_id, source_id, external_id, url, registered_domain, title,"
            " text,"
            " language, published_at, first_seen_at, content_hash, domain)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            items,
        )
        con.executemany(
            "INSERT INTO narrative_members (item_id, narrative_id, similarity, joined_at)"
            " VALUES (?, ?, ?, ?)",
            members,
        )
        con.executemany("INSERT INTO embeddings VALUES (?, ?, ?)", vectors)
        narratives = [
            (
                "N-camp",
                "Soldats français et or du Sahel",
                ["soldats", "or", "sahel"],
                ["fr", "en"],
                len(camp),
                camp_start,
                T0 + timedelta(minutes=3),
            ),
            (
                "N-hostile",
                HOSTILE,
                ["x"],
                ["fr"],
                3,
                T0 + timedelta(hours=1),
                T0 + timedelta(hours=1),
            ),
            (
                "N-organic",
                "Tempête atlantique",
                ["tempête"],
                ["fr"],
                8,
                datetime(2026, 11, 24, 12, tzinfo=UTC),
                T0 + timedelta(hours=4),
            ),
            (
                "N-old",
                "Ancienne rumeur",
                ["rumeur"],
                ["fr"],
                3,
                datetime(2026, 11, 20, 10, tzinfo=UTC),
                datetime(2026, 11, 20, 10, 2, tzinfo=UTC),
            ),
        ]
        con.executemany(
            "INSERT INTO narratives (narrative_id, label, keywords, headline, languages, size,"
            " first_seen_at, last_seen_at, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'test-model')",
            [
                (nid, label, kw, label, langs, size, first, last)
                for nid, label, kw, langs, size, first, last in narratives
            ],
        )
        # Reasons as the signals stage writes them: English sentences and their codes
        # (N-old has no codes, like rows written before migration 007).
        flags = [
            ("N-camp", 0.91, True, CAMP_REASONS, datetime(2026, 11, 24, 11, tzinfo=UTC)),
            ("N-hostile", 0.74, True, HOSTILE_REASONS, T0 + timedelta(hours=2)),
            ("N-organic", 0.12, False, [{"code": "organic", "params": {"sources": 6}}], None),
        ]
        con.executemany(
            "INSERT INTO flags (narrative_id, score, flagged, reasons, reason_codes,"
            " first_flagged_at, updated_at) VALUES (?, ?, ?, ?, ?::JSON, ?, ?)",
            [
                (nid, score, flagged, [render(r["code"], r["params"]) for r in codes],
                 json.dumps(codes), first, now)
                for nid, score, flagged, codes, first in flags
            ],
        )
        con.execute(
            "INSERT INTO flags (narrative_id, score, flagged, reasons, first_flagged_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            ["N-old", 0.66, True, [OLD_REASON], datetime(2026, 11, 20, 12, tzinfo=UTC), now],
        )
        con.executemany(
            "INSERT INTO signals (narrative_id, kind, value, detail, computed_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                ("N-camp", "copy_paste", 0.9, json.dumps({"pairs": 10}), now),
                ("N-camp", "lookalike_domain", 2, json.dumps({}), now),
            ],
        )
        con.executemany(
            "INSERT INTO evidence (narrative_id, kind, item_id, other_item_id, score, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("N-camp", "copy_paste", camp[0], camp[k], 0.97, json.dumps({"ratio": 0.97}))
                for k in range(1, 5)
            ]
            + [("N-camp", "translation", camp[0], camp[5], 0.81, json.dumps({}))]
            + [
                (
                    "N-camp",
                    "lookalike_domain",
                    camp[0],
                    None,
                    1.0,
                    json.dumps({"domain": "lemonde-fr.info", "imitates": "lemonde.fr"}),
                ),
                (
                    "N-camp",
                    "lookalike_domain",
                    camp[1],
                    None,
                    1.0,
                    json.dumps({"domain": "lefigaro-news.com", "imitates": "lefigaro.fr"}),
                ),
            ]
            + [("N-hostile", "copy_paste", hostile[0], hostile[1], 0.99, json.dumps({}))],
        )
        edges = [
            ("s-echo", "s-verite", 5.0, "c1"),
            ("s-echo", "s-info24", 5.0, "c1"),
            ("s-verite", "s-info24", 4.0, "c1"),
            ("s-lemonde-fr", "s-echo", 2.0, "c1"),
            ("s-figaro-news", "s-verite", 1.0, "c1"),
            ("s-agency", "s-ouest", 1.0, "c2"),
        ]
        con.executemany(
            "INSERT INTO source_edges (source_a, source_b, weight, window_s, community, evidence)"
            " VALUES (?, ?, ?, 900, ?, '[]')",
            edges,
        )
        con.executemany(
            "INSERT INTO reservists (reservist_id, name, email, role, languages, regions, skills,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    "r-amina",
                    "Amina Diallo",
                    "amina@example.org",
                    "reservist",
                    ["fr", "en"],
                    ["sahel"],
                    ["osint"],
                    now,
                ),
                (
                    "r-claire",
                    "Claire Martin",
                    "claire@example.org",
                    "communication",
                    ["fr"],
                    [],
                    [],
                    now,
                ),
                ("r-john", "John Smith", "john@example.org", "communication", ["en"], [], [], now),
                ("r-off", "Old Member", "old@example.org", "communication", ["fr"], [], [], now),
            ],
        )
        con.execute("UPDATE reservists SET active = false WHERE reservist_id = 'r-off'")
        con.executemany(
            "INSERT INTO cases (narrative_id, status, opened_at, updated_at) VALUES (?, ?, ?, ?)",
            [
                ("N-camp", "confirmed", datetime(2026, 11, 24, 11, tzinfo=UTC), now),
                ("N-hostile", "assigned", T0 + timedelta(hours=2), now),
                ("N-old", "in_review", datetime(2026, 11, 20, 12, tzinfo=UTC), now),
            ],
        )
        con.executemany(
            "INSERT INTO decisions (decision_id, narrative_id, reservist_id, verdict, summary,"
            " confidence, techniques, responses, decided_at, supersedes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    "d-1",
                    "N-camp",
                    "r-amina",
                    "needs_info",
                    "Need to check the relay.",
                    0.5,
                    [],
                    [],
                    datetime(2026, 11, 24, 15, tzinfo=UTC),
                    None,
                ),
                (
                    "d-2",
                    "N-camp",
                    "r-amina",
                    "confirmed",
                    "Coordinated network of six sites, two cloning French newspapers,"
                    " <b>not</b> organic.",
                    0.9,
                    ["T0086", "T0099"],
                    ["D02", "debunk"],
                    datetime(2026, 11, 25, 10, tzinfo=UTC),
                    "d-1",
                ),
            ],
        )
    return {
        "day": DAY,
        "confirmed": ["N-camp"],
        "new_flagged": ["N-hostile"],
        "growing": ["N-organic", "N-hostile"],
        "open_flags": 1,
        "lookalikes": ["lefigaro-news.com", "lemonde-fr.info"],
        "campaign_sources": 6,
        "items": len(items),
        "hostile": HOSTILE,
    }
