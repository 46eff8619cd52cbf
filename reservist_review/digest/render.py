"""The digest as HTML (for mail clients: inline CSS, readable without images), text and Markdown.

Feed content is written by adversaries: HTML autoescaping is on, Markdown output escapes
markup characters, and every feed string is collapsed to one line. Messages come from the
``digest`` catalog (``reservist_review/locales/<lang>/LC_MESSAGES/digest.po``), French by
default. PDF goes through WeasyPrint only when it is installed.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, select_autoescape

from reservist_review.i18n import normalise_language, translations
from reservist_review.reasons import render_reasons

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")
# Review statuses (cases.status) as readers see them; translated through the catalog.
STATUS_NAMES = {
    "new": "not yet assigned",
    "assigned": "assigned",
    "in_review": "in review",
    "confirmed": "confirmed campaign",
    "not_campaign": "not a campaign",
    "needs_info": "needs more information",
    "escalated": "escalated",
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#|!~<>])")


def oneline(value: Any, limit: int = 200) -> str:
    """Feed text on one line: control and bidi characters removed, whitespace collapsed."""
    text = " ".join(_CONTROL.sub(" ", str(value or "")).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def md_escape(value: Any, limit: int = 200) -> str:
    """Text safe inside Markdown: no markup, no raw HTML, no links."""
    text = oneline(value, limit).replace("&", "&amp;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("reservist_review.digest", "templates"),
        autoescape=select_autoescape(["html.j2"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang, "digest"), newstyle=True)  # type: ignore[attr-defined]
    locale = Locale.parse(lang)
    catalog = translations(lang, "digest").gettext
    # Response and status words shared with the review desk come from its catalog.
    review_terms = translations(lang, "review").gettext
    env.filters.update(
        oneline=oneline,
        # Data strings (reasons, statuses) are rendered or looked up as plain text; they
        # never go through the template's _() which would mark them safe and %-format them.
        reasons=lambda n: render_reasons(n.get("reasons"), n.get("reason_codes"), lang),
        review_term=lambda text: review_terms(str(text)),
        status_name=lambda status: catalog(STATUS_NAMES.get(str(status), str(status))),
        md=md_escape,
        longdate=lambda d: format_date(d, format="full", locale=locale),
        shortdate=lambda d: format_date(d, format="d MMM", locale=locale),
        percent=lambda x: format_percent(float(x or 0), locale=locale),
        decimal=lambda x: format_decimal(float(x or 0), format="0.00", locale=locale),
        language_name=lambda code: locale.languages.get(str(code), str(code)),
    )
    return env


@lru_cache(maxsize=4)
def _env(lang: str) -> Environment:
    return _environment(lang)


def _context(digest: dict[str, Any], lang: str, images: dict[str, str] | None) -> dict[str, Any]:
    zone = ZoneInfo(digest["timezone"])
    locale = Locale.parse(lang)

    def local_time(value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value.astimezone(zone), format="d MMM, HH:mm", locale=locale)

    # French typography puts a space before a colon.
    colon = "\u00a0: " if lang == "fr" else ": "
    return {
        "d": digest,
        "lang": lang,
        "images": images or {},
        "local_time": local_time,
        "colon": colon,
    }


def render(
    digest: dict[str, Any], lang: str, fmt: str, images: dict[str, str] | None = None
) -> str:
    """``fmt`` is ``html``, ``txt`` or ``md``; ``images`` maps narrative ids to image URLs."""
    lang = normalise_language(lang)
    template = _env(lang).get_template(f"digest.{fmt}.j2")
    return template.render(**_context(digest, lang, images))


def subject(digest: dict[str, Any], lang: str) -> str:
    """E-mail subject line."""
    lang = normalise_language(lang)
    _ = translations(lang, "digest").gettext
    day: date = digest["day"]
    when = format_date(day, format="d MMMM y", locale=Locale.parse(lang))
    if digest["quiet"]:
        return _("Vigie digest, %(day)s: quiet day") % {"day": when}
    return _("Vigie digest, %(day)s: %(flagged)d new flagged, %(confirmed)d confirmed") % {
        "day": when,
        "flagged": len(digest["flagged"]),
        "confirmed": len(digest["confirmed"]),
    }


def render_pdf(html: str) -> bytes:
    """PDF of the HTML digest (needs the optional WeasyPrint package)."""
    try:
        from weasyprint import HTML  # type: ignore[import-not-found]
    except ImportError as exc:
        raise RuntimeError("PDF export needs WeasyPrint: pip install weasyprint") from exc
    return HTML(string=html).write_pdf()
