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


def items(con: Con, narrative_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The first ``limit`` member items, oldest first."""
    return _dicts(con.execute(
        # the first ones by (item_id, published_at) only, then their full rows: sorting
        # every member with its text is what made a big narrative slow
        f"SELECT {_ITEM_COLUMNS} FROM (SELECT i.item_id FROM narrative_members m "
        "  JOIN items i USING (item_id) WHERE m.narrative_id = ? "
        "  ORDER BY i.published_at, i.item_id LIMIT ?) first JOIN items i USING (item_id) "
        "LEFT JOIN sources s ON s.source_id = i.source_id ORDER BY i.published_at, i.item_id",
        [narrative_id, limit],
    ))


def overview(con: Con, narrative_id: str) -> dict[str, Any]:
    """Counts over ALL member items (the page lists only some): total, languages, and
    items per minute for the timeline."""
    rows = con.execute(  # one scan, two groupings
        "SELECT grouping(lang), lang, t, count(*) FROM ("
        "  SELECT coalesce(i.language, '?') AS lang, date_trunc('minute', i.published_at) AS t"
        "  FROM narrative_members m JOIN items i USING (item_id) WHERE m.narrative_id = ?) "
        "GROUP BY GROUPING SETS ((lang), (t)) ORDER BY count(*) DESC, lang, t",
        [narrative_id],
    ).fetchall()
    languages = [(lang, n) for by_time, lang, _t, n in rows if not by_time]
    minutes = {t: n for by_time, _lang, t, n in rows if by_time and t is not None}
    return {"item_count": sum(n for _lang, n in languages), "languages": languages,
            "minutes": minutes}


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
        "QUALIFY row_number() OVER (PARTITION BY kind "
        "  ORDER BY score DESC NULLS LAST, item_id, other_item_id) "
        "  <= coalesce(map_from_entries(?::STRUCT(k VARCHAR, v INTEGER)[])[kind], ?) "
        "ORDER BY kind, score DESC NULLS LAST, item_id, other_item_id",
        [narrative_id, [{"k": k, "v": v} for k, v in limits], default_limit],
    ))
    for row in rows:
        row["detail"] = _json(row["detail"])
    return rows


def evidence_counts(con: Con, narrative_id: str) -> dict[str, int]:
    """How many evidence rows of each kind exist (the page shows only the strongest)."""
    return dict(con.execute(
        "SELECT kind, count(*) FROM evidence WHERE narrative_id = ? GROUP BY kind",
        [narrative_id],
    ).fetchall())


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


def sources(con: Con, narrative_id: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]]]:
    """The narrative's sources with first-seen date, look-alike/new-source evidence and group;
    and the groups themselves (see ``groups``)."""
    rows = _dicts(con.execute(
        """
        WITH mine AS (
            SELECT i.source_id, count(*) AS items, min(i.published_at) AS first_item_at
            FROM narrative_members m JOIN items i USING (item_id)
            WHERE m.narrative_id = ? GROUP BY i.source_id)
        SELECT s.source_id, s.name, s.url, s.site_url, s.domain, s.registered_domain,
               s.language, s.region, s.added_at, mine.items AS item_count, mine.first_item_at,
               seen.first_seen_at
        FROM mine JOIN sources s USING (source_id)
        LEFT JOIN (SELECT x.source_id, min(x.first_seen_at) AS first_seen_at FROM items x
                   WHERE x.source_id IN (SELECT source_id FROM mine)
                   GROUP BY x.source_id) seen USING (source_id)
        ORDER BY mine.first_item_at, s.name
        """,
        [narrative_id],
    ))
    by_id = {r["source_id"]: r for r in rows}
    for row in rows:
        row.update(lookalike=[], new_source=[], communities=[], peers=[])
    marks = con.execute(
        "SELECT DISTINCT e.kind, i.source_id, e.detail::VARCHAR FROM evidence e "
        "JOIN items i USING (item_id) "
        "WHERE e.narrative_id = ? AND e.kind IN ('lookalike_domain', 'new_source') "
        "ORDER BY ALL",
        [narrative_id],
    ).fetchall()
    for kind, source_id, detail in marks:
        key = "lookalike" if kind == "lookalike_domain" else kind
        if source_id in by_id and (d := _json(detail)) not in by_id[source_id][key]:
            by_id[source_id][key].append(d)
    ids = list(by_id)
    found = groups(con, ids)
    for community, names in found.items():
        for source_id in names.keys() & set(ids):
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
