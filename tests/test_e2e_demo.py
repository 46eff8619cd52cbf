"""End to end: the demo pass over the loopback server, as `vigie demo` runs it.

Ground truth comes from the demo generator's manifest (what was planted), never from the
pipeline's own output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vigie.config import Settings, load_settings
from vigie.demo import bootstrap
from vigie.demo.manifest import DemoManifest
from vigie.demo.server import DemoServer

pytestmark = pytest.mark.slow


class DemoRun:
    def __init__(self, settings: Settings, manifest: DemoManifest, server: DemoServer) -> None:
        self.settings, self.manifest, self.server = settings, manifest, server
        self.stats: list[dict[str, Any]] = []

    def run_pass(self) -> dict[str, Any]:
        from flows.pipeline import vigie_pass

        bootstrap.register(self.settings, self.server, self.manifest)
        stats = vigie_pass(self.settings, digest_day=self.manifest.last_day, digest_lang="fr")
        self.stats.append(stats)
        return stats

    def flags(self) -> list[dict[str, Any]]:
        from vigie.store.exports import flagged_narratives

        with self.settings.store().connect() as con:
            return list(flagged_narratives(con))

    def members(self) -> dict[str, str | None]:
        """item url -> narrative id."""
        from vigie.store.exports import narrative_assignments

        with self.settings.store().connect() as con:
            frame = narrative_assignments(con)
            urls = dict(con.execute("SELECT item_id, url FROM items").fetchall())
        return {urls[r["item_id"]]: r["narrative_id"] for r in frame.iter_rows(named=True)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Iterator[DemoRun]:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("demo") / "data")
    site, manifest = bootstrap.build(settings)
    with DemoServer(site, port=0) as server:
        run = DemoRun(settings, manifest, server)
        run.run_pass()
        yield run


def _narratives_of(links: list[str], members: dict[str, str | None]) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for link in links:
        nid = members.get(link)
        counts[nid] = counts.get(nid, 0) + 1
    return counts


def test_every_demo_item_is_stored_once(demo: DemoRun) -> None:
    members = demo.members()
    expected = {item.link for item in demo.manifest.items}
    assert expected <= set(members), f"missing: {sorted(expected - set(members))[:5]}"
    assert len(members) == len(expected)


def test_planted_network_is_flagged_with_reasons(demo: DemoRun) -> None:
    members = demo.members()
    flags = {f["narrative_id"]: f for f in demo.flags()}
    campaign = demo.manifest.groups["campaign"]
    where = _narratives_of(campaign, members)
    main_id, count = max(where.items(), key=lambda kv: kv[1])
    assert main_id is not None and count >= 0.8 * len(campaign), where
    assert main_id in flags, f"campaign narrative {main_id} not flagged; flagged: {list(flags)}"
    flag = flags[main_id]
    assert flag["reasons"] and all(isinstance(r, str) and r for r in flag["reasons"])
    evidence_links = {i["url"] for i in flag["items"] if i["evidence"]}
    assert len(evidence_links & set(campaign)) >= 6
    # The look-alike domains of real newspapers are named in the reasons.
    text = " ".join(flag["reasons"]).lower()
    assert "look-alike" in text or "lookalike" in text


def test_translated_relay_is_linked_to_the_campaign(demo: DemoRun) -> None:
    members = demo.members()
    campaign_where = _narratives_of(demo.manifest.groups["campaign"], members)
    main_id = max(campaign_where.items(), key=lambda kv: kv[1])[0]
    relay = demo.manifest.groups["relay"]
    relay_where = _narratives_of(relay, members)
    flag = next(f for f in demo.flags() if f["narrative_id"] == main_id)
    translated = {i["url"] for i in flag["items"] if "translation" in i["evidence"]}
    joined = relay_where.get(main_id, 0)
    assert joined >= len(relay) / 2, (relay_where, main_id)
    assert translated & set(relay), "no relay item listed as translation evidence"


def test_organic_story_and_syndicated_dispatch_are_not_flagged(demo: DemoRun) -> None:
    flagged_links = {i["url"] for f in demo.flags() for i in f["items"]}
    for group in ("organic", "syndicated"):
        links = set(demo.manifest.groups[group])
        assert links, group
        wrong = sorted(links & flagged_links)
        assert not wrong, f"{group} items flagged: {wrong[:3]}"


def test_flagged_campaign_routed_to_a_reservist_speaking_its_language(demo: DemoRun) -> None:
    from vigie.store import summary

    with demo.settings.store().connect() as con:
        flagged = summary.flagged_with_assignees(con)
        langs = dict(con.execute(
            "SELECT narrative_id, languages FROM narratives").fetchall())
        speakers = dict(con.execute(
            "SELECT r.name, r.languages FROM reservists r").fetchall())
    assert flagged
    for row in flagged:
        assert row["assignee"], f"{row['narrative_id']} not routed"
        assert set(langs[row["narrative_id"]] or []) & set(speakers[row["assignee"]])
        assert row["assignment_reason"]


def test_digest_file_written_in_french(demo: DemoRun) -> None:
    path = Path(demo.stats[0]["digest"]["path"])
    assert path.is_file() and path.name == f"{demo.manifest.last_day.isoformat()}.fr.html"
    html = path.read_text(encoding="utf-8")
    assert "<script>alert" not in html


def test_second_pass_adds_nothing_and_keeps_ids(demo: DemoRun) -> None:
    before_members = demo.members()
    before_flags = {f["narrative_id"]: f["score"] for f in demo.flags()}
    stats = demo.run_pass()
    assert stats["ingest"]["items_new"] == 0
    assert demo.members() == before_members
    after_flags = {f["narrative_id"]: f["score"] for f in demo.flags()}
    assert after_flags.keys() == before_flags.keys()
