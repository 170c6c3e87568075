"""The search model adapted to the documents (knowledge/ranking_model.py, knowledge/adaptation.py): trained with
the real model on a small document, kept in the database, switched in one write that every process follows, and
switched back; on SQLite and PostgreSQL. One training step per test keeps them to seconds."""

import numpy as np
import pytest

from knowledge import ranking_model
from knowledge.adaptation import cloze_pairs, pack, steps_for, unpack
from knowledge.base import KnowledgeBase
from knowledge.sentences import embed_passages, sentences_of
from knowledge.types import Chunk
from storage.store import Store

TINY_CORPUS = {"alpha.md": "# Alpha note\n\nA first meeting with a hotel chain should start by listening to them.\n"}
TOPICS = {
    "Hotels": ["hotel chain", "front desk", "housekeeping team", "resort owner", "booking agent"],
    "Fishing": ["fishing fleet", "boat captain", "port inspector", "seafood buyer", "cold store"],
    "Garments": ["garment factory", "sewing line", "brand auditor", "textile mill", "export agent"],
    "Recruitment": ["labour broker", "recruitment fee", "job seeker", "work permit", "placement office"],
}


def handbook() -> str:
    """Four sections of ten sentences of at least six words: forty training sentences, more than one batch."""
    parts = ["# Field handbook\n"]
    for heading, things in TOPICS.items():
        lines = [f"The {a} often talks with the {b} about the season ahead." for a in things for b in things[:2]
                 if a != b][:10]
        parts.append(f"## {heading}\n\n" + " ".join(lines) + "\n")
    return "\n".join(parts)


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "docs" / "handbook.md"
    path.parent.mkdir()
    path.write_text(handbook())
    return path


@pytest.fixture
def kb(store, tmp_path, corpus, doc):
    k = KnowledgeBase.open(store, tmp_path / "one", corpus_dir=corpus)
    assert k.ingest([doc]).ok
    yield k
    k.close()
    ranking_model.forget_loaded()


def _vectors(store) -> dict[int, np.ndarray]:
    return {int(r[0]): np.frombuffer(bytes(r[1]), dtype=np.float32)
            for r in store.execute("SELECT id, vector FROM kb_chunks")}


def _chunks(store) -> dict[int, Chunk]:
    return {int(r[0]): Chunk(text=r[4], source=r[1], title=r[2], section=r[3], ordinal=0)
            for r in store.execute("SELECT id, source, title, section, text FROM kb_chunks")}


def test_training_pairs_take_each_sentence_out_of_its_passage():
    pairs = cloze_pairs([("Hotels", "The hotel chain pays its cleaners on time. Every worker keeps their own "
                                    "passport at home. Short one.")], seed=3)
    assert {q for q, _ in pairs} == {"The hotel chain pays its cleaners on time.",
                                     "Every worker keeps their own passport at home."}  # "Short one." is too short
    for query, passage in pairs:
        assert passage.startswith("Hotels. ")
    assert steps_for(31) == 0 and steps_for(64, epochs=3) == 6


def test_a_packed_model_folder_comes_back_whole(tmp_path):
    (tmp_path / "m" / "sub").mkdir(parents=True)
    (tmp_path / "m" / "config.json").write_text("{}")
    (tmp_path / "m" / "sub" / "weights.bin").write_bytes(b"\x00\x01" * 1000)
    unpack(pack(tmp_path / "m"), tmp_path / "back")
    assert (tmp_path / "back" / "config.json").read_text() == "{}"
    assert (tmp_path / "back" / "sub" / "weights.bin").read_bytes() == b"\x00\x01" * 1000


def test_adapting_switches_every_process_and_going_back_restores_the_packaged_vectors(
        kb, store, settings, tmp_path, corpus):
    other_store = Store.open(settings.database)
    other = KnowledgeBase.open(other_store, tmp_path / "two", corpus_dir=corpus)  # another web process
    other.index.refresh_interval = 0
    try:
        before = _vectors(store)
        assert other.search("who inspects the fishing fleet?", top_k=3)
        gen = kb.index.generation()

        result = ranking_model.adapt(kb, epochs=1, actor="cli:ops")

        assert result["steps"] == 1 and result["passages"] == len(before) and result["pairs"] >= 32
        assert ranking_model.active(kb.index) == result["sha256"] and kb.index.generation() == gen + 1
        after = _vectors(store)
        assert after.keys() == before.keys()
        assert all(not np.allclose(after[i], before[i], atol=1e-4) for i in after)  # every vector made again
        adapted = ranking_model.embedder_for(kb.index, result["sha256"])
        chunks = _chunks(store)
        ids = sorted(chunks)
        made, _ = embed_passages([chunks[i] for i in ids], adapted.embed, 384)
        assert np.allclose(np.stack([after[i] for i in ids]), made, atol=1e-4)  # ...by the adapted model
        audit = store.execute("SELECT actor, detail FROM audit_log WHERE action = 'kb.adapt'").fetchall()
        assert [a for a, _ in audit] == ["cli:ops"] and '"before": "packaged"' in audit[0][1]

        ranking_model.forget_loaded()  # the other process never loaded it: it comes from the database...
        leftover = tmp_path / "two" / f"model-{result['sha256'][:16]}"
        leftover.mkdir()
        (leftover / "config.json").write_text("{half")  # ...over the leftover of an unpacking that crashed
        hits = other.search("who inspects the fishing fleet?", top_k=3)
        sha, ranker = other.ranker()
        assert sha == result["sha256"] and ranker is not other.embedder and ranker.loaded
        assert (tmp_path / "two" / f"model-{sha[:16]}" / ".complete").exists()
        # the similarities a caller sees are the packaged model's (its thresholds stay calibrated)
        q = other.embedder.embed_one("who inspects the fishing fleet?")
        for h in hits:
            packaged = other.embedder.embed(sentences_of(h.text))
            assert h.sentence_similarity == pytest.approx(float((packaged @ q).max()), abs=1e-5)

        assert ranking_model.use_packaged(kb, actor="cli:ops")
        assert ranking_model.active(kb.index) == "" and not ranking_model.use_packaged(kb)
        back = _vectors(store)
        assert all(np.allclose(back[i], before[i], atol=1e-4) for i in back)
        assert other.search("who inspects the fishing fleet?", top_k=3) and other.ranker()[1] is other.embedder
        assert store.scalar("SELECT COUNT(*) FROM kb_models") == 1  # the last adapted one, kept one switch longer
    finally:
        other.close()
        other_store.close()


