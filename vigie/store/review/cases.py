"""Cases, assignments and decisions: the review workflow's state, queues and search.

Case statuses: new (flagged, nobody could take it) -> assigned -> in_review -> confirmed |
not_campaign | needs_info, and escalated. Assignment statuses: open, done, escalated,
reassigned. Decisions are never updated: a revision is a new row that ``supersedes`` the last.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from vigie.store.review.people import Con, _dicts, now

OPEN_STATUSES = ("new", "assigned", "in_review", "escalated", "needs_info")
LOOK_UP = "look up"  # record_decision: read the decision to supersede (never a decision id)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


# --- routing inputs ---------------------------------------------------------------------------


def routable(con: Con) -> list[dict[str, Any]]:
    """Flagged live narratives with no open assignment and no case beyond 'new'.

    Each row has the narrative's languages (or its items'), label, keywords, headline and
    the regions of its sources: what routing matches reviewers against.
    """
    return _dicts(con.execute(
        """
        SELECT n.narrative_id, f.score, n.label, n.headline, n.keywords,
               coalesce(nullif(n.languages, []), (
                   SELECT list(DISTINCT i.language ORDER BY i.language)
                   FROM narrative_members m JOIN items i USING (item_id)
                   WHERE m.narrative_id = n.narrative_id AND i.language IS NOT NULL)) AS languages,
               (SELECT list(DISTINCT s.region ORDER BY s.region)
                FROM narrative_members m JOIN items i USING (item_id)
                JOIN sources s ON s.source_id = i.source_id
                WHERE m.narrative_id = n.narrative_id AND s.region IS NOT NULL) AS regions
        FROM flags f JOIN narratives n USING (narrative_id)
        LEFT JOIN cases c USING (narrative_id)
        WHERE f.flagged AND n.status <> 'merged'
          AND (c.status IS NULL OR c.status = 'new')
          AND NOT EXISTS (SELECT 1 FROM assignments a
                          WHERE a.narrative_id = n.narrative_id AND a.status = 'open')
        ORDER BY f.score DESC, n.narrative_id
        """
    ))


def routing_need(con: Con, narrative_id: str) -> dict[str, Any] | None:
    """The same inputs as :func:`routable` for one narrative (second opinion, reassignment)."""
    rows = _dicts(con.execute(
        """
        SELECT n.narrative_id, coalesce(f.score, 0) AS score, n.label, n.headline, n.keywords,
               coalesce(nullif(n.languages, []), (
                   SELECT list(DISTINCT i.language ORDER BY i.language)
                   FROM narrative_members m JOIN items i USING (item_id)
                   WHERE m.narrative_id = n.narrative_id AND i.language IS NOT NULL)) AS languages,
               (SELECT list(DISTINCT s.region ORDER BY s.region)
                FROM narrative_members m JOIN items i USING (item_id)
                JOIN sources s ON s.source_id = i.source_id
                WHERE m.narrative_id = n.narrative_id AND s.region IS NOT NULL) AS regions
        FROM narratives n LEFT JOIN flags f USING (narrative_id) WHERE n.narrative_id = ?
        """,
        [narrative_id],
    ))
    return rows[0] if rows else None


def reviewers_history(con: Con, narrative_id: str) -> list[str]:
    """Reviewers of this narrative, oldest first."""
    return [r[0] for r in con.execute(
        "SELECT reservist_id FROM assignments WHERE narrative_id = ? ORDER BY assigned_at",
        [narrative_id],
    ).fetchall()]


# --- cases and assignments --------------------------------------------------------------------


def ensure_case(con: Con, narrative_id: str, status: str = "new") -> None:
    con.execute(
        "INSERT INTO cases (narrative_id, status, opened_at, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [narrative_id, status, now(), now()],
    )


def get_case(con: Con, narrative_id: str) -> dict[str, Any] | None:
    rows = _dicts(con.execute(
        "SELECT narrative_id, status, opened_at, updated_at, escalated_at FROM cases "
        "WHERE narrative_id = ?",
        [narrative_id],
    ))
    return rows[0] if rows else None


def set_status(con: Con, narrative_id: str, status: str) -> datetime:
    """Set the case's status; returns the time written as ``updated_at``."""
    at = now()
    escalated = ", escalated_at = $at" if status == "escalated" else ""
    con.execute(
        f"UPDATE cases SET status = $status, updated_at = $at{escalated} "
        "WHERE narrative_id = $id",
        {"status": status, "at": at, "id": narrative_id},
    )
    return at


