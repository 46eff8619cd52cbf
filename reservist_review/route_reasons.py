"""Why a case went to someone, in the reader's language (case page and emails).

A routing decision's reason is kept twice on its assignment: the English sentence
(``assignments.reason``, also in the audit log) and its parts (``assignments.reason_codes``:
``[{"code", "params"}, ...]``, the first one the head, e.g. "assigned to Awa Diallo", the
others why, e.g. "speaks fr", "1 open case"). The parts are rendered through the ``routing``
catalog; the English rendering is the stored sentence. Rows written before parts existed,
or parts this version cannot render, show the stored sentence. Plain text: templates escape
it (params carry names typed by people).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reservist_review.i18n import normalise_language, translations

# code -> English message id (singular, plural: counted by the "n" param)
TEMPLATES: dict[str, str | tuple[str, str]] = {
    "assigned": "assigned to {name}",
    "reassigned": "reassigned by {by} to {name}",
    "second_opinion": "second opinion asked by {by} from {name}",
    "escalated": "escalated to {name}",
    "speaks": "speaks {languages}",
    "nobody_speaks": "nobody available speaks {languages}",
    "regions": ("region {items}", "regions {items}"),
    "skills": ("skill {items}", "skills {items}"),
    "open_cases": ("{n} open case", "{n} open cases"),
    "no_decision": "no decision from {reviewer} within {hours} h",
}

Part = dict[str, Any]


def part(code: str, **params: Any) -> Part:
    """One part of a reason (``code`` one of :data:`TEMPLATES`)."""
    if code not in TEMPLATES:
        raise KeyError(code)
    return {"code": code, "params": params}


def render_part(entry: Part, lang: str) -> str:
    """One part in ``lang`` (KeyError/ValueError/TypeError: unknown code or bad params)."""
    template = TEMPLATES[entry["code"]]
    params = dict(entry["params"])
    catalog = translations(normalise_language(lang), "routing")
    if isinstance(template, tuple):
        text = catalog.ngettext(template[0], template[1], int(params["n"]))
    else:
        text = catalog.gettext(template)
    return text.format(**{k: str(v) for k, v in params.items()})


HEAD = "{head}: {why}"  # how the head and the why join (French puts a space before ":")


def render(parts: Sequence[Part], lang: str) -> str:
    """"<head>: <why>; <why>" in ``lang``."""
    head, *why = (render_part(p, lang) for p in parts)
    if not why:
        return head
    joined = translations(normalise_language(lang), "routing").gettext(HEAD)
    return joined.format(head=head, why="; ".join(why))


def localise(sentence: str | None, codes: Any, lang: str) -> str:
    """An assignment's reason in ``lang`` from its stored parts, else its English sentence."""
    if isinstance(codes, str | bytes):
        try:
            codes = json.loads(codes)
        except ValueError:
            codes = None
    if isinstance(codes, list) and codes:
        try:
            return render(codes, lang)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            pass
    return sentence or ""
