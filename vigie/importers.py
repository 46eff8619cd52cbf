"""Import posts from CSV / JSONL / Parquet exports (``vigie import``).

A column mapping names the columns holding ``id``, ``text``, ``source`` and ``published_at``
(required) and optionally ``title``, ``url``, ``lang``. Every row keeps its external id; each
distinct ``source`` value becomes a source ``import:<value>``. Rows that cannot be used are
reported with their line number (the physical line in CSV/JSONL, the row number in Parquet)
and a reason; the others are stored in one bulk transaction.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from vigie.config import Settings
from vigie.ingest.clean import html_to_text, normalise_space
from vigie.ingest.dates import FUTURE_TOLERANCE, parse_any
from vigie.ingest.identity import import_source_id
from vigie.ingest.records import MAX_TEXT, MAX_TITLE, fill_languages, item_row
from vigie.store import items as items_store
from vigie.store import sources as sources_store

REQUIRED = ("id", "text", "source", "published_at")
OPTIONAL = ("title", "url", "lang")
FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
MAX_FIELD = 10 * 1024 * 1024


@dataclass
class ImportReport:
    rows: int = 0  # data rows read
    stored: int = 0  # new items plus changed ones (same id, new text)
    duplicates: int = 0  # ids already stored with the same content, or repeated in the file
    rejected: list[tuple[int, str]] = field(default_factory=list)
    sources: int = 0  # distinct sources in the accepted rows
    updated: int = 0  # of ``stored``: known ids whose text changed


def parse_mapping(text: str) -> dict[str, str]:
    """``"id=COL,text=COL,source=COL,published_at=COL[,title=COL,url=COL,lang=COL]"`` to a
    dict; raises ValueError naming what is wrong. Column names may not contain commas (use
    a TOML mapping file for those)."""
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, column = part.partition("=")
        key, column = key.strip().lower(), column.strip()
        if not sep or not column:
            raise ValueError(f"mapping entry {part!r} is not KEY=COLUMN")
        mapping[key] = column
    return _checked(mapping)


def _checked(mapping: dict[str, Any]) -> dict[str, str]:
    unknown = sorted(set(mapping) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ValueError(f"unknown mapping key(s): {', '.join(unknown)} "
                         f"(known: {', '.join(REQUIRED + OPTIONAL)})")
    missing = [k for k in REQUIRED if not mapping.get(k)]
    if missing:
        raise ValueError(f"mapping lacks required key(s): {', '.join(missing)}")
    bad = [k for k, v in mapping.items() if not isinstance(v, str)]
    if bad:
        raise ValueError(f"mapping value(s) must be column names: {', '.join(bad)}")
    return dict(mapping)


def read_mapping_file(path: Path) -> dict[str, str]:
    """A TOML file with a ``[map]`` table (or the keys at top level)."""
    with path.open("rb") as fh:
        try:
            doc = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: invalid TOML: {exc}") from None
    table = doc.get("map", doc)
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [map] must be a table")
    return _checked({str(k).lower(): v for k, v in table.items()})


def _resolve_columns(mapping: dict[str, str], columns: list[str]) -> dict[str, str]:
    """Mapping to actual column names (exact, else ignoring case and surrounding spaces)."""
    loose = {c.strip().lower(): c for c in columns}
    out = {}
    for key, col in mapping.items():
        if col in columns:
            out[key] = col
        elif col.strip().lower() in loose:
            out[key] = loose[col.strip().lower()]
        else:
            raise ValueError(f"column {col!r} (for {key}) not in the file; "
                             f"columns are: {', '.join(columns)}")
    return out


def _csv_rows(path: Path, delimiter: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    csv.field_size_limit(MAX_FIELD)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError(f"{path}: empty file") from None
        yield 0, {"__header__": header}
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, f"unreadable CSV row: {exc}"
                continue
            if not values or values == [""]:
                continue
            if len(values) != len(header):
                yield start, f"{len(values)} fields where the header has {len(header)}"
                continue
            yield start, dict(zip(header, values, strict=True))


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    yield 0, {"__header__": None}
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except (ValueError, RecursionError) as exc:
                yield number, f"invalid JSON: {exc}"
                continue
            if not isinstance(value, dict):
                yield number, "line is not a JSON object"
                continue
            yield number, value


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    table = pq.ParquetFile(path)
    yield 0, {"__header__": table.schema_arrow.names}
    number = 0
    for batch in table.iter_batches(batch_size=10_000):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # ids read back as floats by some tools
    return str(value)


def _language(value: Any) -> str | None:
    """A declared language as an ISO 639-1 code ('fr', 'French', 'fr-FR'), else None."""
    text = normalise_space(_as_text(value)).lower()
    if not text or text in ("und", "unknown", "none", "null"):
        return None
    if len(text) == 2 and text.isalpha():
        return text
    if len(text) == 5 and text[2] in "-_" and text[:2].isalpha():
        return text[:2]
    from lingua import Language

    name = text.split("(")[0].strip().upper().replace(" ", "_")
    lang = getattr(Language, name, None)
    return lang.iso_code_639_1.name.lower() if lang is not None else None


def _row_to_item(raw: dict[str, Any], cols: dict[str, str], now: datetime) -> dict[str, Any] | str:
    ext_id = normalise_space(_as_text(raw.get(cols["id"])))
    source = normalise_space(_as_text(raw.get(cols["source"])))
    text = html_to_text(_as_text(raw.get(cols["text"])))[:MAX_TEXT]
    title = html_to_text(_as_text(raw.get(cols["title"])))[:MAX_TITLE] if "title" in cols else ""
    when_raw = raw.get(cols["published_at"])
    if not ext_id:
        return "empty id"
    if len(ext_id) > 1000:
        return "id longer than 1000 characters"
    if not source:
        return "empty source"
    if not text and not title:
        return "empty text"
    if when_raw is None or not _as_text(when_raw).strip():
        return "empty published_at"
    when = parse_any(when_raw)
    if when is None:
        return f"unreadable published_at {_as_text(when_raw)[:60]!r}"
    if when > now + FUTURE_TOLERANCE:
        return f"published_at {when:%Y-%m-%dT%H:%M:%SZ} is in the future"
    source_id = import_source_id(source[:200])
    return item_row(
        source_id, guid=ext_id, external_id=ext_id,
        link=_as_text(raw.get(cols["url"])) if "url" in cols else None,
        title=title, text=text, author=None, published=when, published_raw=True, now=now,
        language=_language(raw.get(cols["lang"])) if "lang" in cols else None,
    ) | {"_source_name": source[:200]}


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        fmt = fmt.lower()
        if fmt not in set(FORMATS.values()):
            raise ValueError(f"unknown format {fmt!r} (csv, tsv, jsonl or parquet)")
        return fmt
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ValueError(f"cannot tell the format of {path.name}: give --format")
    return found


def import_posts(
    settings: Settings, path: Path, mapping: dict[str, str] | Path, fmt: str | None = None
) -> ImportReport:
    """Read ``path``, store its valid rows as items, report the rejected ones."""
    path = Path(path)
    if isinstance(mapping, Path | str) and not isinstance(mapping, dict):
        mapping = read_mapping_file(Path(mapping))
    else:
        mapping = _checked(mapping)
    kind = detect_format(path, fmt)
    if kind == "parquet":
        stream = _parquet_rows(path)
    elif kind == "jsonl":
        stream = _jsonl_rows(path)
    else:
        stream = _csv_rows(path, "\t" if kind == "tsv" else ",")
    now = datetime.now(UTC)
    report = ImportReport()
    _, first = next(stream)
    header = first["__header__"]  # type: ignore[index]
    cols = _resolve_columns(mapping, header) if header is not None else mapping
    rows: list[dict[str, Any]] = []
    for number, raw in stream:
        report.rows += 1
        if isinstance(raw, str):
            report.rejected.append((number, raw))
            continue
        item = _row_to_item(raw, cols, now)
        if isinstance(item, str):
            report.rejected.append((number, item))
        else:
            rows.append(item)
    fill_languages(rows)
    names = {r["source_id"]: r.pop("_source_name") for r in rows}
    report.sources = len(names)
    if rows:
        store = settings.store()
        with store.transaction() as con:
            sources_store.upsert_sources(con, [
                {"source_id": sid, "kind": "import", "name": name, "added_at": now}
                for sid, name in names.items()
            ])
            counts = items_store.upsert_items(con, rows, now, by_content=False)
        new = sum(c["new"] for c in counts.values())
        report.updated = sum(c["updated"] for c in counts.values())
        report.stored = new + report.updated
        report.duplicates = sum(c["unchanged"] for c in counts.values())
    return report

