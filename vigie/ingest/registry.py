"""Registering feed sources (CLI, OPML, demo): ids, names and initial domains."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vigie.ingest.canonical import canonical_url, domains
from vigie.ingest.identity import feed_source_id


class SourceError(ValueError):
    pass


def feed_source(
    url: str,
    *,
    name: str | None = None,
    region: str | None = None,
    language: str | None = None,
    site_url: str | None = None,
) -> dict[str, Any]:
    """The row describing a feed source; its id depends on the feed URL only (so adding the
    same URL twice is one source). Raises SourceError for a URL that is not http(s)."""
    canon = canonical_url(url, strip_tracking=False)
    if canon is None:
        raise SourceError(f"not an absolute http(s) URL: {url!r}")
    domain, registered = domains(site_url or canon)
    return {
        "source_id": feed_source_id(canon),
        "kind": "feed",
        "name": name or None,
        "url": canon,
        "site_url": site_url,
        "domain": domain,
        "registered_domain": registered,
        "language": language,
        "region": region,
        "added_at": datetime.now(UTC),
    }



def register_feeds(settings: Any, rows: list[dict[str, Any]]) -> int:
    """Store feed source rows (from :func:`feed_source`) in one transaction; returns how many
    were new. Re-registering a URL updates its name/region/language and reactivates it."""
    from vigie.store import sources as sources_store

    with settings.store().transaction() as con:
        return sources_store.upsert_sources(con, rows)
