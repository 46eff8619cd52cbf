"""Watchlist of known disinformation narratives (claim titles), loaded from a user's file.

Vigie ships no copy of such data: point it at a CSV with a ``title`` column, such as
EUvsDisinfo's ``posts.csv`` (columns date, id, title, countries, keywords, languages,
outlets). No file means an empty watchlist.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Claim:
    title: str
    ref: str = ""  # case URL or id
    date: str = ""
    keywords: tuple[str, ...] = ()


def load_watchlist(path: Path | str | None) -> list[Claim]:
    if not path:
        return []
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"watchlist file not found: {path}")
    claims: list[Claim] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "title" not in reader.fieldnames:
            raise ValueError(f"{path}: a watchlist CSV needs a 'title' column")
        for row in reader:
            title = (row.get("title") or "").strip()
            if title:
                kw = tuple(k for k in (row.get("keywords") or "").split("+") if k)
                claims.append(Claim(title, row.get("id") or "", row.get("date") or "", kw))
    return claims
