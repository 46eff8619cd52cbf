"""Fixtures of the narratives tests: embedders loaded once per session."""

from __future__ import annotations

import pytest

from detectors.embedding import Embedder, load_embedder


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    return load_embedder("minilm")


@pytest.fixture(scope="session")
def use() -> Embedder:
    return load_embedder("use")
