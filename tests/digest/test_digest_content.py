"""Digest content for a store with known confirmed, flagged, growing and quiet days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from flows.digest import write_digest
from reservist_review.digest import build, render


def _digest(settings, day):
    with settings.store().connect() as con:
        return build.build_digest(
            con, build.period_of(day, "Europe/Paris"), settings.review.base_url
        )


def test_period_is_the_local_calendar_day_in_utc():
    p = build.period_of(date(2026, 11, 25), "Europe/Paris")
    assert p.start == datetime(2026, 11, 24, 23, tzinfo=UTC)
    assert p.end == datetime(2026, 11, 25, 23, tzinfo=UTC)
    dst = build.period_of(date(2026, 3, 29), "Europe/Paris")  # clocks go forward: 23 hours
    assert (dst.end - dst.start).total_seconds() == 23 * 3600
    assert build.today("Europe/Paris", datetime(2026, 11, 25, 23, 30, tzinfo=UTC)) == date(
        2026, 11, 26
    )


def test_sections_hold_the_known_narratives(sample):
    settings, facts = sample
    d = _digest(settings, facts["day"])
    assert [n["id"] for n in d["confirmed"]] == facts["confirmed"]
    assert [n["id"] for n in d["flagged"]] == facts["new_flagged"]
    assert [n["id"] for n in d["growing"]] == facts["growing"]
    assert d["open_flags"] == facts["open_flags"]
    assert d["quiet"] is False
    camp = d["confirmed"][0]
    assert camp["decision_id"] == "d-2"  # the latest decision, not the superseded needs_info
    assert camp["confidence"] == pytest.approx(0.9)
    assert [t["id"] for t in camp["techniques"]] == ["T0086", "T0099"]
    assert [r["id"] for r in camp["responses"]] == ["D02", "debunk"]
    assert camp["reviewer"] == "Amina Diallo"
    assert camp["source_count"] == facts["campaign_sources"]
    assert {lang["code"] for lang in camp["languages"]} == {"fr", "en"}
    assert camp["url"] == "https://vigie.example.org/cases/N-camp"
    # 6 items on the 24th, 4 on the 25th (the digest day, last bar)
    assert [v["items"] for v in camp["volume"][-2:]] == [6, 4]
    organic = d["growing"][0]
    assert (organic["previous"], organic["current"]) == (2, 6)
    assert d["flagged"][0]["case_status"] == "assigned"


def test_quiet_day_says_so_in_both_languages(sample):
    settings, _ = sample
    d = _digest(settings, date(2026, 11, 10))
    assert d["quiet"] and not d["flagged"] and not d["confirmed"]
    assert "Journée calme" in render.render(d, "fr", "txt")
    assert "Quiet day" in render.render(d, "en", "html")
    assert "journée calme" in render.subject(d, "fr")
    busy = _digest(settings, date(2026, 11, 25))
    assert "Journée calme" not in render.render(busy, "fr", "txt")


def test_french_by_default_and_english_on_request(sample):
    settings, facts = sample
    fr = write_digest(settings, facts["day"], None)
    en = write_digest(settings, facts["day"], "en")
    assert fr["path"].endswith("digests/2026-11-25.fr.html")
    assert en["path"].endswith("digests/2026-11-25.en.html")
    fr_html = Path(fr["path"]).read_text(encoding="utf-8")
    en_html = Path(en["path"]).read_text(encoding="utf-8")
    assert '<html lang="fr">' in fr_html and "Campagnes confirmées par les réservistes" in fr_html
    assert '<html lang="en">' in en_html and "Campaigns confirmed by reservists" in en_html
    assert "mercredi 25 novembre 2026" in fr_html
    assert "Wednesday, November 25, 2026" in en_html
    with settings.store().connect() as con:
        rows = con.execute("SELECT lang, path FROM digests ORDER BY lang").fetchall()
    assert rows == [("en", en["path"]), ("fr", fr["path"])]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_hostile_titles_are_escaped_everywhere(sample):
    settings, facts = sample
    out = write_digest(settings, facts["day"], "fr")
    html = Path(out["path"]).read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    assert not [t for t, _ in parser.tags if t == "script"]
    assert not [a for _, a in parser.tags if any(k.startswith("on") for k in a)]
    assert not [a for _, a in parser.tags if "javascript:" in (a.get("href") or "")]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;not&lt;/b&gt;" in html  # the reviewer's summary is text too
    md = Path(out["markdown_path"]).read_text(encoding="utf-8")
    # Rendered by a CommonMark renderer that lets raw HTML through, the Markdown shows the
    # hostile title as text: no tag, no link other than the case pages.
    rendered = MarkdownIt("commonmark", {"html": True}).render(md)
    parser = _Tags()
    parser.feed(rendered)
    assert {t for t, _ in parser.tags} <= {
        "h1",
        "h2",
        "h3",
        "p",
        "ul",
        "li",
        "strong",
        "code",
        "a",
        "blockquote",
        "hr",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "em",
    }
    assert {a["href"] for t, a in parser.tags if t == "a"} == {
        "https://vigie.example.org/cases/N-camp",
        "https://vigie.example.org/cases/N-hostile",
    }
    assert "&lt;script&gt;alert" in rendered
    txt = Path(out["text_path"]).read_text(encoding="utf-8")
    assert facts["hostile"] in txt  # plain text shows it literally, on one line


def test_rebuild_gives_identical_files(sample):
    settings, facts = sample
    first = write_digest(settings, facts["day"], "en")
    contents = {k: Path(first[k]).read_bytes() for k in ("path", "text_path", "markdown_path")}
    second = write_digest(settings, facts["day"], "en")
    assert first == second
    for key, data in contents.items():
        assert Path(second[key]).read_bytes() == data, key
    assert first["charts"] == 2
    assert b"data:image/png;base64," in contents["path"]


def test_scheduled_flow_writes_both_languages_of_yesterday(sample, monkeypatch):
    from flows.digest import digest_flow

    settings, _ = sample
    monkeypatch.setenv("VIGIE_DATA_DIR", str(settings.data_dir))
    result = digest_flow.fn(previous_day=True, send=None)  # SMTP not configured: no e-mail
    yesterday = build.today("Europe/Paris") - timedelta(days=1)
    assert set(result["written"]) == {"fr", "en"} and "sent" not in result
    assert result["written"]["en"]["day"] == yesterday.isoformat()
    fixed = digest_flow.fn(day="2026-11-25", langs=["en"], send=False)
    assert fixed["written"]["en"]["confirmed"] == ["N-camp"]
