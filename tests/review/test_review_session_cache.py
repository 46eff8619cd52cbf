"""The desk's session cache never lets a changed person through, and the desk's own settings
(no telemetry, a few worker threads, start-up objects frozen out of the collector's scans)."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
import weakref
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio.to_thread
from fastapi.testclient import TestClient
from review_helpers import csrf_of, login

from reservist_review.app import create_app
from reservist_review.server import freeze_startup_objects
from reservist_review.sessions import SessionCache, User

AWA = User("awa", "Awa Diallo", "reservist")


def test_cache_answers_only_while_exact():
    cache = SessionCache(ttl_s=60)
    later = datetime.now(UTC) + timedelta(hours=1)
    cache.put("h1", AWA, later, generation=3)
    assert cache.get("h1", 3) == AWA
    assert cache.get("h1", 4) is None  # another process wrote the file
    assert cache.get("h1", 3) is None  # and the stale entry is gone
    cache.put("h2", AWA, datetime.now(UTC) - timedelta(seconds=1), generation=3)
    assert cache.get("h2", 3) is None  # the session itself expired
    cache.put("h3", AWA, later.replace(tzinfo=None), generation=3)  # naive = UTC
    assert cache.get("h3", 3) == AWA
    cache.drop("h3")
    assert cache.get("h3", 3) is None
    cache.put("h4", AWA, later, generation=3)
    cache.clear()
    assert cache.get("h4", 3) is None


def test_cache_entries_age_out_and_cannot_grow_without_bound():
    cache = SessionCache(ttl_s=0.05, max_entries=3)
    later = datetime.now(UTC) + timedelta(hours=1)
    cache.put("h1", AWA, later, generation=0)
    time.sleep(0.1)
    assert cache.get("h1", 0) is None
    for k in range(10):
        cache.put(f"t{k}", AWA, later, generation=0)
    assert len(cache._entries) <= 3


def test_a_login_caches_its_session_so_the_first_page_needs_no_lookup(seeded):
    app = create_app(seeded, warm_cases=False)
    with TestClient(app, base_url="https://testserver") as awa:
        login(awa, "awa")
        cached = list(app.state.session_cache._entries.values())
        assert [entry[0] for entry in cached] == [
            User("awa", "Awa Diallo", "reservist", "awa@example.org")]
        assert cached[0][2] == app.state.db.generation
        assert awa.get("/cases/mine").status_code == 200
        awa.post("/logout", data={"csrf_token": csrf_of(awa)})
        assert not app.state.session_cache._entries  # logging out drops it
        assert awa.get("/cases/mine", follow_redirects=False).status_code == 303


def test_role_change_by_an_admin_applies_at_the_next_request(seeded, client_for):
    awa = client_for("reservist")
    assert awa.get("/cases/mine").status_code == 200  # the session is now cached
    root = client_for("admin")
    r = root.post("/people", data={"id": "awa", "name": "Awa Diallo", "role": "communication",
                                   "languages": "fr;en", "csrf_token": csrf_of(root)})
    assert r.status_code == 200
    assert awa.get("/cases/mine").status_code == 403  # now a communication officer


def test_deactivation_by_another_process_ends_the_session(seeded):
    """``vigie reservists deactivate`` from a shell while the desk runs: the desk hands the
    file over, and the changed file drops every cached session."""
    app = create_app(seeded, warm_cases=False)
    with TestClient(app, base_url="https://testserver") as awa:
        login(awa, "awa")
        assert awa.get("/cases/mine").status_code == 200
        before = app.state.db.generation
        done = subprocess.run(
            [str(Path(sys.executable).parent / "vigie"), "--data-dir", str(seeded.data_dir),
             "reservists", "deactivate", "awa"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "awa" in done.stdout, done.stderr
        r = awa.get("/cases/mine", follow_redirects=False)
        assert r.status_code == 303 and "/login" in r.headers["location"]
        assert app.state.db.generation > before


def test_desk_sends_no_telemetry_and_bounds_its_worker_threads(seeded, monkeypatch):
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")  # set for another service
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    seeded.review.worker_threads = 3
    app = create_app(seeded, warm_cases=False)
    # FastAPI's defaults are True for every one of these (auto_configure: from the variable)
    assert not any(app._telemetry[k] for k in ("tracing", "metrics", "logs", "operation_spans",
                                               "auto_configure"))
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/login").status_code == 200
        tokens = client.portal.call(
            lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3


def test_start_up_objects_are_frozen_out_of_the_collectors_scans():
    class Node:
        pass

    kept = [[k] for k in range(50_000)]  # long-lived, like what start-up builds
    garbage = Node()
    garbage.itself = garbage  # a cycle: only the collector frees it
    gone = weakref.ref(garbage)
    del garbage
    try:
        freeze_startup_objects()
        assert gone() is None  # collected first, not frozen
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        assert not any(o is kept for o in gc.get_objects())  # no longer scanned
        gc.collect()
        assert gc.get_freeze_count() == frozen and kept[-1] == [49_999]
    finally:
        gc.unfreeze()
