"""The distributed embedding path (Prefect + Dask LocalCluster) gives the default's vectors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from vigie.config import load_settings
from vigie.importers import import_posts

N_TEXTS = 50


def _store_with_texts(root: Path, name: str, shared_data: Path):
    from bench.perf.corpus import load_base_texts

    bases = load_base_texts(shared_data, limit=N_TEXTS)
    path = root / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "text", "source", "published_at"])
        for k, (title, text) in enumerate(zip(bases["title"], bases["text"], strict=True)):
            out.writerow([f"t{k}", text or title, f"src{k % 7}", f"2026-03-02T{k % 24:02d}:00:00Z"])
    settings = load_settings(data_dir=root / name)
    report = import_posts(settings, path, {"id": "id", "text": "text", "source": "source",
                                           "published_at": "published_at"})
    assert report.stored == N_TEXTS
    return settings


def _vectors(settings) -> tuple[list[str], np.ndarray]:
    from detectors.embedding import model_name
    from vigie.store.embeddings import load_vectors

    with settings.store().connect() as con:
        ids = [r[0] for r in con.execute("SELECT item_id FROM items ORDER BY item_id").fetchall()]
        return ids, load_vectors(con, ids, model_name(settings.embedding.model))


@pytest.mark.slow
def test_dask_runner_gives_the_default_vectors(tmp_path, shared_data, prefect_harness):
    from flows.analyse import embed_new
    from flows.runners import embed

    reference = _store_with_texts(tmp_path, "reference", shared_data)
    done, _ = embed_new(reference)  # the analysis stage's own embedding step
    assert done == N_TEXTS

    on_dask = _store_with_texts(tmp_path, "dask", shared_data)
    stats = embed(on_dask, "dask", workers=2, batch=16)
    assert stats["embedded"] == N_TEXTS and stats["batches"] == 4
    assert stats["task_runner"] == "dask"

    on_default = _store_with_texts(tmp_path, "default", shared_data)
    assert embed(on_default, "default", batch=16)["embedded"] == N_TEXTS

    ids, ref = _vectors(reference)
    for other in (on_dask, on_default):
        other_ids, vecs = _vectors(other)
        assert other_ids == ids
        assert vecs.shape == ref.shape and vecs.shape[0] == N_TEXTS
        np.testing.assert_allclose(vecs, ref, atol=1e-5)
    # a second run finds nothing new to embed
    assert embed(on_dask, "dask", workers=1)["embedded"] == 0


def test_unknown_task_runner_is_refused(settings):
    from flows.runners import embed

    with pytest.raises(ValueError, match="unknown task runner"):
        embed(settings, "ray")
