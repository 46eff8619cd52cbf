"""Numbered SQL migrations, applied in order on start and recorded in ``schema_version``."""

from __future__ import annotations

from importlib import resources

import duckdb


def _migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("vigie.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT now())"
    )
    row = con.sql("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()
    return int(row[0][0])


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration newer than the stored version; return the names applied."""
    applied = []
    version = current_version(con)
    for number, name, sql in _migration_files():
        if number <= version:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [number, name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
