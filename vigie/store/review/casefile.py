"""What a reviewer sees of one narrative: the read model of the case page.

Only reads the tables the analysis stages write (narratives, narrative_members, items,
sources, signals, evidence, source_edges, flags); their ``detail`` JSON is passed through
as parsed data for the page to show.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from vigie.store.review.people import Con, _dicts


def _json(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def narrative(con: Con, narrative_id: str) -> dict[str, Any] | None:
    rows = _dicts(con.execute(
        "SELECT n.narrative_id, n.label, n.headline, n.keywords, n.languages, n.size, "
        "n.first_seen_at, n.last_seen_at, n.status, f.score, f.flagged, f.reasons, "
        "f.reason_codes, f.first_flagged_at FROM narratives n "
        "LEFT JOIN flags f USING (narrative_id) WHERE n.narrative_id = ?",
        [narrative_id],
    ))
    for row in rows:
        row["reason_codes"] = _json(row["reason_codes"])
    return rows[0] if rows else None


_ITEM_COLUMNS = (
    "i.item_id, i.source_id, s.name AS source_name, i.url, i.domain, i.registered_domain, "
    "i.title, i.text, i.language, i.published_at, i.first_seen_at, i.date_estimated"
)


def items(con: Con, narrative_id: str, limit: int = 500) -> list[dict[str, Any]]:
    """Member items, oldest first."""
    return _dicts(con.execute(
        f"SELECT {_ITEM_COLUMNS} FROM narrative_members m JOIN items i USING (item_id) "
        "LEFT JOIN sources s ON s.source_id = i.source_id WHERE m.narrative_id = ? "
        "ORDER BY i.published_at, i.item_id LIMIT ?",
        [narrative_id, limit],
    ))


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


def evidence(con: Con, narrative_id: str) -> list[dict[str, Any]]:
    rows = _dicts(con.execute(
        "SELECT kind, item_id, other_item_id, score, detail FROM evidence "
        "WHERE narrative_id = ? ORDER BY kind, score DESC NULLS LAST, item_id",
        [narrative_id],
    ))
    for row in rows:
        row["detail"] = _json(row["detail"])
    return rows


def sources(con: Con, narrative_id: str) -> list[dict[str, Any]]:
    """The narrative's sources with first-seen date, look-alike/new-source evidence and group."""
    rows = _dicts(con.execute(
        """
        WITH mine AS (
            SELECT i.source_id, count(*) AS items, min(i.published_at) AS first_item_at
            FROM narrative_members m JOIN items i USING (item_id)
            WHERE m.narrative_id = ? GROUP BY i.source_id)
        SELECT s.source_id, s.name, s.url, s.site_url, s.domain, s.registered_domain,
               s.language, s.region, s.added_at, mine.items AS item_count, mine.first_item_at,
               (SELECT min(first_seen_at) FROM items x WHERE x.source_id = s.source_id)
                   AS first_seen_at
        FROM mine JOIN sources s USING (source_id)
        ORDER BY mine.first_item_at, s.name
        """,
        [narrative_id],
    ))
    by_id = {r["source_id"]: r for r in rows}
    for row in rows:
        row.update(lookalike=[], new_source=[], communities=[], peers=[])
    marks = con.execute(
        "SELECT e.kind, i.source_id, e.detail FROM evidence e JOIN items i USING (item_id) "
        "WHERE e.narrative_id = ? AND e.kind IN ('lookalike_domain', 'new_source')",
        [narrative_id],
    ).fetchall()
    for kind, source_id, detail in marks:
        key = "lookalike" if kind == "lookalike_domain" else kind
        if source_id in by_id and (d := _json(detail)) not in by_id[source_id][key]:
            by_id[source_id][key].append(d)
    ids = list(by_id)
    if not ids:
        return rows
    edges = con.execute(
        "SELECT source_a, source_b, weight, community FROM source_edges "
        "WHERE list_contains(?, source_a) OR list_contains(?, source_b)",
        [ids, ids],
    ).fetchall()
    members: dict[str, set[str]] = defaultdict(set)
    for a, b, _w, community in edges:
        if community is not None:
            members[community].update((a, b))
    names = dict(con.execute(
        "SELECT source_id, name FROM sources WHERE list_contains(?, source_id)",
        [sorted({s for group in members.values() for s in group})],
    ).fetchall()) if members else {}
    for community, group in sorted(members.items()):
        for source_id in group & set(ids):
            row = by_id[source_id]
            row["communities"].append(community)
            row["peers"].extend(sorted(names.get(s, s) for s in group - {source_id}))
    for row in rows:
        row["peers"] = sorted(set(row["peers"]))
    return rows