def assign(con: Con, narrative_id: str, reservist_id: str, reason: str, *, kind: str = "route",
           by: str | None = None, at: datetime | None = None,
           reason_codes: list[dict[str, Any]] | None = None) -> str:
    """Close any open assignment of the narrative and open a new one; returns its id.

    ``reason``: in English; ``reason_codes``: the same in parts, for other languages."""
    closing = "escalated" if kind == "escalation" else "reassigned"
    con.execute(
        "UPDATE assignments SET status = ?, closed_at = ? "
        "WHERE narrative_id = ? AND status = 'open'",
        [closing, now(), narrative_id],
    )
    assignment_id = _new_id("as")
    con.execute(
        "INSERT INTO assignments (assignment_id, narrative_id, reservist_id, status, reason, "
        "assigned_at, assigned_by, kind, reason_codes) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?)",
        [assignment_id, narrative_id, reservist_id, reason, at or now(), by, kind,
         None if reason_codes is None else json.dumps(reason_codes, ensure_ascii=False)],
    )
    ensure_case(con, narrative_id)
    set_status(con, narrative_id, "escalated" if kind == "escalation" else "assigned")
    return assignment_id


def open_assignment(con: Con, narrative_id: str) -> dict[str, Any] | None:
    rows = _dicts(con.execute(
        "SELECT a.*, r.name, r.email FROM assignments a "
        "LEFT JOIN reservists r USING (reservist_id) "
        "WHERE a.narrative_id = ? AND a.status = 'open' ORDER BY a.assigned_at DESC LIMIT 1",
        [narrative_id],
    ))
    return rows[0] if rows else None


def assignments_of(con: Con, narrative_id: str) -> list[dict[str, Any]]:
    """Every assignment of the narrative, oldest first (the open one, if any, is the last
    with status 'open': see :func:`open_of`)."""
    return _dicts(con.execute(
        "SELECT a.*, r.name, r.email FROM assignments a "
        "LEFT JOIN reservists r USING (reservist_id) "
        "WHERE a.narrative_id = ? ORDER BY a.assigned_at",
        [narrative_id],
    ))


