"""The demo's roster and established-outlet list: loadable, and consistent with the demo world."""

from __future__ import annotations

import tomllib

from reservist_review.roster import load_roster
from vigie.demo import OUTLETS_PATH, ROSTER_PATH


def test_roster_loads_with_the_review_loader():
    people = load_roster(ROSTER_PATH)
    assert 6 <= len(people) <= 10
    roles = {p.role for p in people}
    assert {"reservist", "coordinator", "communication", "admin"} <= roles
    sahel_en = [p for p in people if "en" in p.languages and "Sahel" in p.skills and p.available]
    assert sahel_en and any(p.role == "reservist" for p in sahel_en)
    assert all(p.email.endswith("@example.org") for p in people)
    assert {"ru", "ar"} <= {lang for p in people for lang in p.languages}


def test_outlets_file_lists_exactly_the_established_sources(demo_site):
    _, manifest = demo_site
    data = tomllib.loads(OUTLETS_PATH.read_text(encoding="utf-8"))
    rows = data["outlet"]
    assert all(set(r) == {"domain", "name", "country", "language", "kind"} for r in rows)
    assert all(r["kind"] in ("newspaper", "agency", "broadcaster") for r in rows)
    listed = {r["domain"]: r for r in rows}
    established = {s.domain: s for s in manifest.sources if s.kind == "established"}
    assert listed.keys() == established.keys()
    for domain, src in established.items():
        assert (listed[domain]["name"], listed[domain]["language"]) == (src.name, src.language)
    # neither the look-alike targets nor anything of the network is in the demo's list
    assert not {"lemonde.fr", "lefigaro.fr", "lemonde.ltd", "lefigaro.com.co"} & listed.keys()
