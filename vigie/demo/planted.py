"""The planted patterns: the coordinated network, its translated relays, agency syndication.

Campaign copies are one text lightly edited per site (reworded headline, swapped sentences,
replaced words), published within minutes. Relays are faithful translations published an hour or
two later. Agency dispatches are republished nearly verbatim, with attribution, within the hour by
the outlets that subscribe to the agency, every day.
"""

from __future__ import annotations

import html
import random
from datetime import timedelta
from pathlib import Path

import yaml

from vigie.demo.items import GenItem, at, item_guid, item_link
from vigie.demo.manifest import DemoSource
from vigie.demo.sources import Outlet

CONTENT = Path(__file__).parent / "content"

# Light edits per copy: (swap of two adjacent sentences, by cheapness rank; replacement indexes;
# drop the shortest sentence; lede prefix). Swaps move short sentences: copies stay near-identical.
Edit = tuple[int | None, tuple[int, ...], bool, str]
_EDITS: list[Edit] = [
    (None, (), False, ""),
    (0, (), False, ""),
    (None, (0, 1), False, ""),
    (None, (), True, ""),
    (1, (2,), False, ""),
    (None, (3, 4), False, "EXCLUSIF – "),
    (0, (5,), False, ""),
]
_EN_EDITS: list[Edit] = [(None, (), False, ""), (0, (0,), False, "")]


def _load(name: str) -> dict:
    return yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))


def light_edit(sentences: list[str], replacements: list[list[str]], edit: Edit) -> list[str]:
    """Apply one copy's light edits to the base sentences."""
    swap, repl, drop_shortest, prefix = edit
    out = list(sentences)
    if swap is not None:
        # Swapping costs about the shorter sentence's length in edit distance: pick cheap pairs.
        pairs = sorted(range(1, len(out) - 1), key=lambda k: (min(len(out[k]), len(out[k + 1])), k))
        k = pairs[swap % len(pairs)]
        out[k], out[k + 1] = out[k + 1], out[k]
    for r in repl:
        if replacements:
            old, new = replacements[r % len(replacements)]
            out = [s.replace(old, new) for s in out]
    if drop_shortest and len(out) > 4:
        out.remove(min(out[1:], key=len))
    if prefix:
        out[0] = prefix + out[0]
    return out


def _paragraphs(sentences: list[str], as_html: bool) -> tuple[str, str]:
    paras = [sentences[0], " ".join(sentences[1:3]), " ".join(sentences[3:])]
    paras = [p for p in paras if p]
    text = "\n\n".join(paras)
    if as_html:
        return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paras), text
    return text, text


def _item(src: DemoSource, story: str, when, title: str, sentences: list[str], lang: str,
          section: str, as_html: bool, permalink: bool = True) -> GenItem:
    description, text = _paragraphs(sentences, as_html)
    link = item_link(src.domain, section, when, title, f"{src.slug}|{story}")
    return GenItem(src.slug, story, when, title, link, item_guid(src.domain, link, permalink),
                   permalink, description, text, lang)


def campaign_items(sources: dict[str, DemoSource]) -> tuple[list[GenItem], list[GenItem]]:
    """The network's coordinated copies and the relays' translations: (copies, relays)."""
    copies: list[GenItem] = []
    relays: list[GenItem] = []
    for story in _load("campaign.yaml")["stories"]:
        day = str(story["date"])
        hour, minute = map(int, story["start"].split(":"))
        start = at(day, hour, minute)
        for i, (slug, offset) in enumerate(zip(story["sites"], story["offsets"], strict=True)):
            when = start + timedelta(minutes=offset, seconds=(17 * i) % 60)
            sentences = light_edit(story["sentences"], story["replacements"], _EDITS[i % 7])
            title = story["headlines"][i % len(story["headlines"])]
            copies.append(_item(sources[slug], story["id"], when, title, sentences, "fr",
                                "actualite", as_html=i % 2 == 0, permalink=i % 3 != 2))
        for k, relay in enumerate(story.get("relays", [])):
            lang = relay["lang"]
            tr = story["translations"][lang]
            rhour, rminute = map(int, relay["at"].split(":"))
            n_same_lang = sum(1 for r in story["relays"][:k] if r["lang"] == lang)
            sentences = light_edit(tr["sentences"], tr.get("replacements", []),
                                   _EN_EDITS[n_same_lang % 2])
            title = tr["headlines"][n_same_lang % len(tr["headlines"])]
            relays.append(_item(sources[relay["site"]], f"{story['id']}_{lang}",
                                at(day, rhour, rminute, 40), title, sentences, lang, "news",
                                as_html=k % 2 == 1))
    return copies, relays


def campaign_groups() -> dict[str, str]:
    """Story id -> ground-truth group ("campaign" or "campaign_other")."""
    return {s["id"]: s["group"] for s in _load("campaign.yaml")["stories"]}


def dispatch_items(outlets: list[Outlet], seed: int) -> list[GenItem]:
    """Every subscriber's copy of every agency dispatch, within the hour, with attribution."""
    data = _load("dispatches.yaml")
    items: list[GenItem] = []
    for d in data["dispatches"]:
        agency = data["agencies"][d["agency"]]
        hour, minute = map(int, d["at"].split(":"))
        sent = at(str(d["date"]), hour, minute)
        subscribers = [o for o in outlets if o.syndicates == d["agency"]]
        for n, outlet in enumerate(subscribers):
            rng = random.Random(f"{seed}:dispatch:{d['id']}:{outlet.source.slug}")
            when = sent + timedelta(minutes=rng.randint(4, 55), seconds=rng.randint(0, 59))
            items.append(_dispatch_copy(d, agency, outlet, n, when))
    return items


def _dispatch_copy(d: dict, agency: dict, outlet: Outlet, n: int, when) -> GenItem:
    src, style = outlet.source, outlet.style
    fr = agency["language"] == "fr"
    text = d["text"].strip()
    sentences = text.split(". ")
    if n % 3 == 2 and len(sentences) > 4:  # some outlets cut the last sentence
        text = ". ".join(sentences[:-1]) + "."
    if outlet.attribution == "prefix":
        text = f"{d['city']} ({agency['short']}) — {text}"
    elif outlet.attribution == "suffix":
        text = f"{text} — {agency['name']}"
    else:
        credit = f"(Avec {agency['short']})" if fr else f"(Reporting by {agency['short']})"
        text = f"{text}\n\n{credit}"
    title = d["headline"]
    if style.kicker and n % 2 == 1:
        title = f"{style.kicker} – {title}"
    paras = text.split("\n\n")
    description = (
        "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paras) if style.html else text
    )
    link = item_link(src.domain, style.section, when, d["headline"], f"{src.slug}|{d['id']}")
    guid = item_guid(src.domain, link, style.guid_permalink)
    return GenItem(src.slug, d["id"], when, title, link, guid, style.guid_permalink, description,
                   text, src.language)
