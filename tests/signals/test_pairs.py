"""Typed pairs as columns: the batch typing is D3lta's rule, pair by pair."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from detectors.config import detection_config
from detectors.duplicates import find_duplicates
from detectors.pairs import (
    KINDS,
    NO_KIND,
    ByNarrative,
    PairTable,
    classify,
    classify_pairs,
    count_kinds,
    language_codes,
)

CFG = detection_config()["duplicates"]


def rule(a: str, b: str, la: str | None, lb: str | None, cos: float | None) -> tuple[str, float]:
    """D3lta's typing written out for one pair (the oracle)."""
    lev = Levenshtein.normalized_similarity(a, b)
    if a == b or lev > CFG["levenshtein"]:
        return "copy_paste", 1.0 if a == b else lev
    same = not la or not lb or la == lb
    if cos is not None and same and cos > CFG["rewording_cosine"]:
        return "rewording", cos
    if cos is not None and not same and cos > CFG["translation_cosine"]:
        return "translation", cos
    return "", 0.0


texts = st.text(alphabet="ab c", min_size=0, max_size=30)
langs = st.sampled_from([None, "", "en", "fr"])
cosines = st.floats(min_value=0.5, max_value=1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, texts, langs, langs, cosines), min_size=1, max_size=40),
       st.booleans())
def test_batch_typing_is_the_rule_pair_by_pair(rows, with_cos):
    keys = [k for a, b, *_ in rows for k in (a, b)]
    lang = language_codes([x for *_, la, lb, _c in rows for x in (la, lb)], len(keys))
    a = np.arange(0, len(keys), 2)
    cos = np.array([c for *_, c in rows]) if with_cos else None
    kind, sim = classify_pairs(keys, a, a + 1, lang, cos, CFG)
    for j, (x, y, la, lb, c) in enumerate(rows):
        want = rule(x, y, la, lb, c if with_cos else None)
        got = (KINDS[kind[j]], float(sim[j])) if kind[j] != NO_KIND else ("", 0.0)
        assert got == want
        assert classify(x, y, la, lb, c if with_cos else None, CFG) == want


def test_pairs_are_columns_read_as_rows():
    texts = ["The minister resigned this morning after the audit revealed missing funds",
             "The minister resigned this morning after the audit revealed missing funds!!",
             "Le ministre a démissionné ce matin après que l'audit a révélé des fonds manquants"]
    vec = np.array([[1.0, 0.0], [1.0, 0.01], [0.97, 0.05]], dtype=np.float32)
    dup = find_duplicates(texts, ["en", "en", "fr"], vec)
    assert isinstance(dup.pairs, PairTable) and dup.pairs.a.dtype == np.int64
    rows = {(p.a, p.b): (p.kind, p.via) for p in dup.pairs}
    assert rows[(0, 1)] == ("copy_paste", "text")
    assert rows[(0, 2)] == ("translation", "vectors")
    # the neighbour search found the copy too: a link a caller keeps for a later run
    assert dup.links.tolist() == [[0, 1]]
    assert dup.content[0] == dup.content[1] != dup.content[2]


def test_pairs_grouped_by_the_narrative_of_both_items():
    nar = ["N1", "N1", "N2", None, "N2", "N1"]
    table = PairTable(np.array([0, 0, 1, 2, 2]), np.array([1, 2, 5, 3, 4]),
                      np.array([0, 0, 2, 1, 1], dtype=np.int8), np.array([0.9, 0.8, 0.7, 0.6, 0.5]),
                      np.array([False, False, True, False, True]))
    by = ByNarrative(nar)
    rows = by.pair_rows(table)  # (0, 2) crosses narratives, (2, 3) has no narrative
    assert {k: v.tolist() for k, v in rows.items()} == {"N1": [0, 2], "N2": [4]}
    assert {k: v.tolist() for k, v in by.pair_rows(table, text_only=True).items()} == {
        "N1": [0]}
    assert list(by.pair_rows(table, only={"N2"})) == ["N2"]
    assert count_kinds(table.kind[rows["N1"]]) == {"copy_paste": 1, "translation": 1}
    assert table.take(rows["N1"]).records() == [(0, 1, "copy_paste", 0.9),
                                                (1, 5, "translation", 0.7)]
    links = np.array([[0, 1], [2, 4]])
    assert {k: v.tolist() for k, v in by.link_rows(links, only={"N1"}).items()} == {"N1": [0]}
