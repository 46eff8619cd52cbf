"""Render a reason ``(code, params)`` as a sentence in one language: the single renderer.

The detector calls it without a catalog to write the English sentences of
``flags.reasons``; the review desk and the digest call it (through
``reservist_review.reasons``) with the language's ``reasons`` catalog. Params are
localised with Babel (numbers, durations, language names, lists) before formatting, and
the result is plain text: callers escape it like any other feed-derived string.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import lru_cache
from typing import Any, Protocol

from babel import Locale
from babel.dates import format_timedelta
from babel.lists import format_list
from babel.numbers import format_decimal

from detectors.reason_templates import LIST_LIMIT, MORE, REASON_TEMPLATES, Template


class Catalog(Protocol):
    def gettext(self, message: str) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class _English:
    """No catalog: the message ids are the English text."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def duration(seconds: float, lang: str = "en") -> str:
    """'9 minutes', '2 heures', '3 days': rounded to the largest sensible unit."""
    return format_timedelta(timedelta(seconds=max(0.0, float(seconds))), locale=_locale(lang))


def _message(template: Template, params: Mapping[str, Any], lang: str, catalog: Catalog) -> str:
    if template.plural is None or template.count is None:
        return catalog.gettext(template.text)
    n = int(params[template.count])
    # Choose the form by the language's own rule (French: 0 and 1 are singular), then
    # pass 1 or 2 so any two-form catalog picks it.
    one = _locale(lang).plural_form(abs(n)) == "one"
    return catalog.ngettext(template.text, template.plural, 1 if one else 2)


def _names(values: list[Any], lang: str, catalog: Catalog) -> str:
    names = [str(v) for v in values]
    if len(names) > LIST_LIMIT + 1:
        rest = {"count": len(names) - LIST_LIMIT}
        more = _message(MORE, rest, lang, catalog).format(**_localised(rest, lang, catalog))
        names = [*names[:LIST_LIMIT], more]
    return format_list(names, locale=_locale(lang)) if names else ""


def _value(key: str, value: Any, lang: str, catalog: Catalog) -> str:
    locale = _locale(lang)
    if key.endswith("_s") and isinstance(value, int | float) and not isinstance(value, bool):
        return duration(value, lang)
    if isinstance(value, list | tuple):
        if key == "languages":
            value = [locale.languages.get(str(code), str(code)) for code in value]
        return _names(list(value), lang, catalog)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return format_decimal(value, locale=locale)
    if isinstance(value, float):
        return format_decimal(value, format="0.0", locale=locale)
    return str(value)


def _localised(params: Mapping[str, Any], lang: str, catalog: Catalog) -> dict[str, str]:
    return {key: _value(key, value, lang, catalog) for key, value in params.items()}


def render(code: str, params: Mapping[str, Any], lang: str = "en",
           catalog: Catalog | None = None,
           templates: Mapping[str, Template] = REASON_TEMPLATES) -> str:
    """The sentence of reason ``code`` in ``lang``; English when ``catalog`` is None.
    ``templates``: the flag reasons by default (the review desk's routing reasons pass
    theirs).

    Raises KeyError for an unknown code or a missing param (callers that read stored
    reasons fall back to the stored English sentence).
    """
    catalog = catalog or _English()
    template = templates[code]
    return _message(template, params, lang, catalog).format_map(
        _localised(params, lang, catalog))
