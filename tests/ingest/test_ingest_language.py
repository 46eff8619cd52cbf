"""Language detection on posts: links, @mentions and #hashtags removed, short texts with the
full models (the trigram-only mode misreads hashtag-heavy English tweets as Dutch or Polish)."""

from __future__ import annotations

import csv

from vigie.ingest.language import _prepare, detect, detect_many


def test_noise_is_removed_before_detection_and_leftovers_too_short_are_undecided():
    assert _prepare("#Walmart #KochFarms @usda https://t.co/x Turkey was poisoned") == (
        "Turkey was poisoned")
    assert _prepare("#Turkey #USDA https://t.co/abc @someone") is None
    assert detect("#Turkey #USDA https://t.co/abc") is None


def test_short_posts_in_several_languages():
    posts = {
        "en": "OMG the turkey from #Walmart made my whole family sick #KochFarms",
        "fr": "La dinde achetée hier a rendu toute ma famille malade, honteux",
        "de": "Der Truthahn von gestern hat meine ganze Familie krank gemacht",
        "es": "El pavo que compramos ayer enfermó a toda mi familia, qué vergüenza",
    }
    assert detect_many(list(posts.values())) == list(posts)


def test_english_troll_tweets_are_mostly_english(shared_data):
    # Real posts (IRA Fearmonger sample, English): >= 95% English once the noise is removed
    # (the trigram-only models on the raw text said 87.9% on the first 3,000).
    with (shared_data / "ira" / "sample_fearmonger_all.csv").open(encoding="utf-8") as fh:
        texts = [row["content"] for _, row in zip(range(1000), csv.DictReader(fh), strict=False)]
    found = [lang for lang in detect_many(texts) if lang is not None]
    assert len(found) > 900
    assert sum(lang == "en" for lang in found) / len(found) >= 0.95
