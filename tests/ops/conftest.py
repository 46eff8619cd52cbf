"""Fixtures of the ops tests: the sample store of the digest tests (known content)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "digest"))

from vigie_sample_store import build_sample_store  # noqa: E402

from vigie.config import Settings, load_settings  # noqa: E402


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict]:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("ops") / "data")
    settings.review.base_url = "https://vigie.example.org"
    return settings, build_sample_store(settings)
