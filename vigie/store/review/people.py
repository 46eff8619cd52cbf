"""Reservists, login sessions, login attempts and the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb

from vigie.store.connection import rows_as_dicts as _dicts

Con = duckdb.DuckDBPyConnection

_PEOPLE_COLUMNS = (
    "reservist_id, name, email, role, languages, regions, skills, capacity, available, active, "
    "created_at"
)
_OPEN_LOAD = (
    "(SELECT count(*) FROM assignments a WHERE a.reservist_id = r.reservist_id "
    "AND a.status = 'open')"
)


def now() -> datetime:
    return datetime.now(UTC)


# --- reservists -------------------------------------------------------------------------------


def upsert_reservists(con: Con, people: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """Add or update people by id (password hashes are kept); returns (added, updated)."""
    added = updated = 0
    for p in people:
        values = [
            p["name"], p.get("email") or None, p.get("role", "reservist"),
            list(p.get("languages") or []), list(p.get("regions") or []),
            list(p.get("skills") or []), int(p.get("capacity", 3)),
            bool(p.get("available", True)), bool(p.get("active", True)),
        ]
        exists = con.execute(
            "SELECT count(*) FROM reservists WHERE reservist_id = ?", [p["id"]]
        ).fetchall()[0][0]
        if exists:
            con.execute(
                "UPDATE reservists SET name = ?, email = ?, role = ?, languages = ?, regions = ?, "
                "skills = ?, capacity = ?, available = ?, active = ? WHERE reservist_id = ?",
                [*values, p["id"]],
            )
            updated += 1
        else:
            con.execute(
                "INSERT INTO reservists (reservist_id, name, email, role, languages, regions, "
                "skills, capacity, available, active, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [p["id"], *values, now()],
            )
            added += 1
    return added, updated


def get_reservist(con: Con, reservist_id: str) -> dict[str, Any] | None:
    rows = _dicts(con.execute(
        f"SELECT {_PEOPLE_COLUMNS}, {_OPEN_LOAD} AS open_cases FROM reservists r "
        "WHERE reservist_id = ?",
        [reservist_id],
    ))
    return rows[0] if rows else None


def login_record(con: Con, login: str) -> dict[str, Any] | None:
    """The active person whose id or email is ``login``, with the password hash."""
    rows = _dicts(con.execute(
        "SELECT reservist_id, name, role, email, password_hash FROM reservists "
        "WHERE active AND (reservist_id = lower(?) OR lower(email) = lower(?)) "
        "ORDER BY reservist_id LIMIT 1",
        [login, login],
    ))
    return rows[0] if rows else None


def list_reservists(con: Con, *, include_inactive: bool = True) -> list[dict[str, Any]]:
    where = "" if include_inactive else "WHERE active"
    return _dicts(con.execute(
        f"SELECT {_PEOPLE_COLUMNS}, {_OPEN_LOAD} AS open_cases, "
        f"password_hash IS NOT NULL AS can_log_in FROM reservists r {where} "
        "ORDER BY active DESC, role, name"
    ))


def set_password(con: Con, reservist_id: str, password_hash: str) -> bool:
    cur = con.execute(
        "UPDATE reservists SET password_hash = ? WHERE reservist_id = ? RETURNING reservist_id",
        [password_hash, reservist_id],
    )
    return bool(cur.fetchall())


def set_active(con: Con, reservist_id: str, active: bool) -> bool:
    cur = con.execute(
        "UPDATE reservists SET active = ? WHERE reservist_id = ? RETURNING reservist_id",
        [active, reservist_id],
    )
    found = bool(cur.fetchall())
    if found and not active:
        con.execute("DELETE FROM review_sessions WHERE reservist_id = ?", [reservist_id])
    return found


def count_admins(con: Con) -> int:
    return con.execute(
        "SELECT count(*) FROM reservists WHERE role = 'admin' AND active "
        "AND password_hash IS NOT NULL"
    ).fetchall()[0][0]


# --- sessions ---------------------------------------------------------------------------------


def create_session(con: Con, token_hash: str, reservist_id: str, expires_at: datetime) -> None:
    con.execute(
        "INSERT INTO review_sessions VALUES (?, ?, ?, ?)",
        [token_hash, reservist_id, now(), expires_at],
    )


def session_user(con: Con, token_hash: str) -> dict[str, Any] | None:
    """The active person behind a live session (and when it expires), or None."""
    rows = _dicts(con.execute(
        "SELECT r.reservist_id, r.name, r.role, r.email, s.expires_at FROM review_sessions s "
        "JOIN reservists r USING (reservist_id) "
        "WHERE s.token_hash = ? AND s.expires_at > ? AND r.active",
        [token_hash, now()],
    ))
    return rows[0] if rows else None


def delete_session(con: Con, token_hash: str) -> None:
    con.execute("DELETE FROM review_sessions WHERE token_hash = ?", [token_hash])


def purge_sessions(con: Con) -> None:
    con.execute("DELETE FROM review_sessions WHERE expires_at <= ?", [now()])


# --- login attempts ---------------------------------------------------------------------------


def record_attempt(con: Con, login: str, client: str, success: bool) -> None:
    con.execute(
        "INSERT INTO login_attempts VALUES (?, ?, ?, ?)", [login.lower(), client, now(), success]
    )


def recent_failures(con: Con, login: str, client: str, since: datetime) -> tuple[int, int]:
    """Failed attempts since ``since`` for this login and from this client."""
    row = con.execute(
        "SELECT count(*) FILTER (WHERE login = ?), count(*) FILTER (WHERE client = ?) "
        "FROM login_attempts WHERE NOT success AND attempted_at > ?",
        [login.lower(), client, since],
    ).fetchall()[0]
    return int(row[0]), int(row[1])


def clear_failures(con: Con, login: str) -> None:
    con.execute("DELETE FROM login_attempts WHERE login = ? AND NOT success", [login.lower()])


# --- audit log --------------------------------------------------------------------------------


# (actor, action, target, detail)
AuditEvent = tuple[str | None, str, str | None, Mapping[str, Any] | None]


def audit(con: Con, actor: str | None, action: str, target: str | None = None,
          detail: Mapping[str, Any] | None = None) -> None:
    audit_all(con, [(actor, action, target, detail)])


def audit_all(con: Con, events: Sequence[AuditEvent]) -> None:
    """Several audit rows in one statement, in order (a DuckDB statement costs ~0.5 ms, a row
    in it little: a first case view records two)."""
    if not events:
        return
    at = now()
    con.execute(
        "INSERT INTO audit_log (event_at, actor, action, target, detail) VALUES "
        + ", ".join(["(?, ?, ?, ?, ?)"] * len(events)),
        [value for actor, action, target, detail in events
         for value in (at, actor, action, target, json.dumps(detail or {}, default=str))],
    )


def audit_entries(con: Con, *, target: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    where, params = ("WHERE target = ?", [target]) if target else ("", [])
    rows = _dicts(con.execute(
        f"SELECT audit_id, event_at, actor, action, target, detail FROM audit_log {where} "
        "ORDER BY audit_id DESC LIMIT ?",
        [*params, limit],
    ))
    for row in rows:
        row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
    return rows
