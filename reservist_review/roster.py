"""The roster: who reviews, in which languages, regions and skills, and how many cases at once.

YAML (``reservists: [{id, name, email, role, languages, regions, skills, capacity,
available}]``) or CSV with the same columns, lists separated by ``;``. Loading validates
every row and reports all problems at once (``RosterError``) instead of importing half a file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reservist_review.permissions import ROLES

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")
COLUMNS = ("id", "name", "email", "role", "languages", "regions", "skills", "capacity", "available")


class RosterError(ValueError):
    """A roster file that cannot be imported; the message lists every bad row."""


@dataclass(frozen=True)
class Reservist:
    id: str
    name: str
    email: str = ""
    role: str = "reservist"
    languages: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    capacity: int = 3
    available: bool = True
    active: bool = True
    open_cases: int = field(default=0, compare=False)

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row.pop("open_cases")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in row.items()}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Reservist:
        """From a store row (``reservist_id`` or ``id`` key)."""
        return cls(
            id=row.get("reservist_id") or row["id"],
            name=row["name"],
            email=row.get("email") or "",
            role=row.get("role") or "reservist",
            languages=tuple(row.get("languages") or ()),
            regions=tuple(row.get("regions") or ()),
            skills=tuple(row.get("skills") or ()),
            capacity=int(row.get("capacity") if row.get("capacity") is not None else 3),
            available=bool(row.get("available", True)),
            active=bool(row.get("active", True)),
            open_cases=int(row.get("open_cases") or 0),
        )


def _list(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        parts: Iterable[Any] = re.split(r"[;,]", value)
    elif isinstance(value, list | tuple):
        parts = value
    else:
        raise ValueError(f"expected a list, got {value!r}")
    return tuple(dict.fromkeys(str(p).strip() for p in parts if str(p).strip()))


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "1", "true", "yes", "y", "oui", "o"):
        return True
    if text in ("0", "false", "no", "n", "non"):
        return False
    raise ValueError(f"expected yes/no, got {value!r}")


def parse_entry(raw: Mapping[str, Any]) -> Reservist:
    """One roster row to a validated :class:`Reservist` (``ValueError`` says what is wrong)."""
    unknown = set(raw) - set(COLUMNS) - {"active"}
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(sorted(map(str, unknown)))}")
    rid = str(raw.get("id") or "").strip().lower()
    if not ID_RE.match(rid):
        raise ValueError(f"id {rid!r} must be 2-64 characters a-z 0-9 . _ -")
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ValueError("name is missing")
    email = str(raw.get("email") or "").strip()
    if email and not EMAIL_RE.match(email):
        raise ValueError(f"email {email!r} is not an address")
    role = str(raw.get("role") or "reservist").strip().lower()
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    languages = tuple(x.lower() for x in _list(raw.get("languages")))
    bad = [x for x in languages if not LANG_RE.match(x)]
    if bad:
        raise ValueError(f"language(s) {', '.join(bad)} are not ISO 639 codes (fr, en, ru...)")
    capacity_raw = raw.get("capacity")
    try:
        capacity = 3 if capacity_raw in (None, "") else int(capacity_raw)
    except (TypeError, ValueError):
        raise ValueError(f"capacity {capacity_raw!r} is not a number") from None
    if not 0 <= capacity <= 100:
        raise ValueError(f"capacity {capacity} must be between 0 and 100")
    return Reservist(
        id=rid,
        name=name,
        email=email,
        role=role,
        languages=languages,
        regions=_list(raw.get("regions")),
        skills=_list(raw.get("skills")),
        capacity=capacity,
        available=_bool(raw.get("available", True)),
        active=_bool(raw.get("active", True)),
    )


def parse_entries(rows: Iterable[Mapping[str, Any]], where: str = "roster") -> list[Reservist]:
    people, problems, seen = [], [], set()
    for number, raw in enumerate(rows, start=1):
        try:
            if not isinstance(raw, Mapping):
                raise ValueError("is not a mapping of columns")
            person = parse_entry(raw)
            if person.id in seen:
                raise ValueError(f"id {person.id!r} appears twice")
            seen.add(person.id)
            people.append(person)
        except ValueError as exc:
            problems.append(f"{where} entry {number}: {exc}")
    if problems:
        raise RosterError("\n".join(problems))
    return people


def parse_roster(text: str, fmt: str, where: str = "roster") -> list[Reservist]:
    """Validate roster text; ``fmt`` is ``yaml`` or ``csv``."""
    if fmt == "yaml":
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RosterError(f"{where}: not valid YAML: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("reservists"), list):
            raise RosterError(f"{where}: expected a top-level 'reservists:' list")
        return parse_entries(data["reservists"], where)
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        missing = {"id", "name"} - set(reader.fieldnames or ())
        if missing:
            raise RosterError(f"{where}: missing column(s) {', '.join(sorted(missing))}")
        rows = [{k: v for k, v in row.items() if k and v is not None} for row in reader]
        return parse_entries(rows, where)
    raise RosterError(f"{where}: roster must be YAML (.yaml, .yml) or CSV (.csv)")


def format_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}.get(suffix, suffix)


def load_roster(path: Path | str) -> list[Reservist]:
    """Read and validate a roster file (``.yaml``/``.yml`` or ``.csv``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"roster file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RosterError(f"{path}: not UTF-8 text") from None
    return parse_roster(text, format_of(path.name), path.name)
