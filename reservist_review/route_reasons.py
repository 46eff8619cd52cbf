"""Why a case went to someone, in the reader's language (case page and emails).

A routing decision's reason is kept twice on its assignment: the English sentence
(``assignments.reason``, also in the audit log) and its parts (``assignments.reason_codes``:
``[{"code", "params"}, ...]``, the first one the head, e.g. "assigned to Awa Diallo", the
others why, e.g. "speaks fr", "1 open case"). Parts are rendered like flag reasons, by
:func:`detectors.reason_render.render` with the templates below and the ``routing``
catalog; rows written before parts existed, or parts this version cannot render, show the
stored sentence. Plain text: templates escape it (params carry names typed by people).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from detectors.reason_render import render as render_template
from detectors.reason_templates import Template
from reservist_review.i18n import normalise_language, translations
from reservist_review.reasons import stored_codes

# The English texts are the msgids of locales/<lang>/LC_MESSAGES/routing.po. Params are
# strings (shown as written) but for the counts that choose a plural form.
ROUTE_TEMPLATES: dict[str, Template] = {
    "assigned": Template("assigned to {name}"),
    "reassigned": Template("reassigned by {by} to {name}"),
    "second_opinion": Template("second opinion asked by {by} from {name}"),
    "escalated": Template("escalated to {name}"),
    "speaks": Template("speaks {languages}"),
    "nobody_speaks": Template("nobody available speaks {languages}"),
    "regions": Template("region {items}", "regions {items}", "n"),
    "skills": Template("skill {items}", "skills {items}", "n"),
    "open_cases": Template("{n} open case", "{n} open cases", "n"),
    "no_decision": Template("no decision from {reviewer} within {hours} h"),
    "_head": Template("{head}: {why}"),  # how the head and the why join
}

Part = dict[str, Any]


def part(code: str, **params: Any) -> Part:
    """One part of a reason (``code`` one of :data:`ROUTE_TEMPLATES`)."""
    if code not in ROUTE_TEMPLATES:
        raise KeyError(code)
    return {"code": code, "params": params}


def render_part(entry: Part, lang: str) -> str:
    """One part in ``lang`` (KeyError: unknown code or missing param)."""
    lang = normalise_language(lang)
    return render_template(entry["code"], entry["params"], lang,
                           translations(lang, "routing"), ROUTE_TEMPLATES)


def render(parts: Sequence[Part], lang: str) -> str:
    """"<head>: <why>; <why>" in ``lang``."""
    head, *why = (render_part(p, lang) for p in parts)
    return render_part(part("_head", head=head, why="; ".join(why)), lang) if why else head


def localise(sentence: str | None, codes: Any, lang: str) -> str:
    """An assignment's reason in ``lang`` from its stored parts, else its English sentence."""
    entries = stored_codes(codes)
    if entries:
        try:
            return render(entries, lang)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            pass
    return sentence or ""
