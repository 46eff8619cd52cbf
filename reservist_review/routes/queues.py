"""Queues: one's own cases, the coordinators' view of every open case, confirmed campaigns."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from reservist_review.permissions import COMMUNICATION, COORDINATORS
from reservist_review.routes.deps import Anyone, Coordinators, Db, Readers, Reviewers
from reservist_review.sessions import User
from reservist_review.templating import render
from vigie.store.review import cases
from vigie.store.review.people import Con

router = APIRouter()

STATUSES = ("new", "assigned", "in_review", "escalated", "needs_info", "confirmed", "not_campaign")


@router.get("/")
def home(user: User = Anyone) -> Response:
    if user.role == COMMUNICATION:
        target = "/confirmed"
    elif user.role in COORDINATORS:
        target = "/cases"
    else:
        target = "/cases/mine"
    return RedirectResponse(target, status_code=303)


@router.get("/cases/mine")
def my_cases(request: Request, con: Con = Db, user: User = Reviewers) -> Response:
    return render(request, "my_cases.html", rows=cases.my_cases(con, user.id))


@router.get("/cases")
def all_cases(
    request: Request,
    status: str = "",
    language: str = "",
    min_score: str = "",
    con: Con = Db,
    user: User = Coordinators,
) -> Response:
    try:
        score = float(min_score) if min_score.strip() else None
    except ValueError:
        score = None
    status = status if status in STATUSES else ""
    language = language.strip().lower()[:3]
    rows = cases.queue(con, status=status or None, language=language or None, min_score=score)
    return render(request, "all_cases.html", rows=rows, statuses=STATUSES,
                  filters={"status": status, "language": language,
                           "min_score": "" if score is None else f"{score:g}"})


@router.get("/confirmed")
def confirmed(request: Request, con: Con = Db, user: User = Readers) -> Response:
    return render(request, "confirmed.html", rows=cases.confirmed(con))
