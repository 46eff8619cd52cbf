"""Shared test setup: an isolated Prefect home and data folder, and the shared evaluation data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Prefect reads its settings at import time: isolate it before anything imports prefect.
_PREFECT_HOME = tempfile.mkdtemp(prefix="vigie-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.pop("VIGIE_DATA_DIR", None)
os.environ.pop("VIGIE_CONFIG", None)

import pytest  # noqa: E402

from vigie.config import Settings, load_settings  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (evaluation data, read-only)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh, empty data folder (its own DuckDB file)."""
    s = load_settings(data_dir=tmp_path / "data")
    s.fetch.retries = 0
    s.fetch.backoff_s = 0.01
    return s


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session (only for tests that run real flows)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
