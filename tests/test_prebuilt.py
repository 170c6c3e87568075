"""The bundled guidance's vectors shipped in the package (knowledge/prebuilt.py, knowledge/corpus_vectors.npz): fresh
for the corpus as it is, the model's own vectors, and used only where they fit (each store test on both engines)."""

from __future__ import annotations

import shutil

import numpy as np

from knowledge import prebuilt
from knowledge.base import CORPUS_DIR, KnowledgeBase
from knowledge.chunking import chunk_document
from knowledge.embedder import Embedder
from knowledge.loaders import load
from knowledge.sentences import embedded_texts, units_of

REMAKE = "the bundled guidance changed: run `python bench/corpus_vectors.py` and commit knowledge/corpus_vectors.npz"


def corpus_chunks(folder=CORPUS_DIR) -> list:
    return [c for p in sorted(folder.glob("*.md"))
            for c in chunk_document(load(p, source="corpus/" + p.name, data=p.read_bytes()))]


def corpus_texts(folder=CORPUS_DIR) -> list[str]:
    """What the pipeline sends to the model for the bundled passages: their sentences and headings."""
    return embedded_texts(corpus_chunks(folder))


def test_the_shipped_file_holds_every_bundled_passage_for_the_packaged_model():
    texts = corpus_texts()
    model, rows, vectors = prebuilt.read()
    assert model == Embedder().identity, REMAKE
    assert [t[:60] for t in texts if prebuilt.key(t) not in rows] == [], REMAKE
    assert len(rows) == len(texts), REMAKE + " (it holds passages the corpus no longer has)"
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_the_shipped_vectors_are_the_models(bundled_kb):
    texts = corpus_texts()[::17]
    found = prebuilt.known(texts, bundled_kb.embedder.identity, bundled_kb.embedder.dim)
    fresh = bundled_kb.embedder.embed(texts)
    assert sorted(found) == list(range(len(texts)))
    assert min(float(found[i] @ fresh[i]) for i in found) > 0.9999


def test_a_fresh_data_folder_stores_the_guidance_without_running_the_model(store, tmp_path):
    embedder = Embedder()  # a model not loaded yet, as in a new process
    kb = KnowledgeBase.open(store, tmp_path / "cache", embedder=embedder)
    report = kb.bundled_report
    assert not embedder.loaded and embedder.texts_embedded == 0
    assert report.chunks_prebuilt == report.chunks_embedded == len(corpus_chunks()) > 0
    hits = kb.search("what should an NDA with a company cover?", top_k=3)
    assert hits and hits[0].source.startswith("corpus/")
    kb.close()


def test_an_edited_guidance_file_has_only_its_changed_passages_embedded(store, tmp_path, bundled_kb):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, folder)
    edited = sorted(folder.glob("*.md"))[0]
    edited.write_text(edited.read_text() + "\n\n## Added locally\n\nA paragraph this programme wrote itself.\n")
    changed = [t for t in corpus_texts(folder) if prebuilt.key(t) not in prebuilt.read()[1]]
    assert changed  # at least the new section's sentences and heading
    new = {t for t in changed}
    touched = [c for c in corpus_chunks(folder) if new & set(units_of(c))]
    before = bundled_kb.embedder.texts_embedded
    kb = KnowledgeBase.open(store, tmp_path / "cache", embedder=bundled_kb.embedder, corpus_dir=folder)
    assert bundled_kb.embedder.texts_embedded - before == len(changed)  # only the new texts met the model
    assert kb.bundled_report.chunks_prebuilt == kb.bundled_report.chunks_embedded - len(touched)
    kb.close()


def test_another_model_or_a_broken_file_gets_nothing(tmp_path):
    texts = corpus_texts()[:3]
    identity = Embedder().identity
    assert prebuilt.known(texts, "some-other-model", 384) == {}
    assert prebuilt.known(texts, None, 384) == {} and prebuilt.known(texts, identity, 384, path=None) == {}
    assert prebuilt.known(texts, identity, 768) == {}
    broken = tmp_path / "vectors.npz"
    broken.write_bytes(b"not numpy")
    assert prebuilt.known(texts, identity, 384, path=broken) == {}
    assert len(prebuilt.known(texts, identity, 384)) == 3
