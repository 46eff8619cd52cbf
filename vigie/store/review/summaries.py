"""Case summaries: the figures of the case page that range over every member of a narrative.

Item count, languages, items per minute (timeline), the earliest members, evidence counts and
the sources (items here, first item, first seen anywhere, look-alike / new-source marks) take
one scan of the members, items and evidence: ~50 ms for a 27k-item narrative at 100k items,
too much for every page view and every reviewer. The analysis pass stores them once
(:func:`refresh`, one set-based query for every stale narrative); the page reads one row
(:func:`for_case`). A row is used only while it is fresh: the narrative's size, runs and dates
and its flag's run and time are unchanged (``FINGERPRINT_SQL``) and no member item changed since
it was built (``items_watermark``); otherwise the page computes the same query live for that
narrative, so a pass that rescored (or a member edited by ingest) never shows stale figures.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vigie.store.review.people import Con, _dicts

FIRST_ITEMS = 50  # the earliest members kept (the case page lists 50 by default)

# What the summary of a narrative depends on, besides its members' rows: the narratives
# stage rewrites size / updated_run / dates when members join or move (merges), the signals
# stage rewrites flags (run_id, updated_at) together with the evidence and signals. An SQL
# expression over ``narratives n LEFT JOIN flags f``.
FINGERPRINT_SQL = (
    "md5(concat_ws('|', n.size, n.updated_run, n.first_seen_at, n.last_seen_at, n.status, "
    "f.run_id, f.updated_at))"
)

_BUILD = """
WITH wanted AS (SELECT DISTINCT unnest($ids::VARCHAR[]) AS narrative_id),
m AS (
    SELECT m.narrative_id, i.item_id, i.source_id, i.published_at,
           coalesce(i.language, '?') AS lang
    FROM narrative_members m JOIN wanted USING (narrative_id) JOIN items i USING (item_id)),
langs AS (
    SELECT narrative_id, sum(n)::BIGINT AS item_count,
           list({'lang': lang, 'n': n} ORDER BY n DESC, lang) AS languages
    FROM (SELECT narrative_id, lang, count(*) AS n FROM m GROUP BY ALL) GROUP BY narrative_id),
mins AS (
    SELECT narrative_id, list({'t': t, 'n': n} ORDER BY t) AS minutes
    FROM (SELECT narrative_id, date_trunc('minute', published_at) AS t, count(*) AS n
          FROM m WHERE published_at IS NOT NULL GROUP BY ALL) GROUP BY narrative_id),
firsts AS (
    SELECT narrative_id, list(item_id ORDER BY published_at, item_id) AS first_items
    FROM (SELECT narrative_id, item_id, published_at FROM m
          QUALIFY row_number() OVER (PARTITION BY narrative_id
                                     ORDER BY published_at, item_id) <= $first)
    GROUP BY narrative_id),
ev AS (
    SELECT narrative_id, list({'kind': kind, 'n': n} ORDER BY kind) AS evidence_counts
    FROM (SELECT e.narrative_id, e.kind, count(*) AS n
          FROM evidence e JOIN wanted USING (narrative_id) GROUP BY ALL)
    GROUP BY narrative_id),
src AS (
    SELECT narrative_id, source_id, count(*) AS item_count, min(published_at) AS first_item_at
    FROM m GROUP BY ALL),
seen AS (
    SELECT x.source_id, min(x.first_seen_at) AS first_seen_at FROM items x
    WHERE x.source_id IN (SELECT source_id FROM src) GROUP BY x.source_id),
marks AS (
    SELECT e.narrative_id, i.source_id,
           list(DISTINCT e.detail::VARCHAR ORDER BY e.detail::VARCHAR)
               FILTER (WHERE e.kind = 'lookalike_domain') AS lookalike,
           list(DISTINCT e.detail::VARCHAR ORDER BY e.detail::VARCHAR)
               FILTER (WHERE e.kind = 'new_source') AS new_source
    FROM evidence e JOIN wanted USING (narrative_id) JOIN items i USING (item_id)
    WHERE e.kind IN ('lookalike_domain', 'new_source') GROUP BY ALL),
srcs AS (
    SELECT src.narrative_id,
           list({'source_id': src.source_id, 'item_count': src.item_count,
                 'first_item_at': src.first_item_at, 'first_seen_at': seen.first_seen_at,
                 'lookalike': coalesce(marks.lookalike, []),
                 'new_source': coalesce(marks.new_source, [])}
                ORDER BY src.first_item_at, src.source_id) AS sources
    FROM src LEFT JOIN seen USING (source_id) LEFT JOIN marks USING (narrative_id, source_id)
    GROUP BY src.narrative_id)
