"""Login sessions: a signed, HttpOnly, SameSite=Lax cookie holding a random token.

Starlette's ``SessionMiddleware`` signs the cookie (itsdangerous); the token it carries is
looked up (as a sha256) in ``review_sessions``, so logging out or deactivating a person ends
the session on the server, and a stolen copy of the database holds no usable token.

Every request checks its session; ``SessionCache`` keeps the answer for a few seconds so that
check is not a store query each time (it was the commonest statement of the desk). An answer
is reused only while it is exact: before the session's own expiry, within ``CACHE_S``, under
the same ``generation`` of the shared database (another process, e.g. the ``vigie reservists``
CLI, wrote the file: everything cached is dropped), and until this process changes people or
ends a session (``end``, ``forget_all``).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request

from reservist_review import csrf
from vigie.store.review import people
from vigie.store.review.people import Con

LIFETIME = timedelta(hours=12)
CACHE_S = 5.0  # at most this long between two store checks of one session


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str
    email: str = ""

    @classmethod
    def from_row(cls, row: dict) -> User:
        """From a store row with ``reservist_id``, ``name``, ``role`` and ``email``."""
        return cls(row["reservist_id"], row["name"], row["role"], row.get("email") or "")


class SessionCache:
    """token hash -> the user behind it, as last read from the store (thread-safe)."""

    def __init__(self, ttl_s: float = CACHE_S, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[User, datetime, int, float]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str, generation: int) -> User | None:
        with self._lock:
            found = self._entries.get(token_hash)
        if found is None:
            return None
        user, expires_at, seen_generation, read_at = found
        if (seen_generation != generation or time.monotonic() - read_at > self.ttl_s
                or datetime.now(UTC) >= expires_at):
            self.drop(token_hash)
            return None
        return user

    def put(self, token_hash: str, user: User, expires_at: datetime, generation: int) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # a flood of tokens: start over rather than grow
            self._entries[token_hash] = (user, _aware(expires_at), generation, time.monotonic())

    def drop(self, token_hash: str) -> None:
        with self._lock:
            self._entries.pop(token_hash, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _cache(request: Request) -> SessionCache | None:
    return getattr(request.app.state, "session_cache", None)


def _generation(request: Request) -> int:
    db = getattr(request.app.state, "db", None)
    return db.generation if db is not None else 0


def forget_all(request: Request) -> None:
    """People changed in this process (role, activity): every session is checked again."""
    cache = _cache(request)
    if cache is not None:
        cache.clear()


def cookie_name(secure: bool) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only, path=/.
    return "__Host-vigie" if secure else "vigie"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(request: Request, con: Con, person: dict) -> None:
    """A new session for ``person`` (a ``people.login_record`` row): new token and CSRF token
    (no fixation); the language choice is kept.

    The session's user goes into the cache at once, so the first page after a login needs no
    session lookup (twenty reviewers logging in together made twenty of them). Were the
    transaction rolled back, the token would never reach the browser."""
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + LIFETIME
    people.purge_sessions(con)
    people.create_session(con, token_hash(token), person["reservist_id"], expires_at)
    cache = _cache(request)
    if cache is not None:
        cache.put(token_hash(token), User.from_row(person), expires_at, _generation(request))
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
        cache = _cache(request)
        if cache is not None:
            cache.drop(token_hash(token))
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def current(request: Request, con: Con) -> User | None:
    token = request.session.get("token")
    if not isinstance(token, str):
        return None
    hashed = token_hash(token)
    cache, generation = _cache(request), _generation(request)
    user = cache.get(hashed, generation) if cache is not None else None
    if user is not None:
        return user
    row = people.session_user(con, hashed)
    if row is None:
        return None
    user = User.from_row(row)
    if cache is not None:
        cache.put(hashed, user, row["expires_at"], generation)
    return user
