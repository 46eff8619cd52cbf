"""Text normalisation shared by every duplicate signal (and the benchmark's ground truth)."""

from __future__ import annotations

import hashlib
import re

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_LEADING_RT = re.compile(r"^rt\b[\s:]*")


def normalise(text: str | None) -> str:
    """Lower-case; URLs, @mentions and a leading RT removed; whitespace collapsed."""
    if not text:
        return ""
    t = _URL.sub(" ", text.lower())
    t = _MENTION.sub(" ", t)
    t = " ".join(t.split())
    t = _LEADING_RT.sub("", t)
    return " ".join(t.split())


def content_key(text: str | None) -> str:
    """Identity of a normalised text (equal keys = verbatim copies)."""
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()[:20]


def shingles(normalised: str, size: int = 5) -> set[str]:
    """Overlapping character shingles of an already normalised text."""
    if len(normalised) <= size:
        return {normalised} if normalised else set()
    return {normalised[i : i + size] for i in range(len(normalised) - size + 1)}
