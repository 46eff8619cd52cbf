"""Login sessions: a signed, HttpOnly, SameSite=Lax cookie holding a random token.

Starlette's ``SessionMiddleware`` signs the cookie (itsdangerous); the token it carries is
looked up (as a sha256) in ``review_sessions``, so logging out or deactivating a person ends
the session on the server, and a stolen copy of the database holds no usable token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request

from reservist_review import csrf
from vigie.store.review import people
from vigie.store.review.people import Con

LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str
    email: str = ""


def cookie_name(secure: bool) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only, path=/.
    return "__Host-vigie" if secure else "vigie"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(request: Request, con: Con, reservist_id: str) -> None:
    """A new session (new token and CSRF token: no fixation); the language choice is kept."""
    token = secrets.token_urlsafe(32)
    people.purge_sessions(con)
    people.create_session(con, token_hash(token), reservist_id, datetime.now(UTC) + LIFETIME)
    lang = request.session.get("lang")
    request.session.clear()
    request.session["token"] = token
    if lang:
        request.session["lang"] = lang
    csrf.rotate(request)


def end(request: Request, con: Con) -> None:
    token = request.session.get("token")
    if token:
        people.delete_session(con, token_hash(token))
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def current(request: Request, con: Con) -> User | None:
    token = request.session.get("token")
    if not isinstance(token, str):
        return None
    row = people.session_user(con, token_hash(token))
    if row is None:
        return None
    return User(row["reservist_id"], row["name"], row["role"], row.get("email") or "")
