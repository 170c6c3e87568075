"""Passage vectors from sentence vectors, their storage with the passage, and the best-sentence signal (real model,
real database on both engines)."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.base import KnowledgeBase
from knowledge.embedder import get_embedder
from knowledge.sentences import (HEADING_WEIGHT, SentenceCache, best_sentence, embed_passages, pack, sentences_of,
                                 unpack)
from knowledge.types import Chunk

DOCS = Path(__file__).parent / "fixtures" / "docs"


def _chunk(text, section="Stage 1", title="Playbook"):
    return Chunk(text=text, source="x.md", title=title, section=section, ordinal=0)


def test_sentences_of_splits_at_sentence_ends_and_never_returns_nothing():
    assert sentences_of("Meet the CSR lead. Ask about buyers! Then listen.") == \
        ["Meet the CSR lead.", "Ask about buyers!", "Then listen."]
    assert sentences_of("no full stop here") == ["no full stop here"]
    assert sentences_of("   ") == [" "]


def test_each_distinct_sentence_and_heading_is_embedded_once():
    calls = []

    def fake(texts):
        calls.append(list(texts))
        return np.eye(8, dtype=np.float32)[: len(texts)]

    a = _chunk("One. Two.")
    b = _chunk("Two. Three.")  # "Two." repeated by the overlap, the same heading
    vecs, sets = embed_passages([a, b], fake, 8)
    assert calls == [["One.", "Two.", "Three.", "Playbook — Stage 1"]]
    assert vecs.shape == (2, 8) and [s.shape for s in sets] == [(2, 8), (2, 8)]
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0)
    # mean of the sentences (normalised) plus HEADING_WEIGHT × the heading, normalised
    mean = (np.eye(8)[0] + np.eye(8)[1]) / np.sqrt(2)
    want = mean + HEADING_WEIGHT * np.eye(8)[3]
    assert np.allclose(vecs[0], want / np.linalg.norm(want), atol=1e-6)


def test_packing_halves_the_size_and_keeps_cosines():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(3, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    blob = pack(v)
    assert len(blob) == 3 * 384 * 2
    back = unpack(blob, 384)
    assert np.abs(back @ v[0] - v @ v[0]).max() < 1e-3
    assert unpack(None, 384) is None and unpack(b"", 384) is None and unpack(b"\x00" * 10, 384) is None


def test_best_sentence_falls_back_to_the_passage_similarity_without_stored_sentences():
    q = np.eye(4, dtype=np.float32)[0]
    assert best_sentence(q, np.eye(4, dtype=np.float32)[[1, 0]], 0.2) == pytest.approx(1.0)
    assert best_sentence(q, None, 0.2) == 0.2


def test_the_cache_forgets_everything_when_the_generation_changes():
    reads = []

    def read(ids):
        reads.append(list(ids))
        return {i: pack(np.ones((1, 4), dtype=np.float32)) for i in ids if i != 3}

    cache = SentenceCache(limit=2)
    got = cache.get(1, [1, 3], read, 4)
    assert got[3] is None and got[1].shape == (1, 4)
    cache.get(1, [1], read, 4)
    assert reads == [[1, 3]]  # remembered
    cache.get(2, [1], read, 4)
    assert reads[-1] == [1]  # a new generation reads again (ids may have been reused)
    cache.get(2, [4, 5, 6], read, 4)
    assert len(cache._items) <= 2


@pytest.fixture
def kb(store, tmp_path):
    k = KnowledgeBase.open(store, tmp_path / "index", bundled=False)
    yield k
    k.close()


def test_ingest_stores_sentence_vectors_and_search_reports_the_best_sentence(kb, tmp_path, store):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    kb.ingest([docs])
    rows = store.execute("SELECT id, text, sentences FROM kb_chunks ORDER BY id").fetchall()
    assert rows and all(r[2] for r in rows)
    for cid, text, blob in rows:
        assert unpack(blob, 384).shape == (len(sentences_of(text)), 384)
    hits = kb.search("who pays for airtime after the donor leaves?", top_k=3)
    top = hits[0]
    assert "Airtime" in top.text
    assert top.sentence_similarity >= top.similarity - 0.2 and 0.3 < top.sentence_similarity <= 1.0
    # the signal is the closest sentence, computed afresh from the model
    sentences = sentences_of(top.text)
    emb = get_embedder()
    want = float((emb.embed(sentences) @ emb.embed_one("who pays for airtime after the donor leaves?")).max())
    assert top.sentence_similarity == pytest.approx(want, abs=2e-3)


def test_passages_stored_without_sentence_vectors_are_still_searched(kb, tmp_path, store):
    """A passage from an older release (no sentence vectors) keeps its passage similarity as its signal."""
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    kb.ingest([docs])
    with store.transaction():  # as an upgrade from that release would leave them: a new generation, no file yet
        store.execute("UPDATE kb_chunks SET sentences = NULL")
        store.execute("UPDATE kb_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'")
    kb.index.refresh(force=True)
    hits = kb.search("who pays for airtime after the donor leaves?", top_k=3)
    assert "Airtime" in hits[0].text
    assert all(h.sentence_similarity == pytest.approx(h.similarity) for h in hits)
