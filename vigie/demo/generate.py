"""Build the demo site: one static feed per fictional source, plus ``manifest.json``.

Deterministic: a fixed seed and a fixed timeline (2026-11-19 to 2026-11-25, UTC), never the wall
clock, so every call writes the same bytes and a second ``vigie demo`` sees the same items. File
modification times are set to each feed's newest item so HTTP validators stay stable too.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from vigie.demo.feeds import render_feed
from vigie.demo.items import GenItem, at, item_guid, item_link
from vigie.demo.manifest import DemoItem, DemoManifest
from vigie.demo.planted import campaign_groups, campaign_items, dispatch_items
from vigie.demo.sources import OUTLETS, all_sources, outlets_in
from vigie.demo.writing import Story, compose, load_stories, max_similarity

SEED = 20261125
FIRST_DAY, LAST_DAY = date(2026, 11, 19), date(2026, 11, 25)
ORGANIC_STORY = "storm"  # the story many independent outlets cover on the last day
GUARD = 0.55  # resample a draft reading this much like another outlet's (bound tested: 0.6)
ATTEMPTS = 150
LOOKALIKES = {"lemonde.ltd": "lemonde.fr", "lefigaro.com.co": "lefigaro.fr"}


def build_demo_site(dest: Path) -> DemoManifest:
    """Write ``dest/<slug>/feed.xml`` for every source and ``dest/manifest.json``."""
    dest = Path(dest)
    sources = all_sources()
    by_slug = {s.slug: s for s in sources}
    dispatches = dispatch_items(OUTLETS, SEED)
    organic = organic_items(load_stories(), dispatches)
    copies, relays = campaign_items(by_slug)
    items = organic + dispatches + copies + relays + [hostile_item()]

    per_source: dict[str, list[GenItem]] = defaultdict(list)
    for it in items:
        per_source[it.source].append(it)
    for src in sources:
        feed = dest / src.feed_path
        feed.parent.mkdir(parents=True, exist_ok=True)
        feed.write_bytes(render_feed(src, per_source[src.slug]))
        newest = max(it.published for it in per_source[src.slug]).timestamp()
        os.utime(feed, (newest, newest))

    manifest = _manifest(sources, items, copies, relays, dispatches)
    path = dest / "manifest.json"
    path.write_text(manifest.to_json(), encoding="utf-8")
    last = max(it.published for it in items).timestamp()
    os.utime(path, (last, last))
    return manifest


def organic_items(stories: list[Story], dispatches: list[GenItem]) -> list[GenItem]:
    """Each story day covered by several outlets, each in its own words."""
    load: Counter[tuple[str, str]] = Counter(
        (it.source, it.published.date().isoformat()) for it in dispatches
    )
    texts: dict[str, list[tuple[str, str]]] = defaultdict(list)  # story -> (outlet, text)
    items: list[GenItem] = []
    agenda = sorted(((d.date, s.id, s, d) for s in stories for d in s.days), key=lambda x: x[:2])
    for day_iso, story_id, story, day in agenda:
        for lang, count in sorted(day.coverage.items()):
            pick = random.Random(f"{SEED}:pick:{story_id}:{day_iso}:{lang}")
            pool = sorted(outlets_in(lang),
                          key=lambda o: (load[(o.source.slug, day_iso)], pick.random()))
            for outlet in pool[:count]:
                slug = outlet.source.slug
                others = [t for s, t in texts[story_id] if s != slug]
                best = None
                for attempt in range(ATTEMPTS):
                    rng = random.Random(f"{SEED}:{story_id}:{day_iso}:{slug}:{attempt}")
                    article = compose(story, day, outlet, rng)
                    score = max_similarity(article.text, others)
                    if best is None or score < best[0]:
                        best = (score, article)
                    if score < GUARD:
                        break
                article = best[1]
                texts[story_id].append((slug, article.text))
                load[(slug, day_iso)] += 1
                when = _organic_time(story_id, day_iso, slug, day.window)
                items.append(_organic_item(outlet, story_id, when, article))
    return items


def _organic_time(story: str, day: str, slug: str, window: tuple[int, int]):
    rng = random.Random(f"{SEED}:time:{story}:{day}:{slug}")
    start, end = window
    minutes = rng.randint(start * 60, end * 60 - 1)
    return at(day, 0, minutes, rng.randint(0, 59))


def _organic_item(outlet, story: str, when, article) -> GenItem:
    src, style = outlet.source, outlet.style
    link = item_link(src.domain, style.section, when, article.title, f"{src.slug}|{story}|{when}")
    guid = item_guid(src.domain, link, style.guid_permalink)
    return GenItem(src.slug, story, when, article.title, link, guid, style.guid_permalink,
                   article.description, article.text, src.language)


def hostile_item() -> GenItem:
    """One blog post carrying hostile markup: it must stay inert all the way to the reviewer."""
    when = at("2026-11-21", 21, 40, 5)
    title = "Lumières du Nord, premier soir <script>alert(1)</script>"
    text = (
        "Petit billet du soir. Je rentre de Lille, les pieds gelés mais les yeux pleins de "
        "couleurs : la baleine suspendue au-dessus de la Grand-Place vaut à elle seule le "
        "déplacement. Quelques photos prises au téléphone, pardon pour le flou. Conseil pour "
        "ceux qui y vont ce week-end : partez tôt, le métro était bondé dès 19 heures et les "
        "rues du Vieux-Lille se remplissent très vite. J'y retourne dimanche avec les enfants."
    )
    description = f"<p>{text}</p><img src=x onerror=alert(1)><p><em>À suivre.</em></p>"
    link = "https://presquile-blog.fr/billets/2026/11/21/lumieres-du-nord-premier-soir"
    return GenItem("presquile-blog", "hostile", when, title, link, link, True, description,
                   text, "fr")


def _manifest(sources, items, copies, relays, dispatches) -> DemoManifest:
    stories: dict[str, list[str]] = defaultdict(list)
    for it in sorted(items, key=lambda i: (i.published, i.link)):
        stories[it.story].append(it.link)
    kinds = campaign_groups()
    groups = {
        "campaign": [it.link for it in copies if kinds[it.story] == "campaign"],
        "campaign_other": [it.link for it in copies if kinds[it.story] == "campaign_other"],
        "relay": [it.link for it in relays if kinds[it.story.rsplit("_", 1)[0]] == "campaign"],
        "relay_other": [it.link for it in relays
                        if kinds[it.story.rsplit("_", 1)[0]] == "campaign_other"],
        "organic": list(stories[ORGANIC_STORY]),
        "syndicated": [it.link for it in dispatches],
        "hostile": list(stories["hostile"]),
    }
    records = [
        DemoItem(it.link, it.source, it.published.isoformat(), it.story, it.language)
        for it in sorted(items, key=lambda i: (i.published, i.link))
    ]
    notes = {f"lookalike:{k}": v for k, v in LOOKALIKES.items()}
    notes["organic_day"] = LAST_DAY.isoformat()
    return DemoManifest(sources, groups, dict(stories), records, FIRST_DAY, LAST_DAY, SEED, notes)