SELECT w.narrative_id, coalesce(langs.item_count, 0) AS item_count,
       coalesce(langs.languages, []) AS languages, coalesce(mins.minutes, []) AS minutes,
       coalesce(firsts.first_items, []) AS first_items,
       coalesce(ev.evidence_counts, []) AS evidence_counts, coalesce(srcs.sources, []) AS sources
FROM wanted w LEFT JOIN langs USING (narrative_id) LEFT JOIN mins USING (narrative_id)
LEFT JOIN firsts USING (narrative_id) LEFT JOIN ev USING (narrative_id)
LEFT JOIN srcs USING (narrative_id)
"""

_COLUMNS = ("item_count", "languages", "minutes", "first_items", "evidence_counts", "sources")


def build(con: Con, narrative_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The summaries of these narratives computed now (what :func:`refresh` stores)."""
    if not narrative_ids:
        return {}
    rows = _dicts(con.execute(_BUILD, {"ids": narrative_ids, "first": FIRST_ITEMS}))
    return {r.pop("narrative_id"): r for r in rows}


def stored(con: Con, narrative_id: str) -> dict[str, Any] | None:
    """The stored summary if it is still fresh, else None."""
    rows = _dicts(con.execute(
        f"SELECT {', '.join('s.' + c for c in _COLUMNS)} FROM case_summaries s "
        "JOIN narratives n USING (narrative_id) LEFT JOIN flags f USING (narrative_id) "
        f"WHERE s.narrative_id = ? AND s.fingerprint = {FINGERPRINT_SQL} "
        "AND s.items_watermark IS NOT DISTINCT FROM (SELECT max(updated_at) FROM items)",
        [narrative_id],
    ))
    return rows[0] if rows else None


def for_case(con: Con, narrative_id: str) -> dict[str, Any]:
    """The summary of one narrative: the stored one when fresh, else computed live."""
    found = stored(con, narrative_id)
    if found is not None:
        return found
    return build(con, [narrative_id]).get(narrative_id) or {
        "item_count": 0, "languages": [], "minutes": [], "first_items": [],
        "evidence_counts": [], "sources": []}


def refresh(con: Con) -> dict[str, int]:
    """Rebuild the stale summaries of the narratives reviewers open (flagged, or with a case);
    drop the others. One set-based query; call inside the analysis pass's transaction."""
    watermark = con.execute("SELECT max(updated_at) FROM items").fetchall()[0][0]
    con.execute(
        "DELETE FROM case_summaries WHERE narrative_id NOT IN ("
        "  SELECT narrative_id FROM flags WHERE flagged UNION SELECT narrative_id FROM cases)")
    stale = [r[0] for r in con.execute(
        f"""
        SELECT n.narrative_id
        FROM narratives n LEFT JOIN flags f USING (narrative_id)
        LEFT JOIN case_summaries s USING (narrative_id)
        WHERE (coalesce(f.flagged, false)
               OR n.narrative_id IN (SELECT narrative_id FROM cases))
          AND (s.narrative_id IS NULL OR s.fingerprint <> {FINGERPRINT_SQL}
               OR (s.items_watermark IS DISTINCT FROM $watermark AND EXISTS (
                   SELECT 1 FROM narrative_members m JOIN items i USING (item_id)
                   WHERE m.narrative_id = n.narrative_id AND i.updated_at IS NOT NULL
                     AND (s.items_watermark IS NULL OR i.updated_at > s.items_watermark))))
        ORDER BY n.narrative_id
        """,
        {"watermark": watermark},
    ).fetchall()]
    if stale:
        con.execute("DELETE FROM case_summaries WHERE list_contains($ids, narrative_id)",
                    {"ids": stale})
        con.execute(
            f"""
            INSERT INTO case_summaries (narrative_id, fingerprint, items_watermark,
                {', '.join(_COLUMNS)}, built_at)
            SELECT b.narrative_id, {FINGERPRINT_SQL}, $watermark,
                {', '.join('b.' + c for c in _COLUMNS)}, $now
            FROM ({_BUILD}) b JOIN narratives n USING (narrative_id)
            LEFT JOIN flags f USING (narrative_id)
            """,
            {"ids": stale, "first": FIRST_ITEMS, "watermark": watermark,
             "now": datetime.now(UTC)},
        )
    # the others saw no member change: they stay valid under the new watermark
    con.execute("UPDATE case_summaries SET items_watermark = $watermark "
                "WHERE items_watermark IS DISTINCT FROM $watermark", {"watermark": watermark})
    kept = con.execute("SELECT count(*) FROM case_summaries").fetchall()[0][0]
    return {"rebuilt": len(stale), "kept": int(kept) - len(stale)}
