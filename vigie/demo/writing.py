"""Compose organic articles: each outlet tells a story in its own words.

A story is a bank of facts; each fact has several independent phrasings per language, and
phrasings hold inline alternatives ``{a|b|c}``. An outlet picks its own subset of facts, order,
phrasings, dateline, connectors and markup. A similarity guard then rejects a draft that reads too
much like another outlet's article on the same story (normalised Levenshtein ratio), so organic
coverage never looks like copy-paste.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from vigie.demo.sources import Outlet

CONTENT = Path(__file__).parent / "content"
_ALT = re.compile(r"\{([^{}]*)\}")
_QUOTE = re.compile(r"(«[^»]+»|“[^”]+”)")
# Sentence openings that read fine lower-cased after a connector ("Par ailleurs, le préfet...").
_SAFE_START = {
    "le", "la", "les", "l'", "un", "une", "des", "selon", "dans", "au", "aux", "en", "plus",
    "près", "sur", "du", "ce", "cette", "ces", "il", "elle", "ils", "the", "a", "an", "in", "at",
    "more", "some", "according", "several", "many", "on", "about", "nearly", "around", "its",
    "their", "most", "police", "officials", "forecasters",
}
MIN_WORDS, MAX_WORDS = 60, 150


def expand(template: str, rng: random.Random) -> str:
    """Resolve every ``{a|b|c}`` alternative with the RNG (innermost first)."""
    while True:
        new = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
        if new == template:
            return re.sub(r"\s+", " ", new).strip()
        template = new


@dataclass(frozen=True)
class Article:
    title: str
    description: str  # what the feed carries (HTML for some outlets)
    text: str  # plain text of the description


@dataclass(frozen=True)
class StoryDay:
    date: str
    window: tuple[int, int]  # UTC hours in which outlets publish
    coverage: dict[str, int]  # language -> number of outlets
    key: tuple[str, ...]  # fact ids one of which opens the article
    headlines: dict[str, list[str]]


@dataclass(frozen=True)
class Story:
    id: str
    place: dict[str, str]
    days: list[StoryDay]
    facts: list[dict]  # {id, days?, fr: [...], en: [...]}


def load_stories() -> list[Story]:
    stories = []
    for path in sorted((CONTENT / "stories").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        days = [
            StoryDay(
                date=str(d["date"]),
                window=tuple(d.get("window", (6, 21))),
                coverage={lang: int(d[lang]) for lang in ("fr", "en") if d.get(lang)},
                key=tuple(d["key"]),
                headlines=d["headlines"],
            )
            for d in raw["days"]
        ]
        stories.append(Story(raw["id"], raw["place"], days, raw["facts"]))
    return stories


def _valid_on(fact: dict, date: str) -> bool:
    return date in [str(d) for d in fact.get("days", [date])]


def _with_connector(sentence: str, connector: str) -> str:
    first = sentence.split(" ", 1)[0].lower()
    if first not in _SAFE_START and not first.startswith("l'"):
        return sentence
    return connector + sentence[0].lower() + sentence[1:]


def compose(story: Story, day: StoryDay, outlet: Outlet, rng: random.Random) -> Article:
    """One outlet's article about one day of a story."""
    lang, style = outlet.source.language, outlet.style
    usable = [f for f in story.facts if f.get(lang) and _valid_on(f, day.date)]
    keys = [f for f in usable if f["id"] in day.key]
    key = rng.choice(keys)
    rest = [f for f in usable if f is not key]
    rng.shuffle(rest)
    wanted = rng.randint(style.min_facts, style.max_facts) - 1
    chosen, spare = [key, *rest[:wanted]], rest[wanted:]
    sentences = [expand(rng.choice(f[lang]), rng) for f in chosen]
    while _words(sentences) < MIN_WORDS and spare:
        sentences.append(expand(rng.choice(spare.pop()[lang]), rng))
    while _words(sentences) > MAX_WORDS and len(sentences) > 3:
        sentences.pop()
    for i in range(1, len(sentences)):
        if style.connectors and rng.random() < 0.4:
            sentences[i] = _with_connector(sentences[i], rng.choice(style.connectors))
    place = story.place[lang]
    if style.dateline == "caps":
        sentences[0] = f"{place.upper()} — {sentences[0]}"
    elif style.dateline == "paren":
        sentences[0] = f"({place}) {sentences[0]}"
    cut = rng.randint(1, 2) if len(sentences) > 3 else 1
    paragraphs = [" ".join(sentences[:cut]), " ".join(sentences[cut:])]
    paragraphs = [p for p in paragraphs if p]
    title = expand(rng.choice(day.headlines[lang]), rng)
    if style.kicker and rng.random() < 0.3:
        title = f"{style.kicker} – {title}"
    text = "\n\n".join(paragraphs)
    body = "".join(f"<p>{_emphasise(p)}</p>" for p in paragraphs) if style.html else text
    return Article(title, body, text)


def _emphasise(paragraph: str) -> str:
    return _QUOTE.sub(r"<em>\1</em>", html.escape(paragraph, quote=False))


def _words(sentences: Sequence[str]) -> int:
    return sum(len(s.split()) for s in sentences)


def similarity(a: str, b: str) -> float:
    """Normalised Levenshtein (indel) ratio of two lower-cased texts, in [0, 1]."""
    return fuzz.ratio(a.lower(), b.lower()) / 100


def max_similarity(text: str, others: Sequence[str]) -> float:
    return max((similarity(text, o) for o in others), default=0.0)
