"""The benchmark inputs, built from ``../shared/data`` exactly as a user would export them.

- Organic: the 13 CrisisLex events; each tweet is its own source (no author ids), its time
  comes from the tweet id, the event folder is the gold narrative label.
- Campaign: the IRA "Fearmonger" accounts (mostly the #KochFarms hoax); source = author_id.
- Texts shorter than 30 characters once URLs are removed are dropped.
- Variant ``a`` (one-shot organic) keeps one source per organic tweet; variant ``b`` (active
  organic) spreads organic tweets over pseudo-accounts as active as the troll accounts.
- Ground truth: a troll item is a "coordinated copy" when its normalised text equals that of an
  item by another troll account within 24 hours.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TWITTER_EPOCH_MS = 1288834974657
MIN_CHARS = 30
COPY_WINDOW = timedelta(hours=24)
# --small: 100 tweets per event and the troll items of a few busy campaign days.
SMALL_PER_EVENT = 100
SMALL_TROLL_DAYS = ("2015-08-20", "2015-08-25")  # inclusive

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+:?")
_LEADING_RT = re.compile(r"^(?:rt\b\W*)+")
_SPACES = re.compile(r"\s+")

COLUMNS = ["external_id", "text", "source", "published_at", "kind", "label"]


def strip_urls(text: str) -> str:
    return _URL.sub(" ", text)


def normalise(text: str) -> str:
    """Lower-case; URLs, @mentions and a leading RT removed; whitespace collapsed."""
    text = _MENTION.sub(" ", strip_urls(text.lower()))
    text = _SPACES.sub(" ", text).strip()
    return _LEADING_RT.sub("", text).strip()


def tweet_time(tweet_id: int) -> datetime:
    """Creation time encoded in a Twitter snowflake id."""
    return datetime.fromtimestamp(((tweet_id >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)


def _long_enough(df: pl.DataFrame) -> pl.DataFrame:
    keep = [len(strip_urls(t).strip()) >= MIN_CHARS for t in df["text"]]
    return df.filter(pl.Series(keep, dtype=pl.Boolean))


def load_organic(data_dir: Path = SHARED_DATA, small: bool = False) -> pl.DataFrame:
    """CrisisLex tweets: one row per tweet, ``label`` = event folder, one source per tweet."""
    frames = []
    for event_dir in sorted(p for p in (data_dir / "crisislex").iterdir() if p.is_dir()):
        (path,) = event_dir.glob("*-tweets_labeled.csv")
        df = pl.read_csv(path, infer_schema=False)
        df = df.rename({c: c.strip() for c in df.columns}).select(
            pl.col("Tweet ID").str.strip_chars().alias("external_id"),
            pl.col("Tweet Text").alias("text"),
        )
        df = _long_enough(df.drop_nulls())
        if small:
            df = df.head(SMALL_PER_EVENT)
        frames.append(df.with_columns(pl.lit(event_dir.name).alias("label")))
    df = pl.concat(frames).unique("external_id", keep="first", maintain_order=True)
    times = [tweet_time(int(i)) for i in df["external_id"]]
    return df.with_columns(
        pl.Series("published_at", times, dtype=pl.Datetime("us", "UTC")),
        ("org-" + pl.col("external_id")).alias("source"),
        pl.lit("organic").alias("kind"),
    ).select(COLUMNS)


def load_campaign(data_dir: Path = SHARED_DATA, small: bool = False) -> pl.DataFrame:
    """IRA Fearmonger tweets: source = author_id; external id = row number in the file."""
    df = pl.read_csv(data_dir / "ira" / "sample_fearmonger_all.csv", infer_schema=False)
    df = df.with_row_index("row").select(
        ("ira-" + pl.col("row").cast(pl.String)).alias("external_id"),
        pl.col("content").alias("text"),
        pl.col("author_id").alias("source"),
        pl.col("publish_date")
        .str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC")
        .cast(pl.Datetime("us", "UTC"))
        .alias("published_at"),
    )
    df = _long_enough(df.drop_nulls())
    if small:
        day = pl.col("published_at").dt.date().cast(pl.String)
        df = df.filter(day.is_between(pl.lit(SMALL_TROLL_DAYS[0]), pl.lit(SMALL_TROLL_DAYS[1])))
    return df.with_columns(pl.lit("campaign").alias("kind"), pl.lit(None).alias("label")).select(
        COLUMNS
    )


def pseudo_accounts(external_ids: Sequence[str], k: int) -> list[str]:
    """Deterministic pseudo-account of each organic tweet: sha1(id) modulo k."""
    return [
        f"org-acct-{int(hashlib.sha1(i.encode()).hexdigest(), 16) % k:05d}" for i in external_ids
    ]


def build_mix(organic: pl.DataFrame, campaign: pl.DataFrame, variant: str) -> pl.DataFrame:
    """The mix fed to every system: organic + campaign, sorted by time."""
    if variant not in ("a", "b"):
        raise ValueError(f"unknown variant {variant!r} (a or b)")
    if variant == "b":
        per_account = campaign.height / max(campaign["source"].n_unique(), 1)
        k = max(round(organic.height / per_account), 1)
        organic = organic.with_columns(
            pl.Series("source", pseudo_accounts(organic["external_id"].to_list(), k))
        )
    mix = pl.concat([organic, campaign]).sort("published_at", "external_id")
    return mix.with_columns(pl.Series("norm", [normalise(t) for t in mix["text"]]))


def copies_within(
    keys: Sequence[str],
    sources: Sequence[str],
    times: Sequence[datetime],
    window: timedelta = COPY_WINDOW,
) -> list[bool]:
    """For each item: is there an item with the same key by another source within ``window``?"""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if key:
            groups[key].append(i)
    out = [False] * len(keys)
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: times[i])
        stamps = [times[i] for i in members]
        for pos, i in enumerate(members):
            lo = bisect.bisect_left(stamps, times[i] - window)
            hi = bisect.bisect_right(stamps, times[i] + window)
            out[i] = any(sources[members[j]] != sources[i] for j in range(lo, hi) if j != pos)
    return out


def ground_truth(mix: pl.DataFrame) -> set[str]:
    """External ids of the campaign items that are coordinated copies."""
    trolls = mix.filter(pl.col("kind") == "campaign")
    flags = copies_within(
        trolls["norm"].to_list(), trolls["source"].to_list(), trolls["published_at"].to_list()
    )
    return {eid for eid, hit in zip(trolls["external_id"], flags, strict=True) if hit}


def load(data_dir: Path = SHARED_DATA, small: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    return load_organic(data_dir, small), load_campaign(data_dir, small)


def write_import_csv(mix: pl.DataFrame, path: Path) -> Path:
    """The CSV ``vigie import`` reads (map id=id,text=text,source=source,published_at=...)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mix.select(
        pl.col("external_id").alias("id"),
        "text",
        "source",
        pl.col("published_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("published_at"),
    ).write_csv(path)
    return path


IMPORT_MAP = "id=id,text=text,source=source,published_at=published_at"
