"""The documented exchange format through the real `vigie` command (typer's runner, real store)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from vigie.cli.main import app

runner = CliRunner()


def vigie(data_dir: Path, *args: str):
    return runner.invoke(app, ["--data-dir", str(data_dir), *args])


def test_import_then_export_narratives_keeps_external_ids(tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "post,body,account,when\n"
        "p1,The harbour bridge reopened after the storm damage was repaired,a1,"
        "2026-11-20T08:00:00Z\n"
        "p2,Le pont du port a rouvert après la réparation des dégâts de la tempête,a2,"
        "2026-11-20T09:00:00Z\n"
        "p3,,a3,2026-11-20T10:00:00Z\n",
        encoding="utf-8",
    )
    result = vigie(tmp_path / "data", "import", str(posts),
                   "--map", "id=post,text=body,source=account,published_at=when")
    assert result.exit_code == 0, result.output
    assert "2 stored" in result.output and "1 rejected" in result.output

    out = tmp_path / "narratives.parquet"
    result = vigie(tmp_path / "data", "export", "narratives", "--format", "parquet", "-o", str(out))
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame.columns == ["item_id", "external_id", "narrative_id"]
    assert sorted(frame["external_id"].to_list()) == ["p1", "p2"]


def test_export_flags_on_a_store_without_flags_is_empty_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "flags.jsonl"
    result = vigie(tmp_path / "data", "export", "flags", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == ""
    assert [json.loads(line) for line in out.read_text().splitlines()] == []


def test_errors_are_clear_and_exit_non_zero(tmp_path: Path) -> None:
    result = vigie(tmp_path / "data", "import", str(tmp_path / "missing.csv"),
                   "--map", "id=a,text=b,source=c,published_at=d")
    assert result.exit_code != 0
    assert "no such file" in result.output
    result = vigie(tmp_path / "data", "import", str(tmp_path / "missing.csv"))
    assert result.exit_code != 0 and "--map" in result.output
    result = vigie(tmp_path / "data", "export", "narratives", "--format", "parquet")
    assert result.exit_code != 0 and "--output" in result.output
