"""The embedding step under a choice of Prefect task runner: the distributed path.

``embed(settings, task_runner="default" | "dask")`` finds the contents without a vector
for the configured model (``vigie.store.embeddings.contents_to_embed``), maps batches of
them as Prefect tasks, and writes each batch's vectors to the embedding cache in its own
transaction as it completes. ``"default"`` is Prefect's thread pool in this process;
``"dask"`` is ``prefect_dask.DaskTaskRunner`` on a ``distributed.LocalCluster`` (or on an
existing Dask scheduler: ``dask_address``), so the same code spreads over many machines.
Tasks take and return plain data (texts in, float32 arrays out), never a connection.

``analyse_with(settings, run_id, task_runner=...)`` embeds this way, then runs the usual
analysis stage (``flows.analyse.analyse``), which finds nothing left to embed.

Needs the ``prefect-dask`` package (extra ``[dask]``) for ``"dask"`` only.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from detectors.embedding import model_name, prepare_text
from flows.analyse import embedder_for
from vigie.config import Settings
from vigie.store import embeddings as emb_store

TASK_RUNNERS = ("default", "dask")
BATCH = 512  # contents per task: large enough to amortise scheduling, small for balance


@task(name="embed-batch", cache_policy=NO_CACHE, retries=1)
def embed_batch(settings: Settings, texts: list[str],
                torch_threads: int | None = None) -> np.ndarray:
    """Vectors of ``texts`` with the configured embedder (loaded once per worker process)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if torch_threads:  # Dask workers share the cores: no oversubscription
        import torch

        torch.set_num_threads(torch_threads)
    return embedder_for(settings).encode(texts)


def dask_runner(workers: int = 2, address: str | None = None):  # noqa: ANN201
    """A ``DaskTaskRunner`` on a loopback LocalCluster of ``workers`` processes."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                        "host": "127.0.0.1", "dashboard_address": None},
    )


@flow(name="vigie-embed", log_prints=False)
def embed_flow(settings: Settings, batch: int = BATCH,
               torch_threads: int | None = None) -> dict[str, Any]:
    """Embed every content lacking a vector (runner chosen by :func:`embed`)."""
    start = time.perf_counter()
    spec = settings.embedding.model
    name = model_name(spec)
    store = settings.store()
    store.init()
    with store.connect() as con:
        todo = emb_store.contents_to_embed(con, name)
    chunks = [todo[i:i + batch] for i in range(0, len(todo), batch)]
    futures = embed_batch.map(
        unmapped(settings),
        [[prepare_text(title, text) for _, title, text in chunk] for chunk in chunks],
        unmapped(torch_threads),
    ) if chunks else []
    for chunk, future in zip(chunks, futures, strict=True):
        vectors = future.result()
        with store.transaction() as con:
            emb_store.write_vectors(con, name, [c[0] for c in chunk], vectors)
    return {"embedded": len(todo), "batches": len(chunks), "model": name,
            "embed_s": round(time.perf_counter() - start, 3)}


def embed(settings: Settings, task_runner: str = "default", *, workers: int = 2,
          batch: int = BATCH, dask_address: str | None = None) -> dict[str, Any]:
    """Run :func:`embed_flow` under ``task_runner`` ("default" or "dask")."""
    if task_runner not in TASK_RUNNERS:
        raise ValueError(f"unknown task runner {task_runner!r}: one of {TASK_RUNNERS}")
    if task_runner == "dask":
        cores = os.cpu_count() or 1
        threads = max(1, cores // max(workers, 1))
        runner = dask_runner(workers, dask_address)
        stats = embed_flow.with_options(task_runner=runner)(settings, batch, threads)
    else:
        runner = ThreadPoolTaskRunner(max_workers=1)  # one model in one process
        stats = embed_flow.with_options(task_runner=runner)(settings, batch, None)
    return stats | {"task_runner": task_runner}


def analyse_with(settings: Settings, run_id: str, task_runner: str = "default",
                 **options: Any) -> dict[str, Any]:
    """The analysis stage with its embedding step under ``task_runner``."""
    from flows.analyse import analyse

    embedded = embed(settings, task_runner, **options)
    stats = analyse(settings, run_id)
    stats["embedded"] = embedded["embedded"]
    stats["embed_runner"] = embedded
    return stats
