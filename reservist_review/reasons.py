"""Flag reasons in the reader's language (review desk and digest).

Flags store each reason twice: an English sentence (``flags.reasons``) and its structured
form (``flags.reason_codes``: ``{"code", "params"}``). The structured form is rendered
through the ``reasons`` catalog by the same renderer that wrote the English sentences
(:func:`detectors.reason_render.render`); rows written before reason codes existed, or a
code this version does not know, fall back to the stored English sentence. The result is
plain text: templates escape it (params carry hostile domain and source names).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from detectors.reason_render import render
from reservist_review.i18n import normalise_language, translations


def render_reason(code: str, params: Mapping[str, Any], lang: str) -> str:
    """The sentence of reason ``code`` in ``lang`` (KeyError: unknown code or missing param)."""
    lang = normalise_language(lang)
    return render(code, params, lang, translations(lang, "reasons"))


def stored_codes(value: Any) -> list[Any] | None:
    """Stored reason codes (JSON text or a parsed list), or None (old rows, bad JSON)."""
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, list) else None


def render_reasons(sentences: Sequence[str] | None, codes: Any, lang: str) -> list[str]:
    """A flag's reasons in ``lang``: from ``codes`` when present, else the English ``sentences``.

    ``codes`` is the stored JSON (text or parsed list) or None for old rows; any entry that
    cannot be rendered shows the English sentence at the same position.
    """
    english = [str(s) for s in sentences or []]
    entries = stored_codes(codes)
    if not entries:
        return english
    out = []
    for index, entry in enumerate(entries):
        try:
            out.append(render_reason(entry["code"], entry["params"], lang))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            if index < len(english):
                out.append(english[index])
    return out
