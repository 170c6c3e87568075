"""The per-generation file of sentence vectors (knowledge/sentence_file.py): written from the database, kept in step
with this process's writes and other processes' writes, rebuilt when damaged, and searched without reading the
database (real model, real database on both engines)."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.base import KnowledgeBase
from knowledge.sentence_file import SentenceVectors, open_file, paths, write_file
from knowledge.sentences import pack, unpack

DOCS = Path(__file__).parent / "fixtures" / "docs"
QUESTION = "who pays for airtime after the donor leaves?"


def _vecs(n, dim=4, seed=0):
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def kb(store, tmp_path):
    k = KnowledgeBase.open(store, tmp_path / "index", bundled=False)
    yield k
    k.close()


def _ingest(kb, tmp_path, *names):
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for name in names or [p.name for p in DOCS.iterdir()]:
        shutil.copy(DOCS / name, docs / name)
    kb.ingest([docs])


def _count_reads(kb):
    reads = []
    original = kb.index._read_sentences

    def counting(ids):
        reads.append(list(ids))
        return original(ids)

    kb.index._read_sentences = counting
    return reads


def _stored(store):
    return {int(r[0]): r[1] for r in store.execute("SELECT id, sentences FROM kb_chunks")}


def _assert_file_matches_database(kb, store):
    file = kb.index._sentences.file
    assert file is not None and file.gen == kb.index.generation()
    stored = _stored(store)
    assert sorted(stored) == file.ids[:, 0].tolist()
    for cid, blob in stored.items():
        found, vecs = file.lookup(cid)
        assert found and np.array_equal(vecs, unpack(blob, kb.index.dim))


def test_after_an_ingest_a_new_question_reads_no_sentence_vectors_from_the_database(kb, tmp_path, store):
    _ingest(kb, tmp_path)
    _assert_file_matches_database(kb, store)
    reads = _count_reads(kb)
    hits = kb.search(QUESTION, top_k=3)
    assert "Airtime" in hits[0].text and reads == []
    assert hits[0].sentence_similarity > 0.3


def test_own_writes_are_read_from_the_database_until_the_next_file_is_saved(kb, tmp_path, store):
    _ingest(kb, tmp_path, "field-guide.md")
    first = kb.index._sentences.file
    docs = tmp_path / "docs"
    shutil.copy(DOCS / "extracted-report.txt", docs / "extracted-report.txt")
    kb.index.save = lambda: None  # as if the ingest had not reached its end yet
    kb.ingest([docs])
    assert kb.index._sentences.file is first  # still the older generation's file
    new_ids = set(_stored(store)) - set(first.ids[:, 0].tolist())
    reads = _count_reads(kb)
    got = kb.index._sentences.get(kb.index.loaded_generation, sorted(new_ids), kb.index._read_sentences)
    assert reads and set(reads[0]) == new_ids and all(v is not None for v in got.values())
    del kb.index.save
    kb.index.save()
    _assert_file_matches_database(kb, store)
    assert not paths(kb.index.cache_dir, kb.index.database_id, first.gen)[0].exists()  # older file deleted


def test_a_removed_document_leaves_the_next_file(kb, tmp_path, store):
    _ingest(kb, tmp_path)
    gone = next(d.source for d in kb.documents() if d.source.endswith("field-guide.md"))
    kb.remove(gone)
    _assert_file_matches_database(kb, store)
    reads = _count_reads(kb)
    hits = kb.search(QUESTION, top_k=3)
    assert hits and all(h.source != gone for h in hits) and reads == []


def test_another_process_writes_and_this_one_loads_the_matching_file(two_processes, tmp_path, store):
    reader, writer = two_processes.reader, two_processes.writer
    _ingest(writer, tmp_path)
    reader.index.refresh(force=True)
    _assert_file_matches_database(reader, store)
    reads = _count_reads(reader)
    assert "Airtime" in reader.search(QUESTION, top_k=3)[0].text and reads == []


def test_a_damaged_file_is_rebuilt_from_the_database(kb, tmp_path, store):
    _ingest(kb, tmp_path)
    gen = kb.index.generation()
    data, index = paths(kb.index.cache_dir, kb.index.database_id, gen)
    data.write_bytes(data.read_bytes()[:-7])  # cut short: no longer whole rows
    assert open_file(kb.index.cache_dir, kb.index.database_id, gen, kb.index.dim, len(_stored(store))) is None
    again = KnowledgeBase.open(store, kb.index.cache_dir, bundled=False)  # a restart on the same folder
    try:
        _assert_file_matches_database(again, store)
    finally:
        again.close()


def test_passages_without_sentence_vectors_are_found_without_vectors(tmp_path):
    written = write_file(tmp_path, "ab", 3, 4, [(2, pack(_vecs(2))), (5, None), (9, pack(_vecs(1, seed=1)))])
    assert written is not None and len(written) == 3
    assert written.lookup(5) == (True, None)
    assert written.lookup(7) == (False, None)
    found, vecs = written.lookup(9)
    assert found and np.allclose(vecs, _vecs(1, seed=1), atol=1e-3)


def test_a_file_built_while_another_process_wrote_is_not_kept(tmp_path):
    store = SentenceVectors(tmp_path, "ab", 4, cache_limit=10)
    store.load(3, 1, lambda: iter([(1, pack(_vecs(1)))]), current=lambda: 4)
    assert store.file is None and not any(tmp_path.iterdir())
    reads = []
    got = store.get(3, [1], lambda ids: reads.append(ids) or {1: pack(_vecs(1))})
    assert reads == [[1]] and got[1].shape == (1, 4)  # read from the database instead


def test_a_reused_chunk_id_is_never_answered_from_the_older_file(tmp_path):
    """SQLite may give a new passage the id of a removed one: the write marks it changed, so it is read afresh."""
    db = {1: pack(_vecs(1)), 2: pack(_vecs(2, seed=2))}
    store = SentenceVectors(tmp_path, "ab", 4, cache_limit=10)
    store.load(1, 2, lambda: iter(sorted(db.items())), current=lambda: 1)
    db[2] = pack(_vecs(3, seed=3))  # id 2 removed and given to a new passage
    store.changed([2, 2])
    got = store.get(2, [1, 2], lambda ids: {i: db[i] for i in ids})
    assert got[2].shape == (3, 4) and got[1].shape == (1, 4)
    store.save(2, [1, 2], lambda ids: {i: db[i] for i in ids}, current=lambda: 2)
    assert store.file.gen == 2 and store.file.lookup(2)[1].shape == (3, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sentences-ab-2.f16", "sentences-ab-2.ids.npy"]


def test_a_passage_written_after_the_file_is_read_afresh_even_with_a_reused_id(kb, tmp_path, store):
    _ingest(kb, tmp_path, "field-guide.md", "extracted-report.txt")
    first = kb.index._sentences.file
    kb.index.save = lambda: None  # no newer file: the first one and the marks of our own writes carry on
    last = max(kb.documents(), key=lambda d: max(int(r[0]) for r in store.execute(
        "SELECT id FROM kb_chunks WHERE source = ?", (d.source,))))
    kb.remove(last.source)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.md").write_text("# Port visits\n\nOfficers met vessel owners at the port every month. "
                                              "They checked crew contracts and wage slips together.\n")
    kb.ingest([tmp_path / "more"])
    new_ids = [int(r[0]) for r in store.execute("SELECT id FROM kb_chunks WHERE source LIKE '%new.md'")]
    if store.dialect == "sqlite":
        assert set(new_ids) & set(first.ids[:, 0].tolist())  # SQLite gave the new passage a removed passage's id
    got = kb.index._sentences.get(kb.index.loaded_generation, new_ids, kb.index._read_sentences)
    stored = _stored(store)
    assert all(np.array_equal(got[i], unpack(stored[i], kb.index.dim)) for i in new_ids)


def test_best_scores_every_passage_as_its_closest_sentence(tmp_path):
    sets = {2: _vecs(3, seed=2), 4: None, 6: _vecs(1, seed=6), 9: _vecs(5, seed=9)}
    file = write_file(tmp_path, "ab", 1, 4, [(c, pack(v) if v is not None else None) for c, v in sets.items()])
    q = _vecs(1, seed=42)[0]
    got = file.best(q, [9, 4, 7, 2, 6])
    assert set(got) == {2, 4, 6, 9} and got[4] is None  # 7 is not in the file
    for c in (2, 6, 9):
        want = float((unpack(pack(sets[c]), 4) @ q).max())
        assert got[c] == pytest.approx(want, abs=1e-6)


def test_best_reads_changed_passages_from_the_database(tmp_path):
    db = {1: pack(_vecs(2, seed=1)), 2: pack(_vecs(2, seed=2))}
    store = SentenceVectors(tmp_path, "ab", 4, cache_limit=10)
    store.load(1, 2, lambda: iter(sorted(db.items())), current=lambda: 1)
    db[2] = pack(_vecs(4, seed=5))
    store.changed([2])
    reads = []
    q = _vecs(1, seed=8)[0]
    got = store.best(2, q, [1, 2], lambda ids: reads.append(ids) or {i: db[i] for i in ids})
    assert reads == [[2]]
    assert got[2] == pytest.approx(float((unpack(db[2], 4) @ q).max()), abs=1e-6)
    assert got[1] == pytest.approx(float((unpack(db[1], 4) @ q).max()), abs=1e-6)


def test_a_file_that_cannot_be_written_leaves_search_reading_the_database(tmp_path, caplog):
    db = {1: pack(_vecs(2, seed=1))}
    store = SentenceVectors(tmp_path / "gone" / "cache", "ab", 4, cache_limit=10)  # the folder does not exist
    store.load(1, 1, lambda: iter(sorted(db.items())), current=lambda: 1)
    assert store.file is None and "read from the database instead" in caplog.text
    reads = []
    got = store.best(1, _vecs(1, seed=3)[0], [1], lambda ids: reads.append(ids) or {i: db[i] for i in ids})
    assert reads == [[1]] and got[1] is not None


def test_closing_the_index_lets_go_of_the_file(kb, tmp_path):
    _ingest(kb, tmp_path, "field-guide.md")
    assert kb.index._sentences.file is not None
    kb.close()
    assert kb.index._sentences.file is None
