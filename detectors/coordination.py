"""Co-publication network of sources (CooRnet / coordination-network-toolkit style).

Two sources are linked when they publish the same content (a duplicate group) within a
time window estimated from the data; the weight is the number of distinct contents they
co-published. What separates a coordinated group from organic virality is repetition
beyond chance, measured three ways:

- popularity: an edge is kept only when its weight is improbable (Poisson tail,
  Bonferroni-corrected) given how active both sources are and how widely copied the
  texts they post are anyway;
- time: only copies inside the estimated window (the fast tail of the delays) count;
- exclusivity: a group (community of kept edges) is coordinated only when most copies
  of the contents it shares come from the group itself, not from the crowd.

Every edge keeps the item pairs behind it. Items are positions in the input arrays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import polars as pl
from scipy.special import pdtrc

from detectors.config import detection_config


@dataclass
class SourceEdge:
    source_a: str
    source_b: str
    weight: int  # distinct contents co-published within the window
    expected: float  # weight expected by chance
    p_value: float
    community: str | None = None
    coordinated: bool = False
    pairs: list[tuple[int, int]] = field(default_factory=list)  # items behind the edge


@dataclass
class Group:
    """A community of sources and what it co-published."""

    community: str
    sources: list[str]
    contents: int  # distinct contents co-published by its members
    exclusivity: float  # share of those contents' copies published by the group
    coordinated: bool


@dataclass
class CoordinationResult:
    window_s: float
    evidence_window_s: float
    edges: list[SourceEdge]
    groups: dict[str, Group]
    community_of: dict[str, str]  # source -> community id
    evidence: list[tuple[int, int, str, float]]  # (item a, item b, community, delay s)

    def coordinated_items(self) -> set[int]:
        return {i for a, b, _, _ in self.evidence for i in (a, b)}


def estimate_window(
    times: np.ndarray, content: np.ndarray, sources: Sequence[str], cfg: dict[str, Any]
) -> float:
    """CooRnet's coordination interval, bounded.

    For every content copied by several sources, the delay from the first copy until the
    share of copies ``window_quantile`` (at least the first follower) had appeared; the
    window is the ``window_p`` quantile of those delays: the fast tail of the spreading.
    """
    df = pl.DataFrame({"c": content, "s": list(sources), "t": times}).filter(pl.col("c") >= 0)
    first = df.sort("t").group_by(["c", "s"], maintain_order=True).agg(pl.col("t").first())
    q = float(cfg["window_quantile"])
    delays = (
        first.sort(["c", "t"])
        .group_by("c")
        .agg(
            (pl.col("t") - pl.col("t").first()).alias("d"),
            pl.len().alias("m"),
        )
        .filter(pl.col("m") >= 2)
        .with_columns(
            pl.max_horizontal(pl.lit(1), (pl.col("m") * q).ceil().cast(pl.Int64) - 1).alias("k")
        )
        .select(pl.col("d").list.get(pl.col("k")))["d"]
        .to_numpy()
    )
    lo, hi = float(cfg["min_window_s"]), float(cfg["max_window_s"])
    if len(delays) == 0:
        return lo
    return float(min(hi, max(lo, np.quantile(delays, float(cfg["window_p"])))))


def listed_as_evidence(similarity: float, length: int, cfg: dict[str, Any]) -> bool:
    """Which copy-paste pairs of a coordinated network are listed as evidence: near-verbatim
    copies, or edited copies (D3lta copy_paste) of texts long enough for an edit to leave
    most of the text intact (short posts edited apart may be different messages)."""
    ccfg = cfg["coordination"]
    if similarity >= float(ccfg["evidence_levenshtein"]):
        return True
    return (similarity > float(cfg["duplicates"]["levenshtein"])
            and length >= int(ccfg["edited_min_chars"]))


def _pairs(df: pl.DataFrame, horizon: float) -> pl.DataFrame:
    """Cross-source item pairs of the same content within ``horizon`` seconds.

    Items are joined within time buckets of ``horizon`` (their own and the next), not
    across a whole content: a text copied thousands of times over months would otherwise
    pair every copy with every other before the time filter."""
    bucket = (pl.col("t") / max(horizon, 1.0)).floor().cast(pl.Int64).alias("k")
    left = df.with_columns(bucket)
    right = left.rename({"i": "j", "s": "s2", "t": "t2", "x": "x2"})
    same = left.join(right, on=["c", "k"]).filter(pl.col("i") < pl.col("j"))
    later = left.join(right.with_columns(pl.col("k") - 1), on=["c", "k"])
    swap = pl.col("i") > pl.col("j")  # keep i < j, as in the same-bucket pairs

    def pick(a: str, b: str) -> list[pl.Expr]:
        return [pl.when(swap).then(pl.col(b)).otherwise(pl.col(a)).alias(a),
                pl.when(swap).then(pl.col(a)).otherwise(pl.col(b)).alias(b)]

    later = later.select("c", *pick("i", "j"), *pick("s", "s2"), *pick("t", "t2"),
                         *pick("x", "x2"))
    cols = ["i", "s", "t", "c", "x", "j", "s2", "t2", "x2"]
    return (
        pl.concat([same.select(cols), later.select(cols)])
        .filter(pl.col("s") != pl.col("s2"))
        .with_columns((pl.col("t2") - pl.col("t")).abs().alias("dt"))
        .filter(pl.col("dt") <= horizon)
        .with_columns(
            pl.min_horizontal("s", "s2").alias("a"), pl.max_horizontal("s", "s2").alias("b")
        )
        .sort(["i", "j"])
    )


def _group_id(members: list[str]) -> str:
    return "G-" + hashlib.sha1("\x1f".join(sorted(members)).encode()).hexdigest()[:10]


def _attach(
    fast: pl.DataFrame, network_of: dict[str, str], min_weight: int, rounds: int = 5
) -> dict[str, str]:
    """Join to a network the sources that co-publish heavily with it as a whole.

    A campaign account may share too few contents with any single member for one edge
    to be heavy, yet many with the network: test source-vs-network, a few rounds.
    """
    network_of = dict(network_of)
    both = pl.concat([
        fast.select(pl.col("s").alias("x"), pl.col("s2").alias("y"), "c"),
        fast.select(pl.col("s2").alias("x"), pl.col("s").alias("y"), "c"),
    ])
    for _ in range(rounds):
        if not network_of:
            break
        net = pl.DataFrame({"y": list(network_of), "g": list(network_of.values())},
                           schema={"y": pl.Utf8, "g": pl.Utf8})
        links = (
            both.join(net, on="y")
            .filter(~pl.col("x").is_in(list(network_of)))
            .group_by(["x", "g"]).agg(pl.col("c").n_unique().alias("w"))
            .filter(pl.col("w") >= min_weight)
            .sort(["x", "w", "g"], descending=[False, True, False])
            .unique("x", keep="first", maintain_order=True)
        )
        if not links.height:
            break
        network_of.update(dict(links.select("x", "g").iter_rows()))
    return network_of


def detect_coordination(
    sources: Sequence[str],
    times: Sequence[float] | np.ndarray,
    content: np.ndarray,
    excluded: Sequence[bool] | np.ndarray | None = None,
    config: dict[str, Any] | None = None,
) -> CoordinationResult:
    """Find groups of sources that co-publish beyond chance.

    ``times`` are seconds (any epoch); ``content`` the duplicate group of each item (-1 =
    none); ``excluded`` marks items that never count as coordination (e.g. attributed
    agency copies by established outlets: syndication).
    """
    cfg = (config or detection_config())["coordination"]
    n = len(sources)
    t = np.asarray(times, dtype=np.float64)
    content = np.asarray(content, dtype=np.int64)
    ex = np.zeros(n, dtype=bool) if excluded is None else np.asarray(excluded, dtype=bool)
    window = estimate_window(t, content, sources, cfg)
    ev_window = max(window, float(cfg["evidence_window_s"]))
    src = list(sources)
    df = pl.DataFrame({"i": np.arange(n), "s": src, "t": t, "c": content, "x": ex})
    # activity: every item of a source counts, duplicated or not
    activity = dict(df.group_by("s").len().iter_rows())
    multi = (
        df.filter(pl.col("c") >= 0)
        .group_by("c")
        .agg(pl.col("s").n_unique().alias("m"))
        .filter((pl.col("m") >= 2) & (pl.col("m") <= int(cfg["max_group_sources"])))
    )
    df = df.join(multi, on="c").drop("m") if multi.height else df.clear()
    pairs = _pairs(df, ev_window).filter(~(pl.col("x") & pl.col("x2")))
    fast = pairs.filter(pl.col("dt") <= window)
    edges_df = fast.group_by(["a", "b"]).agg(
        pl.col("c").n_unique().alias("w"), pl.col("i"), pl.col("j")
    ).filter(pl.col("w") >= 2)

    # Chance level of an edge: B's share of the items times how many other sources copy
    # what A posts (popular texts make chance co-publication likely), worst direction.
    copies = df.group_by(["s", "c"]).len().join(
        df.group_by("c").agg(pl.col("s").n_unique().alias("m")), on="c"
    )
    reach = dict(copies.group_by("s").agg((pl.col("m") - 1).sum().alias("r")).iter_rows())
    total = float(n)

    def chance(na: float, ra: float, nb: float, rb: float) -> float:
        return max(nb * ra / max(1.0, total - na), na * rb / max(1.0, total - nb), 1e-12)

    edges: list[SourceEdge] = []
    # Heavy edges: weight >= min_edge_weight and not explained by popularity; or, on small
    # data where few contents exist, any repeated co-publication that is improbable even
    # after a Bonferroni correction over all candidate edges.
    alpha = float(cfg["edge_alpha"])
    heavy = int(cfg["min_edge_weight"])
    strict = float(cfg["strict_alpha"]) / max(1, edges_df.height)
    # activity-only null for the strict rule: in-window co-publications spread over source
    # pairs in proportion to how much each source publishes
    n_fast = fast.select(["a", "b", "c"]).unique().height
    acts = np.array(list(activity.values()), dtype=np.float64)
    pair_mass = max(1.0, (acts.sum() ** 2 - (acts**2).sum()) / 2)
    rows = edges_df.sort(["a", "b"])
    aa, bb, ww = rows["a"].to_list(), rows["b"].to_list(), rows["w"].to_list()
    lams = [chance(activity[a], reach.get(a, 0), activity[b], reach.get(b, 0))
            for a, b in zip(aa, bb, strict=True)]
    null0 = [max(1e-12, activity[a] * activity[b] * n_fast / pair_mass)
             for a, b in zip(aa, bb, strict=True)]
    # Poisson upper tails P(X >= w), all edges at once: scipy.stats' poisson.sf(w - 1, mu)
    # is scipy.special.pdtrc(w - 1, mu) for these arguments (w >= 2, mu > 0)
    k = np.asarray(ww, dtype=np.float64) - 1
    tails = pdtrc(k, np.asarray(lams, dtype=np.float64)) if ww else np.zeros(0)
    tails0 = pdtrc(k, np.asarray(null0, dtype=np.float64)) if ww else np.zeros(0)
    keep = [e for e, (w, p, p0) in enumerate(zip(ww, tails.tolist(), tails0.tolist(),
                                                 strict=True))
            if (w >= heavy and p <= alpha) or p0 <= strict]
    if keep:
        ii_col, jj_col = rows["i"].to_list(), rows["j"].to_list()
        for e in keep:
            edges.append(SourceEdge(aa[e], bb[e], int(ww[e]), lams[e], float(tails[e]),
                                    pairs=sorted(zip(ii_col[e], jj_col[e], strict=True))))

    # Networks = connected components of the kept edges (plus sources attached to them);
    # Louvain communities label the edges inside for the reviewer.
    graph = nx.Graph()
    graph.add_weighted_edges_from((e.source_a, e.source_b, e.weight) for e in edges)
    network_of: dict[str, str] = {}
    for members in nx.connected_components(graph):
        gid = _group_id(list(members))
        network_of.update({m: gid for m in members})
    network_of = _attach(fast, network_of, int(cfg["min_edge_weight"]))
    community_of: dict[str, str] = {}
    if graph.number_of_edges():
        comms = nx.community.louvain_communities(graph, weight="weight", seed=int(cfg["seed"]))
        for members in comms:
            cid = "C-" + _group_id(list(members))[2:]
            community_of.update({m: cid for m in members})

    net = pl.DataFrame({"s": list(network_of), "g": list(network_of.values())},
                       schema={"s": pl.Utf8, "g": pl.Utf8})
    inside = (
        pairs.join(net, on="s")
        .join(net.rename({"s": "s2", "g": "g2"}), on="s2")
        .filter(pl.col("g") == pl.col("g2"))
    )
    copies = df.select(["c", "s"]).unique()
    spread = copies.group_by("c").len().rename({"len": "m"})
    groups: dict[str, Group] = {}
    for gid, shared in inside.group_by("g", maintain_order=False):
        gid = str(gid[0])
        members = sorted(s for s, g in network_of.items() if g == gid)
        contents = shared.select("c").unique()
        own = copies.join(contents, on="c").filter(pl.col("s").is_in(members)).height
        tot = int(spread.join(contents, on="c")["m"].sum() or 0)
        excl = own / tot if tot else 0.0
        coordinated = (
            len(members) >= int(cfg["min_group_sources"])
            and contents.height >= int(cfg["min_group_contents"])
            and excl >= float(cfg["min_exclusivity"])
        )
        groups[gid] = Group(gid, members, contents.height, float(excl), coordinated)
    for e in edges:
        e.community = community_of.get(e.source_a)
        g = groups.get(network_of.get(e.source_a, ""))
        e.coordinated = bool(g and g.coordinated and network_of.get(e.source_b) == g.community)
    bad = sorted(g for g, grp in groups.items() if grp.coordinated)
    evidence = [
        (int(i), int(j), g, float(dt))
        for i, j, g, dt in inside.filter(pl.col("g").is_in(bad))
        .sort(["i", "j"])
        .select(["i", "j", "g", "dt"])
        .iter_rows()
    ]
    return CoordinationResult(window, ev_window, edges, groups, network_of, evidence)
