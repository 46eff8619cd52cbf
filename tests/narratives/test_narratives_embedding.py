"""The embedder interface with the real models (MiniLM, multilingual USE)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detectors.embedding import (
    Embedder,
    SentenceTransformerEmbedder,
    WeightIntegrityError,
    load_embedder,
    model_name,
    prepare_text,
    verify_weights,
)

SENTENCES = [
    "The government raised taxes on fuel this week.",
    "This week the authorities increased the fuel tax.",
    "A rare bird was spotted in the national park.",
]


@pytest.mark.parametrize("spec", ["minilm", "use"])
def test_paraphrase_is_closer_than_unrelated(spec: str, request: pytest.FixtureRequest) -> None:
    embedder: Embedder = request.getfixturevalue(spec)
    vectors = embedder.encode(SENTENCES)
    assert isinstance(embedder, Embedder)
    assert vectors.dtype == np.float32 and vectors.shape == (3, embedder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] + 0.3
    assert embedder.name == model_name(spec)


def test_order_of_inputs_does_not_change_vectors(minilm: Embedder) -> None:
    texts = ["short", "a much longer sentence about the budget vote in parliament", "mid size"]
    forward = minilm.encode(texts)
    backward = minilm.encode(texts[::-1])[::-1]
    assert np.allclose(forward, backward, atol=1e-5)
    assert minilm.encode([]).shape == (0, minilm.dim)


def test_use_finds_the_french_translation(use: Embedder) -> None:
    english = ["The storm cut power to thousands of homes on the coast.",
               "The football club signed a new coach on Monday.",
               "Parliament approved the budget by eight votes."]
    french = ["Le Parlement a adopté le budget à huit voix près.",
              "La tempête a privé d'électricité des milliers de foyers sur la côte.",
              "Le club de football a recruté un nouvel entraîneur lundi."]
    sims = use.encode(english) @ use.encode(french).T
    assert sims.argmax(axis=1).tolist() == [1, 2, 0]
    assert sims.max(axis=1).min() > 0.6


def test_prepare_text_drops_links_repeated_title_and_truncates() -> None:
    text = prepare_text("Title here", "Title here\nBody https://t.co/abc " + "word " * 1000)
    assert text.startswith("Title here\nBody")
    assert "https://" not in text
    assert len(text) <= 1200
    assert prepare_text(None, None) == ""


def test_weight_check_rejects_a_tampered_file(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"not the weights")
    with pytest.raises(WeightIntegrityError, match="sha256 mismatch"):
        verify_weights(tmp_path, {"weights.bin": "0" * 64})
    with pytest.raises(WeightIntegrityError, match="missing"):
        verify_weights(tmp_path, {"other.bin": "0" * 64})


def test_unknown_model_spec_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown embedding model"):
        load_embedder(str(tmp_path / "nowhere"))
    assert load_embedder("use") is load_embedder("use")  # one instance per process


def test_onnx_backend_gives_the_torch_vectors_and_exports_once(
        minilm: Embedder, settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """``[embedding] backend = "onnx"``: the model is exported into the data folder once,
    then ONNX Runtime gives the vectors torch gives (long, empty and Cyrillic texts too)."""
    import torch

    from flows.analyse import embedder_for

    texts = [*SENTENCES, "", "Короткий текст о бюджете", "Storm Ciara hits the coast. " * 60]
    settings.embedding.model = "minilm"
    settings.embedding.backend = "onnx"
    onnx = embedder_for(settings)
    assert onnx is not minilm and onnx.name == minilm.name  # one cache of vectors for both
    exported = list(settings.model_cache_dir.iterdir())
    assert [p.suffix for p in exported] == [".onnx"]  # no partial file left
    assert np.abs(onnx.encode(texts) - minilm.encode(texts)).max() < 1e-5

    def no_export(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("exported again")

    monkeypatch.setattr(torch.onnx, "export", no_export)
    again = SentenceTransformerEmbedder(backend="onnx", onnx_cache=settings.model_cache_dir)
    assert np.array_equal(again.encode(texts), onnx.encode(texts))


def test_onnx_backend_is_for_sentence_transformers_models() -> None:
    with pytest.raises(ValueError, match="numpy"):
        load_embedder("use", backend="onnx")
    with pytest.raises(ValueError, match="backend"):
        SentenceTransformerEmbedder(backend="tensorrt")
