"""The review desk's store statements one at a time: what a reviewer's round costs the store.

The desk target (issue 9: p95 under 150 ms with 20 reviewers arriving together) is decided by
the first round, 60 requests served by one process; most of their work is DuckDB statements
on small review tables. This benchmark times every statement of a reviewer's round (queue,
case page, decision) in process, each the median of ``repeat`` runs, on a copy of an
analysed store (case summaries and reviewers as in ``review_load``), four ways:

- ``duckdb``: as the desk runs them;
- ``duckdb_no_optimizer``: DuckDB's optimizer off (cheaper on small tables);
- ``grown`` and ``grown_no_optimizer``: the same after narratives, flags, cases and
  decisions were copied ``GROWTH`` times under new ids and closed assignments added (a desk
  after months), which shows why the optimizer stays on;
- ``sqlite``: the same rows of the review tables in SQLite (WAL, ``synchronous=NORMAL``) and
  the narrative's own read left in DuckDB: what moving the review state out would buy.

    python -m bench.perf.desk_statements --store DIR [--repeat 100]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

GROWTH = 40
REVIEW_TABLES = ("reservists", "cases", "assignments", "decisions", "audit_log")
Statement = Callable[[], Any]


def _median_ms(fn: Statement, repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def _in_transaction(con: Any, work: Callable[[], Any]) -> Statement:
    def run() -> None:
        con.execute("BEGIN")
        work()
        con.execute("COMMIT")
    return run


def duckdb_round(con: duckdb.DuckDBPyConnection, nid: str, rid: str) -> dict[str, Statement]:
    """A reviewer's round as the desk runs it (the store functions its routes call)."""
    from vigie.store.review import casefile, cases, people

    def decide() -> None:
        _holder, latest = cases.decision_context(con, nid)
        cases.record_decision(con, nid, rid, "needs_info", summary="bench", confidence=0.5,
                              techniques=[], responses=[], comments="",
                              supersedes=latest["decision_id"] if latest else None)
        people.audit(con, rid, "decision", nid, {"verdict": "needs_info"})

    return {
        "queue: my cases": lambda: cases.my_cases(con, rid),
        "case: narrative and flag": lambda: casefile.narrative(con, nid),
        "case: case": lambda: cases.get_case(con, nid),
        "case: assignments": lambda: cases.assignments_of(con, nid),
        "case: decisions": lambda: cases.decisions_of(con, nid),
        "case: audit and commit": _in_transaction(con, lambda: people.audit_all(
            con, [(rid, "case_view", nid, None)])),
        "decision: context": lambda: cases.decision_context(con, nid),
        "decision: writes and commit": _in_transaction(con, decide),
    }


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def sqlite_copy(con: duckdb.DuckDBPyConnection, path: Path) -> sqlite3.Connection:
    """The review tables' rows in a new SQLite file, indexed as a desk would index them."""
    lite = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    lite.execute("PRAGMA journal_mode = WAL")
    lite.execute("PRAGMA synchronous = NORMAL")
    for table in REVIEW_TABLES:
        cursor = con.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in cursor.description]
        declared = ["audit_id INTEGER PRIMARY KEY" if c == "audit_id" else c for c in columns]
        lite.execute(f"CREATE TABLE {table} ({', '.join(declared)})")
        rows = [tuple(_sqlite_value(v) for v in row) for row in cursor.fetchall()]
        lite.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})", rows)
    for sql in ("CREATE UNIQUE INDEX cases_id ON cases (narrative_id)",
                "CREATE INDEX assignments_narrative ON assignments (narrative_id, status)",
                "CREATE INDEX assignments_reservist ON assignments (reservist_id)",
                "CREATE INDEX decisions_narrative ON decisions (narrative_id, decided_at)",
                "CREATE UNIQUE INDEX reservists_id ON reservists (reservist_id)"):
        lite.execute(sql)
    return lite


