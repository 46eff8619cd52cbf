"""CSRF protection: a per-session token required on every state-changing request.

The token lives in the signed session cookie; forms send it as ``csrf_token`` and HTMX sends
it in the ``X-CSRF-Token`` header (``hx-headers`` on ``<body>``). It is checked by an
app-wide dependency, so no POST route can forget it.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


class CsrfError(Exception):
    """The request changes state without the session's CSRF token."""


def token(request: Request) -> str:
    """The session's token (created on first use)."""
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def rotate(request: Request) -> str:
    request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


async def protect(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfError()
