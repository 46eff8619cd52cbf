"""The bundled synthetic demo world: fictional news sites, a planted campaign, a loopback server.

``build_demo_site(dest)`` writes the feeds and ``manifest.json`` (ground truth);
``DemoServer(root)`` serves them on 127.0.0.1; ``roster.yaml`` is the demo's reservist roster and
``outlets.toml`` its established outlets. See docs/demo.md.
"""

from __future__ import annotations

from pathlib import Path

from vigie.demo.generate import build_demo_site
from vigie.demo.manifest import DemoItem, DemoManifest, DemoSource, load_manifest
from vigie.demo.server import DemoServer

ROSTER_PATH = Path(__file__).parent / "roster.yaml"
OUTLETS_PATH = Path(__file__).parent / "outlets.toml"

__all__ = [
    "OUTLETS_PATH",
    "ROSTER_PATH",
    "DemoItem",
    "DemoManifest",
    "DemoServer",
    "DemoSource",
    "build_demo_site",
    "load_manifest",
]
