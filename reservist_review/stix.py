"""Confirmed campaigns as a STIX 2.1 bundle (for OpenCTI, MISP and other CTI tools).

Per narrative whose latest decision confirms a campaign: a ``campaign``; the DISARM red
techniques of the decision as ``attack-pattern`` objects (external reference source
``DISARM``, id ``T0086``...) that the campaign ``uses``; each publishing source as an
``infrastructure`` of type ``amplification`` (with its ``domain-name``); an ``indicator``
``[domain-name:value = '...']`` per look-alike domain that ``indicates`` the campaign; the
reviewer's summary as a ``note``. Ids are UUIDv5 of stable keys and timestamps come from
the data, so the same store always exports the same bundle.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import stix2

from reservist_review.digest.build import case_url
from vigie.config import Settings
from vigie.store import digest as queries

NAMESPACE = uuid.UUID("6f1c1c3e-5b0e-4f0a-9a57-6a4f5e1d2c01")  # Vigie's, fixed forever
PRODUCER_CREATED = datetime(2026, 1, 1, tzinfo=UTC)
DISARM_ATTRIBUTION = "DISARM Framework, DISARM Foundation, CC BY-SA 4.0"
TLP = {"white": stix2.TLP_WHITE, "green": stix2.TLP_GREEN, "amber": stix2.TLP_AMBER,
       "red": stix2.TLP_RED, "none": None}


def _id(kind: str, key: str) -> str:
    """A stable id shaped as the UUIDv4 the spec asks for (same object, same id on re-export,
    so OpenCTI or MISP update it instead of duplicating it)."""
    digest = uuid.uuid5(NAMESPACE, f"{kind}:{key}").bytes
    return f"{kind}--{uuid.UUID(bytes=digest, version=4)}"


def _pattern_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _technique_name(tid: str) -> str:
    try:
        from reservist_review.disarm import name_of
    except ImportError:
        return tid
    return name_of(tid)


def tlp_marking(level: str) -> Any:
    """The STIX 2.1 TLP marking definition for ``level`` (white, green, amber, red), or None
    for "none"."""
    try:
        return TLP[level.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown TLP level {level!r}: choose one of {', '.join(TLP)}") from None


def producer(**mark: Any) -> stix2.Identity:
    return stix2.Identity(
        **mark,
        id=_id("identity", "vigie"),
        name="Vigie",
        identity_class="system",
        description="Vigie OSINT pipeline: campaigns confirmed by citizen diplomatic reservists.",
        created=PRODUCER_CREATED,
        modified=PRODUCER_CREATED,
    )


def bundle_objects(
    campaigns: list[dict[str, Any]],
    sources: dict[str, list[dict[str, Any]]],
    lookalikes: dict[str, list[dict[str, Any]]],
    base_url: str,
    tlp: str = "amber",
) -> list[Any]:
    """Pure: the STIX objects for query results (campaigns, their sources, look-alike domains),
    each marked with the ``tlp`` level (the marking definition is in the list)."""
    marking = tlp_marking(tlp)
    mark: dict[str, Any] = {"object_marking_refs": [marking.id]} if marking else {}
    me = producer(**mark)
    objects: dict[str, Any] = {me.id: me}
    if marking is not None:
        objects[marking.id] = marking

    def add(obj: Any) -> Any:
        objects.setdefault(obj.id, obj)
        return objects[obj.id]

    def relate(source: Any, rel: str, target: Any, when: datetime) -> None:
        add(
            stix2.Relationship(
                **mark,
                id=_id("relationship", f"{source.id}|{rel}|{target.id}"),
                source_ref=source.id,
                relationship_type=rel,
                target_ref=target.id,
                created=when,
                modified=when,
                created_by_ref=me.id,
            )
        )

    for row in campaigns:
        nid = row["narrative_id"]
        when = row["decided_at"]
        confidence = row.get("confidence")
        campaign = add(
            stix2.Campaign(
                **mark,
                id=_id("campaign", nid),
                name=(row.get("label") or row.get("headline") or nid)[:250],
                description=row.get("headline") or None,
                aliases=[nid],
                first_seen=row.get("first_seen_at"),
                last_seen=row.get("last_seen_at"),
                created=when,
                modified=when,
                created_by_ref=me.id,
                confidence=round(float(confidence) * 100) if confidence is not None else None,
                external_references=[
                    {"source_name": "vigie", "external_id": nid, "url": case_url(base_url, nid)}
                ],
            )
        )
        for tid in row.get("techniques") or []:
            pattern = add(
                stix2.AttackPattern(
                    **mark,
                    id=_id("attack-pattern", f"disarm:{tid}"),
                    name=_technique_name(tid),
                    created=PRODUCER_CREATED,
                    modified=PRODUCER_CREATED,
                    created_by_ref=me.id,
                    external_references=[
                        {
                            "source_name": "DISARM",
                            "external_id": tid,
                            "description": DISARM_ATTRIBUTION,
                        }
                    ],
                )
            )
            relate(campaign, "uses", pattern, when)
        for src in sources.get(nid, []):
            infra = add(
                stix2.Infrastructure(
                    **mark,
                    id=_id("infrastructure", f"source:{src['source_id']}"),
                    name=src["name"][:250],
                    infrastructure_types=["amplification"],
                    description=f"Source relaying the narrative ({src['items']} items).",
                    created=PRODUCER_CREATED,
                    modified=PRODUCER_CREATED,
                    created_by_ref=me.id,
                )
            )
            relate(campaign, "uses", infra, when)
            if src.get("domain"):
                domain = add(stix2.DomainName(value=src["domain"], **mark))
                relate(infra, "consists-of", domain, when)
        for found in lookalikes.get(nid, []):
            imitates = found["detail"].get("imitates") or found["detail"].get("target")
            indicator = add(
                stix2.Indicator(
                    **mark,
                    id=_id("indicator", f"lookalike:{found['domain']}"),
                    name=f"Look-alike domain {found['domain']}",
                    description=f"Imitates {imitates}."
                    if imitates
                    else "Look-alike of a real outlet.",
                    indicator_types=["malicious-activity"],
                    pattern=f"[domain-name:value = '{_pattern_value(found['domain'])}']",
                    pattern_type="stix",
                    valid_from=found.get("first_seen") or when,
                    created=when,
                    modified=when,
                    created_by_ref=me.id,
                )
            )
            relate(indicator, "indicates", campaign, when)
        if row.get("summary"):
            add(
                stix2.Note(
                    **mark,
                    id=_id("note", row["decision_id"]),
                    abstract="Reviewer's summary",
                    content=row["summary"],
                    authors=[row.get("reviewer") or row.get("reservist_id") or "reservist"],
                    object_refs=[campaign.id],
                    created=when,
                    modified=when,
                    created_by_ref=me.id,
                )
            )
    return sorted(objects.values(), key=lambda o: (
        o.type != "marking-definition", o.type != "identity", o.type, o.id))


def build_bundle(settings: Settings) -> stix2.Bundle:
    """The bundle of every confirmed campaign in the store."""
    with settings.store().connect() as con:
        campaigns = queries.confirmed_campaigns(con)
        ids = [c["narrative_id"] for c in campaigns]
        sources = queries.narrative_sources(con, ids)
        lookalikes = queries.lookalike_domains(con, ids)
    objects = bundle_objects(campaigns, sources, lookalikes, settings.review.base_url,
                             settings.review.stix_tlp)
    key = ",".join(o.id for o in objects)
    return stix2.Bundle(objects=objects, id=_id("bundle", key))


def validate(text: str) -> list[str]:
    """Errors of the OASIS STIX 2.1 validator (``stix2-validator``), if it is installed."""
    try:
        from stix2validator import ValidationOptions, validate_string
    except ImportError:
        # Objects were already checked property by property when stix2 built them.
        return []
    results = validate_string(text, ValidationOptions(version="2.1"))
    results = results if isinstance(results, list) else [results]
    return [str(err) for res in results for err in (res.errors or [])]


def write_stix(settings: Settings, output: Path | None = None) -> dict[str, Any]:
    """Serialise the bundle (to ``output`` atomically, or return it as ``text``)."""
    bundle = build_bundle(settings)
    text = bundle.serialize(pretty=True, sort_keys=True)
    errors = validate(text)
    if errors:
        raise ValueError("STIX bundle failed validation: " + "; ".join(errors[:5]))
    counts: dict[str, int] = {}
    for obj in json.loads(text)["objects"]:
        counts[obj["type"]] = counts.get(obj["type"], 0) + 1
    result: dict[str, Any] = {"objects": counts}
    if output is None:
        result["text"] = text
        return result
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, output)
    result["path"] = str(output)
    return result
