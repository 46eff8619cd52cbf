"""One generated feed item, and the helpers that give it a stable link and time."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass
class GenItem:
    source: str  # DemoSource.slug
    story: str
    published: datetime
    title: str
    link: str
    guid: str
    guid_permalink: bool
    description: str  # feed content (plain text or harmless HTML)
    text: str  # plain text of the description
    language: str


def slugify(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")
    return slug or "article"  # e.g. a Cyrillic headline


def item_link(domain: str, section: str, when: datetime, title: str, key: str) -> str:
    serial = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 900_000 + 100_000
    return f"https://{domain}/{section}/{when:%Y/%m/%d}/{slugify(title)}-{serial}"


def item_guid(domain: str, link: str, permalink: bool) -> str:
    if permalink:
        return link
    return f"tag:{domain},2026:{hashlib.sha1(link.encode()).hexdigest()[:12]}"


def at(day: str, hour: int, minute: int = 0, second: int = 0) -> datetime:
    base = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return base + timedelta(hours=hour, minutes=minute, seconds=second)
