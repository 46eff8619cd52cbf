"""Glue for ``vigie demo``: build the demo site, serve it, register its feeds and roster.

The demo uses the same public paths as a user would: feeds are registered like
``vigie sources add`` does, the roster is imported like ``vigie reservists import``, and the
demo's fictional established outlets are added to the reference list through the
``[detection]`` configuration.
"""

from __future__ import annotations

from pathlib import Path

from vigie.config import Settings
from vigie.demo.generate import build_demo_site
from vigie.demo.manifest import DemoManifest
from vigie.demo.server import DemoServer

DEMO_DIR = Path(__file__).parent
ROSTER = DEMO_DIR / "roster.yaml"
OUTLETS = DEMO_DIR / "outlets.toml"


def build(settings: Settings) -> tuple[Path, DemoManifest]:
    """Write the demo site under the data folder (same bytes every time)."""
    site = settings.data_dir / "demo_site"
    return site, build_demo_site(site)


def use_demo_outlets(settings: Settings) -> None:
    """The demo's invented newspapers are 'established outlets' for the signals."""
    reference = settings.detection.setdefault("reference", {})
    extra = list(reference.get("outlets", []))
    if str(OUTLETS) not in extra:
        extra.append(str(OUTLETS))
    reference["outlets"] = extra


def register(settings: Settings, server: DemoServer, manifest: DemoManifest) -> dict[str, int]:
    """Register the demo feeds and, on an empty roster, the demo reservists (idempotent)."""
    from reservist_review.roster import load_roster
    from vigie.ingest.registry import feed_source
    from vigie.store import review
    from vigie.store import sources as source_store

    use_demo_outlets(settings)
    rows = [
        feed_source(url, name=src.name, region=src.region or None, language=src.language,
                    site_url=src.site_url)
        for url, src in server.feed_urls(manifest)
    ]
    store = settings.store()
    with store.transaction() as con:
        new_sources = source_store.upsert_sources(con, rows)
        added = 0
        if not review.people.list_reservists(con):
            added, _ = review.people.upsert_reservists(
                con, [r.as_row() for r in load_roster(ROSTER)]
            )
    return {"sources_new": new_sources, "reservists_added": added}
