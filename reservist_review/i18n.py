"""French and English catalogs (gettext ``.po`` files read with Babel), French by default.

Each concern keeps its own domain (``review`` for the web app, ``digest`` for the daily
digest) under ``reservist_review/locales/<lang>/LC_MESSAGES/<domain>.po``. The ``.po``
files are read directly at run time, so no compile step is needed after an edit.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from importlib import resources

from babel.messages.pofile import read_po

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


class _PoTranslations(gettext.NullTranslations):
    """gettext translations built from a Babel catalog (usable by Jinja2's i18n extension)."""

    def __init__(self, messages: dict[str, str | tuple[str, ...]]) -> None:
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._messages.get(singular)
        if isinstance(found, tuple) and all(found):
            return found[0] if n == 1 else found[-1]
        return singular if n == 1 else plural


def normalise_language(lang: str | None) -> str:
    lang = (lang or DEFAULT_LANGUAGE).lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def translations(lang: str, domain: str) -> gettext.NullTranslations:
    """The catalog of ``domain`` in ``lang``; messages missing from it stay as written."""
    folder = resources.files("reservist_review") / "locales" / normalise_language(lang)
    path = folder / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=normalise_language(lang))
    messages: dict[str, str | tuple[str, ...]] = {}
    for msg in catalog:
        if not msg.id or msg.fuzzy:
            continue
        key = msg.id[0] if isinstance(msg.id, tuple) else msg.id
        messages[key] = tuple(msg.string) if isinstance(msg.string, tuple) else msg.string
    return _PoTranslations(messages)
