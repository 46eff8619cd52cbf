"""Passwords: argon2id (pwdlib); random first passwords; same cost for unknown logins."""

from __future__ import annotations

import secrets
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_LENGTH = 10
_hasher = PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the login is unknown, so both paths cost one argon2 verification.
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        _hasher.verify(password, _dummy_hash())
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, not a crash
        return False


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"password must be at least {MIN_LENGTH} characters")


def new_password() -> str:
    """A random password to hand over once (first admin, reset by an admin)."""
    return secrets.token_urlsafe(12)
