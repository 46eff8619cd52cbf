"""Language of a text (lingua, offline), as an ISO 639-1 code or None when undecidable."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence

# Languages Vigie expects in its sources; a short list keeps lingua fast and accurate.
LANGUAGES = (
    "ARABIC", "CHINESE", "DUTCH", "ENGLISH", "FRENCH", "GERMAN", "ITALIAN", "JAPANESE",
    "PERSIAN", "POLISH", "PORTUGUESE", "ROMANIAN", "RUSSIAN", "SPANISH", "TURKISH", "UKRAINIAN",
)
MIN_CHARS = 12       # below this no detector is reliable
MAX_CHARS = 250  # the start of a text (title first) is enough and bounds the cost
SHORT_CHARS = 120  # shorter texts (posts) go to lingua's high-accuracy models
MIN_CONFIDENCE = 0.0  # lingua's minimum relative distance; 0 keeps its best guess
# Low-accuracy mode (trigrams only) loads in 0.3 s and 40 MB and runs 2.5x faster; it is
# reliable on the sentence-length texts feed items carry, not on posts: on 3,000 English
# IRA tweets it said English for 87.9% of them, the full models (loaded only when a short
# text comes, 1.5 s and ~250 MB) for 97.3% once links, @mentions and #hashtags are
# removed. VIGIE_LANGUAGE_ACCURACY=high uses the full models for every text, =low never.
ACCURACY = os.environ.get("VIGIE_LANGUAGE_ACCURACY", "auto").lower()

# Links, @mentions and #hashtags say little about a post's language (hashtags are often
# English in any language) and mislead trigram models.
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[@#][\w.]+", re.IGNORECASE)

_lock = threading.Lock()
_detectors: dict[bool, object] = {}


def _get(high: bool):  # noqa: ANN202 - lingua types
    if high not in _detectors:
        with _lock:
            if high not in _detectors:
                from lingua import Language, LanguageDetectorBuilder

                chosen = [getattr(Language, name) for name in LANGUAGES]
                builder = LanguageDetectorBuilder.from_languages(*chosen)
                builder = builder.with_minimum_relative_distance(MIN_CONFIDENCE)
                if not high:
                    builder = builder.with_low_accuracy_mode()
                _detectors[high] = builder.build()
    return _detectors[high]


def _prepare(text: str | None) -> str | None:
    """The words of ``text`` worth detecting (start only), None when too few remain."""
    if not text:
        return None
    words = " ".join(_NOISE.sub(" ", text[: MAX_CHARS * 2]).split())[:MAX_CHARS]
    return words if len(words) >= MIN_CHARS else None


def _high(words: str) -> bool:
    return ACCURACY == "high" or (ACCURACY != "low" and len(words) < SHORT_CHARS)


def _code(language) -> str | None:  # noqa: ANN001
    return None if language is None else language.iso_code_639_1.name.lower()


def detect(text: str | None) -> str | None:
    """ISO 639-1 code of ``text`` (e.g. 'fr'), None if too short or undecidable."""
    words = _prepare(text)
    return None if words is None else _code(_get(_high(words)).detect_language_of(words))


def detect_many(texts: Sequence[str | None]) -> list[str | None]:
    """Language of each text; lingua runs each batch on all cores outside the GIL."""
    out: list[str | None] = [None] * len(texts)
    batches: dict[bool, list[tuple[int, str]]] = {}
    for i, text in enumerate(texts):
        words = _prepare(text)
        if words is not None:
            batches.setdefault(_high(words), []).append((i, words))
    for high, batch in batches.items():
        found = _get(high).detect_languages_in_parallel_of([w for _, w in batch])
        for (i, _), lang in zip(batch, found, strict=True):
            out[i] = _code(lang)
    return out
