"""Routing (pure) and roster loading."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from reservist_review import routing
from reservist_review.roster import Reservist, RosterError, load_roster, parse_roster
from reservist_review.route_reasons import render
from reservist_review.routing import Need


def person(pid: str, **kw) -> Reservist:
    base = {"name": pid.title(), "role": "reservist", "languages": ("fr",), "capacity": 3}
    base.update(kw)
    return Reservist(id=pid, **base)


AWA = person("awa", name="Awa Diallo", languages=("en", "fr"), regions=("Sahel",), open_cases=1)
BORIS = person("boris", languages=("ru", "en"), regions=("Russia",), skills=("cyber",))
CARLA = person("carla", role="coordinator", languages=("fr", "en"))


def test_language_and_region_win_and_the_reason_says_why():
    need = Need("N-1", languages=("en", "fr"), topics=("mali", "sahel", "elections"), score=0.9)
    choice = routing.choose(need, [BORIS, CARLA, AWA])
    assert choice.reservist_id == "awa"
    assert choice.reason == "assigned to Awa Diallo: speaks en, fr; region Sahel; 1 open case"


def test_russian_narrative_goes_to_the_russian_speaker():
    need = Need("N-2", languages=("ru",), topics=("нато",))
    choice = routing.choose(need, [AWA, CARLA, BORIS])
    assert choice.reservist_id == "boris"
    assert "speaks ru" in choice.reason and "0 open cases" in choice.reason


def test_accents_and_multiword_regions_match():
    west = person("w", regions=("Côte d'Ivoire",), languages=("fr",))
    other = person("o", languages=("fr",))
    need = Need("N-3", languages=("fr",),
                topics=routing.topic_words("Crise en cote d'ivoire", "Abidjan"))
    assert routing.choose(need, [other, west]).reservist_id == "w"


def test_capacity_availability_and_role_are_respected():
    full = person("full", capacity=1, open_cases=1)
    away = person("away", available=False)
    gone = person("gone", active=False)
    comms = person("comms", role="communication")
    need = Need("N-4", languages=("fr",))
    assert routing.choose(need, [full, away, gone, comms]) is None
    ok = person("ok", open_cases=2)
    assert routing.choose(need, [full, away, gone, comms, ok]).reservist_id == "ok"


def test_nobody_speaks_the_language_is_said_plainly():
    need = Need("N-5", languages=("ar",))
    choice = routing.choose(need, [person("a")])
    assert "nobody available speaks ar" in choice.reason


def test_load_is_balanced_across_a_batch():
    a, b = person("a"), person("b")
    needs = [Need(f"N-{i}", languages=("fr",), score=i / 10) for i in range(4)]
    choices = routing.route_all(needs, [a, b])
    assert [c.narrative_id for c in choices] == ["N-3", "N-2", "N-1", "N-0"]  # score order
    counts = {pid: sum(c.reservist_id == pid for c in choices) for pid in ("a", "b")}
    assert counts == {"a": 2, "b": 2}
    # the load shown in the reason grows as cases are handed out
    assert choices[0].reason.endswith("0 open cases") and choices[2].reason.endswith("1 open case")


def test_reservists_before_coordinators_at_equal_match():
    need = Need("N-6", languages=("fr",))
    assert routing.choose(need, [CARLA, person("r", languages=("fr", "en"))]).reservist_id == "r"


def test_second_opinion_is_never_the_last_reviewer():
    need = Need("N-7", languages=("en", "fr"), topics=("sahel",))
    first = routing.choose(need, [AWA, BORIS, CARLA])
    second = routing.second_opinion(need, [AWA, BORIS, CARLA], [first.reservist_id])
    assert first.reservist_id == "awa" and second.reservist_id != "awa"
    # only the last reviewer left: nobody rather than the same person twice in a row
    assert routing.second_opinion(need, [AWA], ["awa"]) is None


def test_escalation_picks_the_least_loaded_coordinator():
    busy = person("busy", role="coordinator", open_cases=4, capacity=5)
    free = person("free", role="coordinator", open_cases=0)
    admin = person("root", role="admin")
    assert routing.coordinator_for([busy, free, admin, AWA]).id == "free"
    assert routing.coordinator_for([busy, admin], exclude={"busy"}).id == "root"
    assert routing.coordinator_for([AWA]) is None
    now = datetime(2025, 1, 2, tzinfo=UTC)
    assert routing.is_overdue(now - timedelta(hours=25), now, 24)
    assert not routing.is_overdue(now - timedelta(hours=23), now, 24)
    reason, parts = routing.escalation_reason(free, "Awa Diallo", 24)
    assert reason == "escalated to Free: no decision from Awa Diallo within 24 h"
    assert render(parts, "fr") == "remonté à Free : pas de décision de Awa Diallo en 24 h"


def test_need_from_store_row_merges_label_keywords_and_source_regions():
    row = {"narrative_id": "N-8", "label": "Fraude élections", "headline": None,
           "keywords": ["mali"], "languages": ["fr", None], "regions": ["Sahel"], "score": 0.5}
    need = routing.need_from_row(row, frozenset({"x"}))
    assert need.languages == ("fr",) and "elections" in need.topics and "Sahel" in need.topics
    assert need.exclude == frozenset({"x"})


# --- roster -----------------------------------------------------------------------------------

YAML = """
reservists:
  - {id: awa, name: Awa Diallo, email: awa@example.org, role: reservist,
     languages: [fr, en], regions: [Sahel], skills: [OSINT, health], capacity: 2, available: true}
  - {id: carla, name: Carla Martin, role: coordinator, languages: fr, capacity: 5}
