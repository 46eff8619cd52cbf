"""The notebook helper API over a snapshot of the sample store."""

from __future__ import annotations

import numpy as np
import pytest

from vigie.explore import open_snapshot, project_2d, word_diff
from vigie.snapshot import write_snapshot


@pytest.fixture(scope="module")
def snap(sample):
    settings, _ = sample
    write_snapshot(settings)
    with open_snapshot(data_dir=settings.data_dir) as s:
        yield s


def test_narratives_frame(snap):
    frame = snap.narratives()
    rows = {r["narrative_id"]: r for r in frame.iter_rows(named=True)}
    assert frame["narrative_id"][0] == "N-camp"  # best score first
    assert rows["N-camp"]["confirmed"] and rows["N-camp"]["flagged"]
    assert rows["N-camp"]["items"] == 10 and rows["N-camp"]["sources"] == 6
    assert rows["N-camp"]["item_languages"] == ["en", "fr"]
    assert not rows["N-organic"]["flagged"] and rows["N-organic"]["verdict"] is None
    assert rows["N-hostile"]["case_status"] == "assigned"


def test_one_narrative_items_sources_and_pairs(snap):
    items = snap.narrative_items("N-camp")
    assert items.height == 10 and set(items["narrative_id"]) == {"N-camp"}
    sources = snap.narrative_sources("N-camp")
    assert sources.height == 6 and sources["items"].sum() == 10
    pairs = snap.duplicate_pairs("N-camp")
    assert sorted(pairs["kind"].to_list()) == ["copy_paste"] * 4 + ["translation"]
    translation = snap.translation_pairs("N-camp").row(0, named=True)
    assert (translation["language_a"], translation["language_b"]) == ("fr", "en")
    assert (
        "[-Les soldats français pillent l'or du-] {+French soldiers loot+}" in translation["diff"]
    )


def test_word_diff():
    assert word_diff("a b c", "a x c") == "a [-b-] {+x+} c"
    assert word_diff("same", "same") == "same"


def test_source_graph_groups_and_lookalikes(snap):
    graph = snap.source_graph()
    assert graph.number_of_nodes() == 8 and graph.number_of_edges() == 6
    assert graph["s-echo"]["s-verite"]["weight"] == 5.0
    assert graph.nodes["s-echo"]["name"] == "Echo Sahel"
    assert snap.source_graph(min_weight=4).number_of_edges() == 3
    groups = snap.source_groups()
    assert {"s-echo", "s-verite", "s-info24"} <= groups[0]
    assert {"s-agency", "s-ouest"} in groups
    looks = snap.lookalike_domains()
    assert dict(zip(looks["domain"], looks["imitates"], strict=True)) == {
        "lefigaro-news.com": "lefigaro.fr",
        "lemonde-fr.info": "lemonde.fr",
    }


def test_volume_by_day(snap):
    volume = snap.volume_by_day("language")
    assert volume["items"].sum() == 24
    by_narrative = snap.volume_by_day("narrative")
    day = by_narrative.filter(by_narrative["narrative"] == "N-organic")["items"].to_list()
    assert day == [2, 6]
    with pytest.raises(ValueError):
        snap.volume_by_day("colour")


def test_embedding_map_separates_narratives(snap):
    frame = snap.embedding_map(method="pca")
    assert frame.height == 24 and set(frame["method"]) == {"pca"}
    xy = frame.select("x", "y").to_numpy()
    labels = frame["narrative_id"].to_numpy()
    centres = {n: xy[labels == n].mean(axis=0) for n in set(labels)}
    within = np.mean([np.linalg.norm(p - centres[n]) for p, n in zip(xy, labels, strict=True)])
    between = np.mean(
        [np.linalg.norm(centres[a] - centres[b]) for a in centres for b in centres if a < b]
    )
    assert within < between / 2


def test_project_2d_edge_cases():
    assert project_2d(np.zeros((1, 4)), "pca")[0].shape == (1, 2)
    xy, used = project_2d(np.eye(3, 1), "auto")  # one feature, too few points for UMAP
    assert xy.shape == (3, 2) and used == "pca"
