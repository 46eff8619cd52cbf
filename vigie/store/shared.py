"""One database instance kept open by a long-lived process, lent per unit of work.

Opening the DuckDB file costs ~15 ms (catalog, first blocks) and closing it after a write
checkpoints (~90 ms on a 100k-item store): too much for every web request. The review desk
therefore keeps one instance open (the *anchor*) and lends each request its own connection
to it (``anchor.cursor()``: own transaction, ~30 us). DuckDB lets one process at a time hold
the file, so the anchor must never keep the pipeline out:

- a process that finds the file locked touches ``<file>.waiting`` while it retries
  (``vigie.store.connection.open_connection``); when that marker is fresh, new leases wait,
  the anchor is closed as soon as the leases in flight are done, and it is reopened (with
  the usual retries) once nobody is waiting any more;
- the anchor is also closed after ``idle_close_s`` without any lease, so an idle desk holds
  nothing (tools that do not announce themselves still get in as before).

``generation`` changes when the anchor is opened on a file that changed while it was closed
(size or mtime of the file or its WAL): only then can another process have written. Caches of
what the pipeline writes (the case page's evidence) key on it.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from vigie.store.connection import open_connection, waiting_marker

log = logging.getLogger(__name__)

# Closed at interpreter exit: a daemon watcher must not be inside DuckDB when the
# interpreter stops its threads, and the anchor's last writes are checkpointed.
_LIVE: weakref.WeakSet[SharedDatabase] = weakref.WeakSet()


_EXITING = threading.Event()


@atexit.register
def _close_all() -> None:
    _EXITING.set()  # no lease after this (a background thread would reopen the file)
    for db in list(_LIVE):
        db.close()


def exiting() -> bool:
    """The interpreter is exiting: no store lease is given any more."""
    return _EXITING.is_set()


class SharedDatabase:
    """The anchor connection of one process and the leases made from it (thread-safe)."""

    def __init__(self, path: Path | str, *, idle_close_s: float = 0.5, poll_s: float = 0.02,
                 fresh_s: float = 0.3, threads: int | None = None) -> None:
        self.path = Path(path)
        self.threads = threads  # DuckDB threads of this instance (None: DuckDB's default)
        self.idle_close_s = idle_close_s
        self.poll_s = poll_s
        # A waiting opener retries (and touches the marker) at least every 0.15 s: a marker
        # younger than this is live.
        self.fresh_s = fresh_s
        self.handovers = 0  # how many times the file was handed to another process
        self.generation = 0
        self._closed_stamp: tuple | None = None
        self._cond = threading.Condition()
        self._anchor: duckdb.DuckDBPyConnection | None = None
        self._opening = False
        self._handing_over = False
        self._in_flight = 0
        self._last_used = time.monotonic()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        _LIVE.add(self)

    # --- leases -------------------------------------------------------------------------------

    @contextmanager
    def lease(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own (own transaction) on the shared instance, closed on exit."""
        con = self._acquire()
        try:
            yield con
        finally:
            try:
                con.close()
            finally:
                self._release()

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        if _EXITING.is_set():
            raise RuntimeError("the interpreter is exiting: no new store lease")
        while True:
            cursor = None
            with self._cond:
                while True:
                    self._check_waiting_locked()
                    if self._anchor is not None and not self._handing_over:
                        cursor = self._anchor.cursor()
                        self._in_flight += 1
                        break
                    if self._anchor is None and not self._handing_over and not self._opening:
                        self._opening = True
                        break
                    self._cond.wait(self.poll_s)
            if cursor is None:
                self._open_anchor()  # outside the lock: may wait for another process's write
                continue
            try:
                cursor.execute("SET enable_progress_bar = false")
            except BaseException:
                cursor.close()
                self._release()
                raise
            return cursor

    def _open_anchor(self) -> None:
        try:
            anchor = open_connection(self.path, announce=False)
        except BaseException:
            with self._cond:
                self._opening = False
                self._cond.notify_all()
            raise
        if self.threads:
            anchor.execute(f"SET threads = {int(self.threads)}")
        stamp = self._stamp()  # now that the file is ours, nobody else can change it
        with self._cond:
            if self._closed_stamp is None or stamp != self._closed_stamp:
                self.generation += 1
            self._anchor = anchor
            self._opening = False
            self._last_used = time.monotonic()
            self._cond.notify_all()
        self._start_watcher()

    def _release(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._last_used = time.monotonic()
            if self._handing_over:
                self._close_if_idle_locked()

    # --- handing the file over ----------------------------------------------------------------

    def writer_waiting(self) -> bool:
        """Another process touched the waiting marker within ``fresh_s``."""
        try:
            mtime = waiting_marker(self.path).stat().st_mtime
        except OSError:
            return False
        return time.time() - mtime < self.fresh_s

    def _check_waiting_locked(self) -> None:
        waiting = self.writer_waiting()
        if waiting and self._anchor is not None and not self._handing_over:
            self._handing_over = True
            self.handovers += 1
            log.debug("another process waits for %s: handing it over", self.path)
        if self._handing_over:
            self._close_if_idle_locked()
            if self._anchor is None and not waiting:
                self._handing_over = False  # the other process got in (or gave up)
                self._cond.notify_all()

    def _close_if_idle_locked(self) -> None:
        if self._anchor is not None and self._in_flight == 0:
            self._close_anchor_locked()

    def _close_anchor_locked(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is not None:
            anchor.close()  # checkpoints what this process wrote
            self._closed_stamp = self._stamp()
        self._cond.notify_all()

    def _stamp(self) -> tuple:
        """Size and mtime of the database file and its WAL (None when absent)."""
        out = []
        for path in (self.path, Path(f"{self.path}.wal")):
            try:
                st = path.stat()
            except OSError:
                out.append(None)
            else:
                out.append((st.st_mtime_ns, st.st_size))
        return tuple(out)

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            with self._cond:
                self._check_waiting_locked()
                idle = time.monotonic() - self._last_used > self.idle_close_s
                if idle and not self._handing_over:
                    self._close_if_idle_locked()
                if self._anchor is None and not self._handing_over:
                    self._watcher = None
                    return

    def _start_watcher(self) -> None:
        with self._cond:
            if self._watcher is not None and self._watcher.is_alive():
                return
            self._stop.clear()
            self._watcher = threading.Thread(target=self._watch, name="vigie-store-watch",
                                             daemon=True)
            self._watcher.start()

    # --- lifetime -----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._anchor is not None

    def close(self) -> None:
        """Close the anchor once the leases in flight are done; stop watching."""
        self._stop.set()
        watcher = self._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(5)
        with self._cond:
            while self._in_flight:
                self._cond.wait(self.poll_s)
            self._close_anchor_locked()
