"""OPML source lists (as exported by feed readers) to feed source rows."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from vigie.ingest.parse import FeedError, check_entities
from vigie.ingest.registry import SourceError, feed_source

MAX_OPML_BYTES = 20 * 1024 * 1024


def read_opml(data: bytes | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """``(sources, problems)``: a source row per outline with an ``xmlUrl``; one message per
    outline that could not be used. Raises ValueError when the file is not OPML."""
    if isinstance(data, Path):
        if data.stat().st_size > MAX_OPML_BYTES:
            raise ValueError(f"{data}: larger than {MAX_OPML_BYTES} bytes")
        data = data.read_bytes()
    try:
        check_entities(data)
        root = ET.fromstring(data)
    except (ET.ParseError, FeedError) as exc:
        raise ValueError(f"not a readable OPML file: {exc}") from None
    if root.tag.lower() != "opml" or root.find("body") is None:
        raise ValueError("not an OPML file (no <opml><body>)")
    sources: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: set[str] = set()

    def walk(node: ET.Element) -> None:
        for outline in node.findall("outline"):
            attrs = {k.lower(): v for k, v in outline.attrib.items()}
            name = (attrs.get("title") or attrs.get("text") or "").strip() or None
            url = attrs.get("xmlurl")
            if url:
                try:
                    row = feed_source(
                        url, name=name, language=(attrs.get("language") or None),
                        site_url=attrs.get("htmlurl") or None,
                        region=attrs.get("region") or None,
                    )
                except SourceError as exc:
                    problems.append(f"outline {name or url!r}: {exc}")
                else:
                    if row["source_id"] not in seen:
                        seen.add(row["source_id"])
                        sources.append(row)
            walk(outline)  # folders nest outlines

    walk(root.find("body"))
    return sources, problems
