"""Row norms and pair cosines taken in slices (detectors.arrays)."""

from __future__ import annotations

import numpy as np
import pytest

from detectors import arrays


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    # many slices, a partial one at the end
    monkeypatch.setattr(arrays, "NORM_ROWS", 7)
    monkeypatch.setattr(arrays, "PAIR_ROWS", 6)


def _vectors(n: int = 50, d: int = 16) -> np.ndarray:
    v = np.random.default_rng(3).normal(size=(n, d)).astype(np.float32)
    v[4] = 0.0  # an item without a vector
    return v


def test_row_norms_of_some_rows_are_the_same_bits_as_of_all_rows(small_slices: None) -> None:
    # the neighbour search normalises only the rows it gathers: a row's norm must not depend
    # on which rows it is taken with, or a pair's cosine would change with the search
    v = _vectors()
    everything = arrays.row_norms(v)
    rows = np.array([49, 3, 4, 17, 3, 30, 8, 0, 21, 22], dtype=np.int64)
    assert np.array_equal(arrays.row_norms(v[rows]), everything[rows])
    assert everything.dtype == np.float32 and everything[4] == 1.0  # zero row: no NaN
    np.testing.assert_allclose(everything[:4], np.linalg.norm(v[:4].astype(np.float64), axis=1),
                               rtol=1e-6)


def test_pair_cosines_match_the_definition_across_slices(small_slices: None) -> None:
    v = _vectors()
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, len(v), 40), rng.integers(0, len(v), 40)
    a[0], b[0] = 4, 9  # with the zero vector: cosine 0
    got = arrays.pair_cosines(v, a, b)
    w = v.astype(np.float64)
    dots = np.einsum("ij,ij->i", w[a], w[b])
    norms = np.linalg.norm(w[a], axis=1) * np.linalg.norm(w[b], axis=1)
    want = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    assert got.dtype == np.float64 and len(got) == 40
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert got[0] == 0.0
    assert len(arrays.pair_cosines(v, a[:0], b[:0])) == 0


def test_normalise_rows_gives_unit_rows_and_keeps_zero_rows(small_slices: None) -> None:
    v = _vectors()
    unit = arrays.normalise_rows(v)
    assert unit.dtype == np.float32 and unit.shape == v.shape
    lengths = np.linalg.norm(unit.astype(np.float64), axis=1)
    np.testing.assert_allclose(np.delete(lengths, 4), 1.0, rtol=1e-6)
    assert not unit[4].any()  # no vector: stays zero, no NaN
