"""Publication dates in UTC, with a recorded reason when the first-seen time stands in."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime, timedelta

# A clock a little ahead of ours is normal; further in the future is a lie or a bug.
FUTURE_TOLERANCE = timedelta(hours=2)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # before the web: certainly a parsing error


def from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` (a UTC struct_time) as an aware datetime."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def from_iso(value: str | None) -> datetime | None:
    """An ISO 8601 / RFC 3339 string (JSON Feed, imports) as an aware UTC datetime."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("z", "Z")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:  # no offset given: read it as UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def settle(
    candidate: datetime | None, raw_present: bool, now: datetime
) -> tuple[datetime, str | None]:
    """``(published_at, estimate_reason)``: the candidate when plausible, else ``now`` with the
    reason ('missing', 'unparsable', 'future' or 'too_old')."""
    if candidate is None:
        return now, ("unparsable" if raw_present else "missing")
    if candidate > now + FUTURE_TOLERANCE:
        return now, "future"
    if candidate < EARLIEST:
        return now, "too_old"
    return candidate, None
