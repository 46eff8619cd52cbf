"""The case page (evidence), reassignment and second opinions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from reservist_review import casepage, caseview, disarm, notifications, routing
from reservist_review.permissions import (
    COORDINATORS,
    REVIEWERS,
    can_decide,
    can_revise,
    can_view_case,
)
from reservist_review.roster import Reservist
from reservist_review.route_reasons import part
from reservist_review.routes.deps import Anyone, Coordinators, Db, Forbidden, transaction
from reservist_review.sessions import User
from reservist_review.templating import language, render
from vigie.store.review import casefile, cases, people
from vigie.store.review.people import Con

router = APIRouter()


def _narrative_or_404(con: Con, narrative_id: str) -> dict:
    narrative = casefile.narrative(con, narrative_id)
    if narrative is None:
        raise HTTPException(404)
    return narrative


@router.get("/cases/{narrative_id}")
def case_page(request: Request, narrative_id: str, con: Con = Db,
              user: User = Anyone) -> Response:
    narrative = _narrative_or_404(con, narrative_id)
    case = cases.get_case(con, narrative_id)
    history = cases.assignments_of(con, narrative_id)
    if not can_view_case(user.role, user.id, {a["reservist_id"] for a in history},
                         case["status"] if case else None):
        raise Forbidden()
    current = cases.open_of(history)
    decisions = cases.decisions_of(con, narrative_id)
    events: list[people.AuditEvent] = []
    with transaction(con):
        if case and current and current["reservist_id"] == user.id and case["status"] in (
            "assigned", "escalated"
        ):
            at = cases.set_status(con, narrative_id, "in_review")
            events.append((user.id, "status", narrative_id,
                           {"from": case["status"], "to": "in_review"}))
            case = {**case, "status": "in_review", "updated_at": at}
        people.audit_all(con, [*events, (user.id, "case_view", narrative_id, None)])
    evidence_html, reasons = caseview.evidence(request.app.state, con, narrative,
                                               casepage.limits(request.query_params),
                                               language(request))
    holder = current["reservist_id"] if current else None
    may_decide = can_decide(user.role, user.id, holder) or bool(
        decisions and user.role in REVIEWERS and can_revise(user.role, user.id,
                                                             decisions[0]["reservist_id"]))
    reviewers = []
    if user.role in COORDINATORS:
        reviewers = [r for r in people.list_reservists(con, include_inactive=False)
                     if r["role"] in REVIEWERS and r["reservist_id"] != holder]
    return render(
        request, "case.html", narrative=narrative, reasons=reasons, case=case, current=current,
        history=history, decisions=decisions, evidence_html=evidence_html,
        may_decide=may_decide, reviewers=reviewers, response_types=disarm.response_types(),
        actions=disarm.COMMUNICATION_ACTIONS, name_of=disarm.name_of, error=None, form={},
    )


def _need(con: Con, narrative_id: str, exclude: set[str]) -> routing.Need:
    row = cases.routing_need(con, narrative_id)
    if row is None:
        raise HTTPException(404)
    return routing.need_from_row(row, frozenset(exclude))


def _notify_later(request: Request, background: BackgroundTasks, assignment_id: str,
                  person: str, narrative_id: str) -> None:
    """Email after the response, once the request's store connection is closed."""
    background.add_task(notifications.notify_assignments, request.app.state.settings,
                        [(assignment_id, person, narrative_id, False)])


def _name(roster: list[Reservist], choice: routing.Choice) -> str:
    return next((p.name for p in roster if p.id == choice.reservist_id), choice.reservist_id)


@router.post("/cases/{narrative_id}/reassign")
def reassign(request: Request, narrative_id: str, background: BackgroundTasks,
             reservist_id: Annotated[str, Form(max_length=64)] = "",
             con: Con = Db, user: User = Coordinators) -> Response:
    _narrative_or_404(con, narrative_id)
    current = cases.open_assignment(con, narrative_id)
    holder = {current["reservist_id"]} if current else set()
    roster = [Reservist.from_row(r) for r in people.list_reservists(con, include_inactive=False)]
    if reservist_id:
        roster = [p for p in roster if p.id == reservist_id]
        if not roster or reservist_id in holder:
            raise HTTPException(400, "this person cannot take the case")
        roster = [Reservist(**{**roster[0].__dict__, "capacity": max(roster[0].capacity,
                                                                      roster[0].open_cases + 1)})]
    choice = routing.choose(_need(con, narrative_id, holder), roster)
    if choice is None:
        return RedirectResponse(f"/cases/{narrative_id}?reassign=none", status_code=303)
    reason, parts = choice.reason_for(part("reassigned", by=user.name,
                                           name=_name(roster, choice)))
    with transaction(con):
        aid = cases.assign(con, narrative_id, choice.reservist_id, reason, kind="reassign",
                           by=user.id, reason_codes=parts)
        people.audit(con, user.id, "reassign", narrative_id,
                     {"from": sorted(holder), "to": choice.reservist_id, "reason": reason})
    _notify_later(request, background, aid, choice.reservist_id, narrative_id)
    return RedirectResponse(f"/cases/{narrative_id}", status_code=303)


@router.post("/cases/{narrative_id}/second-opinion")
def second_opinion(request: Request, narrative_id: str, background: BackgroundTasks,
                   con: Con = Db,
                   user: User = Coordinators) -> Response:
    _narrative_or_404(con, narrative_id)
    previous = cases.reviewers_history(con, narrative_id)
    latest = cases.latest_decision(con, narrative_id)
    exclude = {latest["reservist_id"]} if latest else set()
    roster = [Reservist.from_row(r) for r in people.list_reservists(con, include_inactive=False)]
    choice = routing.second_opinion(_need(con, narrative_id, exclude), roster, previous)
    if choice is None:
        return RedirectResponse(f"/cases/{narrative_id}?second=none", status_code=303)
    reason, parts = choice.reason_for(part("second_opinion", by=user.name,
                                           name=_name(roster, choice)))
    with transaction(con):
        aid = cases.assign(con, narrative_id, choice.reservist_id, reason,
                           kind="second_opinion", by=user.id, reason_codes=parts)
        people.audit(con, user.id, "second_opinion", narrative_id,
                     {"to": choice.reservist_id, "reason": reason})
    _notify_later(request, background, aid, choice.reservist_id, narrative_id)
    return RedirectResponse(f"/cases/{narrative_id}", status_code=303)
