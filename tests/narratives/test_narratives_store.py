"""The analyse stage on a real DuckDB file: cache, narratives, idempotence, increments."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from flows.analyse import analyse, embed_new, update_narratives
from vigie.config import Settings
from vigie.store.embeddings import MissingEmbeddingError, load_vectors
from vigie.store.items import upsert_items

T0 = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)

POSTS = [  # (source, title, text, language, hours after T0)
    ("s1", "Storm Ciara hits the Breton coast",
     "Winds of 150 km/h cut power to 40,000 homes in Brittany overnight.", "en", 0),
    ("s2", "Brittany battered by storm Ciara",
     "Tens of thousands of homes in Brittany lost power as Ciara's gusts hit 150 km/h.", "en", 1),
    ("s3", "La tempête Ciara frappe les côtes bretonnes",
     "Des rafales à 150 km/h ont privé 40 000 foyers d'électricité en Bretagne cette nuit.",
     "fr", 2),
    ("s4", "Parliament passes the 2027 budget by eight votes",
     "The National Assembly approved the finance bill 289 to 281 after three weeks of debate.",
     "en", 3),
    ("s5", "Budget 2027 approved by a narrow margin",
     "Lawmakers backed the 2027 finance bill by 289 votes to 281 on Thursday.", "en", 4),
]


def row(k: int, source: str, title: str, text: str, lang: str, when: datetime) -> dict:
    return {
        "item_id": f"it_test{k:04d}", "source_id": source, "external_id": str(k), "guid": None,
        "url": None, "canonical_url": None, "domain": None, "registered_domain": None,
        "author": None, "title": title, "text": text, "language": lang, "published_at": when,
        "date_estimated": False, "date_reason": None, "first_seen_at": when,
        "content_hash": hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
    }


def add(settings: Settings, rows: list[dict]) -> None:
    with settings.store().transaction() as con:
        upsert_items(con, rows, T0, by_content=False)


def snapshot(settings: Settings) -> dict[str, list]:
    with settings.store().connect() as con:
        return {
            "narratives": con.sql("SELECT * EXCLUDE (centroid) FROM narratives "
                                  "ORDER BY narrative_id").fetchall(),
            "centroids": con.sql("SELECT narrative_id, centroid FROM narratives "
                                 "ORDER BY narrative_id").fetchall(),
            "members": con.sql("SELECT * FROM narrative_members ORDER BY item_id").fetchall(),
            "events": con.sql("SELECT * FROM narrative_events ORDER BY ALL").fetchall(),
            "embeddings": con.sql("SELECT content_hash, model FROM embeddings "
                                  "ORDER BY ALL").fetchall(),
        }


def membership(settings: Settings) -> dict[str, str]:
    with settings.store().connect() as con:
        return dict(con.sql("SELECT item_id, narrative_id FROM narrative_members").fetchall())


@pytest.fixture
def analysed(settings: Settings) -> Settings:
    settings.embedding.model = "use"
    settings.store().init()
    add(settings, [row(k, s, t, x, lang, T0 + timedelta(hours=h))
                   for k, (s, t, x, lang, h) in enumerate(POSTS)])
    first = analyse(settings, "run-1")
    assert first["embedded"] == len(POSTS)
    assert first["assigned"] == len(POSTS)
    return settings


def test_translated_relay_joins_its_narrative_and_topics_stay_apart(analysed: Settings) -> None:
    got = membership(analysed)
    storm = {got[f"it_test{k:04d}"] for k in (0, 1, 2)}
    budget = {got[f"it_test{k:04d}"] for k in (3, 4)}
    assert len(storm) == 1 and len(budget) == 1 and storm != budget
    with analysed.store().connect() as con:
        label, languages, headline = con.execute(
            "SELECT label, languages, headline FROM narratives WHERE narrative_id = ?",
            [storm.pop()]).fetchall()[0]
    assert sorted(languages) == ["en", "fr"]
    assert "ciara" in label
    assert headline in {p[1] for p in POSTS[:3]}


def test_second_run_changes_nothing(analysed: Settings) -> None:
    before = snapshot(analysed)
    again = analyse(analysed, "run-2")
    assert again["embedded"] == 0 and again["assigned"] == 0 and again["new_narratives"] == 0
    assert snapshot(analysed) == before


def test_new_item_joins_the_existing_narrative_and_only_it_is_embedded(
    analysed: Settings,
) -> None:
    before = membership(analysed)
    add(analysed, [row(99, "s9", "Ciara: power still out in Brittany",
                       "Two days after storm Ciara, 12,000 Breton homes still have no power.",
                       "en", T0 + timedelta(hours=30))])
    stats = analyse(analysed, "run-3")
    assert stats["embedded"] == 1 and stats["assigned"] == 1 and stats["new_narratives"] == 0
    after = membership(analysed)
    assert {k: after[k] for k in before} == before  # nobody moved
    assert after["it_test0099"] == before["it_test0000"]


def test_load_vectors_returns_rows_in_the_order_asked(analysed: Settings) -> None:
    model = analyse(analysed, "run-4")["model"]
    with analysed.store().connect() as con:
        both = load_vectors(con, ["it_test0003", "it_test0000"], model)
        one = load_vectors(con, ["it_test0000"], model)
        with pytest.raises(MissingEmbeddingError):
            load_vectors(con, ["it_unknown"], model)
    assert both.shape == (2, 512) and both.dtype == np.float32
    assert np.allclose(both[1], one[0])
    assert np.isclose(np.linalg.norm(both[0]), 1.0, atol=1e-5)


def test_vectors_for_contents_fills_rows_in_place_and_zeros_the_unknown(
        analysed: Settings, monkeypatch) -> None:
    from vigie.store import embeddings

    model = analyse(analysed, "run-4")["model"]
    with analysed.store().connect() as con:
        hashes = [r[0] for r in con.execute(
            "SELECT content_hash FROM items ORDER BY item_id").fetchall()]
        whole = load_vectors(con, ["it_test0000", "it_test0001", "it_test0002"], model)
        monkeypatch.setattr(embeddings, "VECTOR_BATCH", 1)  # several streamed batches
        rows = embeddings.vectors_for_contents(
            con, [hashes[2], None, "unknown", hashes[0], hashes[2], hashes[1]], model)
        assert embeddings.vectors_for_contents(con, ["unknown", None], model) is None
        assert embeddings.vectors_for_contents(con, [], model) is None
    assert rows.shape == (6, 512) and rows.dtype == np.float32
    assert not rows[1].any() and not rows[2].any()  # no hash, no vector: zeros
    assert np.array_equal(rows[0], whole[2]) and np.array_equal(rows[4], whole[2])
    assert np.array_equal(rows[3], whole[0]) and np.array_equal(rows[5], whole[1])


def test_a_merge_moves_members_and_keeps_the_old_id_as_a_redirect(settings: Settings) -> None:
    """Two narratives that a later run finds to be one: the smaller redirects to the larger."""
    settings.embedding.model = "use"
    settings.detection = {"narratives": {"join_threshold": 0.99, "new_threshold": 0.99,
                                         "group_join_threshold": 0.99, "merge_threshold": 0.6}}
    settings.store().init()
    storm_en = [POSTS[0], POSTS[1]]
    add(settings, [row(k, s, t, x, lang, T0 + timedelta(hours=h))
                   for k, (s, t, x, lang, h) in enumerate(storm_en)])
    # the narrative part only: the signals stage reads detection.toml, which has no
    # [narratives] table to accept this override yet
    _, model = embed_new(settings)
    update_narratives(settings, "run-a", model)  # nothing joins at 0.99: two narratives...
    with settings.store().connect() as con:
        rows = con.sql("SELECT narrative_id, status, merged_into, size FROM narratives "
                       "ORDER BY narrative_id").fetchall()
        events = con.sql("SELECT narrative_id, event, other_id FROM narrative_events "
                         "WHERE event IN ('merged', 'absorbed')").fetchall()
        members = dict(con.sql("SELECT item_id, narrative_id FROM narrative_members").fetchall())
    # ... whose centroids (cosine > 0.6) merge at once into one survivor
    merged = [r for r in rows if r[1] == "merged"]
    active = [r for r in rows if r[1] == "active"]
    assert len(merged) == 1 and len(active) == 1
    loser, survivor = merged[0][0], active[0][0]
    assert merged[0][2] == survivor and active[0][3] == 2
    assert set(members.values()) == {survivor}
    assert sorted(events) == sorted([(loser, "merged", survivor), (survivor, "absorbed", loser)])


def test_a_backlog_clustered_in_chunks_is_what_one_pass_writes(settings: Settings,
                                                               monkeypatch) -> None:
    """Chunks of whole windows (here one post per chunk) write the same narratives, members
    and events as one pass; labels read a sample of members but all their languages."""
    import flows.analyse as analyse_flow

    settings.embedding.model = "use"
    posts = [row(k, s, t, x, lang, T0 + timedelta(hours=7 * h))
             for k, (s, t, x, lang, h) in enumerate(POSTS)]
    results = {}
    for name, chunk, sample in (("one", 1_000_000, 2_000), ("chunked", 1, 1)):
        settings.data_dir = settings.data_dir.parent / name
        settings.store().init()
        add(settings, posts)
        monkeypatch.setattr(analyse_flow, "CLUSTER_CHUNK", chunk)
        monkeypatch.setattr(analyse_flow, "LABEL_MEMBERS", sample)
        _, model = embed_new(settings)
        update_narratives(settings, "run-1", model)
        results[name] = snapshot(settings)
    one, chunked = results["one"], results["chunked"]
    assert one["members"] == chunked["members"] and one["events"] == chunked["events"]
    assert len(one["narratives"]) >= 2
    for a, b in zip(one["narratives"], chunked["narratives"], strict=True):
        a, b = dict(zip(NARRATIVE_COLUMNS, a, strict=True)), dict(
            zip(NARRATIVE_COLUMNS, b, strict=True))
        # everything but the sampled keywords/headline is identical, languages included
        for key in ("narrative_id", "size", "status", "merged_into", "languages",
                    "first_seen_at", "last_seen_at"):
            assert a[key] == b[key], key


NARRATIVE_COLUMNS = ("narrative_id", "label", "keywords", "headline", "languages", "size",
                     "first_seen_at", "last_seen_at", "status", "merged_into", "model",
                     "created_run", "updated_run", "labelled_size")


def test_a_label_stays_until_the_narrative_grows_enough_and_languages_follow_at_once(
        settings: Settings) -> None:
    """Keywords and headline are recomputed when the size moved by ``relabel_growth`` since
    they were; a member in a new language shows in the languages on the next run."""
    settings.embedding.model = "use"
    settings.detection = {"labels": {"relabel_growth": 0.5}}
    settings.store().init()
    title, text = POSTS[0][1], POSTS[0][2]

    def reports(first: int, n: int, lang: str) -> list[dict]:
        return [row(k, f"s{k}", f"{title}: report {k}", text, lang, T0 + timedelta(hours=k))
                for k in range(first, first + n)]

    def narrative(nid: str) -> dict:
        with settings.store().connect() as con:
            got = con.execute("SELECT label, languages, size, labelled_size FROM narratives "
                              "WHERE narrative_id = ?", [nid]).fetchall()[0]
        return dict(zip(("label", "languages", "size", "labelled_size"), got, strict=True))

    def run(name: str) -> dict:
        _, model = embed_new(settings)
        return update_narratives(settings, name, model)

    add(settings, reports(0, 10, "en"))
    assert run("run-1")["relabelled"] == 1
    (nid,) = set(membership(settings).values())
    first = narrative(nid)
    assert first["size"] == first["labelled_size"] == 10 and "ciara" in first["label"]
    with settings.store().transaction() as con:  # a marker: a recomputed label replaces it
        con.execute("UPDATE narratives SET label = 'marker' WHERE narrative_id = ?", [nid])

    add(settings, reports(10, 1, "de"))  # +10%: under the 50% set here
    stats = run("run-2")
    kept = narrative(nid)
    assert stats["relabelled"] == 0 and stats["assigned"] == 1
    assert kept["size"] == 11 and kept["labelled_size"] == 10 and kept["label"] == "marker"
    assert kept["languages"] == ["en", "de"]

    add(settings, reports(11, 4, "en"))  # 15 members: +50% since the label
    assert run("run-3")["relabelled"] == 1
    again = narrative(nid)
    assert again["size"] == again["labelled_size"] == 15 and "ciara" in again["label"]
