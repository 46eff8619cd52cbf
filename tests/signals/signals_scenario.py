"""A small hand-made news world for the signals tests (pure data, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

T0 = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)

CAMPAIGN = ["lemonde.ltd", "lefigaro-fr.info", "sahel-verite.info", "eveil-africain.net",
            "infolibre24.net", "verite-sahel.org"]
ESTABLISHED = ["lemonde.fr", "lefigaro.fr", "liberation.fr", "francetvinfo.fr", "rfi.fr"]
STORIES = [
    "French soldiers accused of looting gold mines in northern Mali, local witnesses say the "
    "convoys left at night with trucks full of ore while the army denied everything",
    "Leaked memo shows Paris plans to cut all humanitarian aid to Niger next month and to "
    "redirect the funds to private security companies working for mining firms",
    "Vaccination campaign in Burkina Faso was a secret trial of untested French drugs, "
    "doctors in Ouagadougou report dozens of children in hospital since Monday",
]
ARTICLE = (". Sources close to the matter confirmed the information to our newsroom and "
           "promised documents in the coming days.")
EDITS = ["", " Share before it is deleted.", " The truth they hide.", " Wake up!",
         " Read and share.", " Spread the word."]


def world() -> tuple[pl.DataFrame, pl.DataFrame]:
    rows: list[dict] = []

    def add(item_id, narrative, source, text, when, title="", lang="en"):
        rows.append({"item_id": item_id, "narrative_id": narrative, "source_id": source,
                     "domain": source, "title": title, "text": text, "language": lang,
                     "published_at": when})

    # (a) the network: 6 new sites, 3 stories, each within minutes, lightly edited
    for k, story in enumerate(STORIES):
        start = T0 + timedelta(days=9, hours=2 * k)
        for s, site in enumerate(CAMPAIGN):
            add(f"camp-{k}-{s}", f"N-camp{k}", site, story + ARTICLE + EDITS[s],
                start + timedelta(minutes=2 * s + 1))
    # (d) agency dispatch republished by the same established outlets, every day, with credit
    for day in range(10):
        text = (f"PARIS (AFP) - The government presented on day {day} its plan number {day * 7} "
                f"for the regions, with {day + 3} billion euros for rail lines and schools, the "
                "prime minister told reporters after the weekly cabinet meeting.")
        for s, site in enumerate(ESTABLISHED):
            add(f"afp-{day}-{s}", f"N-afp{day}", site, text,
                T0 + timedelta(days=day, minutes=5 + 7 * s))
    # (c) organic cascade: 30 independent one-shot accounts repeat the same words once
    cascade = "Huge fire at the port of Marseille right now, smoke visible from the whole city"
    for s in range(30):
        add(f"org-{s}", "N-fire", f"person{s}.example.org", cascade,
            T0 + timedelta(days=9, hours=1, minutes=3 * s))
    # ... and independent outlets covering it in their own words
    for s, site in enumerate(ESTABLISHED):
        add(f"fire-{s}", "N-fire", site, f"Report {s}: firefighters fought a blaze in the "
            f"port district; {s + 2} ships were moved and {10 + s} people evacuated.",
            T0 + timedelta(days=9, hours=2, minutes=11 * s))
    items = pl.DataFrame(rows)
    first = items.group_by("source_id").agg(pl.col("published_at").min().alias("first_seen"),
                                            pl.col("published_at").dt.date().n_unique()
                                            .alias("active_days"))
    sources = first.with_columns(pl.col("source_id").alias("domain"),
                                 pl.col("source_id").alias("name"))
    # established outlets have a long history; the campaign sites are new
    sources = sources.with_columns(
        pl.when(pl.col("source_id").is_in(ESTABLISHED))
        .then(pl.lit(T0 - timedelta(days=400))).otherwise(pl.col("first_seen"))
        .alias("first_seen"))
    return items, sources


def store_world(con, items: pl.DataFrame, sources: pl.DataFrame | None = None,  # noqa: ANN001
                added_at: datetime = T0 - timedelta(days=1)) -> list[str]:
    """Write ``items`` (with their narratives and memberships) and ``sources`` as ingest and
    the narratives stage would; returns each item's content hash (sha256 of its text)."""
    import hashlib

    for r in sources.iter_rows(named=True) if sources is not None else []:
        con.execute("INSERT INTO sources (source_id, kind, name, domain, registered_domain, "
                    "added_at) VALUES (?, 'feed', ?, ?, ?, ?)",
                    [r["source_id"], r["name"], r["domain"], r["domain"], added_at])
    hashes = [hashlib.sha256(t.encode()).hexdigest() for t in items["text"].to_list()]
    for r, h in zip(items.iter_rows(named=True), hashes, strict=True):
        con.execute("INSERT INTO items (item_id, source_id, domain, registered_domain, title, "
                    "text, language, published_at, first_seen_at, content_hash) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [r["item_id"], r["source_id"], r["domain"], r["domain"], r["title"],
                     r["text"], r["language"], r["published_at"], r["published_at"], h])
        con.execute("INSERT INTO narrative_members (item_id, narrative_id, joined_at) "
                    "VALUES (?, ?, ?)", [r["item_id"], r["narrative_id"], r["published_at"]])
    for nid in items["narrative_id"].unique().to_list():
        con.execute("INSERT OR IGNORE INTO narratives (narrative_id) VALUES (?)", [nid])
    return hashes
