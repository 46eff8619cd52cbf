"""Human-readable labels for narratives (pure).

- Keywords: class-based TF-IDF (as in BERTopic's c-TF-IDF): all texts of a narrative form
  one document; a term scores ``tf(term, narrative) * log(1 + A / f(term))`` where ``A`` is
  the mean number of words per class and ``f`` the term's frequency over every class,
  a background class included ("the rest"), so words common everywhere sink.
- Headline: the member closest to the narrative's centroid (title when it has one).
- Languages: the languages of the members, most frequent first.

Keywords and headline are recomputed when a narrative's size moved enough since they were
(``needs_relabel``): stable while it grows by a few items. Languages follow every change.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# sklearn ships English stop words only; French ones written here (articles, pronouns,
# auxiliaries, prepositions), plus the words of social posts that carry no topic.
_FRENCH = """
au aux avec ce ces cet cette dans de des du elle elles en est et eux il ils je la le les
leur leurs lui ma mais me meme même mes moi mon ne nos notre nous on ou où par pas pour qu
que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous ça ceci cela celle
celles celui ceux été être avoir ont sont était étaient sera seront fait faire comme plus
moins très tout tous toute toutes aussi alors donc car puis sans sous entre après avant
depuis chez dont ainsi encore déjà si non oui peu bien selon vers contre lors pendant
leurs quand comment pourquoi quel quelle quels quelles cela aujourd hui hier demain
avait avaient peut doit dit a y aurait auraient serait seraient pourrait pourraient
"""
FRENCH_STOP_WORDS = frozenset(_FRENCH.split())
SOCIAL_STOP_WORDS = frozenset({"rt", "via", "amp", "http", "https", "www", "com"})

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_TOKEN = r"(?u)\b[^\W\d_][^\W_]{2,}\b"  # words of 3+ characters starting with a letter


def stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | FRENCH_STOP_WORDS | SOCIAL_STOP_WORDS


def _clean(text: str) -> str:
    return _MENTION.sub(" ", _URL.sub(" ", text or "")).replace("#", " ")


@dataclass(frozen=True)
class NarrativeLabel:
    keywords: list[str]
    headline: str
    languages: list[str]

    @property
    def label(self) -> str:
        return ", ".join(self.keywords[:4]) if self.keywords else self.headline[:80]


def class_tfidf_keywords(
    docs: Mapping[str, Sequence[str]], background: Sequence[str] = (), top_k: int = 8
) -> dict[str, list[str]]:
    """Top ``top_k`` distinctive terms per class of ``docs`` (unigrams and bigrams)."""
    from sklearn.feature_extraction.text import CountVectorizer

    keys = sorted(docs)
    if not keys:
        return {}
    corpus = [" ".join(_clean(t) for t in docs[k]) for k in keys]
    corpus.append(" ".join(_clean(t) for t in background))
    vectorizer = CountVectorizer(lowercase=True, token_pattern=_TOKEN,
                                 stop_words=sorted(stop_words()), ngram_range=(1, 2))
    try:
        counts = vectorizer.fit_transform(corpus).astype(np.float64).tocsr()
    except ValueError:  # only stop words everywhere
        return {k: [] for k in keys}
    terms = vectorizer.get_feature_names_out()
    totals = np.asarray(counts.sum(axis=1)).ravel()
    freq = np.asarray(counts.sum(axis=0)).ravel()
    mean_words = totals.mean() if totals.size else 1.0
    idf = np.log1p(mean_words / np.maximum(freq, 1.0))
    result: dict[str, list[str]] = {}
    for row, key in enumerate(keys):
        start, end = counts.indptr[row], counts.indptr[row + 1]
        cols, vals = counts.indices[start:end], counts.data[start:end]
        if not len(cols) or totals[row] == 0:
            result[key] = []
            continue
        scores = vals / totals[row] * idf[cols]
        # a term seen once in a narrative of many texts is noise, not a theme
        keep = vals >= min(2, len(docs[key]))
        order = np.lexsort((terms[cols], -scores))
        picked: list[str] = []
        for k in order:
            if not keep[k]:
                continue
            term = str(terms[cols[k]])
            if any(term in p.split() or p in term.split() for p in picked):
                continue  # "notre dame" and "dame": keep the first, most distinctive
            picked.append(term)
            if len(picked) == top_k:
                break
        result[key] = picked
    return result


def representative(vectors: np.ndarray, centroid: np.ndarray) -> int:
    """Row of the member closest to the centroid (cosine; first on ties)."""
    c = np.asarray(centroid, dtype=np.float32)
    c = c / (np.linalg.norm(c) or 1.0)
    return int(np.argmax(np.asarray(vectors, dtype=np.float32) @ c))


def languages(langs: Sequence[str | None] | Mapping[str, int]) -> list[str]:
    """Languages present, most frequent first; ``langs`` one per member, or counts."""
    counts = Counter(langs) if isinstance(langs, Mapping) else Counter(lg for lg in langs if lg)
    return [lang for lang, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def needs_relabel(size: int, labelled_size: int | None, growth: float) -> bool:
    """Whether a narrative's keywords and headline are recomputed: they never were, or its
    size moved by at least ``growth`` (a fraction) since they were."""
    if not labelled_size:
        return True
    return abs(size - labelled_size) >= growth * labelled_size


def label_narratives(
    members: Mapping[str, Sequence[tuple[str, str, str | None]]],
    vectors: Mapping[str, np.ndarray],
    centroids: Mapping[str, np.ndarray],
    background: Sequence[str] = (),
    top_k: int = 8,
    language_counts: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, NarrativeLabel]:
    """Labels for narratives. ``members[nid]`` = (headline, text, language) per member (all
    of them or a sample), ``vectors[nid]`` their rows, ``centroids[nid]`` the narrative
    centroid; ``language_counts[nid]`` the languages of all members when ``members`` is a
    sample (a relay in a rare language must not be sampled away)."""
    docs = {nid: [f"{h}\n{t}" for h, t, _ in rows] for nid, rows in members.items()}
    keywords = class_tfidf_keywords(docs, background, top_k)
    out = {}
    for nid, rows in members.items():
        pick = representative(vectors[nid], centroids[nid]) if len(rows) else 0
        headline = (rows[pick][0] or rows[pick][1] or "").strip() if rows else ""
        out[nid] = NarrativeLabel(keywords.get(nid, []), " ".join(headline.split())[:300],
                                  languages(language_counts.get(nid, {}) if language_counts
                                            is not None else [lang for _, _, lang in rows]))
    return out
