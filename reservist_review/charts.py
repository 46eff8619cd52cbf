"""Volume charts for the digest: items per day of one narrative, as a small PNG.

Drawn with matplotlib's object API on the Agg canvas (no pyplot global state, safe in
threads and in Prefect workers). No text from feeds goes into a chart: titles are hostile
and matplotlib would interpret ``$...$`` in them as maths.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BAR = "#1f4e79"
HIGHLIGHT = "#c0392b"


def volume_chart_png(volume: Sequence[dict[str, Any]], *, highlight: date | None = None) -> bytes:
    """A bar chart of ``[{day, items}, ...]``; the bar of ``highlight`` (the digest day) in red.

    Language-neutral (dates as dd/mm, counts), so one image serves every language.
    Output is byte-identical for identical input (no timestamp in the PNG metadata).
    """
    days = [v["day"] for v in volume]
    counts = [int(v["items"]) for v in volume]
    fig = Figure(figsize=(5.6, 1.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = [HIGHLIGHT if d == highlight else BAR for d in days]
    ax.bar(range(len(days)), counts, color=colours, width=0.8)
    step = max(1, len(days) // 7)
    ax.set_xticks(range(0, len(days), step))
    ax.set_xticklabels([f"{d:%d/%m}" for d in days[::step]], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylim(0, max(counts + [1]) * 1.15)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout(pad=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
