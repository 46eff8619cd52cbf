"""Flag reason templates: one English message per reason code, the only copy of their wording.

A reason is stored as ``{"code": ..., "params": {...}}`` (plain JSON values) next to its
English sentence. These English texts are the gettext message ids of the ``reasons``
catalog (``reservist_review/locales/<lang>/LC_MESSAGES/reasons.po``, python-brace-format),
so the English written to ``flags.reasons`` and the French shown to readers come from the
same template. Placeholder conventions (applied by :mod:`detectors.reason_render`):

- a param whose name ends in ``_s`` is a duration in seconds ("9 minutes", "9 minutes");
- the param ``languages`` is a list of language codes, shown as language names;
- any other list is a list of names, joined the language's way ("a, b and 2 more");
- ints and floats are formatted as numbers of the reader's language.

``count`` names the int param that chooses between the singular and the plural message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    text: str  # English msgid (singular when ``plural`` is set)
    plural: str | None = None  # English msgid_plural
    count: str | None = None  # the param that chooses the form

    def msgids(self) -> tuple[str, ...]:
        return (self.text,) if self.plural is None else (self.text, self.plural)


REASON_TEMPLATES: dict[str, Template] = {
    "coordination": Template(
        "{sources} sources ({source_names}) co-published {contents} near-identical text "
        "here; they belong to a network of {network_sources} sources that published "
        "{network_contents} contents together, each time within {window_s} of each other, "
        "more often than chance allows.",
        "{sources} sources ({source_names}) co-published {contents} near-identical texts "
        "here; they belong to a network of {network_sources} sources that published "
        "{network_contents} contents together, each time within {window_s} of each other, "
        "more often than chance allows.",
        "contents",
    ),
    "synchrony": Template("{sources} sources published near-identical text within {span_s}."),
    "lookalike": Template(
        "{count} of the sources is a look-alike domain of {targets} ({domains}).",
        "{count} of the sources are look-alike domains of {targets} ({domains}).",
        "count",
    ),
    "translation": Template(
        "Translated copies relay it in {languages} ({pairs} translation pair).",
        "Translated copies relay it in {languages} ({pairs} translation pairs).",
        "pairs",
    ),
    "new_sources": Template(
        "{count} of its {sources} sources first appeared in the last {days} days.",
        "{count} of its {sources} sources first appeared in the last {days} days.",
        "count",
    ),
    "burst": Template(
        "Volume jumped to {items} item in the last {window_s} ({ratio}x its recent pace).",
        "Volume jumped to {items} items in the last {window_s} ({ratio}x its recent pace).",
        "items",
    ),
    "watchlist": Template(
        'Matches a known disinformation narrative: "{claim}" ({similarity}% similar).'
    ),
    "syndication": Template(
        "Agency dispatch credited to {agency} republished by {outlets} established outlets "
        "({outlet_names}): legitimate syndication, not a campaign."
    ),
    "organic": Template(
        "{sources} sources cover it without acting as a group (organic coverage)."
    ),
    "first_seen": Template("First seen {age_s} ago."),
}

# The tail of a shortened list of names ("a, b, c, d and 3 more").
MORE = Template("{count} more", "{count} more", "count")
LIST_LIMIT = 4  # names shown before "N more"


def all_templates() -> dict[str, Template]:
    """Every message of the ``reasons`` catalog, by code (``MORE`` under ``_more``)."""
    return {**REASON_TEMPLATES, "_more": MORE}
