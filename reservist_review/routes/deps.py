"""What every route shares: one store connection per request, the logged-in user, role checks.

The connection is a lease on the process's shared database instance (``app.state.db``, a
``vigie.store.shared.SharedDatabase``): no file open/close per request, and the file is
handed over whenever the pipeline (another process) waits for it.

``allow(roles)`` is the only way a route admits users; ``public()`` marks the few routes open
without login. The permission tests walk ``app.routes`` and require one of the two on every
route, so a new route cannot skip the check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Depends, Request

from reservist_review import sessions
from reservist_review.permissions import ADMINS, COORDINATORS, EVERYONE, READERS, REVIEWERS
from reservist_review.sessions import User
from vigie.store.review.people import Con


class NotAuthenticated(Exception):
    """No valid session: the user must log in."""


class Forbidden(Exception):
    """Logged in, but this role (or person) may not do this."""


def db(request: Request) -> Iterator[Con]:
    """The request's store connection, closed before the response is sent."""
    with request.app.state.db.lease() as con:
        if request.app.state.warmer is not None:
            request.app.state.warmer.poke()  # the store changed: pre-render the open cases
        yield con


Db = Depends(db, scope="function")


@contextmanager
def transaction(con: Con) -> Iterator[Con]:
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def allow(roles: Iterable[str]) -> Any:
    """Dependency: the logged-in user, if their role is one of ``roles``."""
    admitted = frozenset(roles)

    def check(request: Request, con: Con = Db) -> User:
        user = sessions.current(request, con)
        if user is None:
            raise NotAuthenticated()
        request.state.user = user
        if user.role not in admitted:
            raise Forbidden()
        return user

    check.roles = admitted  # type: ignore[attr-defined]  # read by the permission tests
    return Depends(check)


def public() -> Any:
    """Dependency marking a route open without login (login page, language switch)."""

    def open_route(request: Request, con: Con = Db) -> User | None:
        request.state.user = sessions.current(request, con)
        return request.state.user

    open_route.public = True  # type: ignore[attr-defined]
    return Depends(open_route)


def roles_of(endpoint_dependencies: Iterable[Any]) -> frozenset[str] | None:
    """The roles a route admits (None if public) from its dependant tree (for tests)."""
    for dep in endpoint_dependencies:
        call: Callable[..., Any] | None = getattr(dep, "call", None)
        if call is not None and hasattr(call, "roles"):
            return call.roles
        if call is not None and getattr(call, "public", False):
            return None
    raise LookupError("route has neither allow() nor public()")


# The admission rules every route picks from (module-level so they are built once).
Anyone = allow(EVERYONE)
Reviewers = allow(REVIEWERS)
Coordinators = allow(COORDINATORS)
Readers = allow(READERS)
Admins = allow(ADMINS)
Public = public()
