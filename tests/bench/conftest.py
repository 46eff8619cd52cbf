"""The ``bench`` package lives at the repository root, outside the installed packages."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
# tests/bench itself can be picked up as a namespace package named "bench": forget it.
if "bench" in sys.modules and getattr(sys.modules["bench"], "__file__", None) is None:
    del sys.modules["bench"]


T0 = datetime(2015, 11, 26, 12, 0, tzinfo=UTC)


def make_mix(rows: list[tuple[str, str, str, float, str]]) -> pl.DataFrame:
    """(id, text, source, minutes after T0, kind) -> a mix frame as ``datasets.build_mix`` makes."""
    from bench import datasets

    df = pl.DataFrame(
        [(i, t, s, T0 + timedelta(minutes=m), k) for i, t, s, m, k in rows],
        schema={
            "external_id": pl.String,
            "text": pl.String,
            "source": pl.String,
            "published_at": pl.Datetime("us", "UTC"),
            "kind": pl.String,
        },
        orient="row",
    )
    return df.with_columns(pl.Series("norm", [datasets.normalise(t) for t in df["text"]]))


@pytest.fixture
def mix_of():
    return make_mix


@pytest.fixture
def toy_mix() -> pl.DataFrame:
    """Six rows: 1/2 troll copies 2 h apart, 3 the same text 28-30 h later, 4/5 one account
    repeating itself, 6 an organic tweet with the same text."""
    return make_mix(
        [
            ("1", "Koch turkeys POISONED! http://t.co/x", "acc-a", 0, "campaign"),
            ("2", "RT @foo: koch turkeys   poisoned! http://t.co/y", "acc-b", 120, "campaign"),
            ("3", "koch turkeys poisoned!", "acc-c", 1800, "campaign"),
            ("4", "Something else entirely, nothing copied", "acc-a", 0, "campaign"),
            ("5", "Something else entirely, nothing copied", "acc-a", 60, "campaign"),
            ("6", "koch turkeys poisoned!", "org-6", 60, "organic"),
        ]
    )
