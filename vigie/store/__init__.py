"""The Vigie store: one DuckDB file, numbered migrations, short-lived connections.

All SQL of the project lives in this package, one module per concern
(``sources``, ``items``, ``analysis``, ``review``, ...). Callers get a connection from
:class:`Store` for one unit of work and pass it to those query functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from vigie.store.connection import StoreLockedError, connection, transaction
from vigie.store.migrations import migrate

__all__ = ["Store", "StoreLockedError"]


class Store:
    """Handle on the database file; holds no connection between calls."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._migrated = False

    def init(self) -> list[str]:
        """Create the file if needed and apply pending migrations."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with connection(self.path) as con:
            applied = migrate(con)
        self._migrated = True
        return applied

    def _ensure(self) -> None:
        if not self._migrated:
            self.init()

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one unit of work (closed on exit)."""
        if not read_only:
            self._ensure()
        with connection(self.path, read_only=read_only) as con:
            yield con

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction (one batch written atomically)."""
        self._ensure()
        with transaction(self.path) as con:
            yield con
