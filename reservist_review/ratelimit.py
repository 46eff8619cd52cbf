"""Login rate limiting: too many recent failures for one login, or from one client, blocks tries.

Attempts are counted in the store (``login_attempts``) so the limit holds across workers and
restarts; a success clears the login's failures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_CLIENT = 20


def window_start(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - WINDOW


def blocked(failures_for_login: int, failures_from_client: int) -> bool:
    return (
        failures_for_login >= MAX_FAILURES_PER_LOGIN
        or failures_from_client >= MAX_FAILURES_PER_CLIENT
    )
