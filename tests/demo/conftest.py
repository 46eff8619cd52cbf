"""One generated demo site per test session, parsed once with feedparser."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from vigie.demo import DemoManifest, build_demo_site


@dataclass(frozen=True)
class Entry:
    source: str
    link: str
    title: str
    text: str  # lower-cased plain text of the summary
    published: datetime


def plain(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))).strip().lower()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoManifest]:
    root = tmp_path_factory.mktemp("demo-site")
    return root, build_demo_site(root)


@pytest.fixture(scope="session")
def parsed(demo_site) -> dict[str, feedparser.FeedParserDict]:
    root, manifest = demo_site
    return {s.slug: feedparser.parse((root / s.feed_path).read_bytes()) for s in manifest.sources}


@pytest.fixture(scope="session")
def entries(parsed) -> dict[str, Entry]:
    """Every feed entry by link."""
    out = {}
    for slug, feed in parsed.items():
        for e in feed.entries:
            when = datetime(*e.published_parsed[:6], tzinfo=UTC)
            out[e.link] = Entry(slug, e.link, e.title, plain(e.get("summary", "")), when)
    return out
