"""Roles and what each may do.

reservist < coordinator < admin form a ladder (each sees what the one below sees);
communication is apart: the teams who read confirmed campaigns, not reviewers.
Every route names the roles it admits (``reservist_review.routes.deps.allow``); the
permission tests read those from the app's routes so no route can escape a check.
"""

from __future__ import annotations

RESERVIST, COORDINATOR, COMMUNICATION, ADMIN = "reservist", "coordinator", "communication", "admin"
ROLES = (RESERVIST, COORDINATOR, COMMUNICATION, ADMIN)

REVIEWERS = frozenset({RESERVIST, COORDINATOR, ADMIN})  # may hold and decide cases
COORDINATORS = frozenset({COORDINATOR, ADMIN})  # see every case, reassign, escalate
READERS = frozenset({COORDINATOR, COMMUNICATION, ADMIN})  # search, confirmed campaigns
ADMINS = frozenset({ADMIN})  # manage people
EVERYONE = frozenset(ROLES)

DECIDED = frozenset({"confirmed", "not_campaign", "needs_info"})


def can_view_case(role: str, user_id: str, assignees: set[str], case_status: str | None) -> bool:
    """Reservists see the cases they hold or held; communication only decided ones."""
    if role in COORDINATORS:
        return True
    if role == RESERVIST:
        return user_id in assignees
    if role == COMMUNICATION:
        return case_status in DECIDED
    return False


def can_decide(role: str, user_id: str, current_assignee: str | None) -> bool:
    """Coordinators may decide any case; a reservist only the one currently assigned to them."""
    return role in COORDINATORS or (role == RESERVIST and user_id == current_assignee)


def can_revise(role: str, user_id: str, author: str) -> bool:
    return role in COORDINATORS or user_id == author
