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


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT now())"
    )
    return {int(r[0]) for r in con.sql("SELECT version FROM schema_version").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply, in order, every migration not applied yet; return the names applied.

    The set of applied numbers is kept (not only the highest), so a migration merged after a
    higher-numbered one still runs on databases that already had the higher one.
    """
    applied = []
    done = applied_versions(con)
    for number, name, sql in _migration_files():
        if number in done:
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
