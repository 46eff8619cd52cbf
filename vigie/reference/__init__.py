"""Reference data shipped with Vigie: legitimate outlets (and the watchlist loader).

``outlets.toml`` lists real major media and news agencies; deployments add their own
lists in the same format (``[[outlet]]`` tables with domain, name, country, language,
kind) and pass the paths to :func:`load_outlets`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

OUTLETS_PATH = Path(__file__).with_name("outlets.toml")
KINDS = ("newspaper", "agency", "broadcaster")


@dataclass(frozen=True)
class Outlet:
    domain: str
    name: str
    country: str = ""
    language: str = ""
    kind: str = "newspaper"


def load_outlets(extra: Iterable[Path | str] = (), *, include_shipped: bool = True) -> list[Outlet]:
    """The shipped list plus every file in ``extra``; a clear error on a malformed entry."""
    paths = ([OUTLETS_PATH] if include_shipped else []) + [Path(p) for p in extra]
    out: dict[tuple[str, str], Outlet] = {}
    for path in paths:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for n, row in enumerate(data.get("outlet", []), start=1):
            domain = str(row.get("domain", "")).strip().lower()
            kind = str(row.get("kind", "newspaper"))
            if not domain or kind not in KINDS:
                raise ValueError(f"{path}: outlet #{n} needs a domain and kind in {KINDS}")
            outlet = Outlet(domain, str(row.get("name", domain)), str(row.get("country", "")),
                            str(row.get("language", "")), kind)
            out[(domain, outlet.language)] = outlet
    return list(out.values())
