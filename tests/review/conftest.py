"""Review desk fixtures (the seeded world is described in ``review_helpers``)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from review_helpers import ROLE_USER, login, seed

from reservist_review.app import create_app
from vigie.config import Settings


@pytest.fixture(autouse=True, scope="session")
def cheap_argon2():
    """Real argon2id, with test-sized cost (the default costs ~0.4 s per login on 2 cores)."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from reservist_review import auth

    saved = auth._hasher
    auth._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1),))
    auth._dummy_hash.cache_clear()
    yield
    auth._hasher = saved
    auth._dummy_hash.cache_clear()


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    seed(settings)
    return settings


@pytest.fixture
def app(seeded: Settings):
    return create_app(seeded)


@pytest.fixture
def client_for(app):
    """``client_for(role_or_user)`` -> a TestClient logged in as that person (https, cookies)."""
    clients = []

    def make(who: str | None) -> TestClient:
        client = TestClient(app, base_url="https://testserver")
        clients.append(client)
        if who:
            login(client, ROLE_USER.get(who, who))
        return client

    yield make
    for c in clients:
        c.close()
