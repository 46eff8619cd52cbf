"""Stable ids (see the brief's data conventions): sources, items and content hashes."""

from __future__ import annotations

import hashlib

from vigie.ingest.clean import normalise_space

SEP = "\x1f"


def feed_source_id(url: str) -> str:
    """'feed:' + 16 hex of sha1 of the feed URL (as registered, canonicalised)."""
    return "feed:" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def import_source_id(name: str) -> str:
    return f"import:{name}"


def content_hash(title: str | None, text: str | None) -> str:
    """sha256 hex of normalised title + newline + normalised text."""
    body = normalise_space(title or "").casefold() + "\n" + normalise_space(text or "").casefold()
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def identity_key(guid: str | None, canonical_url: str | None, chash: str) -> str:
    """The guid if present, else the canonical URL, else the content hash."""
    return guid or canonical_url or chash


def item_id(source_id: str, key: str) -> str:
    return "it_" + hashlib.sha256((source_id + SEP + key).encode("utf-8")).hexdigest()[:16]
