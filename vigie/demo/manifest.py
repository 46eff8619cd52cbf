"""What the demo site contains: its sources and the ground truth of what was planted."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

KINDS = ("established", "campaign", "relay", "independent")


@dataclass(frozen=True)
class DemoSource:
    """One fictional site of the demo world and its feed."""

    slug: str
    name: str
    site_url: str
    language: str
    region: str
    kind: str  # established | campaign | relay | independent
    country: str = ""
    feed_format: str = "rss"  # rss | atom

    @property
    def domain(self) -> str:
        return self.site_url.split("//", 1)[1].rstrip("/")

    @property
    def feed_path(self) -> str:
        """Path of the feed relative to the site root (and to the server's base URL)."""
        return f"{self.slug}/feed.xml"


@dataclass(frozen=True)
class DemoItem:
    """Ground truth about one published item (the feed carries the item itself)."""

    link: str
    source: str  # DemoSource.slug
    published: str  # ISO 8601, UTC
    story: str
    language: str


@dataclass
class DemoManifest:
    """Sources and ground truth of a generated demo site (also written as ``manifest.json``).

    ``groups`` holds the item links of what a reviewer must (not) flag: ``campaign``,
    ``campaign_other``, ``relay``, ``relay_other``, ``organic``, ``syndicated``, ``hostile``.
    ``stories`` maps every story id (organic stories, planted stories, agency dispatches) to its
    item links.
    """

    sources: list[DemoSource]
    groups: dict[str, list[str]]
    stories: dict[str, list[str]]
    items: list[DemoItem]
    first_day: date
    last_day: date
    seed: int = 0
    notes: dict[str, str] = field(default_factory=dict)

    def source(self, slug: str) -> DemoSource:
        for src in self.sources:
            if src.slug == slug:
                return src
        raise KeyError(slug)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["first_day"] = self.first_day.isoformat()
        data["last_day"] = self.last_day.isoformat()
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict) -> DemoManifest:
        return cls(
            sources=[DemoSource(**s) for s in data["sources"]],
            groups={k: list(v) for k, v in data["groups"].items()},
            stories={k: list(v) for k, v in data["stories"].items()},
            items=[DemoItem(**i) for i in data["items"]],
            first_day=date.fromisoformat(data["first_day"]),
            last_day=date.fromisoformat(data["last_day"]),
            seed=data.get("seed", 0),
            notes=dict(data.get("notes", {})),
        )


def load_manifest(path: Path) -> DemoManifest:
    """Read ``manifest.json`` (the file itself, or the site folder that holds it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.json"
    return DemoManifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
