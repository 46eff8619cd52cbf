"""Client addresses behind a reverse proxy, on a live uvicorn server: the per-client login
limit counts the address the trusted proxy forwards, and never a header from anyone else."""

from __future__ import annotations

import httpx
import pytest
from review_helpers import live_server

from reservist_review import ratelimit
from vigie.store.review import people


def _fail_login(client: httpx.Client, login: str, forwarded_for: str) -> int:
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"login": login, "password": "wrong", "csrf_token": csrf},
                    headers={"X-Forwarded-For": forwarded_for})
    return r.status_code


@pytest.fixture
def two_failures_per_client(monkeypatch):
    monkeypatch.setattr(ratelimit, "MAX_FAILURES_PER_CLIENT", 2)


def test_a_trusted_proxy_forwards_each_clients_address(seeded, two_failures_per_client):
    assert seeded.review.trusted_proxies == "127.0.0.1"  # the default: a proxy on this host
    seeded.review.cookie_secure = False
    with live_server(seeded) as base, httpx.Client(base_url=base) as client:
        # different logins each time: only the per-client limit can block
        assert [_fail_login(client, f"nobody{k}", "203.0.113.7") for k in range(3)] == [
            401, 401, 429]
        assert _fail_login(client, "nobody9", "203.0.113.8") == 401  # another client: not blocked
    with seeded.store().connect() as con:
        last = people.audit_entries(con)[0]
    assert last["action"] == "login_failed" and last["detail"]["client"] == "203.0.113.8"


def test_without_a_trusted_proxy_the_header_is_ignored(seeded, two_failures_per_client):
    seeded.review.trusted_proxies = ""
    seeded.review.cookie_secure = False
    with live_server(seeded) as base, httpx.Client(base_url=base) as client:
        assert [_fail_login(client, f"nobody{k}", f"198.51.100.{k}") for k in range(3)] == [
            401, 401, 429]  # every attempt counts for the TCP peer, whatever it claims
    with seeded.store().connect() as con:
        clients = {e["detail"]["client"] for e in people.audit_entries(con)
                   if e["action"].startswith("login")}
    assert clients == {"127.0.0.1"}