"""


def test_yaml_and_csv_rosters_load_alike(tmp_path):
    y = tmp_path / "roster.yaml"
    y.write_text(YAML, encoding="utf-8")
    c = tmp_path / "roster.csv"
    c.write_text(
        "id,name,email,role,languages,regions,skills,capacity,available\n"
        "awa,Awa Diallo,awa@example.org,reservist,fr;en,Sahel,OSINT;health,2,yes\n"
        "carla,Carla Martin,,coordinator,fr,,,5,\n",
        encoding="utf-8",
    )
    from_yaml, from_csv = load_roster(y), load_roster(c)
    assert from_yaml == from_csv
    assert from_yaml[0].languages == ("fr", "en") and from_yaml[0].skills == ("OSINT", "health")
    assert from_yaml[1].role == "coordinator" and from_yaml[1].available


def test_bad_roster_lists_every_problem():
    text = """
reservists:
  - {id: "A B", name: x}
  - {id: ok, name: "", role: reservist}
  - {id: ok2, name: Ok, role: boss, languages: [french]}
  - {id: ok3, name: Ok, capacity: lots, colour: red}
"""
    with pytest.raises(RosterError) as err:
        parse_roster(text, "yaml")
    message = str(err.value)
    for expected in ("entry 1: id", "entry 2: name is missing", "entry 3: role 'boss'",
                     "entry 4: unknown column(s) colour"):
        assert expected in message
    with pytest.raises(RosterError, match="appears twice"):
        parse_roster("reservists: [{id: aa, name: A}, {id: aa, name: B}]", "yaml")
    with pytest.raises(RosterError, match="top-level"):
        parse_roster("- just a list", "yaml")
    with pytest.raises(RosterError, match="missing column"):
        parse_roster("name,email\nA,a@b.c\n", "csv")
    with pytest.raises(RosterError, match="YAML .* or CSV"):
        parse_roster("x", ".xlsx")


def test_routing_reasons_are_shown_in_the_readers_language():
    from reservist_review.i18n import translations
    from reservist_review.route_reasons import ROUTE_TEMPLATES, localise, part

    parts = [part("assigned", name="Awa"), part("speaks", languages="fr"),
             part("regions", items="Sahel, Mali", n=2), part("open_cases", n=1)]
    english = "assigned to Awa: speaks fr; regions Sahel, Mali; 1 open case"
    assert render(parts, "en") == english
    assert render(parts, "fr") == "attribué à Awa : parle fr; régions Sahel, Mali; 1 dossier ouvert"
    assert localise(english, json.dumps(parts), "fr").startswith("attribué à Awa : ")
    # rows from before parts existed, or parts this version cannot render: the stored sentence
    assert localise(english, None, "fr") == english
    assert localise(english, '[{"code": "unknown", "params": {}}]', "fr") == english
    assert localise(english, "not json", "fr") == english
    # every message has its French translation, placeholders kept
    fr = translations("fr", "routing")
    for template in ROUTE_TEMPLATES.values():
        for n, msgid in enumerate(template.msgids()):
            text = (fr.ngettext(template.text, template.plural, 1 + n) if template.plural
                    else fr.gettext(msgid))
            assert text != msgid and set(re.findall(r"{\w+}", text)) == set(
                re.findall(r"{\w+}", msgid)), msgid
