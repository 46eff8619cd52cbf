"""DISARM framework ids shipped with Vigie (CC BY-SA 4.0, DISARM Foundation).

Attribution and licence: ``data/DISARM-LICENSE.md``.

``data/disarm_red.csv`` lists the red framework (tactics, techniques, sub-techniques: what an
attacker does) and ``data/disarm_blue.csv`` the blue framework (response types D01-D07 and
counters). Reviewers tag decisions with red ids and recommend blue response types.

The two files are extracted from the DISARM release (STIX bundle, id grids and master
workbook) with ``python -m reservist_review.disarm extract <disarm folder>``.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

FIELDS = ("id", "name", "kind", "parent")

# Communication actions the ministry's teams can take, beside DISARM's response types.
COMMUNICATION_ACTIONS: dict[str, str] = {
    "prebunk": "Prebunk",
    "debunk": "Debunk",
    "notify_platform": "Notify the platform",
    "brief_embassy": "Brief the embassy",
}


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    kind: str  # tactic | technique | subtechnique | response_type | counter
    parent: str  # tactic of a technique, technique of a sub-technique, response type of a counter


def _read(name: str) -> list[Entry]:
    path = resources.files("reservist_review") / "data" / name
    with path.open(encoding="utf-8", newline="") as fh:
        return [Entry(**{k: row[k] for k in FIELDS}) for row in csv.DictReader(fh)]


@lru_cache(maxsize=1)
def red() -> tuple[Entry, ...]:
    return tuple(_read("disarm_red.csv"))


@lru_cache(maxsize=1)
def blue() -> tuple[Entry, ...]:
    return tuple(_read("disarm_blue.csv"))


def techniques() -> list[Entry]:
    return [e for e in red() if e.kind in ("technique", "subtechnique")]


def response_types() -> list[Entry]:
    return [e for e in blue() if e.kind == "response_type"]


@lru_cache(maxsize=1)
def technique_ids() -> frozenset[str]:
    return frozenset(e.id for e in techniques())


def response_ids() -> frozenset[str]:
    return frozenset(e.id for e in response_types()) | frozenset(COMMUNICATION_ACTIONS)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def search_techniques(query: str, limit: int = 30) -> list[Entry]:
    """Techniques whose id or name contains every word of ``query`` (accent/case-insensitive)."""
    words = _fold(query).split()
    found = [e for e in techniques() if all(w in _fold(f"{e.id} {e.name}") for w in words)]
    return found[:limit]


def name_of(entry_id: str) -> str:
    for entry in (*red(), *blue()):
        if entry.id == entry_id:
            return entry.name
    return COMMUNICATION_ACTIONS.get(entry_id, entry_id)


# --- extraction from a DISARM release (run once by a maintainer, not at run time) -------------

_XL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _xlsx_rows(path: Path, sheet: str) -> list[dict[str, str]]:
    """Rows of one sheet as dicts keyed by the header row (standard library only)."""
    with zipfile.ZipFile(path) as z:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{_XL}t"))
            for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{_XL}si")
        ]
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rid = next(s.get(f"{_REL}id") for s in book.iter(f"{_XL}sheet") if s.get("name") == sheet)
        xml = ElementTree.fromstring(z.read("xl/" + targets[rid].removeprefix("/xl/")))
    table = []
    for row in xml.iter(f"{_XL}row"):
        cells = {}
        for c in row.findall(f"{_XL}c"):
            v = c.find(f"{_XL}v")
            text = v.text if v is not None and v.text else ""
            if c.get("t") == "s" and text:
                text = shared[int(text)]
            cells[re.match(r"[A-Z]+", c.get("r", "A")).group()] = text.strip()
        table.append(cells)
    header = table[0]
    return [{header[k]: v for k, v in r.items() if header.get(k)} for r in table[1:]]


def _grid_ids(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {cell for row in csv.reader(fh) for cell in row if cell}


def extract(disarm_dir: Path, out_dir: Path) -> tuple[int, int]:
    """Write ``disarm_red.csv`` and ``disarm_blue.csv`` from a DISARM release folder."""
    bundle = json.loads((disarm_dir / "DISARM.json").read_text(encoding="utf-8"))
    red_ids = _grid_ids(disarm_dir / "red_framework_ids.csv")
    tactics, phase_to_tactic, rows = {}, {}, []
    for obj in bundle["objects"]:
        if obj["type"] == "x-mitre-tactic":
            tid = obj["external_references"][0]["external_id"]
            tactics[tid] = obj["name"]
            phase_to_tactic[obj["x_mitre_shortname"]] = tid
    rows += [Entry(tid, name, "tactic", "") for tid, name in sorted(tactics.items())]
    for obj in bundle["objects"]:
        if obj["type"] != "attack-pattern" or obj.get("revoked"):
            continue
        tid = next(r["external_id"] for r in obj["external_references"] if "external_id" in r)
        if tid not in red_ids:
            continue
        if "." in tid:
            rows.append(Entry(tid, obj["name"], "subtechnique", tid.split(".")[0]))
        else:
            phase = obj["kill_chain_phases"][0]["phase_name"]
            rows.append(Entry(tid, obj["name"], "technique", phase_to_tactic.get(phase, "")))
    red_rows = sorted(rows, key=lambda e: (e.kind != "tactic", e.id))

    workbook = disarm_dir / "DISARM_FRAMEWORKS_MASTER.xlsx"
    blue_ids = _grid_ids(disarm_dir / "blue_framework_ids.csv")
    blue_rows = [
        Entry(r["disarm_id"], r["name"], "response_type", "")
        for r in _xlsx_rows(workbook, "responsetypes")
        if re.fullmatch(r"D\d\d", r.get("disarm_id", ""))
    ]
    counters = [
        Entry(r["disarm_id"], r["name"], "counter", r.get("responsetype", ""))
        for r in _xlsx_rows(workbook, "countermeasures")
        if r.get("disarm_id") in blue_ids
    ]
    blue_rows += sorted(counters, key=lambda e: e.id)
    for name, entries in (("disarm_red.csv", red_rows), ("disarm_blue.csv", blue_rows)):
        with (out_dir / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(FIELDS)
            writer.writerows((e.id, e.name, e.kind, e.parent) for e in entries)
    return len(red_rows), len(blue_rows)


if __name__ == "__main__":  # python -m reservist_review.disarm extract ../shared/data/disarm
    if len(sys.argv) != 3 or sys.argv[1] != "extract":
        sys.exit("usage: python -m reservist_review.disarm extract DISARM_FOLDER")
    here = Path(__file__).parent / "data"
    n_red, n_blue = extract(Path(sys.argv[2]), here)
    print(f"red {n_red}, blue {n_blue} entries written to {here}")
