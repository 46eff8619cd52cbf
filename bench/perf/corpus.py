"""Large item stores built from the real texts in ``../shared/data``, with recorded perturbations.

Base texts: CrisisLex tweets (organic), the IRA "Fearmonger" tweets (a real campaign) and
EUvsDisinfo claim titles. A store of ``n`` items holds each base text once, then perturbed
copies of them until ``n`` is reached. A perturbation is light and of a named kind, never
random words: ``swap`` (two neighbouring words swapped), ``prefix`` (a relay prefix such as
"BREAKING:"), ``date`` (a date appended), or two of them combined. Every copy's kind is
written to a manifest and the counts per kind go into the results.

Vectors: the distinct base texts are encoded once for real with Vigie's embedder (cached in
``bench/.cache/perf/``, encode rate recorded). A perturbed copy gets its base vector plus
Gaussian noise, renormalised, with the noise scale calibrated so the median cosine between
a base and its copies equals the median measured with real encodes of sampled copies. This
lets the analysis stages run on 1M items without 1M real encodes; embedding time is reported
apart (measured rate x distinct contents).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from bench.datasets import SHARED_DATA

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "perf"
START = datetime(2026, 3, 2, tzinfo=UTC)
ITEMS_PER_DAY = 100_000  # a national desk's daily volume: sets the time span of a store
PREFIXES = ("BREAKING: ", "UPDATE: ", "Just in: ", "RT ", "Read: ", "Via our correspondent: ",
            "URGENT - ", "Developing: ")
KINDS = ("swap", "prefix", "date", "prefix+date", "swap+date")
SEED = 20260302


@dataclass
class Bases:
    """Distinct base texts with their language and real vectors (rows aligned)."""

    frame: pl.DataFrame  # base_id, origin, title, text, language
    vectors: np.ndarray  # float32 (n, d), L2-normalised, Vigie's embedder
    model: str
    encode_s: float  # seconds spent encoding the bases (0 when all came from the cache)
    texts_per_s: float  # measured real encode rate (Vigie's embedder, this machine)


def load_base_texts(data_dir: Path = SHARED_DATA, limit: int | None = None) -> pl.DataFrame:
    """base_id, origin, title, text of every usable base text (deterministic order)."""
    from bench.datasets import load_campaign, load_organic
    from vigie.ingest.clean import html_to_text
    from vigie.reference.watchlist import load_watchlist

    organic = load_organic(data_dir).select(pl.lit("crisislex").alias("origin"),
                                            pl.lit("").alias("title"), "text")
    campaign = load_campaign(data_dir).select(pl.lit("ira").alias("origin"),
                                              pl.lit("").alias("title"), "text")
    claims = [c.title for c in load_watchlist(data_dir / "euvsdisinfo" / "posts.csv")]
    titles = pl.DataFrame({"origin": ["euvsdisinfo"] * len(claims), "title": claims,
                           "text": [""] * len(claims)})
    frame = pl.concat([organic, campaign, titles])
    frame = frame.with_columns(pl.col("text").map_elements(html_to_text, return_dtype=pl.String))
    frame = frame.unique(["title", "text"], keep="first", maintain_order=True)
    if limit is not None and limit < frame.height:  # an even sample of the three origins
        frame = frame.sample(limit, seed=SEED, shuffle=False)
    return frame.with_row_index("base_id")


def _encode_rate_probe(embedder, texts: list[str]) -> float:  # noqa: ANN001
    start = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / max(time.perf_counter() - start, 1e-9)


def load_bases(model_spec: str = "minilm", limit: int | None = None,
               data_dir: Path = SHARED_DATA) -> Bases:
    """Base texts with languages and real vectors, from the cache when already encoded."""
    from detectors.embedding import load_embedder, model_name, prepare_text
    from vigie.ingest.language import detect_many

    name = model_name(model_spec)
    key = hashlib.sha1(f"{name}|{limit}|{data_dir}".encode()).hexdigest()[:12]
    path, meta_path = CACHE / f"bases-{key}.parquet", CACHE / f"bases-{key}.json"
    if path.is_file() and meta_path.is_file():
        table = pl.read_parquet(path)
        meta = json.loads(meta_path.read_text())
        vectors = np.vstack(table["vector"].to_numpy()).astype(np.float32)
        return Bases(table.drop("vector"), vectors, name, 0.0, meta["texts_per_s"])
    frame = load_base_texts(data_dir, limit)
    langs = detect_many([f"{t}. {x}" if t else x for t, x in
                         zip(frame["title"], frame["text"], strict=True)])
    frame = frame.with_columns(pl.Series("language", langs, dtype=pl.String))
    embedder = load_embedder(model_spec)
    start = time.perf_counter()
    vectors = embedder.encode([prepare_text(t, x) for t, x in
                               zip(frame["title"], frame["text"], strict=True)])
    encode_s = time.perf_counter() - start
    rate = frame.height / max(encode_s, 1e-9)
    CACHE.mkdir(parents=True, exist_ok=True)
    ignore = CACHE.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    frame.with_columns(pl.Series("vector", list(vectors))).write_parquet(path)
    meta_path.write_text(json.dumps({"model": name, "bases": frame.height, "encode_s": encode_s,
                                     "texts_per_s": rate}))
    return Bases(frame, vectors, name, encode_s, rate)


def perturb(title: str, text: str, copy: int, rng: np.random.Generator) -> tuple[str, str, str]:
    """(title, text, kind) of copy number ``copy`` (>= 1) of a base text."""
    kind = KINDS[int(rng.integers(len(KINDS)))]
    field_is_title = not text
    body = title if field_is_title else text
    if "swap" in kind:
        words = body.split(" ")
        if len(words) > 2:
            i = int(rng.integers(len(words) - 1))
            words[i], words[i + 1] = words[i + 1], words[i]
            body = " ".join(words)
    if "prefix" in kind:
        body = PREFIXES[int(rng.integers(len(PREFIXES)))] + body
    if "date" in kind or body == (title if field_is_title else text):
        day = START + timedelta(days=copy % 365)
        body = f"{body} ({day:%d %b %Y}, #{copy})"
        kind = kind if "date" in kind else f"{kind}+date"
    return (body, text, kind) if field_is_title else (title, body, kind)


def derive_vectors(base: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Perturbed copies' vectors: base + N(0, sigma^2) noise, renormalised."""
    noisy = base + rng.normal(0.0, sigma, size=base.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def sigma_for_cosine(cosine: float, dim: int) -> float:
    """Noise scale whose expected cosine to the base is ``cosine`` (|noise|^2 = d sigma^2)."""
    cosine = min(max(cosine, 0.5), 0.999)
    return float(np.sqrt((1.0 / cosine**2 - 1.0) / dim))


def calibrate_sigma(bases: Bases, model_spec: str, sample: int = 200) -> dict:
    """Median real cosine between sampled bases and real encodes of their perturbed copies."""
    from detectors.embedding import load_embedder, prepare_text

    rng = np.random.default_rng(SEED + 1)
    picks = rng.choice(bases.frame.height, size=min(sample, bases.frame.height), replace=False)
    rows = bases.frame[picks.tolist()]
    copies = [perturb(t, x, 1 + k, rng) for k, (t, x) in
              enumerate(zip(rows["title"], rows["text"], strict=True))]
    real = load_embedder(model_spec).encode([prepare_text(t, x) for t, x, _ in copies])
    cos = np.sum(real * bases.vectors[picks], axis=1)
    median = float(np.median(cos))
    return {"sample": len(picks), "median_cosine": round(median, 4),
            "p10_cosine": round(float(np.quantile(cos, 0.1)), 4),
            "sigma": sigma_for_cosine(median, bases.vectors.shape[1])}


@dataclass
class Built:
    items: pa.Table  # vigie.store.items.ITEM_SCHEMA rows
    sources: list[dict]
    content_hashes: list[str]  # distinct contents, aligned with ``vectors``
    vectors: np.ndarray
    manifest: pl.DataFrame  # item_id, base_id, copy, kind


def build(bases: Bases, n: int, sigma: float, *, first: int = 0, seed: int = SEED,
          n_sources: int | None = None) -> Built:
    """Items ``first .. first + n - 1`` of the deterministic stream over ``bases``.

    Item j is copy ``j // B`` of base ``perm[j % B]`` (B = number of bases): every base
    appears once before any copy, copies spread over sources and over the time span.
    """
    from vigie.ingest.identity import import_source_id
    from vigie.ingest.records import item_row
    from vigie.store.items import rows_to_table

    b = bases.frame.height
    n_sources = n_sources or max(50, (first + n) // 200)
    perm = np.random.default_rng(seed).permutation(b)
    titles, texts = bases.frame["title"].to_list(), bases.frame["text"].to_list()
    langs = bases.frame["language"].to_list()
    names = [f"perf-source-{k:05d}" for k in range(n_sources)]
    sids = [import_source_id(s) for s in names]
    step = 86400.0 / ITEMS_PER_DAY
    rows, manifest = [], []
    hashes: dict[str, int] = {}
    vec_rows: list[tuple[int, int]] = []  # (base, copy) per distinct content
    now = datetime.now(UTC)
    for j in range(first, first + n):
        base, copy = int(perm[j % b]), j // b
        rng = np.random.default_rng([seed, j])
        if copy == 0:
            title, text, kind = titles[base], texts[base], "original"
        else:
            title, text, kind = perturb(titles[base], texts[base], copy, rng)
        src = int(rng.integers(n_sources))
        when = START + timedelta(seconds=j * step + float(rng.uniform(0, step)))
        row = item_row(sids[src], guid=f"perf-{j}", external_id=f"perf-{j}", link=None,
                       title=title, text=text, author=None, published=when,
                       published_raw=True, now=now, language=langs[base])
        rows.append(row)
        manifest.append((row["item_id"], base, copy, kind))
        if row["content_hash"] not in hashes:
            hashes[row["content_hash"]] = len(vec_rows)
            vec_rows.append((base, copy))
    vrng = np.random.default_rng([seed, first, n])
    base_idx = np.array([v[0] for v in vec_rows], dtype=np.int64)
    vectors = bases.vectors[base_idx].copy()
    copied = np.array([v[1] > 0 for v in vec_rows], dtype=bool)
    if copied.any():
        vectors[copied] = derive_vectors(vectors[copied], sigma, vrng)
    sources = [{"source_id": sid, "kind": "import", "name": name, "added_at": START}
               for sid, name in zip(sids, names, strict=True)]
    return Built(rows_to_table(rows), sources, list(hashes), vectors,
                 pl.DataFrame(manifest, schema=["item_id", "base_id", "copy", "kind"],
                              orient="row"))


def write(settings, built: Built, *, vectors: bool = True) -> dict:  # noqa: ANN001
    """Store the items (and their precomputed vectors) in bulk, as the importer does."""
    from detectors.embedding import model_name
    from vigie.store import embeddings as emb_store
    from vigie.store import items as items_store
    from vigie.store import sources as sources_store

    store = settings.store()
    store.init()
    t0 = time.perf_counter()
    with store.transaction() as con:
        sources_store.upsert_sources(con, built.sources)
        for start in range(0, built.items.num_rows, 100_000):
            items_store.upsert_items(con, built.items.slice(start, 100_000),
                                     datetime.now(UTC), by_content=False)
    t1 = time.perf_counter()
    if vectors:
        name = model_name(settings.embedding.model)
        for start in range(0, len(built.content_hashes), 100_000):
            with store.transaction() as con:
                emb_store.write_vectors(con, name, built.content_hashes[start:start + 100_000],
                                        built.vectors[start:start + 100_000])
    return {"items_s": round(t1 - t0, 3), "vectors_s": round(time.perf_counter() - t1, 3),
            "items": built.items.num_rows, "contents": len(built.content_hashes)}


def cached_calibration(bases: Bases, model_spec: str, sample: int = 200) -> dict:
    """:func:`calibrate_sigma`, computed once per base set and model (real encodes)."""
    key = hashlib.sha1(f"{bases.model}|{bases.frame.height}|{sample}".encode()).hexdigest()[:12]
    path = CACHE / f"sigma-{key}.json"
    if path.is_file():
        return json.loads(path.read_text())
    found = calibrate_sigma(bases, model_spec, sample)
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(found))
    return found


def populate(settings, bases: Bases, sigma: float, n: int, *, first: int = 0,  # noqa: ANN001
             n_sources: int | None = None, chunk: int = 100_000, vectors: bool = True) -> dict:
    """Build and store items ``first .. first + n - 1`` in chunks (bounded memory); with
    ``vectors=False`` their contents are left for the analyse stage to embed for real."""
    n_sources = n_sources or max(50, (first + n) // 200)
    totals = {"items": 0, "contents": 0, "build_s": 0.0, "items_s": 0.0, "vectors_s": 0.0,
              "kinds": dict.fromkeys(("original", *KINDS), 0)}
    manifests = []
    for start in range(first, first + n, chunk):
        t0 = time.perf_counter()
        built = build(bases, min(chunk, first + n - start), sigma, first=start,
                      n_sources=n_sources)
        totals["build_s"] += time.perf_counter() - t0
        done = write(settings, built, vectors=vectors)
        for key in ("items", "contents", "items_s", "vectors_s"):
            totals[key] += done[key]
        for kind, count in built.manifest.group_by("kind").len().iter_rows():
            totals["kinds"][kind] += count
        manifests.append(built.manifest)
    pl.concat(manifests).write_parquet(Path(settings.data_dir) / f"manifest-{first}.parquet")
    totals.update({k: round(v, 3) for k, v in totals.items() if isinstance(v, float)})
    totals["n_sources"] = n_sources
    totals["vectors"] = "precomputed" if vectors else "none (embedded by the analyse stage)"
    return totals
