"""Who reviews which flagged narrative, and why (pure: data in, decisions out).

A reviewer is eligible when active, available, a reviewer role and below capacity. Among the
eligible, the best match speaks the narrative's languages (first), knows its regions, then
its topics (skills), carries the lightest load relative to capacity, and is a reservist
rather than a coordinator. Every choice comes with its reason in words, e.g.
"assigned to Awa Diallo: speaks en, fr; region Sahel; 1 open case", and in parts that
``reservist_review.route_reasons`` renders in the reader's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from reservist_review.permissions import COORDINATOR, COORDINATORS, RESERVIST, REVIEWERS
from reservist_review.roster import Reservist
from reservist_review.route_reasons import Part, part, render, render_part


@dataclass(frozen=True)
class Need:
    """A flagged narrative waiting for a reviewer."""

    narrative_id: str
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # label words, keywords, headline words, source regions
    score: float = 0.0
    exclude: frozenset[str] = field(default_factory=frozenset)  # never these (previous reviewer)


@dataclass(frozen=True)
class Choice:
    narrative_id: str
    reservist_id: str
    reason: str  # "assigned to <name>: <why>"
    why: str = ""  # "speaks fr; region Sahel; 1 open case"
    parts: tuple[Part, ...] = ()  # the reason in parts, the head first (route_reasons)

    def reason_for(self, head: Part) -> tuple[str, list[Part]]:
        """The reason (English, and in parts) with another head, e.g. a reassignment."""
        parts = [head, *self.parts[1:]]
        return render(parts, "en"), parts


def fold(text: str) -> str:
    """Lower case without accents, so 'Sahel' matches 'sahel' and 'Côte' matches 'cote'."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def topic_words(*texts: str | None) -> tuple[str, ...]:
    words: dict[str, None] = {}
    for text in texts:
        for word in re.findall(r"\w[\w'-]*", fold(text or "")):
            words[word] = None
    return tuple(words)


def _matches(terms: Iterable[str], topics: set[str], joined: str) -> list[str]:
    """Terms found among the topic words (multi-word terms as a phrase)."""
    found = []
    for term in terms:
        t = fold(term).strip()
        if t and (t in topics or (" " in t and f" {t} " in joined)):
            found.append(term)
    return found


def need_from_row(row: Mapping[str, Any], exclude: frozenset[str] = frozenset()) -> Need:
    """Routing input from a store row (``vigie.store.review.cases.routable``)."""
    topics = topic_words(row.get("label"), row.get("headline"),
                                 " ".join(row.get("keywords") or []))
    regions = tuple(r for r in row.get("regions") or [] if r)
    return Need(
        narrative_id=row["narrative_id"],
        languages=tuple(x for x in row.get("languages") or [] if x),
        topics=topics + regions,
        score=float(row.get("score") or 0.0),
        exclude=exclude,
    )


def eligible(people: Iterable[Reservist], exclude: Iterable[str] = ()) -> list[Reservist]:
    banned = set(exclude)
    return [
        p
        for p in people
        if p.active and p.available and p.role in REVIEWERS and p.id not in banned
        and p.open_cases < p.capacity
    ]


def choose(need: Need, people: Sequence[Reservist]) -> Choice | None:
    """The best reviewer for ``need`` with the reason, or None when nobody can take it."""
    candidates = eligible(people, need.exclude)
    if not candidates:
        return None
    wanted = [lang.lower() for lang in need.languages]
    topics = {fold(t) for t in need.topics}
    joined = " " + " ".join(fold(t) for t in need.topics) + " "

    def rank(p: Reservist) -> tuple:
        langs = [lang for lang in wanted if lang in p.languages]
        regions = _matches(p.regions, topics, joined)
        skills = _matches(p.skills, topics, joined)
        load = p.open_cases / p.capacity if p.capacity else 1.0
        return (-len(langs), -len(regions), -len(skills), load, p.role != RESERVIST, p.id)

    best = min(candidates, key=rank)
    langs = [lang for lang in wanted if lang in best.languages]
    why: list[Part] = []
    if langs:
        why.append(part("speaks", languages=", ".join(langs)))
    elif wanted:
        why.append(part("nobody_speaks", languages=", ".join(wanted)))
    regions = _matches(best.regions, topics, joined)
    if regions:
        why.append(part("regions", items=", ".join(regions), n=len(regions)))
    skills = _matches(best.skills, topics, joined)
    if skills:
        why.append(part("skills", items=", ".join(skills), n=len(skills)))
    why.append(part("open_cases", n=best.open_cases))
    parts = (part("assigned", name=best.name), *why)
    return Choice(need.narrative_id, best.id, render(parts, "en"),
                  "; ".join(render_part(p, "en") for p in why), parts)


def route_all(needs: Iterable[Need], people: Sequence[Reservist]) -> list[Choice]:
    """Assign the highest scores first, counting each new case in the reviewer's load."""
    load = {p.id: p for p in people}
    chosen = []
    for need in sorted(needs, key=lambda n: (-n.score, n.narrative_id)):
        choice = choose(need, list(load.values()))
        if choice is None:
            continue
        person = load[choice.reservist_id]
        load[person.id] = replace(person, open_cases=person.open_cases + 1)
        chosen.append(choice)
    return chosen


def second_opinion(need: Need, people: Sequence[Reservist], previous: Sequence[str]
                   ) -> Choice | None:
    """Another reviewer than the last one (never the same person twice in a row)."""
    exclude = set(need.exclude) | ({previous[-1]} if previous else set())
    return choose(replace(need, exclude=frozenset(exclude)), people)


def coordinator_for(people: Sequence[Reservist], exclude: Iterable[str] = ()) -> Reservist | None:
    """The least loaded active coordinator (admins stand in when there is none)."""
    banned = set(exclude)
    pool = [p for p in people if p.active and p.role in COORDINATORS and p.id not in banned]
    if not pool:
        return None
    return min(pool, key=lambda p: (not p.available, p.role != COORDINATOR, p.open_cases, p.id))


def is_overdue(assigned_at: datetime, now: datetime, escalate_after_h: float) -> bool:
    return now - assigned_at >= timedelta(hours=escalate_after_h)


def escalation_reason(coordinator: Reservist, reviewer_name: str, hours: float
                      ) -> tuple[str, list[Part]]:
    """Why a case goes up to ``coordinator``: in English, and in parts."""
    parts = [part("escalated", name=coordinator.name),
             part("no_decision", reviewer=reviewer_name, hours=f"{hours:g}")]
    return render(parts, "en"), parts
