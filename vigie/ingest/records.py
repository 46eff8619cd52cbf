"""Parsed entries to item rows ready for the store: clean text, dates, identity, domains."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from vigie.ingest import dates, identity
from vigie.ingest.canonical import canonical_url, domains, safe_url
from vigie.ingest.clean import html_to_text, normalise_space
from vigie.ingest.language import detect_many
from vigie.ingest.parse import RawEntry

MAX_TITLE = 1_000
MAX_TEXT = 100_000  # a post longer than this is truncated (the cap bounds memory and storage)
MAX_FIELD = 2_000  # guid, author, URLs


def _short(value: str | None, limit: int = MAX_FIELD) -> str | None:
    value = normalise_space(value or "")[:limit]
    return value or None


def item_row(
    source_id: str,
    *,
    guid: str | None,
    link: str | None,
    title: str,
    text: str,
    author: str | None,
    published: datetime | None,
    published_raw: bool,
    now: datetime,
    external_id: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """One item row (already-clean ``title``/``text``). ``language`` None means: detect later."""
    guid = _short(guid)
    url = safe_url(_short(link))  # javascript:, data: and relative leftovers are dropped
    canon = canonical_url(url)
    chash = identity.content_hash(title, text)
    domain, registered = domains(url)
    published_at, reason = dates.settle(published, published_raw, now)
    return {
        "item_id": identity.item_id(source_id, identity.identity_key(guid, canon, chash)),
        "source_id": source_id,
        "external_id": external_id if external_id is not None else guid,
        "guid": guid,
        "url": url,
        "canonical_url": canon,
        "domain": domain,
        "registered_domain": registered,
        "author": _short(author, 300),
        "title": title,
        "text": text,
        "language": language,
        "published_at": published_at,
        "date_estimated": reason is not None,
        "date_reason": reason,
        "first_seen_at": now,
        "content_hash": chash,
    }


def same_as_seen(
    row: dict[str, Any], seen: set[str], guids_by_url: dict[str, set[str | None]]
) -> bool:
    """Whether ``row`` repeats an earlier one (same id, same content, or same canonical URL with
    no conflicting guid: distinct guids on one URL are distinct posts, e.g. a live page), and
    remember it otherwise. The store applies the same rule across runs."""
    url, guid = row["canonical_url"], row["guid"]
    if row["item_id"] in seen or row["content_hash"] in seen:
        return True
    guids = guids_by_url.get(url) if url else None
    if guids is not None and (guid is None or None in guids or guid in guids):
        return True
    seen.update((row["item_id"], row["content_hash"]))
    if url:
        guids_by_url.setdefault(url, set()).add(guid)
    return False


def entry_rows(source_id: str, entries: Iterable[RawEntry], now: datetime) -> list[dict[str, Any]]:
    """Rows for a feed's entries, without duplicates inside the feed and without empty ones."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()  # item ids and content hashes
    guids_by_url: dict[str, set[str | None]] = {}
    for entry in entries:
        title = html_to_text(entry.title)[:MAX_TITLE]
        text = html_to_text(entry.body[: MAX_TEXT * 4])[:MAX_TEXT]
        if not title and not text:
            continue  # nothing to analyse (e.g. an enclosure-only entry)
        row = item_row(
            source_id, guid=entry.guid, link=entry.link, title=title, text=text,
            author=entry.author, published=entry.published, published_raw=entry.published_raw,
            now=now,
        )
        if same_as_seen(row, seen, guids_by_url):
            continue  # the same entry listed twice in one feed: keep the first
        rows.append(row)
    return rows


def fill_languages(rows: list[dict[str, Any]]) -> None:
    """Detect the language of rows that have none (one batched lingua call)."""
    todo = [r for r in rows if not r.get("language")]
    found = detect_many([f"{r['title']}. {r['text']}" if r["title"] else r["text"] for r in todo])
    for row, lang in zip(todo, found, strict=True):
        row["language"] = lang
