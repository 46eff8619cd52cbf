"""Fixtures of the ingest tests (helpers live in ingest_helpers.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from ingest_helpers import FeedServer

# Prefect 3.9 rejects an empty PREFECT_FLOWS_HEARTBEAT_FREQUENCY (it wants an int or unset);
# tests/conftest.py sets it to "" so importing flows.* would fail. Unset it (reported to lead).
if os.environ.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY") == "":
    del os.environ["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"]


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()
