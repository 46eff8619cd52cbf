"""Every route of the app, every role: unauthenticated and wrong-role requests are refused.

The route list comes from ``app.routes``, so a route added later is tested (and fails here
if it declares neither ``allow(...)`` nor ``public()``).
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from review_helpers import ROLE_USER, csrf_of, login, seed
from starlette.routing import Mount

from flows.route import route
from reservist_review.app import create_app
from reservist_review.permissions import ROLES
from reservist_review.routes.deps import roles_of

PARAMS = {"narrative_id": "N-camp1", "reservist_id": "boris"}
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/lang")}


def flat(routes):
    for r in routes:
        inner = getattr(r, "original_router", None)  # FastAPI >= 0.14x keeps included routers
        if inner is not None:
            yield from flat(inner.routes)
        else:
            yield r


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from vigie.config import load_settings

    settings = load_settings(data_dir=tmp_path_factory.mktemp("perm") / "data")
    seed(settings)
    route(settings, "r0")  # N-camp1 -> awa, N-camp2 -> boris
    app = create_app(settings)
    clients = {}
    for role in (None, *ROLES):
        client = TestClient(app, base_url="https://testserver")
        if role:
            login(client, ROLE_USER[role])
        clients[role] = (client, csrf_of(client, "/login" if role is None else "/account"))
    yield app, clients
    for client, _ in clients.values():
        client.close()


def endpoints(app):
    found = []
    for r in flat(app.routes):
        if isinstance(r, Mount):
            assert r.path == "/static", f"unexpected mount {r.path}"
            continue
        assert isinstance(r, APIRoute), f"unexpected route type {r!r}"
        roles = roles_of(r.dependant.dependencies)
        for method in r.methods:
            found.append((method, r.path, roles))
    return found


def concrete(path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: PARAMS[m.group(1)], path)


def call(client, csrf, method, path):
    if method == "GET":
        return client.get(concrete(path), follow_redirects=False)
    # A valid CSRF token, so what refuses the request is the role check, not CSRF.
    return client.request(method, concrete(path), data={"csrf_token": csrf},
                          headers={"X-CSRF-Token": csrf}, follow_redirects=False)


def test_every_route_declares_who_may_use_it(world):
    app, _ = world
    found = endpoints(app)
    assert len(found) >= 20
    public = {(m, p) for m, p, roles in found if roles is None}
    assert public == PUBLIC


def test_unauthenticated_requests_are_refused_everywhere(world):
    app, clients = world
    client, csrf = clients[None]
    checked = 0
    for method, path, roles in endpoints(app):
        if roles is None:
            continue
        r = call(client, csrf, method, path)
        if method == "GET":
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
        else:
            assert r.status_code == 401, (method, path, r.status_code)
        checked += 1
    assert checked >= 17


def test_wrong_roles_are_refused_everywhere(world):
    app, clients = world
    refused = 0
    for method, path, roles in endpoints(app):
        if roles is None:
            continue
        for role in ROLES:
            if role in roles:
                continue
            client, csrf = clients[role]
            r = call(client, csrf, method, path)
            assert r.status_code == 403, (role, method, path, r.status_code)
            assert 'data-code="403"' in r.text, (role, method, path)
            refused += 1
    assert refused >= 30


def test_allowed_roles_get_through_the_role_check(world):
    """Each admitted role reaches the page (object-level checks aside, tested elsewhere)."""
    app, clients = world
    for method, path, roles in endpoints(app):
        if roles is None or method != "GET":
            continue
        for role in roles:
            client, csrf = clients[role]
            r = call(client, csrf, method, path)
            if role == "communication" and path == "/cases/{narrative_id}":
                assert r.status_code == 403  # N-camp1 is not decided yet
                continue
            assert r.status_code in (200, 303), (role, path, r.status_code)


def test_state_changes_without_csrf_token_are_refused(world):
    app, clients = world
    client, _ = clients["admin"]
    for method, path, _roles in endpoints(app):
        if method == "GET":
            continue
        r = client.request(method, concrete(path), data={"csrf_token": "forged"},
                           follow_redirects=False)
        assert r.status_code == 403 and 'data-code="csrf"' in r.text, path
        r = client.request(method, concrete(path), follow_redirects=False)
        assert r.status_code == 403, path


def test_reservist_sees_only_their_own_cases(world):
    _, clients = world
    awa, _ = clients["reservist"]
    assert awa.get("/cases/N-camp1").status_code == 200
    r = awa.get("/cases/N-camp2")  # boris's case
    assert r.status_code == 403
    assert "N-camp2" not in awa.get("/cases/mine").text
    dana, _ = clients["communication"]
    assert dana.get("/cases/N-camp2").status_code == 403
