"""STIX 2.1 export of confirmed campaigns: valid, complete, stable."""

from __future__ import annotations

import json

import stix2

from reservist_review.stix import write_stix


def test_bundle_validates_and_holds_the_campaign(sample, tmp_path):
    settings, facts = sample
    out = tmp_path / "campaigns.stix.json"
    result = write_stix(settings, out)
    text = out.read_text(encoding="utf-8")
    # stix2 checks every property against the STIX 2.1 specification when it parses
    # (strictly: no custom properties or objects), as OpenCTI and MISP importers do.
    bundle = stix2.parse(text, allow_custom=False)
    by_type: dict[str, list] = {}
    for obj in bundle.objects:
        by_type.setdefault(obj.type, []).append(obj)
    assert result["objects"] == {k: len(v) for k, v in by_type.items()}

    (campaign,) = by_type["campaign"]  # N-camp only: N-hostile and N-old are not confirmed
    assert campaign.aliases == facts["confirmed"]
    assert campaign.confidence == 90
    assert campaign.external_references[0].url.endswith("/cases/N-camp")
    disarm = {p.external_references[0].external_id: p for p in by_type["attack-pattern"]}
    assert set(disarm) == {"T0086", "T0099"}
    assert all(p.external_references[0].source_name == "DISARM" for p in disarm.values())
    assert disarm["T0086"].name == "Develop Image-Based Content"
    assert len(by_type["infrastructure"]) == facts["campaign_sources"]
    patterns = sorted(i.pattern for i in by_type["indicator"])
    assert patterns == [f"[domain-name:value = '{d}']" for d in facts["lookalikes"]]
    assert any("lemonde.fr" in i.description for i in by_type["indicator"])
    (note,) = by_type["note"]
    assert note.object_refs == [campaign.id] and "six sites" in note.content
    assert note.authors == ["Amina Diallo"]
    rels = {
        (r.source_ref.split("--")[0], r.relationship_type, r.target_ref.split("--")[0])
        for r in by_type["relationship"]
    }
    assert rels == {
        ("campaign", "uses", "attack-pattern"),
        ("campaign", "uses", "infrastructure"),
        ("infrastructure", "consists-of", "domain-name"),
        ("indicator", "indicates", "campaign"),
    }
    ids = {o.id for o in bundle.objects}
    assert all(r.source_ref in ids and r.target_ref in ids for r in by_type["relationship"])


def test_export_is_identical_for_the_same_data(sample):
    settings, _ = sample
    first, second = write_stix(settings)["text"], write_stix(settings)["text"]
    assert first == second
    assert json.loads(first)["type"] == "bundle"


def test_hostile_values_stay_data():
    from datetime import UTC, datetime

    from reservist_review.stix import bundle_objects

    when = datetime(2026, 11, 25, tzinfo=UTC)
    campaign = {"narrative_id": "N-x", "decision_id": "d", "decided_at": when, "confidence": None,
                "label": "<script>alert(1)</script>", "techniques": [], "summary": None}
    lookalike = {"domain": "evil'] OR [x:y = 'z.com", "detail": {}, "first_seen": when}
    objects = bundle_objects([campaign], {}, {"N-x": [lookalike]}, "https://v.example")
    (indicator,) = [o for o in objects if o.type == "indicator"]
    # the quote is escaped: one comparison on one value, not an injected second one
    assert indicator.pattern == "[domain-name:value = 'evil\\'] OR [x:y = \\'z.com']"
    (camp,) = [o for o in objects if o.type == "campaign"]
    assert camp.name == "<script>alert(1)</script>"  # JSON data; consumers escape on display


def test_every_object_carries_the_tlp_marking_chosen(sample):
    settings, _ = sample
    bundle = stix2.parse(write_stix(settings)["text"], allow_custom=False)
    amber = stix2.TLP_AMBER.id
    assert any(o.id == amber for o in bundle.objects)  # the definition travels with them
    marked = [o for o in bundle.objects if o.type != "marking-definition"]
    assert marked and all(o.object_marking_refs == [amber] for o in marked)

    settings.review.stix_tlp = "none"
    plain = stix2.parse(write_stix(settings)["text"], allow_custom=False)
    assert not any(o.type == "marking-definition" for o in plain.objects)
    assert not any(getattr(o, "object_marking_refs", None) for o in plain.objects)

    settings.review.stix_tlp = "purple"
    try:
        write_stix(settings)
    except ValueError as exc:
        assert "purple" in str(exc)
    else:
        raise AssertionError("an unknown TLP level must be refused")
