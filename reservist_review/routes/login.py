"""Login, logout, language switch and one's own account (password change)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from reservist_review import auth, ratelimit, sessions
from reservist_review.i18n import LANGUAGES
from reservist_review.routes.deps import Anyone, Db, Public, transaction
from reservist_review.sessions import User
from reservist_review.templating import render
from vigie.store.review import people
from vigie.store.review.people import Con

router = APIRouter()


def _local(target: str | None, default: str = "/") -> str:
    """Only same-site paths as redirect targets (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_page(request: Request, next: str = "/", user: User | None = Public) -> Response:
    if user is not None:
        return RedirectResponse(_local(next), status_code=303)
    return render(request, "login.html", next=_local(next), error=None, login="")


@router.post("/login")
def login(
    request: Request,
    login: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/",
    con: Con = Db,
    _user: User | None = Public,
) -> Response:
    login = login.strip()
    client = _client(request)
    by_login, by_client = people.recent_failures(con, login, client, ratelimit.window_start())
    if ratelimit.blocked(by_login, by_client):
        people.audit(con, login, "login_blocked", login, {"client": client})
        return render(request, "login.html", 429, next=_local(next), login=login,
                      error="blocked")
    record = people.login_record(con, login)
    ok = auth.verify_password(password, record["password_hash"] if record else None)
    with transaction(con):
        people.record_attempt(con, login, client, ok)
        people.audit(con, record["reservist_id"] if record else None,
                     "login" if ok else "login_failed", login, {"client": client})
        if ok:
            people.clear_failures(con, login)
            sessions.start(request, con, record)
    if not ok:
        return render(request, "login.html", 401, next=_local(next), login=login, error="bad")
    return RedirectResponse(_local(next), status_code=303)


@router.post("/logout")
def logout(request: Request, con: Con = Db, user: User = Anyone) -> Response:
    people.audit(con, user.id, "logout", user.id)
    sessions.end(request, con)
    return RedirectResponse("/login", status_code=303)


@router.post("/lang")
def switch_language(
    request: Request,
    lang: Annotated[str, Form(max_length=5)],
    next: Annotated[str, Form(max_length=2000)] = "/",
    _user: User | None = Public,
) -> Response:
    if lang in LANGUAGES:
        request.session["lang"] = lang
    return RedirectResponse(_local(next), status_code=303)


@router.get("/account")
def account(request: Request, user: User = Anyone) -> Response:
    return render(request, "account.html", message=None)


@router.post("/account/password")
def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=1000)],
    new: Annotated[str, Form(max_length=1000)],
    con: Con = Db,
    user: User = Anyone,
) -> Response:
    record = people.login_record(con, user.id)
    if not record or not auth.verify_password(current, record["password_hash"]):
        return render(request, "account.html", 400, message="bad_current")
    try:
        new_hash = auth.hash_password(new)
    except ValueError:
        return render(request, "account.html", 400, message="too_short")
    with transaction(con):
        people.set_password(con, user.id, new_hash)
        people.audit(con, user.id, "password_changed", user.id)
    return render(request, "account.html", message="changed")
