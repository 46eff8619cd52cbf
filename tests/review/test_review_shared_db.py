"""The review desk's shared database instance: leases share one open instance, and the file is
handed over to another process that waits for it (the pipeline must never be kept out)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from vigie.store import Store
from vigie.store.shared import SharedDatabase

OTHER_PROCESS = textwrap.dedent("""
    import sys
    from vigie.store.connection import connection, open_connection
    con = open_connection(sys.argv[1], timeout_s=30)   # waits (and announces) while locked
    con.execute("CREATE TABLE IF NOT EXISTS from_other (n INT)")
    con.execute("INSERT INTO from_other VALUES (42)")
    con.close()
    print("written")
""")


@pytest.fixture
def db_path(tmp_path):
    store = Store(tmp_path / "vigie.duckdb")
    store.init()
    return store.path


def _wait_for(condition, limit_s: float = 20.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_leases_share_one_open_instance(db_path):
    db = SharedDatabase(db_path, idle_close_s=60)
    try:
        with db.lease() as a:
            a.execute("CREATE TABLE t (n INT)")
            a.execute("INSERT INTO t VALUES (1)")
        assert db.is_open, "the instance stays open between leases"
        with db.lease() as b, db.lease() as c:
            b.execute("BEGIN")
            b.execute("INSERT INTO t VALUES (2)")
            # each lease has its own transaction: c does not see b's uncommitted row
            assert c.execute("SELECT count(*) FROM t").fetchall()[0][0] == 1
            b.execute("COMMIT")
            assert c.execute("SELECT count(*) FROM t").fetchall()[0][0] == 2
    finally:
        db.close()
    assert not db.is_open


def test_idle_instance_is_closed(db_path):
    db = SharedDatabase(db_path, idle_close_s=0.1)
    try:
        with db.lease() as con:
            con.execute("SELECT 1").fetchall()
        assert _wait_for(lambda: not db.is_open), "an idle desk must not keep the file"
        with db.lease() as con:  # and it reopens on the next request
            assert con.execute("SELECT 1").fetchall() == [(1,)]
    finally:
        db.close()


def test_file_is_handed_over_to_a_waiting_process(db_path):
    db = SharedDatabase(db_path, idle_close_s=60)
    stop = threading.Event()
    errors: list[BaseException] = []
    served = [0]

    def busy_reviewer() -> None:  # requests keep coming while the other process waits
        while not stop.is_set():
            try:
                with db.lease() as con:
                    con.execute("SELECT count(*) FROM narratives").fetchall()
                    served[0] += 1
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return
            time.sleep(0.005)

    threads = [threading.Thread(target=busy_reviewer) for _ in range(4)]
    try:
        with db.lease() as con:
            con.execute("SELECT 1").fetchall()
        assert db.is_open
        for t in threads:
            t.start()
        other = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(db_path)],
                               capture_output=True, text=True, timeout=60)
        assert other.returncode == 0, other.stderr
        assert other.stdout.strip() == "written"
        assert db.handovers >= 1
        before = served[0]
        assert _wait_for(lambda: served[0] > before), "requests resume after the hand-over"
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        db.close()
    assert not errors, errors
    with db.lease() as con:  # the other process's write is there
        assert con.execute("SELECT n FROM from_other").fetchall() == [(42,)]
    db.close()


def test_generation_changes_only_when_another_process_wrote(db_path):
    db = SharedDatabase(db_path, idle_close_s=0.1)
    try:
        with db.lease() as con:
            con.execute("CREATE TABLE mine (n INT)")
            con.execute("INSERT INTO mine VALUES (1)")  # this process's own write
        first = db.generation
        assert _wait_for(lambda: not db.is_open)
        with db.lease() as con:  # reopened, nobody else wrote: same generation
            con.execute("SELECT 1").fetchall()
        assert db.generation == first
        assert _wait_for(lambda: not db.is_open)
        other = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(db_path)],
                               capture_output=True, text=True, timeout=60)
        assert other.returncode == 0, other.stderr
        with db.lease() as con:
            assert con.execute("SELECT n FROM from_other").fetchall() == [(42,)]
        assert db.generation == first + 1
    finally:
        db.close()