def test_documents_ingested_after_adapting_are_embedded_with_the_adapted_model(kb, store, tmp_path):
    result = ranking_model.adapt(kb, epochs=1)
    path = tmp_path / "docs" / "later.md"
    path.write_text("# Later note\n\nThe port inspector checks every fishing boat before it leaves the harbour.\n")
    assert kb.ingest([path]).ok
    row = store.execute("SELECT id, source, title, section, text FROM kb_chunks WHERE source = ?",
                        (str(path.resolve()),)).fetchone()
    made, _ = embed_passages([Chunk(text=row[4], source=row[1], title=row[2], section=row[3], ordinal=0)],
                             ranking_model.embedder_for(kb.index, result["sha256"]).embed, 384)
    assert np.allclose(_vectors(store)[row[0]], made[0], atol=1e-4)


def test_a_document_embedded_while_another_process_switches_models_is_reported_and_not_stored(
        kb, settings, tmp_path, corpus):
    other_store = Store.open(settings.database)
    other = KnowledgeBase.open(other_store, tmp_path / "two", corpus_dir=corpus)
    path = tmp_path / "docs" / "racing.md"
    path.write_text("# Racing note\n\nThe boat captain signs the crew list before the fishing fleet sails.\n")
    switched = []

    def stage(what: str, done: int, total: int) -> None:  # this process is embedding: the other one adapts now
        if what == "embedding" and not switched:
            switched.append(ranking_model.adapt(other, epochs=1))

    try:
        report = kb.ingest([path], stage=stage)
        assert switched and report.errors == [(str(path.resolve()), "the search model changed while this document "
                                                                     "was read; ingest it again.")]
        assert kb.index.document(str(path.resolve())) is None  # never stored with vectors of the old model
        again = kb.ingest([path])
        assert again.ok and again.added == [str(path.resolve())] and kb.ranker()[0] == switched[0]["sha256"]
    finally:
        other.close()
        other_store.close()


def test_documents_changed_elsewhere_while_the_switch_embeds_are_made_with_the_new_model_too(
        kb, store, settings, tmp_path, corpus, doc):
    other_store = Store.open(settings.database)
    other = KnowledgeBase.open(other_store, tmp_path / "two", corpus_dir=corpus)
    later = tmp_path / "docs" / "meanwhile.md"
    later.write_text("# Meanwhile\n\nA seafood buyer asked the port inspector about crews kept at sea.\n")
    done = []

    def stage(what: str, n: int, total: int) -> None:  # the switch is embedding: another process ingests now
        if what == "embedding" and not done:
            doc.write_text(handbook().replace("season ahead", "next quarter"))  # changed: replaced, and on SQLite
            done.append(other.ingest([doc]))  # its new passages take the ids of its old ones (the highest)
            done.append(other.ingest([later]))

    try:
        result = ranking_model.adapt(kb, epochs=1, stage=stage)
        assert done[0].updated == [str(doc.resolve())] and done[1].added == [str(later.resolve())]
        chunks = _chunks(store)
        ids = sorted(chunks)
        made, _ = embed_passages([chunks[i] for i in ids], ranking_model.embedder_for(kb.index, result["sha256"]).embed,
                                 384)
        stored = _vectors(store)
        assert np.allclose(np.stack([stored[i] for i in ids]), made, atol=1e-4)  # every passage, by the new model
        assert any("next quarter" in c.text for c in chunks.values())
    finally:
        other.close()
        other_store.close()


def test_too_little_text_to_learn_from_changes_nothing(store, tmp_path, corpus):
    small = KnowledgeBase.open(store, tmp_path / "small", corpus_dir=corpus)
    try:
        gen, vectors = small.index.generation(), _vectors(store)
        with pytest.raises(ValueError, match="Ingest more documents"):
            ranking_model.adapt(small, epochs=1)
        assert ranking_model.active(small.index) == "" and small.index.generation() == gen
        now = _vectors(store)
        assert now.keys() == vectors.keys() and all(np.array_equal(vectors[i], v) for i, v in now.items())
        assert store.scalar("SELECT COUNT(*) FROM kb_models") == 0
    finally:
        small.close()


def test_kb_list_says_when_an_adapted_model_ranks(kb):
    from knowledge.curation import list_documents

    assert "adapted" not in list_documents(kb, prefix="pse-bot ").summary()
    ranking_model.adapt(kb, epochs=1)
    summary = list_documents(kb, prefix="pse-bot ").summary()
    assert "Search ranks with a model adapted to these documents on 20" in summary and "kb adapt" in summary
