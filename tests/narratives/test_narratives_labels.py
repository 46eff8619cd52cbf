"""Narrative labels: class-based TF-IDF keywords, representative headline, languages."""

from __future__ import annotations

import numpy as np

from detectors.labels import (
    class_tfidf_keywords,
    label_narratives,
    languages,
    needs_relabel,
    representative,
)


def test_keywords_are_distinctive_not_common_words() -> None:
    docs = {
        "N-storm": ["La tempête Ciara frappe la Bretagne", "Tempête Ciara : la Bretagne privée "
                    "d'électricité", "Les rafales de la tempête Ciara en Bretagne"],
        "N-vote": ["Le budget adopté par les députés", "Les députés votent le budget",
                   "Budget : le vote des députés"],
    }
    background = ["Les nouvelles de la journée en France"] * 5
    kw = class_tfidf_keywords(docs, background, top_k=4)
    assert {"ciara", "bretagne", "tempête"} <= set(kw["N-storm"])
    assert {"budget", "députés"} <= set(kw["N-vote"])
    for words in kw.values():
        assert not {"la", "les", "le", "de", "en"} & set(words)  # French stop words
    assert not set(kw["N-storm"]) & set(kw["N-vote"])


def test_representative_is_the_member_closest_to_the_centroid() -> None:
    vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.8, 0.6]], dtype=np.float32)
    assert representative(vectors, np.array([0.75, 0.66])) == 2
    assert representative(vectors, np.array([1.0, 0.0])) == 0


def test_languages_most_frequent_first() -> None:
    assert languages(["fr", "en", None, "fr", "ru"]) == ["fr", "en", "ru"]
    assert languages({"ru": 1, "fr": 2, "en": 1}) == ["fr", "en", "ru"]


def test_languages_of_all_members_win_over_a_sample() -> None:
    members = {"N-1": [("Storm hits coast", "Winds hit the coast.", "en")] * 2}
    labels = label_narratives(members, {"N-1": np.eye(2, dtype=np.float32)},
                              {"N-1": np.array([1.0, 0.0])},
                              language_counts={"N-1": {"en": 900, "ru": 3}})
    assert labels["N-1"].languages == ["en", "ru"]  # the Russian relay was not sampled


def test_label_narratives_combines_keywords_headline_and_languages() -> None:
    members = {"N-1": [("Storm hits coast", "Winds of 150 km/h hit the coast.", "en"),
                       ("La tempête frappe la côte", "Des rafales à 150 km/h.", "fr"),
                       ("Storm: coast without power", "Storm cuts power on the coast.", "en")]}
    vectors = {"N-1": np.eye(3, dtype=np.float32)}
    labels = label_narratives(members, vectors, {"N-1": np.array([0.1, 0.2, 0.9])})
    label = labels["N-1"]
    assert label.headline == "Storm: coast without power"
    assert label.languages == ["en", "fr"]
    assert "storm" in label.keywords and "coast" in label.keywords
    assert label.label.startswith(label.keywords[0])


def test_hostile_or_empty_text_gives_an_empty_label_not_a_crash() -> None:
    kw = class_tfidf_keywords({"N-x": ["", "   "], "N-y": ["<script>alert(1)</script> the"]})
    assert kw["N-x"] == []
    assert kw["N-y"] in ([], ["script", "alert"], ["alert", "script"])


def test_a_label_is_recomputed_when_the_size_moved_enough_since_it_was() -> None:
    assert needs_relabel(5, None, 0.1) and needs_relabel(5, 0, 0.1)  # never labelled
    assert not needs_relabel(1000, 1000, 0.1)  # touched, same size (a status change)
    assert not needs_relabel(1099, 1000, 0.1) and needs_relabel(1100, 1000, 0.1)
    assert needs_relabel(900, 1000, 0.1) and not needs_relabel(901, 1000, 0.1)  # shrank
    assert needs_relabel(1001, 1000, 0.0)  # 0: on every change
