"""Peers on hand-made inputs: what each baseline must and must not predict."""

from __future__ import annotations

import numpy as np
import pytest

from bench import metrics
from bench.peers import agglomerative, cnt_toolkit, d3lta_like, naive_rules


def test_same_text_rule_is_blind_to_who_is_a_troll(toy_mix) -> None:
    assert naive_rules.same_text(toy_mix) == {"1", "2", "6"}


def test_repeated_pair_rule_needs_two_distinct_texts_per_pair(mix_of) -> None:
    mix = mix_of(
        [
            ("a1", "first story told by the pair", "s1", 0, "campaign"),
            ("b1", "first story told by the pair", "s2", 5, "campaign"),
            ("a2", "second story told by the pair", "s1", 60, "campaign"),
            ("b2", "second story told by the pair", "s2", 61, "campaign"),
            (
                "c1",
                "first story told by the pair",
                "s3",
                10,
                "campaign",
            ),  # s3 shares only one text
            ("a3", "second story told by the pair", "s1", 3 * 24 * 60, "campaign"),  # too late
        ]
    )
    assert naive_rules.repeated_pairs(mix) == {"a1", "b1", "a2", "b2"}


def test_cnt_co_tweet_flags_every_item_of_the_accounts_in_an_edge(mix_of) -> None:
    pytest.importorskip("coordination_network_toolkit", reason="needs the [bench] extra")
    mix = mix_of(
        [
            ("m1", "Exact same words @someone", "u1", 0, "campaign"),
            (
                "m2",
                "exact same WORDS",
                "u2",
                30,
                "campaign",
            ),  # same after the toolkit's preprocessing
            (
                "m3",
                "exact same words",
                "u3",
                120,
                "campaign",
            ),  # outside the 1 h window of m1/m2
            ("m4", "unrelated text from the same user", "u1", 1, "campaign"),
            (
                "m5",
                "unrelated text from the same user",
                "u1",
                2,
                "campaign",
            ),  # same user: no edge
        ]
    )
    # u1 and u2 form an edge: all their items are predicted (m4, m5 too); u3 is alone.
    assert cnt_toolkit.coordinated_items(mix, "co_tweet") == {"m1", "m2", "m4", "m5"}


def test_cnt_co_similar_tweet_uses_token_jaccard(mix_of) -> None:
    pytest.importorskip("coordination_network_toolkit", reason="needs the [bench] extra")
    base = "one two three four five six seven eight nine ten"
    mix = mix_of(
        [
            ("s1", base, "u1", 0, "campaign"),
            ("s2", base + " eleven", "u2", 10, "campaign"),  # Jaccard 10/11 >= 0.8
            (
                "s3",
                "one two three four five zzz yyy xxx www vvv",
                "u3",
                20,
                "campaign",
            ),  # 5/15
        ]
    )
    assert cnt_toolkit.coordinated_items(mix, "co_similar_tweet") == {"s1", "s2"}
    with pytest.raises(ValueError):
        cnt_toolkit.coordinated_items(mix, "co_nothing")


def test_d3lta_like_groups_need_two_sources(mix_of) -> None:
    mix = mix_of(
        [
            ("d1", "the same claim, copied word for word", "u1", 0, "campaign"),
            ("d2", "the same claim, copied word for word", "u2", 500, "campaign"),
            ("d3", "a different claim that one account repeats", "u3", 0, "campaign"),
            ("d4", "a different claim that one account repeats", "u3", 9, "campaign"),
            ("d5", "something else altogether", "u4", 0, "campaign"),
        ]
    )
    e = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    assert d3lta_like.duplicate_items(mix, e) == {"d1", "d2"}


def test_agglomerative_sweep_finds_the_separating_threshold() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(3, 16)
    x = np.vstack([c + 0.05 * rng.standard_normal((10, 16)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    gold = [k for k in range(3) for _ in range(10)]
    thresholds = (0.001, 0.5, 1.5)  # too tight, right, too loose
    score = lambda lab: metrics.bcubed(gold, list(lab))["f1"]  # noqa: E731
    best, scores = agglomerative.sweep(x, score, thresholds)
    assert best == 0.5
    assert scores[0.5] == pytest.approx(1.0)
    assert scores[0.001] < 1.0 and scores[1.5] < 1.0
    assert agglomerative.THRESHOLDS[0] == 0.4 and agglomerative.THRESHOLDS[-1] == 0.95
    labels = agglomerative.cluster(x, best)
    assert metrics.bcubed(gold, labels)["f1"] == pytest.approx(1.0)
