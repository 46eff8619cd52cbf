"""Route stage: give each flagged narrative a reviewer, escalate unanswered ones, send emails.

Idempotent: a narrative with an open assignment or a decided case is left alone, and an
escalated assignment is not escalated again. Emails go out after the transaction commits;
a mail failure is recorded on the assignment (``notify_error``), never fails the run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reservist_review import notifications, routing
from reservist_review.roster import Reservist
from vigie.config import Settings
from vigie.store.review import cases, people

ACTOR = "vigie-route"


def _roster(con) -> list[Reservist]:
    return [Reservist.from_row(r) for r in people.list_reservists(con, include_inactive=False)]


def route(settings: Settings, run_id: str, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    store = settings.store()
    assigned: list[dict[str, str]] = []
    escalated: list[dict[str, str]] = []
    unassigned: list[str] = []
    to_notify: list[tuple[str, str, str, bool]] = []  # assignment, person, narrative, escalation
    with store.transaction() as con:
        for held in cases.held_by_inactive(con):
            cases.release(con, held["assignment_id"], held["narrative_id"])
            people.audit(con, ACTOR, "release", held["narrative_id"],
                         {"reservist": held["reservist_id"], "why": "deactivated", "run": run_id})
        roster = _roster(con)
        needs = []
        for row in cases.routable(con):
            history = cases.reviewers_history(con, row["narrative_id"])
            # Coming back to routing (released, or no one was free): not the last reviewer again.
            needs.append(routing.need_from_row(row, frozenset(history[-1:])))
        for choice in routing.route_all(needs, roster):
            aid = cases.assign(con, choice.narrative_id, choice.reservist_id, choice.reason,
                               kind="route", by=ACTOR, reason_codes=list(choice.parts))
            people.audit(con, ACTOR, "assign", choice.narrative_id,
                         {"reservist": choice.reservist_id, "reason": choice.reason, "run": run_id})
            assigned.append({"narrative_id": choice.narrative_id,
                             "reservist_id": choice.reservist_id, "reason": choice.reason})
            to_notify.append((aid, choice.reservist_id, choice.narrative_id, False))
        routed = {a["narrative_id"] for a in assigned}
        for need in needs:
            if need.narrative_id not in routed:
                cases.ensure_case(con, need.narrative_id, "new")
                unassigned.append(need.narrative_id)

        before = now - timedelta(hours=settings.review.escalate_after_h)
        roster = _roster(con)
        for late in cases.overdue(con, before):
            coordinator = routing.coordinator_for(roster, exclude={late["reservist_id"]})
            if coordinator is None:
                continue
            reason, parts = routing.escalation_reason(
                coordinator, late["name"] or late["reservist_id"],
                settings.review.escalate_after_h)
            aid = cases.assign(con, late["narrative_id"], coordinator.id, reason,
                               kind="escalation", by=ACTOR, reason_codes=parts)
            people.audit(con, ACTOR, "escalate", late["narrative_id"],
                         {"from": late["reservist_id"], "to": coordinator.id, "run": run_id})
            escalated.append({"narrative_id": late["narrative_id"],
                              "reservist_id": coordinator.id, "reason": reason})
            to_notify.append((aid, coordinator.id, late["narrative_id"], True))

    notified, errors = notifications.notify_assignments(settings, to_notify)
    return {"assigned": assigned, "escalated": escalated, "unassigned": unassigned,
            "notified": notified, "notify_errors": errors}