def open_of(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The open assignment in ``assignments_of``'s rows (what :func:`open_assignment` reads)."""
    return next((a for a in reversed(history) if a["status"] == "open"), None)


def overdue(con: Con, before: datetime) -> list[dict[str, Any]]:
    """Open non-escalation assignments older than ``before`` whose holder has not decided."""
    return _dicts(con.execute(
        """
        SELECT a.assignment_id, a.narrative_id, a.reservist_id, a.assigned_at, r.name
        FROM assignments a LEFT JOIN reservists r USING (reservist_id)
        WHERE a.status = 'open' AND a.kind <> 'escalation' AND a.assigned_at <= ?
          AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.narrative_id = a.narrative_id
                          AND d.reservist_id = a.reservist_id AND d.decided_at >= a.assigned_at)
        ORDER BY a.assigned_at
        """,
        [before],
    ))


def held_by_inactive(con: Con) -> list[dict[str, Any]]:
    """Open assignments whose holder was deactivated: they go back to routing."""
    return _dicts(con.execute(
        "SELECT a.assignment_id, a.narrative_id, a.reservist_id FROM assignments a "
        "JOIN reservists r USING (reservist_id) WHERE a.status = 'open' AND NOT r.active"
    ))


def release(con: Con, assignment_id: str, narrative_id: str) -> None:
    """Close an assignment without a successor; the case waits for routing again."""
    con.execute(
        "UPDATE assignments SET status = 'reassigned', closed_at = ? WHERE assignment_id = ?",
        [now(), assignment_id],
    )
    set_status(con, narrative_id, "new")


def mark_notified(con: Con, assignment_id: str, error: str | None) -> None:
    con.execute(
        "UPDATE assignments SET notified_at = ?, notify_error = ? WHERE assignment_id = ?",
        [None if error else now(), error, assignment_id],
    )


# --- decisions --------------------------------------------------------------------------------


def record_decision(con: Con, narrative_id: str, reservist_id: str, verdict: str, *,
                    summary: str, confidence: float | None, techniques: list[str],
                    responses: list[str], comments: str,
                    supersedes: str | None = LOOK_UP) -> str:
    """A new decision (superseding the latest one); closes the open assignment, sets the status.

    ``supersedes``: the decision this one revises (None for the first), when the caller has
    just read it (:func:`latest_decision`); by default it is looked up."""
    if supersedes == LOOK_UP:
        latest = latest_decision(con, narrative_id)
        supersedes = latest["decision_id"] if latest else None
    decision_id = _new_id("de")
    con.execute(
        "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [decision_id, narrative_id, reservist_id, verdict, summary, confidence, techniques,
         responses, comments, now(), supersedes],
    )
    con.execute(
        "UPDATE assignments SET status = 'done', closed_at = ? WHERE narrative_id = ? "
        "AND status = 'open'",
        [now(), narrative_id],
    )
    # ensure_case + set_status (a verdict is never 'escalated'). An UPDATE, and an INSERT
    # only when there was no case: DuckDB's upsert costs about three times an update.
    updated = con.execute("UPDATE cases SET status = ?, updated_at = ? WHERE narrative_id = ?",
                          [verdict, now(), narrative_id]).fetchall()
    if not updated or not updated[0][0]:
        con.execute("INSERT INTO cases (narrative_id, status, opened_at, updated_at) "
                    "VALUES (?, ?, ?, ?)", [narrative_id, verdict, now(), now()])
    return decision_id


def decisions_of(con: Con, narrative_id: str) -> list[dict[str, Any]]:
    """Every decision on the narrative, newest first (the first one is in force)."""
    return _dicts(con.execute(
        "SELECT d.*, r.name FROM decisions d LEFT JOIN reservists r USING (reservist_id) "
        "WHERE d.narrative_id = ? ORDER BY d.decided_at DESC",
        [narrative_id],
    ))


def decision_context(con: Con, narrative_id: str) -> tuple[str | None, dict[str, Any] | None]:
    """What recording a decision checks, in one statement: who holds the case now (the open
    assignment's reservist) and the decision in force (``decision_id``, ``reservist_id``).

    The same answers as :func:`open_assignment` and :func:`latest_decision`, without their
    join, sort and whole rows: two DuckDB statements cost ~2.8 ms, this one ~0.8 ms."""
    holder, latest = con.execute(
        "SELECT (SELECT arg_max(reservist_id, assigned_at) FROM assignments "
        "        WHERE narrative_id = $id AND status = 'open'), "
        "       (SELECT arg_max({'decision_id': decision_id, 'reservist_id': reservist_id}, "
        "                       decided_at) FROM decisions WHERE narrative_id = $id)",
        {"id": narrative_id},
    ).fetchall()[0]
    return holder, latest


def latest_decision(con: Con, narrative_id: str) -> dict[str, Any] | None:
    """The decision in force (without the reviewer's name: one table, no join)."""
    rows = _dicts(con.execute(
        "SELECT * FROM decisions WHERE narrative_id = ? ORDER BY decided_at DESC LIMIT 1",
        [narrative_id],
    ))
    return rows[0] if rows else None


