"""The operations commands as a user runs them (typer's runner, real store files)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from typer.testing import CliRunner

from vigie.cli.main import app

runner = CliRunner()


def _run(*args, env=None):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_config_show_hides_secrets(tmp_path):
    env = {"VIGIE_SMTP_PASSWORD": "hunter2-smtp", "VIGIE_SECRET_KEY": "s3cr3t-session-key",
           "VIGIE_SMTP_HOST": "smtp.example.org"}
    result = _run("--data-dir", str(tmp_path / "d"), "config", "show", env=env)
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert shown["smtp"]["host"] == "smtp.example.org"  # overrides are applied...
    assert shown["smtp"]["password"] == "***" and shown["review"]["secret_key"] == "***"
    assert "hunter2" not in result.output and "s3cr3t" not in result.output  # ...secrets hidden
    assert shown["data_dir"] == str(tmp_path / "d")
    assert shown["serve"]["monitor_interval_s"] == 900


def test_digest_command_rebuilds_a_day(sample):
    settings, facts = sample
    base = ["--data-dir", str(settings.data_dir)]
    result = _run(*base, "digest", "--date", "2026-11-25", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "1 new flagged, 1 confirmed" in result.output
    html = settings.digest_dir / "2026-11-25.en.html"
    first = html.read_bytes()
    assert _run(*base, "digest", "--date", "2026-11-25", "--lang", "en").exit_code == 0
    assert html.read_bytes() == first
    quiet = _run(*base, "digest", "--date", "2026-11-01")
    assert quiet.exit_code == 0 and "quiet day" in quiet.output
    assert (settings.digest_dir / "2026-11-01.fr.html").is_file()  # French by default
    bad = _run(*base, "digest", "--date", "25/11/2026")
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


@pytest.mark.skipif(importlib.util.find_spec("weasyprint") is not None,
                    reason="WeasyPrint is installed: PDF works")
def test_pdf_without_weasyprint_is_a_clear_error(sample):
    settings, _ = sample
    result = _run("--data-dir", str(settings.data_dir), "digest", "--date", "2026-11-25", "--pdf")
    assert result.exit_code == 1 and "WeasyPrint" in result.output


def test_send_without_smtp_is_a_clear_error(sample):
    settings, _ = sample
    result = _run("--data-dir", str(settings.data_dir), "digest", "--date", "2026-11-25", "--send")
    assert result.exit_code == 1 and "SMTP is not configured" in result.output


def test_export_stix_tables_and_snapshot(sample, tmp_path):
    settings, facts = sample
    base = ["--data-dir", str(settings.data_dir)]
    out = tmp_path / "bundle.json"
    result = _run(*base, "export", "stix", "--output", str(out))
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert [o["type"] for o in bundle["objects"]].count("campaign") == 1
    stdout = _run(*base, "export", "stix")
    assert json.loads(stdout.output)["id"] == bundle["id"]
    tables = _run(*base, "export", "tables", "--format", "csv", "--output", str(tmp_path / "t"))
    assert tables.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "flags.csv", "items.csv", "narratives.csv"]
    snap = _run(*base, "snapshot", "--no-embeddings")
    assert snap.exit_code == 0 and "items 24" in snap.output
    assert not (settings.snapshot_dir / "embeddings.parquet").exists()
