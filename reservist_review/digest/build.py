"""What the daily digest says: plain data assembled from the store's digest queries.

The period of the digest of day D is that calendar day in the digest time zone
(00:00 to 24:00, Europe/Paris by default). Nothing here reads the clock, so the same data
always gives the same digest; rendering (HTML, text, Markdown) lives in ``render.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from vigie.store import digest as queries

CHART_DAYS = 14  # days of volume shown per narrative, ending on the digest day
TOP_SOURCES = 5


@dataclass(frozen=True)
class Period:
    day: date
    timezone: str
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC, exclusive

    @property
    def previous_start(self) -> datetime:
        return self.start - (self.end - self.start)


def period_of(day: date, timezone: str) -> Period:
    """The local calendar day ``day`` in ``timezone`` as a UTC interval (DST-aware: 23-25 h)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return Period(day=day, timezone=timezone, start=start, end=end)


def today(timezone: str, now: datetime | None = None) -> date:
    """The current date in ``timezone`` (the default digest day)."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()


def case_url(base_url: str, narrative_id: str) -> str:
    """Link to the narrative's case page in the review desk (evidence item by item)."""
    return f"{base_url.rstrip('/')}/cases/{narrative_id}"


def build_digest(con: duckdb.DuckDBPyConnection, period: Period, base_url: str) -> dict[str, Any]:
    """Everything the digest of ``period`` shows, as plain data (see ``assemble``)."""
    flagged = queries.new_flags(con, period.start, period.end)
    confirmed = queries.confirmed_in_period(con, period.start, period.end)
    growing = queries.growth(con, period.start, period.end, period.previous_start)
    ids = sorted({r["narrative_id"] for r in (*flagged, *confirmed, *growing)})
    first_day = period.day - timedelta(days=CHART_DAYS - 1)
    return assemble(
        period=period,
        base_url=base_url,
        totals=queries.period_totals(con, period.start, period.end),
        open_flags=queries.open_flag_count(con, period.start),
        flagged=flagged,
        confirmed=confirmed,
        growing=growing,
        sources=queries.narrative_sources(con, ids),
        languages=queries.narrative_languages(con, ids),
        volumes=queries.daily_volume(con, ids, first_day, period.day, period.timezone),
        examples=queries.example_items(con, ids),
    )


def assemble(
    *,
    period: Period,
    base_url: str,
    totals: dict[str, int],
    open_flags: int,
    flagged: list[dict[str, Any]],
    confirmed: list[dict[str, Any]],
    growing: list[dict[str, Any]],
    sources: dict[str, list[dict[str, Any]]],
    languages: dict[str, list[dict[str, Any]]],
    volumes: dict[str, list[dict[str, Any]]],
    examples: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """Pure: join query results into the digest's sections (no I/O)."""
    days = [period.day - timedelta(days=CHART_DAYS - 1 - i) for i in range(CHART_DAYS)]

    def profile(row: dict[str, Any]) -> dict[str, Any]:
        nid = row["narrative_id"]
        srcs = sources.get(nid, [])
        per_day = {v["day"]: int(v["items"]) for v in volumes.get(nid, [])}
        return {
            "id": nid,
            "title": _title(row),
            "headline": row.get("headline") or "",
            "keywords": list(row.get("keywords") or [])[:6],
            "size": int(row.get("size") or 0),
            "score": row.get("score"),
            "reasons": list(row.get("reasons") or []),  # English sentences
            "reason_codes": _parsed(row.get("reason_codes")),  # rendered per language
            "first_seen_at": row.get("first_seen_at"),
            "last_seen_at": row.get("last_seen_at"),
            "url": case_url(base_url, nid),
            "source_count": len(srcs),
            "sources": [
                {"name": s["name"], "domain": s["domain"], "items": int(s["items"])}
                for s in srcs[:TOP_SOURCES]
            ],
            "languages": [
                {"code": lang["language"], "items": int(lang["items"])}
                for lang in languages.get(nid, [])
            ],
            "examples": [
                {
                    "title": e["title"] or "",
                    "source": e["source"],
                    "domain": e["domain"] or "",
                    "language": e["language"] or "",
                    "published_at": e["published_at"],
                }
                for e in examples.get(nid, [])
            ],
            "volume": [{"day": d, "items": per_day.get(d, 0)} for d in days],
        }

    flagged_out = []
    for row in flagged:
        item = profile(row)
        item["case_status"] = row.get("case_status") or "new"
        flagged_out.append(item)
    confirmed_out = []
    for row in confirmed:
        item = profile(row)
        item.update(
            decision_id=row["decision_id"],
            summary=row.get("summary") or "",
            confidence=row.get("confidence"),
            techniques=[_named(t) for t in row.get("techniques") or []],
            responses=[_named(r) for r in row.get("responses") or []],
            reviewer=row.get("reviewer") or "",
            decided_at=row.get("decided_at"),
        )
        confirmed_out.append(item)
    growing_out = []
    for row in growing:
        item = profile(row)
        item.update(
            current=int(row["current"]),
            previous=int(row["previous"]),
            flagged=bool(row.get("flagged")),
        )
        growing_out.append(item)
    return {
        "day": period.day,
        "timezone": period.timezone,
        "period_start": period.start,
        "period_end": period.end,
        "totals": totals,
        "open_flags": open_flags,
        "flagged": flagged_out,
        "confirmed": confirmed_out,
        "growing": growing_out,
        "quiet": not flagged_out and not confirmed_out,
    }


def charted(digest: dict[str, Any]) -> list[dict[str, Any]]:
    """Narratives that get a volume chart, once each, in the order they appear."""
    seen: dict[str, dict[str, Any]] = {}
    for section in ("confirmed", "flagged"):  # growing ones are a table, without charts
        for item in digest[section]:
            if item["id"] not in seen and any(v["items"] for v in item["volume"]):
                seen[item["id"]] = item
    return list(seen.values())


def _title(row: dict[str, Any]) -> str:
    # The headline (a representative item title) reads better than the keyword label.
    return (row.get("headline") or row.get("label") or row["narrative_id"]).strip()


def _parsed(value: Any) -> Any:
    """JSON read from the store comes back as text."""
    return json.loads(value) if isinstance(value, str) else value


def _named(entry_id: str) -> dict[str, str]:
    """A DISARM id with its name when the shipped framework knows it."""
    try:
        from reservist_review.disarm import name_of
    except ImportError:  # the framework data is optional for the digest
        return {"id": entry_id, "name": entry_id}
    return {"id": entry_id, "name": name_of(entry_id)}
