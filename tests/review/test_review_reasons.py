"""Flag reasons in French and English: catalog completeness, renderer, fallback to English."""

from __future__ import annotations

import json
import string
from importlib import resources

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape

from detectors.reason_templates import REASON_TEMPLATES, all_templates
from detectors.scoring import NarrativeSignals, reasons
from reservist_review.reasons import render_reason, render_reasons

NNBSP = "\u202f"  # French thousands separator
LOOK = {"count": 2, "targets": ["lefigaro.fr", "lemonde.fr"],
        "domains": ["lefigaro.com.co", "lemonde.ltd"]}


def _catalog(lang: str):
    path = resources.files("reservist_review") / "locales" / lang / "LC_MESSAGES" / "reasons.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_template_has_a_french_translation_with_the_same_placeholders():
    catalog = _catalog("fr")
    assert catalog.num_plurals == 2
    for code, template in all_templates().items():
        msg = catalog.get(template.text)
        assert msg is not None and not msg.fuzzy, f"{code}: no French entry"
        assert "python-brace-format" in msg.flags, code
        if template.plural is None:
            forms = [msg.string]
        else:
            assert msg.id == (template.text, template.plural), f"{code}: plural msgid differs"
            forms = list(msg.string)
        wanted = _fields(template.text) | _fields(template.plural or "")
        for form in forms:
            assert form and form != template.text, f"{code}: untranslated"
            assert _fields(form) == wanted, f"{code}: placeholders {_fields(form)} != {wanted}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_catalogs_hold_exactly_the_templates(lang):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
    assert ids == {t.text for t in all_templates().values()}


def test_french_numbers_plurals_durations_language_names():
    one = {**LOOK, "count": 1, "targets": ["lemonde.fr"], "domains": ["lemonde.ltd"]}
    assert render_reason("lookalike", one, "fr") == (
        "1 source utilise un nom de domaine imitant lemonde.fr (lemonde.ltd).")
    assert render_reason("lookalike", LOOK, "fr") == (
        "2 sources utilisent des noms de domaine imitant lefigaro.fr et lemonde.fr "
        "(lefigaro.com.co et lemonde.ltd).")
    assert render_reason("synchrony", {"sources": 7, "span_s": 840}, "fr") == (
        "7 sources ont publié un texte quasi identique en 14 minutes.")
    burst = render_reason("burst", {"items": 1234, "window_s": 6 * 3600, "ratio": 6.5}, "fr")
    assert burst == (f"Le volume a bondi à 1{NNBSP}234 articles en 6\u00a0heures, soit 6,5 fois "
                     "son rythme récent.")
    assert render_reason("burst", {"items": 1, "window_s": 3600, "ratio": 2.0}, "fr").startswith(
        "Le volume a bondi à 1 article en")
    # French treats 0 as singular
    assert render_reason("translation", {"languages": ["en", "ru"], "pairs": 0}, "fr") == (
        "Des traductions le relaient dans ces langues : anglais et russe (0 paire de "
        "traduction).")


def test_english_plurals_and_long_lists():
    assert render_reason("lookalike", {**LOOK, "count": 1}, "en").startswith(
        "1 of the sources is a look-alike domain of")
    assert render_reason("translation", {"languages": ["en", "ru"], "pairs": 46}, "en") == (
        "Translated copies relay it in English and Russian (46 translation pairs).")
    names = [f"site{i}.info" for i in range(7)]
    params = {"agency": "AFP", "outlets": 7, "outlet_names": names}
    assert "site3.info, and 3 more)" in render_reason("syndication", params, "en")
    assert "site3.info et 3 autres)" in render_reason("syndication", params, "fr")


def test_english_of_the_desk_is_the_detectors_english():
    sig = NarrativeSignals(items=9, sources=6, first_seen_age_s=7200, sync_sources=6,
                           sync_span_s=600, lookalikes=[("lemonde.ltd", "lemonde.fr")],
                           new_sources=2, translation_languages=["ru"],
                           duplicate_pairs={"translation": 3})
    out = reasons(sig, {"coordination": 0.0, "synchrony": 1.0}, flagged=True)
    assert [r.code for r in out] == ["synchrony", "lookalike", "translation", "new_sources",
                                     "first_seen"]
    for r in out:
        json.dumps(r.as_json())  # plain JSON
        assert render_reason(r.code, r.params, "en") == r.text
        assert render_reason(r.code, r.params, "fr") != r.text


def test_fallback_to_the_stored_english_sentence():
    english = ["Old sentence one.", "Old sentence two."]
    assert render_reasons(english, None, "fr") == english
    stored = json.dumps([{"code": "organic", "params": {"sources": 3}},
                         {"code": "from_a_newer_version", "params": {}}])
    assert render_reasons(english, stored, "fr") == [
        "3 sources le couvrent sans agir en groupe (couverture spontanée).", "Old sentence two."]
    assert render_reasons(english, [{"code": "organic", "params": {}}], "en") == english[:1]


def test_hostile_names_stay_plain_text_for_the_templates_to_escape():
    hostile = '<img src=x onerror=alert(1)>.evil'
    text = render_reason("lookalike", {**LOOK, "domains": [hostile, "{sources}"]}, "fr")
    # rendered verbatim (escaping is the template's job), never re-interpreted as a template
    assert hostile in text and "{sources}" in text
    assert set(REASON_TEMPLATES) >= {"coordination", "lookalike", "syndication", "organic"}


def _reasons_section(page: str) -> str:
    start = page.index('<section id="reasons">')
    return " ".join(page[start:page.index("</section>", start)].split())  # no-break spaces too


def test_case_page_shows_reasons_in_the_readers_language(seeded, client_for):
    from review_helpers import HOSTILE_DOMAIN, csrf_of

    carla = client_for("coordinator")  # French by default
    section = _reasons_section(carla.get("/cases/N-camp2").text)
    assert "<li>2 sources ont publié un texte quasi identique en 2 minutes.</li>" in section
    assert "1 source utilise un nom de domaine imitant lemonde.fr (" in section
    # the hostile domain in the params is escaped text, never markup
    assert "<img" not in section and str(escape(HOSTILE_DOMAIN)) in section
    # a row without reason codes shows its stored English sentences
    old = _reasons_section(carla.get("/cases/N-camp1").text)
    assert "One source imitates lemonde.fr." in old
    carla.post("/lang", data={"lang": "en", "next": "/cases/mine", "csrf_token": csrf_of(carla)})
    section = _reasons_section(carla.get("/cases/N-camp2").text)
    assert "2 sources published near-identical text within 2 minutes." in section
    assert "1 of the sources is a look-alike domain of lemonde.fr (" in section
    assert "<img" not in section


def test_catalog_tool_adds_new_templates_and_keeps_translations(tmp_path, monkeypatch):
    from reservist_review import reasons_catalog

    src = _catalog("fr")
    src.delete(REASON_TEMPLATES["organic"].text)  # as if "organic" were a new template
    path = tmp_path / "reasons.po"
    with path.open("wb") as fh:
        from babel.messages.pofile import write_po
        write_po(fh, src)
    monkeypatch.setattr(reasons_catalog, "path_of", lambda lang: path)
    reasons_catalog.update("fr")
    with path.open("rb") as fh:
        updated = read_po(fh, locale="fr")
    assert updated.get(REASON_TEMPLATES["organic"].text).string == ""  # to translate
    sync = REASON_TEMPLATES["synchrony"].text
    assert updated.get(sync).string == _catalog("fr").get(sync).string
