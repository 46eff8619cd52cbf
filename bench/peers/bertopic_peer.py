"""BERTopic 0.17.4 with its default settings, on the shared MiniLM embeddings.

Only the UMAP random_state is fixed (BERTopic's own default UMAP parameters, repeated here so
the run is reproducible). Topic -1 (HDBSCAN outliers) counts as unclustered.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SEED = 42


def cluster(texts: Sequence[str], embeddings: np.ndarray, seed: int = SEED) -> list[int | None]:
    from bertopic import BERTopic
    from umap import UMAP

    # Same as BERTopic's default UMAP, plus random_state.
    umap_model = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
    )
    model = BERTopic(umap_model=umap_model)
    topics, _ = model.fit_transform(list(texts), embeddings)
    return [None if t == -1 else int(t) for t in topics]
