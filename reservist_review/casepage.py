"""Pure helpers for the case page: timeline chart, word diff of duplicate pairs, safe links.

Everything from feeds is escaped here before it becomes markup; the only tags added are the
chart's SVG and ``<ins>``/``<del>`` around words, and nh3 re-checks the diff's output.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import nh3
from markupsafe import Markup, escape

PAIR_KINDS = ("copy_paste", "rewording", "translation")
TEXT_LIMIT = 1500
# What a case page shows by default; "?items=all" / "?pairs=all" / "?evidence=all" /
# "?sources=all" show up to ALL_CAP (a 26k-item narrative would otherwise be a page of
# many megabytes).
ITEMS_SHOWN = 50
PAIRS_SHOWN = 20  # per kind, strongest first; word diffs only for these
EVIDENCE_SHOWN = 50  # per kind of other evidence
SOURCES_SHOWN = 50  # earliest first
ALL_CAP = 1000
STEPS = tuple(timedelta(minutes=m) for m in (5, 15, 60, 360, 1440, 10080))


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link with a host, else None (no javascript:, data:)."""
    if not url or any(c in url for c in "\x00\r\n\t"):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url.strip()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timeline_svg(times: list[datetime] | dict[datetime, int], width: int = 640,
                 height: int = 160) -> Markup:
    """Bar chart of items per time step (5 min to a week) as inline SVG (no script).

    ``times``: one time per item, or item counts per time (e.g. per minute, from SQL)."""
    weights: Counter[datetime] = Counter()
    for t, n in (times.items() if isinstance(times, dict) else ((t, 1) for t in times)):
        weights[_utc(t)] += n
    if not weights:
        return Markup("")
    times = sorted(weights)
    span = times[-1] - times[0]
    # The finest step that keeps the chart under ~48 bars (minutes matter in a campaign).
    step = next((s for s in STEPS if span / s <= 48), STEPS[-1])
    start = datetime.fromtimestamp(
        times[0].timestamp() // step.total_seconds() * step.total_seconds(), UTC)
    counts: Counter[int] = Counter()
    for t, n in weights.items():
        counts[int((t - start) / step)] += n
    bins = max(counts) + 1
    top = max(counts.values())
    pad_l, pad_b, pad_t = 28, 22, 8
    plot_w, plot_h = width - pad_l - 4, height - pad_b - pad_t
    bar_w = plot_w / bins
    fmt = "%d/%m %H:%M" if step < timedelta(days=1) else "%d/%m"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(weights.total())} items, {escape(start.strftime('%Y-%m-%d %H:%M'))} UTC "
        f"to {escape(times[-1].strftime('%Y-%m-%d %H:%M'))} UTC</title>",
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - 4}" y2="{pad_t + plot_h}" '
        'stroke="#555" stroke-width="1"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 8}" text-anchor="end" font-size="10" '
        f'fill="#333">{top}</text>',
    ]
    for index, count in sorted(counts.items()):
        h = plot_h * count / top
        x = pad_l + index * bar_w
        label = (start + index * step).strftime(fmt)
        parts.append(
            f'<rect x="{x + 0.5:.1f}" y="{pad_t + plot_h - h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
            f'height="{h:.1f}" fill="#1f5fa8"><title>{escape(label)}: {count}</title></rect>'
        )
    for index in sorted({0, bins - 1, bins // 2}):
        x = pad_l + index * bar_w + bar_w / 2
        label = (start + index * step).strftime(fmt)
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="10" '
                     f'fill="#333">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + " …"


def word_diff(left: str | None, right: str | None) -> tuple[Markup, Markup]:
    """Both texts escaped; words only on one side in ``<del>`` (left) or ``<ins>`` (right)."""
    a, b = re.findall(r"\S+|\s+", _clip(left)), re.findall(r"\S+|\s+", _clip(right))
    out_a: list[str] = []
    out_b: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        chunk_a = str(escape("".join(a[i1:i2])))
        chunk_b = str(escape("".join(b[j1:j2])))
        if op == "equal":
            out_a.append(chunk_a)
            out_b.append(chunk_b)
            continue
        if chunk_a:
            out_a.append(f"<del>{chunk_a}</del>")
        if chunk_b:
            out_b.append(f"<ins>{chunk_b}</ins>")

    def clean(html: str) -> Markup:
        return Markup(nh3.clean(html, tags={"ins", "del"}, attributes={}))

    return clean("".join(out_a)), clean("".join(out_b))


def detail_pairs(detail: Any) -> list[tuple[str, str]]:
    """An evidence ``detail`` as (key, text) pairs to show escaped."""
    if detail is None:
        return []
    if not isinstance(detail, dict):
        return [("", str(detail)[:500])]
    out = []
    for key, value in detail.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                default=str)
        out.append((str(key), text[:500]))
    return out


def limits(query: Any) -> dict[str, int]:
    """How many items, pairs and other evidence per kind, sources to show for a request."""
    def limit(name: str, default: int) -> int:
        return ALL_CAP if query.get(name) == "all" else default
    return {"items": limit("items", ITEMS_SHOWN), "pairs": limit("pairs", PAIRS_SHOWN),
            "evidence": limit("evidence", EVIDENCE_SHOWN),
            "sources": limit("sources", SOURCES_SHOWN), "cap": ALL_CAP}


def build(narrative: dict[str, Any], items: list[dict[str, Any]], evidence: list[dict[str, Any]],
          extra_items: dict[str, dict[str, Any]], kinds_of: dict[str, list[str]],
          overview: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    """The case page's view of the evidence (pairs side by side, groups by kind, watchlist).

    ``evidence`` holds only the rows to show; ``counts`` how many of each kind exist, and
    ``overview`` the counts over every member item (``items`` is the listed part)."""
    by_id = {**extra_items, **{i["item_id"]: i for i in items}}
    for item in by_id.values():
        item["link"] = safe_url(item.get("url"))
    pairs, groups, watchlist = [], defaultdict(list), []
    for ev in evidence:
        if ev["kind"] in PAIR_KINDS and ev["other_item_id"]:
            left, right = by_id.get(ev["item_id"]), by_id.get(ev["other_item_id"])
            if left and right:
                if ev["kind"] == "translation":  # different languages: a word diff says nothing
                    title = (escape(left.get("title") or ""), escape(right.get("title") or ""))
                    text = (escape(_clip(left.get("text"))), escape(_clip(right.get("text"))))
                else:
                    title = word_diff(left.get("title"), right.get("title"))
                    text = word_diff(left.get("text"), right.get("text"))
                pairs.append({"kind": ev["kind"], "score": ev["score"], "left": left,
                              "right": right, "title": title, "text": text,
                              "detail": detail_pairs(ev["detail"])})
            continue
        if ev["kind"] == "watchlist":
            watchlist.append({**ev, "item": by_id.get(ev["item_id"]),
                              "pairs": detail_pairs(ev["detail"])})
            continue
        groups[ev["kind"]].append({**ev, "item": by_id.get(ev["item_id"]),
                                   "pairs": detail_pairs(ev["detail"])})
    for item in items:
        item["evidence"] = kinds_of.get(item["item_id"], [])
    shown = Counter(p["kind"] for p in pairs)
    return {
        "timeline": timeline_svg(overview["minutes"]),
        "pairs": pairs,
        # kind -> (shown, existing), in PAIR_KINDS order, for "20 of 3,686" and the link
        "pair_counts": {k: (shown[k], counts[k]) for k in PAIR_KINDS if counts.get(k)},
        "groups": dict(sorted(groups.items())),
        "group_counts": {k: counts.get(k, len(rows)) for k, rows in groups.items()},
        "watchlist": watchlist,
        "languages": overview["languages"],
        "item_count": overview["item_count"],
    }
