"""Unit tests of each signal on small hand-made cases."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from signals_scenario import CAMPAIGN, ESTABLISHED, world

from detectors.bursts import burst
from detectors.config import detection_config
from detectors.coordination import detect_coordination, estimate_window
from detectors.duplicates import find_duplicates, neighbour_duplicates
from detectors.lookalike import LookalikeMatcher
from detectors.minhash import lsh_pairs, minhash_signatures
from detectors.pairs import classify
from detectors.reason_render import duration
from detectors.signals import compute_signals
from detectors.synchrony import synchrony
from detectors.syndication import attribution
from detectors.text import normalise
from detectors.watchlist import match_watchlist

OUTLETS = ["lemonde.fr", "lefigaro.fr", "liberation.fr", "francetvinfo.fr", "rfi.fr",
           "reuters.com", "bbc.co.uk"]


def test_normalise_matches_the_benchmark_definition():
    assert normalise("RT @Bob: Big   NEWS http://t.co/x @ann here") == "big news here"
    assert normalise("rt:  hello") == "hello"
    assert normalise(None) == ""


@pytest.mark.parametrize("host,target,how", [
    ("lemonde.ltd", "lemonde.fr", "tld_swap"),
    ("lemonde-fr.info", "lemonde.fr", "word_addition"),
    ("lemonde.fr.example.com", "lemonde.fr", "subdomain"),
    ("Iemonde.fr", "lemonde.fr", "homoglyph"),
    ("lеmonde.fr", "lemonde.fr", "homoglyph"),  # Cyrillic е
    ("lefigaro.com.co", "lefigaro.fr", "tld_swap"),
    ("lefigar0.fr", "lefigaro.fr", "homoglyph"),
    ("liberatoin.fr", "liberation.fr", "typo"),
])
def test_lookalikes_flagged(host, target, how):
    m = LookalikeMatcher(OUTLETS).match(host)
    assert m is not None and (m.target, m.kind) == (target, how)


@pytest.mark.parametrize("host", ["lemonde.fr", "www.lemonde.fr", "afrique.lemonde.fr",
                                  "example.com", "monde-diplomatique.fr", "lemon.fr",
                                  "figaro-voyages.com", "sahel-verite.info", ""])
def test_legitimate_or_unrelated_domains_not_flagged(host):
    assert LookalikeMatcher(OUTLETS).match(host) is None


def test_duplicates_typed_without_all_pairs():
    base = "The minister resigned this morning after the audit revealed missing funds"
    texts = [base, base.upper(), base + " today.", "Completely different story about sport "
             "results and the weather this weekend in Lyon", "Short"]
    vec = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]], dtype=np.float32)
    translated = "Le ministre a démissionné ce matin après que l'audit a révélé des fonds manquants"
    texts.append(translated)
    vec = np.vstack([vec, [[0.95, 0.05]]])
    langs = ["en"] * 5 + ["fr"]
    dup = find_duplicates(texts, langs, vec)
    # one content: the verbatim and near-verbatim copies; the translation is a typed pair only
    assert dup.content[0] == dup.content[1] == dup.content[2] != dup.content[5]
    assert dup.content[3] != dup.content[0] and dup.content[4] == -1
    kinds = {(p.a, p.b): p.kind for p in dup.pairs}
    assert kinds[(0, 2)] == "copy_paste"
    assert "translation" in {kinds.get((0, 5)), kinds.get((2, 5))}
    cfg = detection_config()
    joined = find_duplicates(texts, langs, vec, config={
        **cfg, "duplicates": {**cfg["duplicates"], "content_kinds": ["copy_paste", "translation"]}})
    assert joined.content[0] == joined.content[5]


def _near_copies(n: int = 300, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    words = [f"w{k}" for k in range(60)]
    bases = [" ".join(rng.choice(words, 14)) for _ in range(n // 3)]
    out = list(bases)
    for b in bases:  # an edited copy and a copy with a prefix of every base text
        w = b.split()
        w[int(rng.integers(0, len(w)))] = "edited"
        out += [" ".join(w), "BREAKING: " + b]
    return out


def test_lsh_candidates_are_datasketch_s():
    from datasketch import MinHash, MinHashLSH

    from detectors.text import normalise

    keys = [normalise(t) for t in _near_copies()]
    sigs = minhash_signatures(keys, 64, 5)
    lsh = MinHashLSH(threshold=0.5, num_perm=64)
    hashed = [MinHash(num_perm=64, seed=1, hashvalues=row, scheme="affine32")
              for row in sigs]
    for u, m in enumerate(hashed):
        lsh.insert(u, m)
    expected = sorted({(u, v) for u, m in enumerate(hashed) for v in lsh.query(m) if v > u})
    u, v = lsh_pairs(sigs, 0.5)
    assert expected and list(zip(u.tolist(), v.tolist(), strict=True)) == expected


def test_given_signatures_are_used_and_neighbour_search_can_be_split():
    texts = _near_copies(90)
    rng = np.random.default_rng(1)
    vec = rng.normal(size=(len(texts), 8)).astype(np.float32)
    vec[1::3] = vec[::3][: len(vec[1::3])] + 0.01  # edited copies are embedding neighbours
    blocks = [i % 3 for i in range(len(texts))]
    full = find_duplicates(texts, None, vec, blocks)
    assert full.fresh.all() == (len(texts) == sum(len(k) >= 30 for k in full.keys))
    again = find_duplicates(texts, None, vec, blocks, signatures=full.signatures,
                            signature_keys=full.key_hashes)
    assert not again.fresh.any() and again.pairs == full.pairs
    # a signature of another text (stale cache) is not used
    wrong = list(full.key_hashes)
    wrong[0] = "0" * 40
    stale = find_duplicates(texts, None, vec, blocks, signatures=full.signatures,
                            signature_keys=wrong)
    assert stale.fresh.tolist() == [True] + [False] * (len(texts) - 1)
    # block 1 not searched but its links given: same content groups; searched afterwards,
    # the same pairs
    links = [(a, b) for a, b in full.links if blocks[a] == 1]
    part = find_duplicates(texts, None, vec, blocks, search={0, 2}, links=links)
    assert (part.content == full.content).all()
    assert all(blocks[p.a] != 1 or p.via == "text" for p in part.pairs)
    neighbour_duplicates(part, None, vec, blocks, {1})
    assert part.pairs == full.pairs


def test_window_is_the_fast_tail_of_delays_and_bounded():
    cfg = detection_config()["coordination"]
    times = np.array([0, 600, 0, 1200, 0, 60, 5000], dtype=float)
    content = np.array([0, 0, 1, 1, 2, 2, 2])
    w = estimate_window(times, content, list("abcdefg"), cfg)
    assert w == 600.0  # median of first-follower delays (600, 1200, 60)
    assert estimate_window(times[:0], content[:0], [], cfg) == cfg["min_window_s"]


def _coordination_case(seed: int = 0):
    """10 accounts of a network co-posting 8 texts each, + 200 one-shot organic repeats."""
    rng = np.random.default_rng(seed)
    src, t, text = [], [], []
    for k in range(8):
        for a in range(10):
            src.append(f"troll{a}")
            t.append(k * 86400 + a * 60 + rng.integers(0, 30))
            text.append(k)
    for k in range(20):  # organic cascades: many independent accounts, once each
        for a in range(10):
            src.append(f"user{k}-{a}")
            t.append(k * 3600 + a * 120)
            text.append(100 + k)
    return src, np.array(t, dtype=float), np.array(text)


def test_group_found_and_organic_cascades_left_alone():
    src, t, content = _coordination_case()
    res = detect_coordination(src, t, content)
    groups = [g for g in res.groups.values() if g.coordinated]
    assert len(groups) == 1 and groups[0].sources == sorted(f"troll{a}" for a in range(10))
    flagged = {src[i] for i in res.coordinated_items()}
    assert flagged == set(groups[0].sources)
    edge = next(e for e in res.edges if e.coordinated)
    assert edge.pairs and all(src[i] in (edge.source_a, edge.source_b) for p in edge.pairs
                              for i in p)


def test_excluded_items_never_make_a_network():
    src, t, content = _coordination_case()
    res = detect_coordination(src, t, content, excluded=[s.startswith("troll") for s in src])
    assert not res.coordinated_items()


def test_synchrony_bursts_attribution_watchlist():
    sync = synchrony([0, 60, 120, 5000], ["a", "b", "c", "d"], [1, 1, 1, 1], 600)
    assert (sync.sources, sync.span_s) == (3, 120)
    b = burst([0, 100, 86400 * 3 - 10] + [86400 * 3 - i for i in range(1, 9)], 86400 * 3,
              21600)
    assert b.latest == 9 and b.ratio >= 3
    assert attribution("PARIS (AFP) - The", ["AFP", "AP"]) == "AFP"
    assert attribution("AP-HP hospitals and a rapper", ["AFP", "AP"]) is None
    m = match_watchlist(["French soldiers loot gold mines in Mali"],
                        ["French troops loot gold in Mali mines", "The EU is collapsing"],
                        detection_config()["watchlist"])
    assert m and m[0].claim_index == 0
    assert duration(540) == "9 minutes" and duration(2 * 86400) == "2 days"
    assert duration(3 * 3600, "fr") == "3\u00a0heures"  # no-break space


@pytest.fixture(scope="module")
def scored():
    items, sources = world()
    now = max(items["published_at"].to_list()) + timedelta(hours=1)
    return compute_signals(items, sources, None, OUTLETS, [], now)


def test_planted_network_flagged_with_reasons(scored):
    for k in range(3):
        r = scored.narratives[f"N-camp{k}"]
        assert r.flagged and r.score >= 0.5
        text = " ".join(r.reasons)
        assert "look-alike domains of lefigaro.fr and lemonde.fr" in text
        assert "6 sources published near-identical text within 10 minutes" in text
        assert "first appeared in the last 14 days" in text
        ev = {(e.kind, e.item_id) for e in r.evidence}
        assert {i for kind, i in ev if kind == "co_publication"} >= {f"camp-{k}-{s}"
                                                                   for s in range(5)}


def test_syndication_trap_not_flagged_and_explained(scored):
    for day in range(10):
        r = scored.narratives[f"N-afp{day}"]
        assert not r.flagged
        assert any("legitimate syndication" in x and "AFP" in x for x in r.reasons)
        assert {e.kind for e in r.evidence} == {"syndication"}


def test_organic_cascade_not_flagged(scored):
    r = scored.narratives["N-fire"]
    assert not r.flagged and r.score < 0.5
    assert any("organic" in x for x in r.reasons)


def test_same_dispatch_from_new_lookalike_sites_is_flagged():
    items, sources = world()
    # the campaign sites copy the agency dispatches, credit included: still a campaign
    import polars as pl
    extra = items.filter(pl.col("source_id") == ESTABLISHED[0]).filter(
        pl.col("narrative_id").str.starts_with("N-afp"))
    copies = pl.concat([
        extra.with_columns(pl.lit(site).alias("source_id"), pl.lit(site).alias("domain"),
                           (pl.col("item_id") + f"-{site}").alias("item_id"))
        for site in CAMPAIGN[:3]])
    items = pl.concat([items, copies])
    srcs = pl.concat([sources, sources.filter(pl.col("source_id").is_in(CAMPAIGN[:3]))]).unique(
        "source_id")
    now = max(items["published_at"].to_list())
    res = compute_signals(items, srcs, None, OUTLETS, [], now)
    assert any(res.narratives[f"N-afp{d}"].flagged for d in range(10))


def test_near_verbatim_copies_are_copy_paste_whatever_languages_were_detected():
    cfg = detection_config()["duplicates"]
    a = "wooow happy thanksgiving turkey was poisoned?! #turkey #foodpoisoning #usda"
    b = "happy thanksgiving turkey was poisoned?! #turkey #foodpoisoning #usda"
    assert classify(a, b, "en", "nl", 0.9, cfg)[0] == "copy_paste"
    fr = "le ministre a démissionné ce matin après l'audit des fonds manquants"
    en = "the minister resigned this morning after the audit of missing funds"
    assert classify(fr, en, "fr", "en", 0.9, cfg)[0] == "translation"


def test_edge_tails_are_scipy_stats_poisson_tails():
    # detect_coordination computes every edge's P(X >= w) with scipy.special.pdtrc(w - 1, mu)
    from scipy.special import pdtrc
    from scipy.stats import poisson

    rng = np.random.default_rng(3)
    w = rng.integers(2, 300, 2000)
    mu = np.exp(rng.uniform(-28, 6, 2000))
    expected = [float(poisson.sf(int(x) - 1, float(m))) for x, m in zip(w, mu, strict=True)]
    assert pdtrc(w - 1.0, mu).tolist() == expected


def test_neighbour_search_is_bounded_in_time_within_a_narrative():
    # Three rewordings of one text (same narrative): at 0 h, 20 h and 30 days.
    texts = ["The minister resigned this morning after the audit revealed missing funds",
             "After an audit found funds missing, the minister quit this morning",
             "Audit shows missing funds; the minister has resigned this morning"]
    vec = np.array([[1.0, 0.0], [0.99, 0.1], [0.99, 0.1]], dtype=np.float32)
    times = np.array([0.0, 20 * 3600.0, 30 * 86400.0])
    cfg = detection_config()
    assert cfg["duplicates"]["neighbour_horizon_h"] == 24
    bounded = find_duplicates(texts, ["en"] * 3, vec, blocks=["N"] * 3, config=cfg, times=times)
    assert {(p.a, p.b) for p in bounded.pairs if p.kind == "rewording"} == {(0, 1)}
    whole = find_duplicates(texts, ["en"] * 3, vec, blocks=["N"] * 3, config={
        **cfg, "duplicates": {**cfg["duplicates"], "neighbour_horizon_h": 0}}, times=times)
    assert {(p.a, p.b) for p in whole.pairs if p.kind == "rewording"} == {(0, 1), (0, 2), (1, 2)}
    # a relay in the next bucket finds what it relays (the previous bucket is searched)
    late = np.array([23 * 3600.0, 25 * 3600.0, 30 * 86400.0])
    relay = find_duplicates(texts, ["en"] * 3, vec, blocks=["N"] * 3, config=cfg, times=late)
    assert (0, 1) in {(p.a, p.b) for p in relay.pairs}


@pytest.mark.parametrize("seed", range(5))
def test_copublication_pairs_are_every_cross_source_pair_within_the_horizon(seed):
    import polars as pl

    from detectors.coordination import _pairs

    rng = np.random.default_rng(seed)
    n, horizon = 300, 3600.0
    df = pl.DataFrame({"i": np.arange(n), "s": [f"s{k}" for k in rng.integers(0, 20, n)],
                       "t": rng.uniform(0, 30 * 3600, n), "c": rng.integers(0, 15, n),
                       "x": rng.random(n) < 0.1})
    got = _pairs(df, horizon)
    rows = df.rows(named=True)
    want = {(a["i"], b["i"]) for a in rows for b in rows
            if a["i"] < b["i"] and a["c"] == b["c"] and a["s"] != b["s"]
            and abs(a["t"] - b["t"]) <= horizon}
    assert set(zip(got["i"].to_list(), got["j"].to_list(), strict=True)) == want
    assert got.height == len(want)  # each pair once
    for r in got.iter_rows(named=True):  # each side's columns belong to its own item
        a, b = rows[r["i"]], rows[r["j"]]
        assert (r["s"], r["t"], r["x"], r["s2"], r["t2"], r["x2"]) == (
            a["s"], a["t"], a["x"], b["s"], b["t"], b["x"])


def test_an_oversized_lsh_bucket_gives_a_star_not_every_pair():
    sigs = np.zeros((50, 64), dtype=np.uint32)  # 50 rows sharing every band
    full = lsh_pairs(sigs, 0.5, max_bucket=100)
    assert len(full[0]) == 50 * 49 // 2
    u, v = lsh_pairs(sigs, 0.5, max_bucket=10)
    # still one connected group
    assert list(zip(u.tolist(), v.tolist(), strict=True)) == [(0, w) for w in range(1, 50)]
