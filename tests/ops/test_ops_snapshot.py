"""Parquet snapshot: complete, switched atomically, failures leave the current one intact."""

from __future__ import annotations

import os

import duckdb
import pytest

from vigie import snapshot
from vigie.explore import open_snapshot
from vigie.store import snapshot as queries


def test_snapshot_holds_every_table_and_no_personal_data(sample):
    settings, facts = sample
    manifest = snapshot.write_snapshot(settings)
    folder = settings.snapshot_dir
    assert folder.is_symlink() and (folder / "manifest.json").is_file()
    assert manifest["tables"]["items"] == facts["items"]
    assert manifest["tables"]["embeddings"] == facts["items"]
    for name, rows in manifest["tables"].items():
        counted = duckdb.sql(f"SELECT count(*) FROM '{folder / name}.parquet'").fetchall()[0][0]
        assert counted == rows, name
    assert not (folder / "reservists.parquet").exists()
    columns = duckdb.sql(f"DESCRIBE SELECT * FROM '{folder / 'decisions.parquet'}'").fetchall()
    assert "comments" not in {c[0] for c in columns}


def test_new_snapshot_switches_atomically_and_keeps_the_previous(sample):
    settings, _ = sample
    first = snapshot.write_snapshot(settings)
    reader = open_snapshot(data_dir=settings.data_dir)  # an analyst on the first snapshot
    assert reader.manifest["version"] == first["version"]
    second = snapshot.write_snapshot(settings)
    third = snapshot.write_snapshot(settings)
    assert os.readlink(settings.snapshot_dir).endswith(third["version"])
    kept = sorted(p.name for p in (settings.data_dir / ".snapshots").iterdir())
    assert kept == sorted([second["version"], third["version"]])  # older ones pruned
    assert not [p for p in settings.data_dir.iterdir() if p.name.startswith(".snapshot-")]
    reader.close()


def test_a_failed_snapshot_leaves_the_current_one_untouched(sample, monkeypatch):
    settings, _ = sample
    good = snapshot.write_snapshot(settings)
    real_copy = queries.copy_tables

    def broken(con, folder, include_embeddings=True):
        real_copy(con, folder, include_embeddings)
        raise OSError("disk full")

    monkeypatch.setattr(queries, "copy_tables", broken)
    with pytest.raises(OSError, match="disk full"):
        snapshot.write_snapshot(settings)
    assert snapshot.read_manifest(settings.snapshot_dir)["version"] == good["version"]
    leftovers = [
        p for p in (settings.data_dir / ".snapshots").iterdir() if p.name.startswith(".tmp")
    ]
    assert leftovers == []


def test_a_plain_snapshot_folder_is_replaced(sample, tmp_path):
    settings, _ = sample
    snapshot.write_snapshot(settings)
    # e.g. restored from a backup that copied the folder instead of the link
    target = settings.snapshot_dir.resolve()
    settings.snapshot_dir.unlink()
    os.rename(target, settings.snapshot_dir)
    again = snapshot.write_snapshot(settings)
    assert settings.snapshot_dir.is_symlink()
    assert snapshot.read_manifest(settings.snapshot_dir)["version"] == again["version"]


def test_export_tables_parquet_and_csv(sample, tmp_path):
    settings, facts = sample
    rows = snapshot.export_tables(settings, tmp_path / "pq", "parquet")
    assert rows == {"narratives": 4, "flags": 4, "items": facts["items"]}
    items = duckdb.sql(
        f"SELECT narrative_id, count(*) FROM '{tmp_path}/pq/items.parquet' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert items == [("N-camp", 10), ("N-hostile", 3), ("N-old", 3), ("N-organic", 8)]
    snapshot.export_tables(settings, tmp_path / "csv", "csv")
    header = (tmp_path / "csv" / "flags.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "narrative_id,score,flagged,reasons,first_flagged_at,updated_at,run_id"
    with pytest.raises(ValueError, match="unknown table format"):
        snapshot.export_tables(settings, tmp_path / "x", "xlsx")
