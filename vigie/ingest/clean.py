"""Feed HTML to plain text: entities decoded, tags and their scripts removed, whitespace normalised.

The result is inert text meant to be escaped wherever it is shown; raw HTML is never stored.
"""

from __future__ import annotations

import html
import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser

# Elements whose content is never reader text.
DROP_TAGS = "script,style,noscript,template,iframe,object,embed,svg,math,head,title"
# Block-level boundaries become spaces so "<p>a</p><p>b</p>" reads "a b", not "ab".
_BLOCK = re.compile(
    r"<(/?)(p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|blockquote|pre|section|article"
    r"|header|footer|aside|figure|figcaption|img)\b",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
# C0/C1 controls except whitespace, zero-width and bidi overrides used to disguise text.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)
_TAG_LIKE = re.compile(r"<[a-zA-Z!/?][^<>]*>?")


def normalise_space(text: str) -> str:
    """NFC, invisible/control characters removed, runs of whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _strip_markup(value: str) -> str:
    if "<" not in value:
        return html.unescape(value)
    tree = LexborHTMLParser(_BLOCK.sub(r" <\1\2", value))
    for node in tree.css(DROP_TAGS):
        node.decompose()
    root = tree.body or tree.root
    return root.text(separator="") if root is not None else ""


def html_to_text(value: str | None) -> str:
    """Plain text of an HTML (or plain-text) fragment."""
    if not value:
        return ""
    text = _strip_markup(value)
    # Decoding entities can reveal markup ("&lt;script&gt;" escaped once more than needed):
    # strip that too, twice at most, then drop anything still shaped like a tag.
    for _ in range(2):
        if not _TAG_LIKE.search(text):
            break
        text = _strip_markup(text)
    else:
        text = _TAG_LIKE.sub(" ", text)
    return normalise_space(text)
