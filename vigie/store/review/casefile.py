"""What a reviewer sees of one narrative: the read model of the case page.

Only reads the tables the analysis stages write (narratives, narrative_members, items,
sources, signals, evidence, source_edges, flags, and the case summaries built from them:
``summaries``); their ``detail`` JSON is passed through as parsed data for the page to show.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from vigie.store.review.people import Con, _dicts
from vigie.store.review.summaries import FINGERPRINT_SQL, FIRST_ITEMS


def _json(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def exists(con: Con, narrative_id: str) -> bool:
    return bool(con.execute("SELECT 1 FROM narratives WHERE narrative_id = ?",
                            [narrative_id]).fetchall())


def narrative(con: Con, narrative_id: str) -> dict[str, Any] | None:
    """The narrative with its flag; ``fingerprint``: what its analysis state is (it changes
    whenever the narratives or signals stage rewrites it, see ``summaries``)."""
    rows = _dicts(con.execute(
        "SELECT n.narrative_id, n.label, n.headline, n.keywords, n.languages, n.size, "
        "n.first_seen_at, n.last_seen_at, n.status, f.score, f.flagged, f.reasons, "
        f"f.reason_codes, f.first_flagged_at, {FINGERPRINT_SQL} AS fingerprint "
        "FROM narratives n LEFT JOIN flags f USING (narrative_id) WHERE n.narrative_id = ?",
        [narrative_id],
    ))
    for row in rows:
        row["reason_codes"] = _json(row["reason_codes"])
    return rows[0] if rows else None


_ITEM_COLUMNS = (
    "i.item_id, i.source_id, s.name AS source_name, i.url, i.domain, i.registered_domain, "
    "i.title, i.text, i.language, i.published_at, i.first_seen_at, i.date_estimated"
)


def items(con: Con, narrative_id: str, limit: int = 50,
          first: list[str] | None = None) -> list[dict[str, Any]]:
    """The first ``limit`` member items, oldest first.

    ``first``: the earliest member ids from the narrative's case summary (at most
    ``summaries.FIRST_ITEMS``); used when they cover ``limit``, else the members are sorted."""
    if first is not None and (limit <= len(first) or len(first) < FIRST_ITEMS):
        return _dicts(con.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items i LEFT JOIN sources s ON s.source_id = i.source_id "
            "WHERE list_contains(?, i.item_id) ORDER BY i.published_at, i.item_id",
            [first[:limit]],
        ))
    return _dicts(con.execute(
        # the first ones by (item_id, published_at) only, then their full rows: sorting
        # every member with its text is what made a big narrative slow
        f"SELECT {_ITEM_COLUMNS} FROM (SELECT i.item_id FROM narrative_members m "
        "  JOIN items i USING (item_id) WHERE m.narrative_id = ? "
        "  ORDER BY i.published_at, i.item_id LIMIT ?) first JOIN items i USING (item_id) "
        "LEFT JOIN sources s ON s.source_id = i.source_id ORDER BY i.published_at, i.item_id",
        [narrative_id, limit],
    ))


def overview_of(summary: dict[str, Any]) -> dict[str, Any]:
    """Counts over ALL member items from the case summary (the page lists only some): total,
    languages (most frequent first) and items per minute for the timeline."""
    return {"item_count": summary["item_count"],
            "languages": [(x["lang"], x["n"]) for x in summary["languages"]],
            "minutes": {x["t"]: x["n"] for x in summary["minutes"]}}


def evidence_counts_of(summary: dict[str, Any]) -> dict[str, int]:
    """How many evidence rows of each kind exist (the page shows only the strongest)."""
    return {x["kind"]: x["n"] for x in summary["evidence_counts"]}


def items_by_id(con: Con, item_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not item_ids:
        return {}
    rows = _dicts(con.execute(
        f"SELECT {_ITEM_COLUMNS} FROM items i LEFT JOIN sources s ON s.source_id = i.source_id "
        "WHERE list_contains(?, i.item_id)",
        [item_ids],
    ))
    return {r["item_id"]: r for r in rows}


def signals(con: Con, narrative_id: str) -> list[dict[str, Any]]:
    rows = _dicts(con.execute(
        "SELECT kind, value, detail, computed_at FROM signals WHERE narrative_id = ? ORDER BY kind",
        [narrative_id],
    ))
    for row in rows:
        row["detail"] = _json(row["detail"])
    return rows


def evidence(con: Con, narrative_id: str, per_kind: dict[str, int],
             default_limit: int) -> list[dict[str, Any]]:
    """The strongest rows of each kind: at most ``per_kind[kind]`` (else ``default_limit``)."""
    limits = list(per_kind.items())
    rows = _dicts(con.execute(
        "SELECT kind, item_id, other_item_id, score, detail FROM evidence "
        "WHERE narrative_id = ? "
        # detail last: the same pair can be recorded twice (ties must not reorder the page)
        "QUALIFY row_number() OVER (PARTITION BY kind "
        "  ORDER BY score DESC NULLS LAST, item_id, other_item_id, detail::VARCHAR) "
        "  <= coalesce(map_from_entries(?::STRUCT(k VARCHAR, v INTEGER)[])[kind], ?) "
        "ORDER BY kind, score DESC NULLS LAST, item_id, other_item_id, detail::VARCHAR",
        [narrative_id, [{"k": k, "v": v} for k, v in limits], default_limit],
    ))
    for row in rows:
        row["detail"] = _json(row["detail"])
    return rows


def evidence_kinds_of(con: Con, narrative_id: str, item_ids: list[str]) -> dict[str, list[str]]:
    """Kinds of evidence that name each of these items (on either side of a pair)."""
    if not item_ids:
        return {}
    return dict(con.execute(
        "SELECT id, list(DISTINCT kind ORDER BY kind) FROM ("
        "  SELECT item_id AS id, kind FROM evidence"
        "  WHERE narrative_id = ? AND list_contains(?, item_id)"
        "  UNION ALL SELECT other_item_id, kind FROM evidence"
        "  WHERE narrative_id = ? AND list_contains(?, other_item_id)) GROUP BY id",
        [narrative_id, item_ids, narrative_id, item_ids],
    ).fetchall())


_SOURCE_COLUMNS = ("source_id, name, url, site_url, domain, registered_domain, language, region, "
                   "added_at")


def sources(con: Con, summarised: list[dict[str, Any]]
            ) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]]]:
    """The narrative's sources (``summarised``: the case summary's per-source figures) with
    first-seen date, look-alike/new-source evidence and group, earliest first item first;
    and the groups themselves (see ``groups``)."""
    ids = [x["source_id"] for x in summarised]
    meta = {r["source_id"]: r for r in _dicts(con.execute(
        f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE list_contains(?, source_id)", [ids],
    ))} if ids else {}
    rows = []
    for x in summarised:
        if x["source_id"] not in meta:
            continue
        row = {**meta[x["source_id"]], "item_count": x["item_count"],
               "first_item_at": x["first_item_at"], "first_seen_at": x["first_seen_at"],
               "lookalike": [], "new_source": [], "communities": [], "peers": []}
        for key in ("lookalike", "new_source"):
            for detail in x[key]:
                if (d := _json(detail)) not in row[key]:
                    row[key].append(d)
        rows.append(row)
    rows.sort(key=lambda r: (r["first_item_at"], r["name"], r["source_id"]))
    by_id = {r["source_id"]: r for r in rows}
    found = groups(con, list(by_id))
    for community, names in found.items():
        for source_id in names.keys() & set(by_id):
            row = by_id[source_id]
            row["communities"].append(community)
            row["peers"].extend(n for s, n in names.items() if s != source_id)
    for row in rows:
        row["peers"] = sorted(set(row["peers"]))
    return rows, found


def groups(con: Con, source_ids: list[str]) -> dict[str, dict[str, str]]:
    """The groups (communities of source_edges) these sources belong to: every member's
    source_id -> name, including members outside the list."""
    if not source_ids:
        return {}
    edges = con.execute(
        "SELECT source_a, source_b, community FROM source_edges "
        "WHERE community IS NOT NULL "
        "AND (list_contains(?, source_a) OR list_contains(?, source_b))",
        [source_ids, source_ids],
    ).fetchall()
    members: dict[str, set[str]] = defaultdict(set)
    for a, b, community in edges:
        members[community].update((a, b))
    names = dict(con.execute(
        "SELECT source_id, name FROM sources WHERE list_contains(?, source_id)",
        [sorted({s for group in members.values() for s in group})],
    ).fetchall()) if members else {}
    return {c: {s: names.get(s) or s for s in sorted(group)}
            for c, group in sorted(members.items())}
