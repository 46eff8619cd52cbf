"""Flag reasons in the digest: in the reader's language, escaped, English for old rows."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from reservist_review.digest import build, render

FR_SYNC = "6 sources ont publié un texte quasi identique en 15 minutes."
FR_LOOK = ("2 sources utilisent des noms de domaine imitant lefigaro.fr et lemonde.fr "
           "(lefigaro-news.com et lemonde-fr.info).")
EN_SYNC = "6 sources published near-identical text within 15 minutes."


def _digest(settings, day):
    with settings.store().connect() as con:
        return build.build_digest(con, build.period_of(day, "Europe/Paris"),
                                  settings.review.base_url)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _html_text(html: str) -> tuple[list[str], str]:
    parser = _Text()
    parser.feed(html)
    return parser.tags, " ".join(" ".join(parser.text).split())


def test_french_digest_shows_french_reasons_in_every_format(sample):
    settings, _ = sample
    d = _digest(settings, date(2026, 11, 24))  # N-camp was flagged that day
    assert [n["id"] for n in d["flagged"]] == ["N-camp"]
    _, text = _html_text(render.render(d, "fr", "html"))
    assert FR_SYNC in text and FR_LOOK in text
    assert "near-identical" not in text and "look-alike" not in text
    assert FR_SYNC in render.render(d, "fr", "txt")
    md = MarkdownIt("commonmark").render(render.render(d, "fr", "md"))
    assert FR_SYNC in " ".join(_html_text(md)[1].split())


def test_english_digest_shows_the_stored_english(sample):
    settings, _ = sample
    d = _digest(settings, date(2026, 11, 24))
    camp = d["flagged"][0]
    assert camp["reasons"][0] == EN_SYNC  # what the signals stage stored
    _, text = _html_text(render.render(d, "en", "html"))
    assert EN_SYNC in text and "look-alike domains of lefigaro.fr and lemonde.fr" in text


def test_hostile_domain_in_reason_params_is_escaped(sample):
    settings, facts = sample
    d = _digest(settings, facts["day"])
    html = render.render(d, "fr", "html")
    tags, text = _html_text(html)
    assert "script" not in tags and "img" not in tags
    assert f"imitant lemonde.fr ({facts['hostile']})" in text  # shown as text, in French
    assert "imitant lemonde.fr (&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    md = MarkdownIt("commonmark", {"html": True}).render(render.render(d, "fr", "md"))
    md_tags, md_text = _html_text(md)
    assert "script" not in md_tags and "img" not in md_tags
    assert "imitant lemonde.fr (<script>" in md_text


def test_rows_without_reason_codes_show_their_english_sentence(sample):
    settings, _ = sample
    d = _digest(settings, date(2026, 11, 20))  # N-old: written before reason codes
    old = next(n for n in d["flagged"] if n["id"] == "N-old")
    assert old["reason_codes"] is None
    assert "Burst of volume." in render.render(d, "fr", "txt")
