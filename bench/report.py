"""The benchmark's Markdown report, rendered from the results dictionary (quality.json)."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        import psutil

        ram_gib = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # psutil is in the [bench] extra; the report works without it
        ram_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, digits: int = 2) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(results: list[dict]) -> str:
    head = [
        "system",
        "variant",
        "NMI",
        "ARI",
        "pairwise F1",
        "BCubed F1",
        "unclustered",
        "#narratives",
        "coord. P",
        "coord. R",
        "coord. F1",
        "organic FP",
        "source P",
        "seconds",
    ]
    lines = [_row(head), _row(["---"] * len(head))]
    for r in results:
        n = r.get("narratives") or {}
        c = r.get("coordination") or {}
        lines.append(
            _row(
                [
                    r["system"],
                    r["variant"],
                    _num(n.get("nmi")),
                    _num(n.get("ari")),
                    _num((n.get("pairwise") or {}).get("f1")),
                    _num((n.get("bcubed") or {}).get("f1")),
                    _pct(n.get("unclustered")),
                    str(n["narratives"]) if n else "",
                    _num(c.get("precision")),
                    _num(c.get("recall")),
                    _num(c.get("f1")),
                    _pct(c.get("organic_fp_rate")),
                    _num(c.get("source_precision")),
                    _num(r.get("seconds"), 1),
                ]
            )
        )
    return "\n".join(lines)


# What `vigie analyse` reports of its inner stages (score_s includes signals_s).
ANALYSE_TIMINGS = ("embed_s", "narratives_s", "signals_s", "score_s")


def _cost_table(vigie: dict) -> str:
    head = ["variant", "stage", "wall s", "peak RSS MB", "detail"]
    lines = [_row(head), _row(["---"] * len(head))]
    for variant, run in vigie.items():
        if "error" in run:
            lines.append(_row([variant, "failed", "", "", run["error"]]))
            continue
        for name, stage in run.get("cost", {}).items():
            stats = stage.get("stats") or {}
            detail = ", ".join(
                f"{k[:-2]} {stats[k]:.1f} s" for k in ANALYSE_TIMINGS if _is_num(stats.get(k))
            )
            lines.append(
                _row(
                    [
                        variant,
                        name,
                        _num(stage["seconds"], 1),
                        _num(stage["peak_rss_mb"], 0),
                        detail,
                    ]
                )
            )
    return "\n".join(lines)


def _is_num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def markdown(res: dict) -> str:
    m = res["machine"]
    out = [
        "# Detection-quality benchmark",
        "",
        f"Run {res['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM "
        f"(Python {m['python']}){' — SMALL slice' if res['small'] else ''}.",
        "",
    ]
    if res.get("vigie_config"):
        out += [f"Vigie ran with the configuration file `{res['vigie_config']}`.", ""]
    for variant, d in res["data"].items():
        out.append(
            f"- Variant {variant}: {d['items']} items ({d['organic']} organic in "
            f"{d['organic_sources']} sources, {d['campaign']} campaign from "
            f"{d['campaign_sources']} accounts); {d['ground_truth']} coordinated copies."
        )
    out += [
        "",
        "Narrative metrics: organic items vs the 13 CrisisLex events (unclustered items count as "
        "singletons). Coordination: item level against the ground truth; organic FP = share of "
        "organic items predicted; source P = share of predicted sources that posted a "
        "coordinated copy.",
        "",
        table(res["results"]),
        "",
    ]
    for note in res.get("notes", []):
        out.append(f"- {note}")
    st = res.get("stability")
    if st:
        out += ["", f"## Stability (variant {st.get('variant', 'a')}, fed day by day)", ""]
        if "error" in st:
            out.append(f"Failed: {st['error']}")
        else:
            out.append(
                f"{st['days']} daily slices in {st['seconds']:.0f} s: "
                f"{_pct(st['share'])} of {st['items']} items kept the narrative they got on "
                f"arrival. Streamed clustering: BCubed F1 "
                f"{_num(st['narratives']['bcubed']['f1'])}, NMI {_num(st['narratives']['nmi'])}, "
                f"unclustered {_pct(st['narratives']['unclustered'])}, "
                f"{st['narratives']['narratives']} narratives."
            )
    if res.get("vigie"):
        out += [
            "",
            "## Cost of Vigie (each stage a separate process)",
            "",
            _cost_table(res["vigie"]),
        ]
    emb = res.get("embedding")
    if emb:
        out += [
            "",
            f"Embedding floor: a bare MiniLM `encode` of the {emb['texts']} texts takes "
            f"{emb['floor_seconds']:.0f} s here ({1000 * emb['seconds_per_text']:.1f} ms/text, "
            f"measured on {emb.get('floor_sample', emb['texts'])} of them in this run).",
        ]
    return "\n".join(out) + "\n"
