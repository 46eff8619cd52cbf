"""The case page's evidence: built from the store, rendered, and cached per narrative state.

Everything between the coordination box and the decisions (timeline, languages, watchlist,
signals, sources and groups, duplicate pairs, other evidence, items) and the flag reasons
come from what the analysis stages wrote: the same for every reviewer. They are rendered once
per key and kept in the app's ``RenderCache``. The key holds what the evidence depends on:
the narrative, the limits shown, the language, the narrative's fingerprint (read with the
narrative at every view: it changes whenever the narratives or signals stage rewrites the
narrative, its flag, evidence or signals) and the shared instance's ``generation`` (it
changes whenever another process wrote the file: ingest editing items or sources, the
signals stage rewriting the source network). So a page never shows older evidence than the
store holds.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from reservist_review import casepage
from reservist_review.reasons import render_reasons
from reservist_review.templating import render_fragment
from vigie.store.review import casefile, summaries
from vigie.store.review.people import Con


def evidence(state: Any, con: Con, narrative: dict[str, Any], shown: dict[str, int],
             lang: str) -> tuple[Markup, list[str]]:
    """(evidence markup, flag reasons) of ``narrative``; ``state``: the app's ``state``
    (``db``: the shared instance, ``case_cache``: the cache)."""
    narrative_id = narrative["narrative_id"]
    key = (narrative_id, tuple(sorted(shown.items())), lang, state.db.generation,
           narrative["fingerprint"])
    return state.case_cache.get_or_build(key, lambda: _build(con, narrative, shown, lang))


def _build(con: Con, narrative: dict[str, Any], shown: dict[str, int], lang: str
           ) -> tuple[tuple[Markup, list[str]], int]:
    """The case page's evidence rendered, and the flag reasons, for the page cache (with the
    size of the markup). Only analysis data: the same for every reviewer."""
    narrative_id = narrative["narrative_id"]
    summary = summaries.for_case(con, narrative_id)
    items = casefile.items(con, narrative_id, shown["items"], first=summary["first_items"])
    rows = casefile.evidence(con, narrative_id, dict.fromkeys(casepage.PAIR_KINDS,
                                                              shown["pairs"]),
                             shown["evidence"])
    known = {i["item_id"] for i in items}
    missing = sorted({e[k] for e in rows for k in ("item_id", "other_item_id")
                      if e[k] and e[k] not in known})
    view = casepage.build(narrative, items, rows, casefile.items_by_id(con, missing),
                          casefile.evidence_kinds_of(con, narrative_id, sorted(known)),
                          casefile.overview_of(summary), casefile.evidence_counts_of(summary))
    sources, groups = casefile.sources(con, summary["sources"])
    html = render_fragment(
        lang, "_case_evidence.html", items=items, sources=sources[:shown["sources"]],
        source_count=len(sources), groups=groups, signals=casefile.signals(con, narrative_id),
        view=view, shown=shown)
    reasons = render_reasons(narrative.get("reasons"), narrative.get("reason_codes"), lang)
    return (html, reasons), len(html)
