"""Recording (and revising) a decision on a case; the DISARM technique picker."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from reservist_review import disarm
from reservist_review.permissions import can_decide, can_revise
from reservist_review.routes.deps import Db, Forbidden, Reviewers, transaction
from reservist_review.sessions import User
from reservist_review.templating import render
from vigie.store.review import casefile, cases, people
from vigie.store.review.people import Con

router = APIRouter()

VERDICTS = ("confirmed", "not_campaign", "needs_info")


def parse_ids(chosen: list[str], typed: str) -> list[str]:
    """Technique ids from the checkboxes and the free-text field ("T0086, T0023.001")."""
    ids = [*chosen, *re.split(r"[\s,;]+", typed.upper())]
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


@router.post("/cases/{narrative_id}/decisions")
def decide(
    request: Request,
    narrative_id: str,
    verdict: Annotated[str, Form(max_length=20)],
    summary: Annotated[str, Form(max_length=5000)] = "",
    confidence: Annotated[str, Form(max_length=10)] = "",
    techniques: Annotated[list[str] | None, Form()] = None,
    techniques_text: Annotated[str, Form(max_length=2000)] = "",
    responses: Annotated[list[str] | None, Form()] = None,
    comments: Annotated[str, Form(max_length=10000)] = "",
    con: Con = Db,
    user: User = Reviewers,
) -> Response:
    holder, latest = cases.decision_context(con, narrative_id)
    if holder is None and latest is None and not casefile.exists(con, narrative_id):
        raise HTTPException(404)
    if not (can_decide(user.role, user.id, holder)
            or (latest and can_revise(user.role, user.id, latest["reservist_id"]))):
        raise Forbidden()
    errors = []
    if verdict not in VERDICTS:
        errors.append("verdict")
    technique_ids = parse_ids(techniques or [], techniques_text)
    unknown = [t for t in technique_ids if t not in disarm.technique_ids()]
    if unknown:
        errors.append("techniques")
    chosen_responses = list(dict.fromkeys(responses or []))
    if any(r not in disarm.response_ids() for r in chosen_responses):
        errors.append("responses")
    level: float | None = None
    if confidence.strip():
        try:
            level = float(confidence)
        except ValueError:
            errors.append("confidence")
        else:
            if not 0 <= level <= 100:
                errors.append("confidence")
            level = level / 100 if level > 1 else level
    if errors:
        return render(request, "_decision_error.html", 400, errors=errors, unknown=unknown)
    with transaction(con):
        decision_id = cases.record_decision(
            con, narrative_id, user.id, verdict, summary=summary.strip(), confidence=level,
            techniques=technique_ids, responses=chosen_responses, comments=comments.strip(),
            supersedes=latest["decision_id"] if latest else None,
        )
        people.audit(con, user.id, "decision", narrative_id,
                     {"decision": decision_id, "verdict": verdict,
                      "supersedes": latest["decision_id"] if latest else None})
    return RedirectResponse(f"/cases/{narrative_id}#decisions", status_code=303)


@router.get("/disarm/techniques")
def technique_picker(request: Request, q: str = "", user: User = Reviewers) -> Response:
    found = disarm.search_techniques(q[:100]) if q.strip() else []
    return render(request, "_techniques.html", found=found, q=q)
