"""Parquet snapshot of the store for notebooks (``data/snapshot/``), replaced atomically.

DuckDB lets one process hold the database file, so analysts never read the live store:
they read this snapshot. Each snapshot is written in full to a fresh folder under
``data/.snapshots/``, then ``data/snapshot`` (a symbolic link) is switched to it with one
atomic rename: a reader sees the old snapshot or the new one, never half of one. The
previous snapshot is kept (a reader may still be on it); older ones are removed.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vigie.config import Settings
from vigie.store import snapshot as queries

KEEP = 2  # the current snapshot and the one before it
MANIFEST = "manifest.json"


def _versions_dir(settings: Settings) -> Path:
    return settings.data_dir / ".snapshots"


def write_snapshot(settings: Settings, include_embeddings: bool = True) -> dict[str, Any]:
    """Copy the analysis tables to a new snapshot and make it current; returns its manifest."""
    versions = _versions_dir(settings)
    versions.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    name = f"{created:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    tmp = versions / f".tmp-{name}"
    tmp.mkdir()
    try:
        with settings.store().connect() as con:
            rows = queries.copy_tables(con, tmp, include_embeddings)
        manifest = {"created_at": created.isoformat(), "version": name, "tables": rows}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        final = versions / name
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _switch(settings.snapshot_dir, final)
    _prune(versions, keep=final)
    return {**manifest, "path": str(settings.snapshot_dir)}


def _switch(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` with one rename (atomic on POSIX)."""
    if link.exists() and not link.is_symlink():  # a plain folder from a copy or a restore
        os.rename(link, link.parent / ".snapshots" / f"legacy-{uuid.uuid4().hex[:6]}")
    new_link = link.parent / f".snapshot-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(target, link.parent), new_link, target_is_directory=True)
    os.replace(new_link, link)


def _prune(versions: Path, keep: Path) -> None:
    done = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".tmp-")),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    survivors = {keep, *done[:KEEP]}
    for old in done:
        if old not in survivors:
            shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(
            f"no snapshot in {folder}: run `vigie snapshot` (or `vigie demo`) first")
    return json.loads(path.read_text(encoding="utf-8"))


def export_tables(settings: Settings, folder: Path, fmt: str) -> dict[str, int]:
    """``vigie export tables``: narratives, flags and items as Parquet or CSV in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with settings.store().connect() as con:
        return queries.export_tables(con, folder, fmt)
