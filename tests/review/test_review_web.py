"""The review desk over HTTP (TestClient): login, decisions, reassignment, escaping, headers."""

from __future__ import annotations

import re

from review_helpers import HOSTILE_TITLE, PASSWORD, csrf_of, login

from flows.route import route
from reservist_review import ratelimit
from vigie.store.review import cases, people


def test_login_sets_a_hardened_cookie_and_logout_ends_the_session(seeded, client_for):
    client = client_for(None)
    client.get("/login")
    csrf = csrf_of(client, "/login")
    r = client.post("/login", data={"login": "awa", "password": PASSWORD, "csrf_token": csrf,
                                    "next": "/cases/mine"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/cases/mine"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-vigie=")
    assert all(flag in cookie.lower() for flag in ("httponly", "secure", "samesite=lax", "path=/"))
    stolen = dict(client.cookies)
    assert client.get("/cases/mine").status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/cases/mine", follow_redirects=False).status_code == 303
    # the old cookie replayed after logout is dead on the server side
    replay = client_for(None)
    replay.cookies.update(stolen)
    assert replay.get("/cases/mine", follow_redirects=False).status_code == 303


def test_wrong_password_then_rate_limit(seeded, client_for):
    client = client_for(None)
    csrf = csrf_of(client, "/login")
    for _ in range(ratelimit.MAX_FAILURES_PER_LOGIN):
        r = client.post("/login", data={"login": "awa", "password": "nope-nope-nope",
                                        "csrf_token": csrf})
        assert r.status_code == 401
    r = client.post("/login", data={"login": "awa", "password": PASSWORD, "csrf_token": csrf})
    assert r.status_code == 429  # even the right password waits out the window
    with seeded.store().connect() as con:
        actions = [a["action"] for a in people.audit_entries(con, target="awa")]
    assert actions.count("login_failed") == 5 and "login_blocked" in actions
    other = client_for(None)  # another person is not blocked by awa's failures
    login(other, "boris")


def test_open_redirect_is_refused(seeded, client_for):
    client = client_for(None)
    csrf = csrf_of(client, "/login")
    r = client.post("/login", data={"login": "awa", "password": PASSWORD, "csrf_token": csrf,
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_security_headers_and_no_docs(seeded, client_for):
    client = client_for(None)
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    assert "<script src=\"/static/htmx.min.js\"" in r.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)  # no inline script
    assert " style=" not in r.text
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert client.get(path, follow_redirects=False).status_code in (303, 404)
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000]


def test_reviewer_decides_and_revises_with_history(seeded, client_for):
    route(seeded, "r1")
    awa = client_for("reservist")
    page = awa.get("/cases/N-camp1").text
    assert 'id="decision-form"' in page and "Fraude élections Mali" in page
    assert 's-in_review" id="case-status"' in page  # the first view by its holder starts it
    csrf = csrf_of(awa)
    form = {"verdict": "confirmed", "summary": "Réseau coordonné", "confidence": "80",
            "techniques": ["T0086"], "techniques_text": "t0023.001, T0086",
            "responses": ["D02", "debunk", "brief_embassy"], "comments": "vu", "csrf_token": csrf}
    r = awa.post("/cases/N-camp1/decisions", data=form, follow_redirects=False)
    assert r.status_code == 303
    bad = awa.post("/cases/N-camp1/decisions",
                   data={**form, "techniques": ["T9999"], "techniques_text": ""})
    assert bad.status_code == 400 and "T9999" in bad.text
    awa.post("/cases/N-camp1/decisions", data={**form, "verdict": "needs_info",
                                               "summary": "Besoin de sources"})
    with seeded.store().connect() as con:
        history = cases.decisions_of(con, "N-camp1")
        assert cases.get_case(con, "N-camp1")["status"] == "needs_info"
        audit = [a["action"] for a in people.audit_entries(con, target="N-camp1")]
    assert [d["verdict"] for d in history] == ["needs_info", "confirmed"]
    assert history[0]["supersedes"] == history[1]["decision_id"]
    assert history[1]["techniques"] == ["T0086", "T0023.001"]
    assert history[1]["responses"] == ["D02", "debunk", "brief_embassy"]
    assert history[1]["confidence"] == 0.8
    assert audit.count("decision") == 2 and "case_view" in audit and "status" in audit
    # oldest first: the routing, the first view's status change, the view, the decision
    assert audit[::-1][:4] == ["assign", "status", "case_view", "decision"]
    page = awa.get("/cases/N-camp1").text
    assert "Besoin de sources" in page and "Réseau coordonné" in page and "remplacée" in page


def test_reservist_cannot_decide_someone_elses_case(seeded, client_for):
    route(seeded, "r1")
    awa = client_for("reservist")
    r = awa.post("/cases/N-camp2/decisions", data={"verdict": "confirmed",
                                                   "csrf_token": csrf_of(awa)})
    assert r.status_code == 403


def test_coordinator_reassigns_and_asks_a_second_opinion(seeded, client_for):
    route(seeded, "r1")
    carla = client_for("coordinator")
    csrf = csrf_of(carla)
    page = carla.get("/cases").text
    assert "N-camp1" in page and "Awa Diallo" in page and "Boris Petrov" in page
    assert "N-camp2" not in carla.get("/cases?language=fr").text
    assert "N-camp2" in carla.get("/cases?min_score=0.6&status=assigned").text
    assert "N-camp2" not in carla.get("/cases?min_score=0.7").text
    r = carla.post("/cases/N-camp1/reassign", data={"reservist_id": "boris", "csrf_token": csrf},
                   follow_redirects=False)
    assert r.status_code == 303
    with seeded.store().connect() as con:
        current = cases.open_assignment(con, "N-camp1")
    assert current["reservist_id"] == "boris" and current["kind"] == "reassign"
    assert current["reason"].startswith("reassigned by Carla Martin to Boris Petrov: ")
    assert carla.post("/cases/N-camp1/reassign", data={"reservist_id": "boris",
                                                       "csrf_token": csrf}).status_code == 400
    r = carla.post("/cases/N-camp1/second-opinion", data={"csrf_token": csrf},
                   follow_redirects=False)
    with seeded.store().connect() as con:
        current = cases.open_assignment(con, "N-camp1")
        audit = [a["action"] for a in people.audit_entries(con, target="N-camp1")]
    # never the same person twice in a row: boris held it last, the best match is awa again
    assert current["reservist_id"] == "awa" and current["kind"] == "second_opinion"
    assert "reassign" in audit and "second_opinion" in audit
    # boris held it before: he can still read it, but no longer decide it
    boris = client_for("boris")
    page = boris.get("/cases/N-camp1")
    assert page.status_code == 200 and 'id="decision-form"' not in page.text


def test_hostile_content_is_escaped_and_bad_links_dropped(seeded, client_for):
    route(seeded, "r1")
    awa = client_for("reservist")
    page = awa.get("/cases/N-camp1").text
    assert HOSTILE_TITLE not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "javascript:alert" not in page
    links = re.findall(r"<a href=\"(https?://[^\"]+)\"([^>]*)>", page)
    assert links and all('rel="noopener noreferrer"' in attrs for _href, attrs in links)
    assert "<svg" in page and "<del>" in page and "<ins>" in page  # chart and diff markup


def test_search_and_confirmed_for_communication(seeded, client_for):
    route(seeded, "r1")
    dana = client_for("communication")
    assert "N-camp1" in dana.get("/search?q=MALI").text  # keywords, case-insensitive
    assert "N-org" in dana.get("/search?q=ségou").text
    assert "N-camp1" not in dana.get("/search?q=%25").text  # LIKE wildcards are literal
    with seeded.store().transaction() as con:
        cases.record_decision(con, "N-camp1", "awa", "confirmed", summary="Réseau au Sahel",
                              confidence=0.9, techniques=["T0086"], responses=["debunk"],
                              comments="")
    assert "Réseau au Sahel" in dana.get("/confirmed").text
    page = dana.get("/cases/N-camp1")
    assert page.status_code == 200 and 'id="decision-form"' not in page.text


def test_language_switch(seeded, client_for):
    awa = client_for("reservist")
    assert "Mes dossiers" in awa.get("/cases/mine").text  # French by default
    awa.post("/lang", data={"lang": "en", "next": "/cases/mine", "csrf_token": csrf_of(awa)})
    page = awa.get("/cases/mine").text
    assert "My cases" in page and '<html lang="en">' in page


def test_admin_manages_people(seeded, client_for):
    root = client_for("admin")
    csrf = csrf_of(root)
    r = root.post("/people", data={"id": "eve", "name": "Eve <b>", "languages": "fr;de",
                                   "role": "coordinator", "csrf_token": csrf})
    assert r.status_code == 200 and "Eve &lt;b&gt;" in r.text
    password = re.search(r"\(affiché une seule fois\) : (\S+)</p>", r.text).group(1)
    eve = client_for(None)
    login(eve, "eve", password)
    assert eve.get("/cases").status_code == 200
    root.post("/people/eve/deactivate", data={"csrf_token": csrf})
    assert eve.get("/cases", follow_redirects=False).status_code == 303  # session ended
    roster = "id,name,role,languages\nfred,Fred,reservist,en;ar\n"
    r = root.post("/people/import", data={"csrf_token": csrf},
                  files={"roster": ("team.csv", roster.encode(), "text/csv")})
    assert r.status_code == 200 and "fred" in r.text
    r = root.post("/people/import", data={"csrf_token": csrf},
                  files={"roster": ("team.csv", b"id,name,role\nx y,Z,boss\n", "text/csv")})
    assert r.status_code == 400 and "role" in r.text
    r = root.post("/people", data={"id": "bad id", "name": "X", "csrf_token": csrf})
    assert r.status_code == 400
    r = root.post("/people/root/deactivate", data={"csrf_token": csrf}, follow_redirects=False)
    assert root.get("/people").status_code == 200  # an admin cannot lock themselves out
    audit = root.get("/audit").text
    assert "person_added" in audit and "person_deactivated" in audit and "roster_imported" in audit


def test_password_change(seeded, client_for):
    awa = client_for("reservist")
    csrf = csrf_of(awa)
    assert awa.post("/account/password", data={"current": "wrong", "new": "x" * 12,
                                               "csrf_token": csrf}).status_code == 400
    assert awa.post("/account/password", data={"current": PASSWORD, "new": "short",
                                               "csrf_token": csrf}).status_code == 400
    assert awa.post("/account/password", data={"current": PASSWORD, "new": "a new passphrase",
                                               "csrf_token": csrf}).status_code == 200
    login(client_for(None), "awa", "a new passphrase")


def test_htmx_style_post_with_the_csrf_header_only(seeded, client_for):
    route(seeded, "r1")
    carla = client_for("coordinator")
    token = csrf_of(carla)
    r = carla.post("/cases/N-camp2/second-opinion",
                   headers={"X-CSRF-Token": token, "HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 303
    r = carla.post("/cases/N-camp2/second-opinion",
                   headers={"X-CSRF-Token": "nope", "HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 403
    # the token HTMX sends is the one on <body hx-headers>
    body = carla.get("/cases").text
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in body
