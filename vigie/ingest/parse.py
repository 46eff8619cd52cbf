"""Feed bytes to entries: feedparser for RSS/RDF/Atom, a small mapper for JSON Feed.

feedparser only ever sees bytes we fetched (wrapped in a stream: given bare bytes it would
try them as a file name) together with the response headers, so declared charsets count.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from vigie.ingest import dates
from vigie.ingest.canonical import safe_url


class FeedError(ValueError):
    """The body is not a feed we can read (recorded as the fetch's error)."""


@dataclass
class RawEntry:
    guid: str | None
    link: str | None
    title: str  # may hold HTML; cleaned later
    body: str  # content, else summary; may hold HTML
    author: str | None
    published: datetime | None
    published_raw: bool  # a date string was present (parsed or not)
    updated: datetime | None


@dataclass
class ParsedFeed:
    version: str
    title: str
    site_url: str | None
    bozo: str | None
    entries: list[RawEntry] = field(default_factory=list)


# Internal DTD subsets that declare entities are how billion-laughs and quadratic-blowup
# bombs start. expat >= 2.4 caps the amplification, but only after megabytes of expansion,
# so entities referring to other entities, or any declaration in a large document, are
# refused up front. (External entities are never fetched: xml.sax leaves them off.)
_UTF16_32 = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_ENTITY_DECL = [b"<!ENTITY"] + ["<!ENTITY".encode(c) for c in _UTF16_32]
_ENTITY_VALUE = re.compile(rb"""<!ENTITY\s+(?:%\s+)?[^\s"']+\s+(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"[&%][A-Za-z_:]")
SMALL_DTD_DOC = 64 * 1024
JSON_FEED_VERSION = "https://jsonfeed.org/version/"


def check_entities(body: bytes) -> None:
    """Refuse entity declarations that could expand far beyond the document's size."""
    head = body[: 4 * SMALL_DTD_DOC]
    if not any(marker in head for marker in _ENTITY_DECL):
        return
    if len(body) > SMALL_DTD_DOC:
        raise FeedError("XML DOCTYPE declares entities in a large document (possible entity bomb)")
    nested = any(
        _REFERENCE.search(m.group(1) or m.group(2) or b"") for m in _ENTITY_VALUE.finditer(head)
    )
    if nested or b"<!ENTITY" not in head:  # UTF-16/32 declarations are not inspected
        raise FeedError("XML DOCTYPE declares nested entities (possible entity bomb)")


def _looks_json(body: bytes, content_type: str) -> bool:
    start = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"{") and ("json" in content_type or b"<" not in body[:512])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json_author(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")
    author = authors[0] if isinstance(authors, list) and authors else item.get("author")
    return _text(author.get("name")) or None if isinstance(author, dict) else None


def parse_json_feed(body: bytes) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (feedparser 6 does not read it), mapped to the same entries."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"invalid JSON feed: {str(exc)[:200]}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FeedError("JSON document is not a JSON Feed (no 'items' list)")
    entries = []
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        published = item.get("date_published")
        guid = item.get("id")
        entries.append(
            RawEntry(
                guid=str(guid) if isinstance(guid, str | int) and str(guid) else None,
                link=_text(item.get("url")) or _text(item.get("external_url")) or None,
                title=_text(item.get("title")),
                body=_text(item.get("content_html")) or _text(item.get("content_text"))
                or _text(item.get("summary")),
                author=_json_author(item),
                published=dates.from_iso(published),
                published_raw=bool(published),
                updated=dates.from_iso(item.get("date_modified")),
            )
        )
    version = _text(doc.get("version"))
    return ParsedFeed(
        version="json" + (version.rsplit("/", 1)[-1] if version else ""),
        title=_text(doc.get("title")),
        site_url=safe_url(_text(doc.get("home_page_url"))),
        bozo=None if version.startswith(JSON_FEED_VERSION) else "no JSON Feed version",
        entries=entries,
    )


def _entry_body(entry: Any) -> str:
    for content in entry.get("content") or []:
        value = content.get("value")
        if value:
            return value
    return entry.get("summary") or ""


def _feedparser_headers(headers: dict[str, str], final_url: str) -> dict[str, str]:
    out = {k.lower(): v for k, v in headers.items()}
    # The base for relative links: a safe Content-Location, else the URL actually fetched.
    location = safe_url(urljoin(final_url, out.get("content-location", "").strip()))
    out["content-location"] = location or final_url
    # feedparser would re-read Content-Encoding and try to decompress again: bodies arrive decoded.
    out.pop("content-encoding", None)
    return out


def parse_feed(body: bytes, headers: dict[str, str], final_url: str) -> ParsedFeed:
    """Entries of a feed body; raises FeedError when the body is not a feed."""
    if not body.strip():
        raise FeedError("empty body")
    content_type = headers.get("content-type", "").lower()
    if _looks_json(body, content_type):
        return parse_json_feed(body)
    check_entities(body)
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=_feedparser_headers(headers, final_url),
        sanitize_html=False,  # we keep plain text only, never HTML
        resolve_relative_uris=False,
    )
    bozo = result.get("bozo_exception")
    bozo_text = f"{type(bozo).__name__}: {bozo}"[:500] if result.get("bozo") and bozo else None
    feed = result.get("feed", {})
    # No known format and no entries: an HTML page or junk (malformed), or XML with nothing
    # feed-like in it. Well-formed XML with channel data (e.g. CDF) is an empty feed.
    if not result.get("version") and not result.entries and (bozo_text or not feed):
        raise FeedError(f"not a feed ({bozo_text or 'no feed element found'})")
    entries = []
    for entry in result.entries:
        # dict.get: FeedParserDict.get("updated_parsed") warns about a deprecated fallback.
        updated_parsed = dict.get(entry, "updated_parsed")
        published_parsed = dict.get(entry, "published_parsed") or updated_parsed
        entries.append(
            RawEntry(
                guid=(entry.get("id") or "").strip() or None,
                link=entry.get("link"),
                title=entry.get("title") or "",
                body=_entry_body(entry),
                author=entry.get("author") or None,
                published=dates.from_struct(published_parsed),
                published_raw=bool(dict.get(entry, "published") or dict.get(entry, "updated")),
                updated=dates.from_struct(updated_parsed),
            )
        )
    return ParsedFeed(
        version=result.get("version") or "unknown",
        title=feed.get("title") or "",
        site_url=safe_url(feed.get("link")),
        bozo=bozo_text,
        entries=entries,
    )
