"""Benchmark metrics against values computed by hand on tiny partitions."""

from __future__ import annotations

import pytest

from bench import metrics

GOLD = ["A", "A", "A", "B", "B"]
PRED = [1, 1, 2, 2, 2]  # clusters {0,1} (A,A) and {2,3,4} (A,B,B)


def test_bcubed_on_hand_computed_partition() -> None:
    # precision: items 0,1 -> 1; item 2 -> 1/3; items 3,4 -> 2/3  => 11/15
    # recall:    items 0,1 -> 2/3; item 2 -> 1/3; items 3,4 -> 1  => 11/15
    b = metrics.bcubed(GOLD, PRED)
    assert b["precision"] == pytest.approx(11 / 15)
    assert b["recall"] == pytest.approx(11 / 15)
    assert b["f1"] == pytest.approx(11 / 15)


def test_pairwise_on_hand_computed_partition() -> None:
    # gold pairs 3+1, predicted pairs 1+3, common pairs (0,1) and (3,4)
    p = metrics.pairwise(GOLD, PRED)
    assert p == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})


def test_unclustered_items_are_singletons_not_one_cluster() -> None:
    gold = ["A", "A", "B", "B", "B"]
    pred = [1, None, None, 2, 2]
    b = metrics.bcubed(gold, pred)
    assert b["precision"] == pytest.approx(1.0)  # every cluster is pure
    assert b["recall"] == pytest.approx((0.5 + 0.5 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    p = metrics.pairwise(gold, pred)
    assert p["precision"] == pytest.approx(1.0)  # the two None are not a pair
    assert p["recall"] == pytest.approx(1 / 4)
    c = metrics.clustering(gold, pred)
    assert c["unclustered"] == pytest.approx(2 / 5)
    assert c["narratives"] == 2


def test_clustering_perfect_and_label_names_do_not_matter() -> None:
    perfect = metrics.clustering(GOLD, ["x", "x", "x", "y", "y"])
    assert perfect["nmi"] == pytest.approx(1.0)
    assert perfect["ari"] == pytest.approx(1.0)
    assert perfect["bcubed"]["f1"] == pytest.approx(1.0)
    renamed = metrics.clustering(GOLD, [7, 7, 9, 9, 9])
    assert renamed["bcubed"] == pytest.approx(metrics.bcubed(GOLD, PRED))
    one_blob = metrics.clustering(GOLD, [0] * 5)
    assert one_blob["ari"] == pytest.approx(0.0)
    assert one_blob["bcubed"]["recall"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        metrics.clustering(GOLD, PRED[:3])


def test_coordination_precision_recall_and_organic_false_positives() -> None:
    source_of = {"t1": "acc1", "t2": "acc2", "t3": "acc1", "t4": "acc3"}
    source_of |= {f"o{i}": f"org-{i}" for i in range(1, 5)}
    organic = {"o1", "o2", "o3", "o4"}
    c = metrics.coordination({"t1", "t3", "o1"}, {"t1", "t2"}, organic, source_of)
    assert c["precision"] == pytest.approx(1 / 3)
    assert c["recall"] == pytest.approx(1 / 2)
    assert c["f1"] == pytest.approx(0.4)
    assert c["organic_fp_rate"] == pytest.approx(1 / 4)
    assert c["source_precision"] == pytest.approx(1 / 2)  # acc1 right, org-1 wrong
    empty = metrics.coordination(set(), {"t1"}, organic, source_of)
    assert (empty["precision"], empty["recall"], empty["f1"]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="not in the mix"):
        metrics.coordination({"nope"}, {"t1"}, organic, source_of)


def test_stability_counts_items_that_got_a_narrative_on_arrival() -> None:
    first = {"x": "N-1", "y": "N-2", "z": None}
    last = {"x": "N-1", "y": "N-3", "z": "N-4"}
    assert metrics.stability(first, last) == {"share": 0.5, "items": 2}
    assert metrics.stability({}, {}) == {"share": 0.0, "items": 0}
