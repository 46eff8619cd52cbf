"""Publication dates in UTC, with a recorded reason when the first-seen time stands in."""

from __future__ import annotations

import calendar
import email.utils
import re
import time
from datetime import UTC, date, datetime, timedelta

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


_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # Twitter API v1
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",  # US spreadsheets (IRA exports)
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
)


def parse_any(value: object) -> datetime | None:
    """A timestamp from an export: datetime, epoch seconds or milliseconds, ISO 8601,
    RFC 2822 or a few common spreadsheet formats (read as UTC without an offset)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > 1e11 else value  # milliseconds since 1970
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return parse_any(float(text))
    found = from_iso(text)
    if found is not None:
        return found
    try:
        found = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        found = None
    if found is not None:
        return (found if found.tzinfo else found.replace(tzinfo=UTC)).astimezone(UTC)
    for fmt in _FORMATS:
        try:
            found = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return (found if found.tzinfo else found.replace(tzinfo=UTC)).astimezone(UTC)
    return None
