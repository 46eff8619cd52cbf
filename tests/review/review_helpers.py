"""Review desk test helpers: a store seeded through plain SQL and the store functions.

The seeded world: a flagged French/English campaign (N-camp1) on Sahel elections with a
look-alike domain, copy-paste and translation pairs, a watchlist match and one hostile item
title; a flagged Russian narrative (N-camp2); an organic, unflagged one (N-org). People:
reservists awa (fr, en; Sahel) and boris (ru, en; Russia), coordinator carla,
communication dana, admin root; all with the password ``PASSWORD``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import uvicorn
from fastapi.testclient import TestClient

from detectors.reason_render import render
from reservist_review.app import create_app
from reservist_review.auth import hash_password
from reservist_review.server import uvicorn_options
from vigie.config import Settings
from vigie.store.review import people

PASSWORD = "correct horse battery"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
HOSTILE_TITLE = ('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
                 "Fraude au Mali")
# A look-alike domain comes from a feed: markup in reason params must show as text.
HOSTILE_DOMAIN = '<img src=x onerror="window.__pwned=3">lemonde.ltd'
CAMP2_REASONS = [
    {"code": "synchrony", "params": {"sources": 2, "span_s": 120}},
    {"code": "lookalike", "params": {"count": 1, "targets": ["lemonde.fr"],
                                     "domains": [HOSTILE_DOMAIN]}},
]

PEOPLE = [
    {"id": "awa", "name": "Awa Diallo", "email": "awa@example.org", "role": "reservist",
     "languages": ["fr", "en"], "regions": ["Sahel"], "skills": ["OSINT"], "capacity": 2},
    {"id": "boris", "name": "Boris Petrov", "email": "boris@example.org", "role": "reservist",
     "languages": ["ru", "en"], "regions": ["Russia"], "skills": ["cyber"], "capacity": 2},
    {"id": "carla", "name": "Carla Martin", "email": "carla@example.org", "role": "coordinator",
     "languages": ["fr", "en"], "regions": [], "skills": [], "capacity": 5},
    {"id": "dana", "name": "Dana Leroy", "email": "dana@example.org", "role": "communication",
     "languages": ["fr"], "regions": [], "skills": [], "capacity": 0},
    {"id": "root", "name": "Root Admin", "email": "root@example.org", "role": "admin",
     "languages": ["fr", "en"], "regions": [], "skills": [], "capacity": 0},
]
ROLE_USER = {"reservist": "awa", "coordinator": "carla", "communication": "dana", "admin": "root"}


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


SOURCES = [
    ("s1", "Le Monde Info", "lemonde-fr.info", "Sahel"),
    ("s2", "Sahel Vérité", "sahel-verite.net", "Sahel"),
    ("s3", "Info Bamako 24", "infobamako24.com", "Sahel"),
    ("s4", "Africa Truth", "africa-truth.org", None),
    ("s5", "Pravda Afrika", "pravda-afrika.ru", "Russia"),
    ("s6", "Courrier Réel", "courrier-reel.fr", None),
]

ITEMS = [
    # item, source, narrative, minutes after T0, language, title, url
    ("it1", "s1", "N-camp1", 0, "fr",
     "Fraude massive aux élections au Mali, selon des observateurs",
     "https://lemonde-fr.info/mali/fraude"),
    ("it2", "s2", "N-camp1", 3, "fr", "Fraude massive aux élections du Mali selon les observateurs",
     "https://sahel-verite.net/a/2"),
    ("it3", "s3", "N-camp1", 5, "fr", HOSTILE_TITLE, "javascript:alert(1)"),
    ("it4", "s4", "N-camp1", 9, "en", "Massive fraud in Mali's elections, observers say",
     "https://africa-truth.org/mali"),
    ("it5", "s6", "N-camp1", 70, "fr", "Mali : des observateurs dénoncent une fraude",
     "https://courrier-reel.fr/mali"),
    ("it6", "s5", "N-camp2", 0, "ru", "НАТО готовит провокацию", "https://pravda-afrika.ru/1"),
    ("it7", "s5", "N-camp2", 2, "ru", "НАТО готовит новую провокацию", "https://pravda-afrika.ru/2"),
    ("it8", "s6", "N-org", 30, "fr", "Le festival de Ségou ouvre ses portes",
     "https://courrier-reel.fr/segou"),
]
TEXT = {
    "it1": "Des observateurs affirment que les élections au Mali ont été truquées par le pouvoir.",
    "it2": "Des observateurs affirment que les élections du Mali ont été massivement truquées.",
    "it4": "Observers claim the elections in Mali were rigged by the authorities.",
}

NARRATIVES = [
    ("N-camp1", "Fraude élections Mali", ["mali", "élections", "fraude", "sahel"],
     "Fraude massive aux élections au Mali", ["fr", "en"], 5),
    ("N-camp2", "НАТО провокация", ["нато", "провокация"], "НАТО готовит провокацию", ["ru"], 2),
    ("N-org", "Festival de Ségou", ["festival", "ségou"], "Le festival de Ségou", ["fr"], 1),
]


def seed(settings: Settings) -> None:
    """Fill a fresh store with the world described in the module docstring."""
    store = settings.store()
    store.init()
    with store.transaction() as con:
        for sid, name, domain, region in SOURCES:
            con.execute(
                "INSERT INTO sources (source_id, kind, name, url, site_url, domain, "
                "registered_domain, region, added_at) VALUES (?, 'feed', ?, ?, ?, ?, ?, ?, ?)",
                [sid, name, f"http://127.0.0.1/{sid}.xml", f"https://{domain}/", domain, domain,
                 region, T0 - timedelta(days=3)],
            )
        for iid, sid, nid, minutes, lang, title, url in ITEMS:
            at = T0 + timedelta(minutes=minutes)
            con.execute(
                "INSERT INTO items (item_id, source_id, url, canonical_url, domain, "
                "registered_domain, title, text, language, published_at, first_seen_at, "
                "content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [iid, sid, url, url, url.split("/")[2] if "//" in url else None, None, title,
                 TEXT.get(iid, title), lang, at, at, f"hash-{iid}"],
            )
            con.execute("INSERT INTO narrative_members VALUES (?, ?, 0.9, ?, 'r0')", [iid, nid, at])
        for nid, label, keywords, headline, langs, size in NARRATIVES:
            con.execute(
                "INSERT INTO narratives (narrative_id, label, keywords, headline, languages, size, "
                "first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [nid, label, keywords, headline, langs, size, T0, T0 + timedelta(hours=2)],
            )
        # N-camp1 has English sentences only (a row from before reason codes); N-camp2 has
        # its reasons as the signals stage writes them now: sentences and codes.
        flags = [("N-camp1", 0.87, True, ["Six sites published the same story within 9 minutes.",
                                          "One source imitates lemonde.fr."], None),
                 ("N-camp2", 0.66, True, [render(r["code"], r["params"]) for r in CAMP2_REASONS],
                  json.dumps(CAMP2_REASONS)),
                 ("N-org", 0.1, False, [], None)]
        for nid, score, flagged, reasons, codes in flags:
            con.execute("INSERT INTO flags (narrative_id, score, flagged, reasons, reason_codes, "
                        "first_flagged_at, updated_at, run_id) VALUES (?, ?, ?, ?, ?::JSON, ?, ?, "
                        "'r0')", [nid, score, flagged, reasons, codes, T0, T0])
        evidence = [
            ("copy_paste", "it1", "it2", 0.93, {"levenshtein": 0.91}),
            ("translation", "it1", "it4", 0.81, {"languages": ["fr", "en"]}),
            ("lookalike_domain", "it1", None, 0.9,
             {"domain": "lemonde-fr.info", "imitates": "lemonde.fr"}),
            ("watchlist", "it3", None, 1.0,
             {"entry": "Mali election fraud", "list": "EUvsDisinfo"}),
            ("synchrony", "it2", "it3", 0.8, {"seconds": 120}),
        ]
        for kind, a, b, score, detail in evidence:
            con.execute("INSERT INTO evidence VALUES ('N-camp1', ?, ?, ?, ?, ?)",
                        [kind, a, b, score, json.dumps(detail)])
        for kind, value in (("copy_paste", 0.93), ("synchrony", 0.8)):
            con.execute("INSERT INTO signals VALUES ('N-camp1', ?, ?, '{}', 'r0', ?)",
                        [kind, value, T0])
        for a, b in (("s1", "s2"), ("s2", "s3")):
            con.execute("INSERT INTO source_edges VALUES (?, ?, 3, 600, 'c1', '[]', 'r0')", [a, b])
        people.upsert_reservists(con, PEOPLE)
        for p in PEOPLE:
            people.set_password(con, p["id"], password_hash())


def login(client: TestClient, user: str, password: str = PASSWORD) -> None:
    client.get("/login")
    token = client.cookies  # the session cookie now holds a CSRF token
    assert token
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"login": user, "password": password, "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:500]


def csrf_of(client: TestClient, path: str = "/account") -> str:
    page = client.get(path).text
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """The desk served by uvicorn on a free loopback port, as ``vigie review`` serves it
    (``reservist_review.server.uvicorn_options``); yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.review.base_url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           **uvicorn_options(settings)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield settings.review.base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
