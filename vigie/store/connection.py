"""Short-lived DuckDB connections with retry on the single-writer file lock.

DuckDB lets one process hold the database file; a second process gets
``Could not set lock on file``. Every caller therefore opens a connection for one
unit of work (a batch) and closes it at once; the opener retries with exponential
backoff while another process holds the lock, and while it waits it touches
``<file>.waiting`` so that a long-lived holder (the review desk's shared instance,
``vigie.store.shared``) hands the file over.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger(__name__)

LOCK_MESSAGES = ("Could not set lock", "Conflicting lock", "database is locked")
WAITING_SUFFIX = ".waiting"


def waiting_marker(path: Path | str) -> Path:
    """The file a process waiting for the database touches (its mtime says: still waiting)."""
    return Path(f"{path}{WAITING_SUFFIX}")


def announce_waiting(path: Path | str) -> None:
    """Say that this process waits for ``path`` (best effort: a read-only folder is fine)."""
    with suppress(OSError):
        waiting_marker(path).touch()


def rows_as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Fetch every row of an executed query as ``{column: value}`` dicts."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class StoreLockedError(RuntimeError):
    """The database file stayed locked by another process past the retry budget."""


def _is_lock_error(exc: Exception) -> bool:
    return any(m in str(exc) for m in LOCK_MESSAGES)


def open_connection(
    path: Path | str,
    *,
    read_only: bool = False,
    timeout_s: float = 60.0,
    first_delay_s: float = 0.05,
    announce: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open ``path``; retry with jittered exponential backoff while it is locked.

    ``announce``: touch the waiting marker before each retry (the shared instance's own
    reopening passes False: it must not ask itself to hand over)."""
    delay = first_delay_s
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            # Progress bars belong to the CLI, not to a library connection.
            con.execute("SET enable_progress_bar = false")
            return con
        except (duckdb.IOException, duckdb.Error) as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise StoreLockedError(
                        f"{path} is locked by another process (waited {timeout_s:.0f} s)"
                    ) from exc
                raise
            log.debug("store locked, retrying in %.2f s", delay)
            if announce:
                announce_waiting(path)
            time.sleep(delay * (0.5 + random.random()))
            # A low cap keeps a web request responsive while the pipeline writes in bursts,
            # and a process that announced itself gets the file soon after the review desk
            # hands it over.
            delay = min(delay * 2, 0.1 if announce else 0.25)


@contextmanager
def connection(path: Path | str, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one unit of work, always closed afterwards."""
    con = open_connection(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection inside one transaction: committed on success, rolled back on error."""
    with connection(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
