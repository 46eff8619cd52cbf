"""Render a source's items as an RSS 2.0 or Atom 1.0 document (deterministic bytes)."""

from __future__ import annotations

from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from vigie.demo.items import GenItem
from vigie.demo.manifest import DemoSource

_TAGLINE = {
    "fr": "Toute l'actualité, en continu",
    "en": "News as it happens",
    "ru": "Новости без цензуры",
}


def render_feed(source: DemoSource, items: list[GenItem]) -> bytes:
    items = sorted(items, key=lambda i: (i.published, i.link), reverse=True)
    doc = _atom(source, items) if source.feed_format == "atom" else _rss(source, items)
    return doc.encode("utf-8")


def _rss(src: DemoSource, items: list[GenItem]) -> str:
    lang = f"{src.language}-{src.country.lower()}" if src.country else src.language
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0">',
        "<channel>",
        f"<title>{escape(src.name)}</title>",
        f"<link>{escape(src.site_url)}</link>",
        f"<description>{escape(_TAGLINE[src.language])}</description>",
        f"<language>{lang}</language>",
    ]
    if items:
        out.append(f"<lastBuildDate>{format_datetime(items[0].published, usegmt=True)}"
                   "</lastBuildDate>")
    for it in items:
        permalink = "true" if it.guid_permalink else "false"
        out += [
            "<item>",
            f"<title>{escape(it.title)}</title>",
            f"<link>{escape(it.link)}</link>",
            f'<guid isPermaLink="{permalink}">{escape(it.guid)}</guid>',
            f"<pubDate>{format_datetime(it.published, usegmt=True)}</pubDate>",
            f"<description>{escape(it.description)}</description>",
            "</item>",
        ]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def _atom(src: DemoSource, items: list[GenItem]) -> str:
    updated = items[0].published.isoformat().replace("+00:00", "Z") if items else ""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(src.language)}>',
        f"<title>{escape(src.name)}</title>",
        f"<subtitle>{escape(_TAGLINE[src.language])}</subtitle>",
        f'<link rel="alternate" type="text/html" href={quoteattr(src.site_url)}/>',
        f"<id>{escape(src.site_url)}</id>",
        f"<updated>{updated}</updated>",
    ]
    for it in items:
        stamp = it.published.isoformat().replace("+00:00", "Z")
        out += [
            "<entry>",
            f'<title type="text">{escape(it.title)}</title>',
            f'<link rel="alternate" type="text/html" href={quoteattr(it.link)}/>',
            f"<id>{escape(it.guid)}</id>",
            f"<published>{stamp}</published>",
            f"<updated>{stamp}</updated>",
            f'<summary type="html">{escape(it.description)}</summary>',
            "</entry>",
        ]
    out += ["</feed>", ""]
    return "\n".join(out)
