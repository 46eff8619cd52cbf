"""Fixtures of the notebook tests: a snapshot of the sample store (see tests/digest)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "digest"))

from vigie_sample_store import build_sample_store  # noqa: E402

from vigie.config import load_settings  # noqa: E402
from vigie.snapshot import write_snapshot  # noqa: E402


@pytest.fixture(scope="session")
def snapshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("notebooks") / "data")
    build_sample_store(settings)
    write_snapshot(settings)
    return settings.snapshot_dir