def sqlite_round(lite: sqlite3.Connection, con: duckdb.DuckDBPyConnection, nid: str,
                 rid: str) -> dict[str, Statement]:
    """The same round with the review tables in SQLite; the narrative's fields (analysis
    tables) still come from DuckDB."""
    from vigie.store.review import casefile

    def my_cases() -> None:
        rows = lite.execute(
            """
            SELECT c.narrative_id, c.status, c.opened_at, c.updated_at, a.reservist_id,
                   r.name, a.assigned_at, a.reason
            FROM cases c
            LEFT JOIN assignments a ON a.narrative_id = c.narrative_id AND a.status = 'open'
            LEFT JOIN reservists r ON r.reservist_id = a.reservist_id
            WHERE a.reservist_id = ?1
               OR (c.narrative_id IN (SELECT narrative_id FROM assignments
                                      WHERE reservist_id = ?1) AND a.assignment_id IS NULL)
            """, [rid]).fetchall()
        con.execute("SELECT n.narrative_id, n.label, n.languages, n.size, f.score "
                    "FROM narratives n LEFT JOIN flags f USING (narrative_id) "
                    "WHERE n.narrative_id IN (SELECT unnest($ids))",
                    {"ids": [r[0] for r in rows]}).fetchall()

    def decide() -> None:
        at = datetime.now().isoformat()
        latest = lite.execute("SELECT decision_id FROM decisions WHERE narrative_id = ? "
                              "ORDER BY decided_at DESC LIMIT 1", [nid]).fetchone()
        lite.execute("INSERT INTO decisions (decision_id, narrative_id, reservist_id, verdict, "
                      "summary, decided_at, supersedes) VALUES (?, ?, ?, 'needs_info', "
                      "'bench', ?, ?)", [f"de_{time.perf_counter_ns()}", nid, rid, at,
                                         latest[0] if latest else None])
        lite.execute("UPDATE assignments SET status = 'done', closed_at = ? "
                     "WHERE narrative_id = ? AND status = 'open'", [at, nid])
        lite.execute("UPDATE cases SET status = 'needs_info', updated_at = ? "
                     "WHERE narrative_id = ?", [at, nid])
        audit()

    def audit() -> None:
        lite.execute("INSERT INTO audit_log (event_at, actor, action, target, detail) "
                     "VALUES (?, ?, 'case_view', ?, '{}')",
                     [datetime.now().isoformat(), rid, nid])

    return {
        "queue: my cases": my_cases,
        "case: narrative and flag": lambda: casefile.narrative(con, nid),
        "case: case": lambda: lite.execute(
            "SELECT narrative_id, status, opened_at, updated_at, escalated_at FROM cases "
            "WHERE narrative_id = ?", [nid]).fetchall(),
        "case: assignments": lambda: lite.execute(
            "SELECT a.*, r.name, r.email FROM assignments a LEFT JOIN reservists r "
            "USING (reservist_id) WHERE a.narrative_id = ? ORDER BY a.assigned_at",
            [nid]).fetchall(),
        "case: decisions": lambda: lite.execute(
            "SELECT d.*, r.name FROM decisions d LEFT JOIN reservists r USING (reservist_id) "
            "WHERE d.narrative_id = ? ORDER BY d.decided_at DESC", [nid]).fetchall(),
        "case: audit and commit": _in_transaction(lite, audit),
        "decision: context": lambda: lite.execute(
            "SELECT (SELECT reservist_id FROM assignments WHERE narrative_id = ?1 "
            "        AND status = 'open' ORDER BY assigned_at DESC LIMIT 1), "
            "       (SELECT decision_id FROM decisions WHERE narrative_id = ?1 "
            "        ORDER BY decided_at DESC LIMIT 1)", [nid]).fetchone(),
        "decision: writes and commit": _in_transaction(lite, decide),
    }


def grow(con: duckdb.DuckDBPyConnection, factor: int = GROWTH) -> dict[str, int]:
    """Copy narratives, flags, cases and decisions ``factor`` times under new ids and add
    closed assignments of other reviewers (the review tables of a desk after months)."""
    def columns(table: str) -> list[str]:
        return [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [table]).fetchall()]

    keys = {"narrative_id", "decision_id", "assignment_id"}
    for table in ("narratives", "flags", "cases", "decisions"):
        select = ", ".join(f"{c} || '-g' || k AS {c}" if c in keys else c
                           for c in columns(table))
        con.execute(f"INSERT INTO {table} SELECT {select} FROM {table}, range(1, {factor}) r(k)")
    closed = {"assignment_id": "assignment_id || '-g' || k",
              "narrative_id": f"narrative_id || '-g' || (k % {factor - 1} + 1)",
              "status": "'done'", "reservist_id": "'other' || (k % 50)"}
    select = ", ".join(closed.get(c, c) for c in columns("assignments"))
    con.execute(f"INSERT INTO assignments SELECT {select} FROM assignments, "
                f"range(1, {factor * 50}) r(k)")
    con.execute("CHECKPOINT")
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("narratives", "cases", "assignments", "decisions")}


def _measure(round_: dict[str, Statement], repeat: int) -> dict[str, Any]:
    per = {name: _median_ms(fn, repeat) for name, fn in round_.items()}
    return {"statements_ms": per, "round_ms": round(sum(per.values()), 2)}


def run(store: Path, repeat: int = 100) -> dict[str, Any]:
    from bench.perf.review_load import seeded_copy

    with seeded_copy(store, 2, "vigie-perf-statements-") as copy:
        work, rid = copy.work, copy.seeded["reviewers"][0]
        path = copy.settings.store().path
        result: dict[str, Any] = {"repeat": repeat, "growth": GROWTH}
        con = duckdb.connect(str(path), config={"threads": 1})  # as the desk: one thread
        try:
            nid = con.execute("SELECT narrative_id FROM assignments WHERE reservist_id = ? "
                              "AND status = 'open'", [rid]).fetchone()[0]
            result["sizes"] = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                               for t in ("narratives", "cases", "assignments", "decisions")}
            result["duckdb"] = _measure(duckdb_round(con, nid, rid), repeat)
            con.execute("PRAGMA disable_optimizer")
            result["duckdb_no_optimizer"] = _measure(duckdb_round(con, nid, rid), repeat)
            con.execute("PRAGMA enable_optimizer")
            lite = sqlite_copy(con, work / "review.sqlite3")
            result["sqlite"] = _measure(sqlite_round(lite, con, nid, rid), repeat)
            lite.close()
            result["grown_sizes"] = grow(con)
            result["grown"] = _measure(duckdb_round(con, nid, rid), repeat)
            con.execute("PRAGMA disable_optimizer")
            result["grown_no_optimizer"] = _measure(duckdb_round(con, nid, rid), repeat)
        finally:
            con.close()
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="an analysed data folder")
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args(argv)
    result = run(args.store, args.repeat)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
