import numpy as np

from knowledge import embedder as embedder_module
from knowledge.embedder import get_embedder

SENTENCES = ["Start with the company's own interests.", "Agree on confidentiality before sharing plans.",
             "Start with the company's own interests."]


def test_remembered_vectors_equal_fresh_ones_and_are_not_embedded_twice():
    emb = get_embedder()
    fresh = emb.embed(SENTENCES)
    first = emb.embed_remembered(SENTENCES)
    assert first.shape == (3, emb.dim) and np.allclose(first, fresh, atol=1e-5)
    before = emb.texts_embedded
    again = emb.embed_remembered(list(reversed(SENTENCES)))
    assert emb.texts_embedded == before  # nothing new went through the model
    assert np.allclose(again, fresh[::-1], atol=1e-5)


def test_the_memory_is_bounded_dropping_the_least_recently_used(monkeypatch):
    emb = get_embedder()
    monkeypatch.setattr(embedder_module, "CACHE_SIZE", 2)
    emb.embed_remembered(["alpha partner meeting", "beta concept note", "gamma due diligence"])
    assert len(emb._cache) == 2 and "alpha partner meeting" not in emb._cache
    before = emb.texts_embedded
    emb.embed_remembered(["alpha partner meeting"])
    assert emb.texts_embedded == before + 1


def test_no_texts_give_an_empty_matrix():
    assert get_embedder().embed_remembered([]).shape == (0, 384)
