"""Pure benchmark metrics: clustering against gold labels, coordination against a ground truth.

Unclustered items (predicted label ``None``) count as singletons in every clustering metric.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

Label = Hashable | None


def _prf(tp: float, predicted: float, actual: float) -> dict[str, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / actual if actual else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def singletons(pred: Sequence[Label]) -> list[Hashable]:
    """Predicted labels with each unclustered item (``None``) given its own cluster."""
    return [("__single__", i) if lab is None else lab for i, lab in enumerate(pred)]


def _codes(labels: Sequence[Hashable]) -> np.ndarray:
    index: dict[Hashable, int] = {}
    return np.array([index.setdefault(lab, len(index)) for lab in labels])


def pairwise(gold: Sequence[Hashable], pred: Sequence[Label]) -> dict[str, float]:
    """Precision/recall/F1 over item pairs put together (pred) vs belonging together (gold)."""
    c = contingency_matrix(_codes(gold), _codes(singletons(pred)), sparse=True)
    pairs = lambda n: float((n * (n - 1) // 2).sum())  # noqa: E731
    tp = pairs(c.data.astype(np.int64))
    pred_pairs = pairs(np.asarray(c.sum(axis=0)).ravel().astype(np.int64))
    gold_pairs = pairs(np.asarray(c.sum(axis=1)).ravel().astype(np.int64))
    return _prf(tp, pred_pairs, gold_pairs)


def bcubed(gold: Sequence[Hashable], pred: Sequence[Label]) -> dict[str, float]:
    """BCubed precision/recall/F1 (Bagga & Baldwin), averaged over items."""
    c = contingency_matrix(_codes(gold), _codes(singletons(pred)), sparse=True).tocoo()
    n = len(gold)
    if n == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    cluster_size = np.asarray(c.sum(axis=0)).ravel()
    class_size = np.asarray(c.sum(axis=1)).ravel()
    sq = c.data.astype(float) ** 2
    p = float((sq / cluster_size[c.col]).sum() / n)
    r = float((sq / class_size[c.row]).sum() / n)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def clustering(gold: Sequence[Hashable], pred: Sequence[Label]) -> dict[str, float]:
    """Every narrative metric of one predicted partition against the gold labels."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred must have the same length")
    full = singletons(pred)
    unclustered = sum(lab is None for lab in pred)
    clustered = [lab for lab in pred if lab is not None]
    return {
        "items": len(gold),
        "nmi": float(normalized_mutual_info_score(gold, _codes(full))),
        "ari": float(adjusted_rand_score(gold, _codes(full))),
        "pairwise": pairwise(gold, pred),
        "bcubed": bcubed(gold, pred),
        "unclustered": unclustered / len(gold) if gold else 0.0,
        "narratives": len(set(clustered)),
    }


def coordination(
    predicted: Iterable[str],
    truth: Iterable[str],
    organic: Iterable[str],
    source_of: Mapping[str, str],
) -> dict[str, float]:
    """Item-level P/R/F1, organic false-positive rate and source-level precision.

    ``predicted``/``truth``/``organic`` are item ids; ``source_of`` maps every item id of the
    mix to its source. A predicted source is one with at least one predicted item; it is right
    when it has at least one ground-truth item.
    """
    predicted, truth, organic = set(predicted), set(truth), set(organic)
    unknown = predicted - source_of.keys()
    if unknown:
        raise ValueError(f"{len(unknown)} predicted ids are not in the mix, e.g. {min(unknown)}")
    out = _prf(len(predicted & truth), len(predicted), len(truth))
    out["organic_fp_rate"] = len(predicted & organic) / len(organic) if organic else 0.0
    pred_sources = {source_of[i] for i in predicted}
    true_sources = {source_of[i] for i in truth}
    out["source_precision"] = (
        len(pred_sources & true_sources) / len(pred_sources) if pred_sources else 0.0
    )
    out["predicted_items"] = len(predicted)
    out["predicted_sources"] = len(pred_sources)
    return out


def stability(first: Mapping[str, Label], last: Mapping[str, Label]) -> dict[str, float]:
    """Share of items whose narrative at the end is the one they got on arrival.

    Counted over the items that got a narrative on arrival (an item left waiting alone has no
    identity to keep); ``items`` says how many that is.
    """
    assigned = [i for i, lab in first.items() if lab is not None]
    kept = sum(last.get(i) == first[i] for i in assigned)
    return {"share": kept / len(assigned) if assigned else 0.0, "items": len(assigned)}
