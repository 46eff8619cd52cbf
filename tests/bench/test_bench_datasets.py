"""Benchmark inputs: normalisation, ground truth on a hand-made mix, loader on the small slice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from bench import datasets


def test_normalise_removes_urls_mentions_leading_rt_and_case() -> None:
    assert datasets.normalise("RT @user: Hello  World http://t.co/abc") == "hello world"
    assert datasets.normalise("rt @a: RT @b: Same\ttext www.x.org") == "same text"
    assert datasets.normalise("Art is not a retweet") == "art is not a retweet"


def test_ground_truth_on_six_row_toy_mix(toy_mix) -> None:
    # 1 and 2 are the same text by two troll accounts 2 h apart; 3 comes 28-30 h later;
    # 4/5 repeat within one account; 6 is organic (never ground truth, never makes a copy).
    assert datasets.ground_truth(toy_mix) == {"1", "2"}


def test_copies_within_respects_window_and_sources(toy_mix) -> None:
    mix = toy_mix
    hits = datasets.copies_within(
        mix["norm"].to_list(), mix["source"].to_list(), mix["published_at"].to_list()
    )
    assert dict(zip(mix["external_id"], hits, strict=True)) == {
        "1": True,
        "2": True,
        "3": False,
        "4": False,
        "5": False,
        "6": True,
    }
    narrow = datasets.copies_within(
        mix["norm"].to_list(),
        mix["source"].to_list(),
        mix["published_at"].to_list(),
        window=timedelta(minutes=30),
    )
    assert not any(narrow)


def test_tweet_time_from_snowflake_id() -> None:
    epoch = datetime.fromtimestamp(1288834974.657, tz=UTC)
    assert datasets.tweet_time(0) == epoch
    assert datasets.tweet_time((1000 << 22) + 12345) == epoch + timedelta(seconds=1)


@pytest.fixture(scope="module")
def small(shared_data):
    return datasets.load(shared_data, small=True)


def test_small_slice_loader(small) -> None:
    organic, campaign = small
    assert organic["label"].n_unique() == 13
    assert organic.group_by("label").len()["len"].max() <= datasets.SMALL_PER_EVENT
    assert organic["source"].n_unique() == organic.height  # one source per organic tweet
    assert organic["external_id"].is_unique().all()
    for df in (organic, campaign):
        assert all(len(datasets.strip_urls(t).strip()) >= datasets.MIN_CHARS for t in df["text"])
        assert df["published_at"].null_count() == 0
    assert organic["published_at"].dt.year().is_between(2012, 2013).all()
    boston = organic.filter(pl.col("label") == "2013_Boston_bombings")["published_at"]
    assert boston.min() >= datetime(2013, 4, 15, tzinfo=UTC)  # the bombing day
    assert boston.max() < datetime(2013, 6, 1, tzinfo=UTC)
    days = campaign["published_at"].dt.date().cast(pl.String)
    assert days.is_between(*datasets.SMALL_TROLL_DAYS).all()
    assert campaign["external_id"].str.starts_with("ira-").all()


def test_variant_b_spreads_organic_over_accounts_as_active_as_trolls(small) -> None:
    organic, campaign = small
    a = datasets.build_mix(organic, campaign, "a")
    b = datasets.build_mix(organic, campaign, "b")
    assert a["external_id"].to_list() == b["external_id"].to_list()
    org_b = b.filter(pl.col("kind") == "organic")
    per_troll = campaign.height / campaign["source"].n_unique()
    per_account = org_b.height / org_b["source"].n_unique()
    assert per_account == pytest.approx(per_troll, rel=0.25)
    ids = organic["external_id"].head(20).to_list()
    assert datasets.pseudo_accounts(ids, 7) == datasets.pseudo_accounts(ids, 7)
    truth = datasets.ground_truth(a)
    assert truth == datasets.ground_truth(b)  # only organic sources differ
    assert 0 < len(truth) < campaign.height
    with pytest.raises(ValueError):
        datasets.build_mix(organic, campaign, "c")


def test_import_csv_has_the_documented_columns(small, tmp_path) -> None:
    mix = datasets.build_mix(*small, "a").head(5)
    path = datasets.write_import_csv(mix, tmp_path / "mix.csv")
    back = pl.read_csv(path)
    assert back.columns == ["id", "text", "source", "published_at"]
    assert back["id"].cast(pl.String).to_list() == mix["external_id"].to_list()
    assert back["published_at"].str.ends_with("Z").all()
