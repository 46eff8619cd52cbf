"""Jinja2 rendering for the review desk: autoescape on, one environment per interface language.

Each language gets its own environment with its gettext catalog installed (newstyle, so
``_("... %(x)s", x=value)`` escapes ``value``), which keeps requests in different languages
from sharing state across threads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from reservist_review import csrf, route_reasons
from reservist_review.i18n import LANGUAGES, normalise_language, translations


def _when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(fmt) + (" UTC" if "%H" in fmt else "")


def _age(value: datetime | None) -> str:
    if value is None:
        return "—"
    hours = (datetime.now(UTC) - value).total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@lru_cache(maxsize=len(LANGUAGES))
def environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reservist_review", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang, "review"), newstyle=True)
    env.filters.update(when=_when, age=_age, score=_score,
                       assignment_reason=lambda a: route_reasons.localise(
                           a.get("reason"), a.get("reason_codes"), lang))
    env.globals["LANGUAGES"] = LANGUAGES
    return env


def language(request: Request) -> str:
    return normalise_language(request.session.get("lang"))


def render(request: Request, template: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    lang = language(request)
    context.setdefault("user", getattr(request.state, "user", None))
    html = environment(lang).get_template(template).render(
        request=request, lang=lang, csrf_token=csrf.token(request), path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def render_fragment(lang: str, template: str, **context: Any) -> Markup:
    """A partial template rendered on its own (no request, user or CSRF token in it), to be
    cached and placed in a page as markup."""
    return Markup(environment(lang).get_template(template).render(lang=lang, **context))
