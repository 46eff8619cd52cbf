"""scikit-learn AgglomerativeClustering (cosine distance, average linkage, distance threshold).

The threshold is chosen on this data: one average-linkage tree (scipy, the algorithm sklearn
runs for this setting) is cut at every candidate threshold and scored against the gold labels;
the best one is then run through sklearn itself.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np

THRESHOLDS = tuple(round(0.40 + 0.05 * i, 2) for i in range(12))  # 0.40 .. 0.95


def sweep(
    embeddings: np.ndarray,
    score: Callable[[np.ndarray], float],
    thresholds: Sequence[float] = THRESHOLDS,
) -> tuple[float, dict[float, float]]:
    """Best threshold by ``score(labels)`` and the score of every candidate."""
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
    scores = {t: score(fcluster(tree, t, criterion="distance")) for t in thresholds}
    best = max(scores, key=lambda t: (scores[t], -t))
    return best, scores


def cluster(embeddings: np.ndarray, threshold: float) -> list[Hashable]:
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    )
    return [int(x) for x in model.fit_predict(embeddings)]
