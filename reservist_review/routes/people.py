"""People management (admins): list, add, import a roster, (de)activate, reset a password; audit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from reservist_review import auth, sessions
from reservist_review.permissions import ROLES
from reservist_review.roster import RosterError, format_of, parse_entry, parse_roster
from reservist_review.routes.deps import Admins, Db, transaction
from reservist_review.sessions import User
from reservist_review.templating import render
from vigie.store.review import people
from vigie.store.review.people import Con


def _sessions_checked_again(request: Request) -> Iterator[None]:
    """After any change to people (role, activity, roster), no cached session answer is
    reused: a deactivated person is out at their next request."""
    yield
    if request.method != "GET":
        sessions.forget_all(request)


router = APIRouter(dependencies=[Depends(_sessions_checked_again, scope="function")])
MAX_ROSTER_BYTES = 1_000_000


def _page(request: Request, con: Con, status: int = 200, **extra: object) -> Response:
    extra.setdefault("message", None)
    extra.setdefault("error", None)
    extra.setdefault("password", None)
    return render(request, "people.html", status, rows=people.list_reservists(con),
                  roles=ROLES, **extra)


@router.get("/people")
def people_page(request: Request, con: Con = Db, user: User = Admins) -> Response:
    return _page(request, con)


@router.post("/people")
def add_person(
    request: Request,
    id: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "reservist",
    languages: Annotated[str, Form(max_length=200)] = "",
    regions: Annotated[str, Form(max_length=500)] = "",
    skills: Annotated[str, Form(max_length=500)] = "",
    capacity: Annotated[str, Form(max_length=5)] = "3",
    con: Con = Db,
    user: User = Admins,
) -> Response:
    try:
        person = parse_entry({"id": id, "name": name, "email": email, "role": role,
                              "languages": languages, "regions": regions, "skills": skills,
                              "capacity": capacity})
    except ValueError as exc:
        return _page(request, con, 400, error=str(exc))
    password = auth.new_password()
    with transaction(con):
        added, _ = people.upsert_reservists(con, [person.as_row()])
        if added:
            people.set_password(con, person.id, auth.hash_password(password))
        people.audit(con, user.id, "person_added" if added else "person_updated", person.id,
                     {"role": person.role})
    return _page(request, con, message=person.id, password=password if added else None)


@router.post("/people/import")
def import_roster(
    request: Request,
    roster: Annotated[UploadFile, File()],
    con: Con = Db,
    user: User = Admins,
) -> Response:
    data = roster.file.read(MAX_ROSTER_BYTES + 1)
    try:
        if len(data) > MAX_ROSTER_BYTES:
            raise RosterError("roster file larger than 1 MB")
        entries = parse_roster(data.decode("utf-8"), format_of(roster.filename or ""),
                               roster.filename or "roster")
    except (RosterError, UnicodeDecodeError) as exc:
        return _page(request, con, 400, error=str(exc))
    with transaction(con):
        added, updated = people.upsert_reservists(con, [p.as_row() for p in entries])
        people.audit(con, user.id, "roster_imported", roster.filename,
                     {"added": added, "updated": updated})
    return _page(request, con, message=f"+{added} / ~{updated}")


@router.post("/people/{reservist_id}/deactivate")
def deactivate(reservist_id: str, con: Con = Db, user: User = Admins) -> Response:
    if reservist_id != user.id:  # an admin cannot lock themselves out
        with transaction(con):
            if people.set_active(con, reservist_id, False):
                people.audit(con, user.id, "person_deactivated", reservist_id)
    return RedirectResponse("/people", status_code=303)


@router.post("/people/{reservist_id}/activate")
def activate(reservist_id: str, con: Con = Db, user: User = Admins) -> Response:
    with transaction(con):
        if people.set_active(con, reservist_id, True):
            people.audit(con, user.id, "person_activated", reservist_id)
    return RedirectResponse("/people", status_code=303)


@router.post("/people/{reservist_id}/password")
def reset_password(request: Request, reservist_id: str, con: Con = Db,
                   user: User = Admins) -> Response:
    password = auth.new_password()
    with transaction(con):
        found = people.set_password(con, reservist_id, auth.hash_password(password))
        if found:
            people.audit(con, user.id, "password_reset", reservist_id)
    if not found:
        return _page(request, con, 404, error=reservist_id)
    return _page(request, con, message=reservist_id, password=password)


@router.get("/audit")
def audit_log(request: Request, target: str = "", con: Con = Db,
              user: User = Admins) -> Response:
    return render(request, "audit.html", rows=people.audit_entries(con, target=target or None),
                  target=target)