# --- queues and search ------------------------------------------------------------------------

_QUEUE_SELECT = """
    SELECT c.narrative_id, c.status, c.opened_at, c.updated_at, n.label, n.languages, n.size,
           f.score, a.reservist_id AS assignee, r.name AS assignee_name, a.assigned_at,
           a.reason
    FROM cases c JOIN narratives n USING (narrative_id)
    LEFT JOIN flags f USING (narrative_id)
    LEFT JOIN assignments a ON a.narrative_id = c.narrative_id AND a.status = 'open'
    LEFT JOIN reservists r ON r.reservist_id = a.reservist_id
"""


def my_cases(con: Con, reservist_id: str) -> list[dict[str, Any]]:
    """Cases the person holds now, then the ones they decided (most recent first)."""
    return _dicts(con.execute(
        _QUEUE_SELECT
        + """
        WHERE a.reservist_id = ?
           OR (c.narrative_id IN (SELECT narrative_id FROM assignments WHERE reservist_id = ?)
               AND a.assignment_id IS NULL)
        ORDER BY (a.reservist_id = ?) DESC NULLS LAST, c.updated_at DESC
        """,
        [reservist_id, reservist_id, reservist_id],
    ))


def queue(con: Con, *, status: str | None = None, language: str | None = None,
          min_score: float | None = None, open_only: bool = True) -> list[dict[str, Any]]:
    """Every case for coordinators, with filters; oldest open first."""
    where, params = [], []
    if status:
        where.append("c.status = ?")
        params.append(status)
    elif open_only:
        where.append(f"c.status IN ({', '.join('?' * len(OPEN_STATUSES))})")
        params.extend(OPEN_STATUSES)
    if language:
        where.append("list_contains(n.languages, ?)")
        params.append(language)
    if min_score is not None:
        where.append("f.score >= ?")
        params.append(min_score)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    return _dicts(con.execute(f"{_QUEUE_SELECT} {clause} ORDER BY c.opened_at, c.narrative_id",
                              params))


def confirmed(con: Con, limit: int = 200) -> list[dict[str, Any]]:
    """Confirmed campaigns with the decision in force (for communication teams)."""
    return _dicts(con.execute(
        """
        SELECT c.narrative_id, n.label, f.score, d.summary, d.responses, d.techniques,
               d.decided_at, r.name AS decided_by
        FROM cases c JOIN narratives n USING (narrative_id) LEFT JOIN flags f USING (narrative_id)
        JOIN decisions d ON d.narrative_id = c.narrative_id
        LEFT JOIN reservists r ON r.reservist_id = d.reservist_id
        WHERE c.status = 'confirmed'
          AND d.decided_at = (SELECT max(decided_at) FROM decisions x
                              WHERE x.narrative_id = c.narrative_id)
        ORDER BY d.decided_at DESC LIMIT ?
        """,
        [limit],
    ))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(con: Con, query: str, limit: int = 50) -> list[dict[str, Any]]:
    """Narratives whose label, keywords or headline contain ``query`` (case-insensitive)."""
    pattern = _like(query.strip())
    return _dicts(con.execute(
        r"""
        SELECT n.narrative_id, n.label, n.headline, n.languages, n.size, n.last_seen_at,
               f.score, f.flagged, c.status
        FROM narratives n LEFT JOIN flags f USING (narrative_id)
        LEFT JOIN cases c USING (narrative_id)
        WHERE n.status <> 'merged' AND (n.label ILIKE ? ESCAPE '\'
           OR array_to_string(n.keywords, ' ') ILIKE ? ESCAPE '\' OR n.headline ILIKE ? ESCAPE '\')
        ORDER BY f.flagged DESC NULLS LAST, f.score DESC NULLS LAST, n.last_seen_at DESC
        LIMIT ?
        """,
        [pattern, pattern, pattern, limit],
    ))
