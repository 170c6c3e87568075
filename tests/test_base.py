"""KnowledgeBase with the real model, real faiss and the real database (each test on SQLite and PostgreSQL), on
small fixture documents."""

import shutil
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.embedder import get_embedder
from storage.store import Store

DOCS = Path(__file__).parent / "fixtures" / "docs"


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(DOCS, folder)
    return folder


@pytest.fixture
def kb(store, tmp_path):
    k = KnowledgeBase.open(store, tmp_path / "index", bundled=False)
    yield k
    k.close()


def test_ingest_then_search_finds_the_right_passage(kb, docs):
    report = kb.ingest([docs])
    assert report.ok and sorted(Path(s).name for s in report.added) == ["extracted-report.txt", "field-guide.md"]
    assert report.chunks_embedded == report.chunks_total > 0
    hits = kb.search("who pays for airtime after the donor leaves?", top_k=3)
    assert hits[0].source == str((docs / "extracted-report.txt").resolve())
    # the short "2.1" section is folded into its parent "2. What worked" (no scrap chunks), its heading kept as a line
    assert "Airtime" in hits[0].text and "2.1 Lessons on cost" in hits[0].section + "\n" + hits[0].text
    assert hits[0].section.startswith("2.")
    assert 0.3 < hits[0].similarity <= 1.0
    infos = {Path(d.source).name: d for d in kb.documents()}
    assert infos["field-guide.md"].doc_type == "training" and infos["field-guide.md"].chunks >= 1


def test_reingesting_unchanged_files_does_no_embedding_work(kb, docs):
    kb.ingest([docs])
    before = get_embedder().texts_embedded
    report = kb.ingest([docs])
    assert report.chunks_embedded == 0 and len(report.unchanged) == 2 and not report.added
    assert get_embedder().texts_embedded == before


def test_reopening_the_index_needs_no_document_embedding(store, tmp_path, docs):
    kb = KnowledgeBase.open(store, tmp_path / "index", bundled=False)
    kb.ingest([docs])
    expected = [h.chunk_id for h in kb.search("first meeting with a company", top_k=3)]
    kb.close()
    before = get_embedder().texts_embedded
    again = KnowledgeBase.open(store, tmp_path / "index", bundled=False)
    assert again.ingest([docs]).chunks_embedded == 0
    assert get_embedder().texts_embedded == before
    assert [h.chunk_id for h in again.search("first meeting with a company", top_k=3)] == expected
    again.close()


def test_a_lost_faiss_file_is_rebuilt_from_stored_vectors(store, tmp_path, docs):
    kb = KnowledgeBase.open(store, tmp_path / "index", bundled=False)
    kb.ingest([docs])
    expected = [h.chunk_id for h in kb.search("vessel connectivity pilot", top_k=3, mode="vector")]
    kb.close()
    for f in (tmp_path / "index").glob("vectors-*.faiss"):
        f.unlink()
    before = get_embedder().texts_embedded
    again = KnowledgeBase.open(store, tmp_path / "index", bundled=False)
    assert [h.chunk_id for h in again.search("vessel connectivity pilot", top_k=3, mode="vector")] == expected
    assert get_embedder().texts_embedded == before + 1  # only the query
    assert list((tmp_path / "index").glob("vectors-*.faiss"))


def test_changed_file_replaces_its_old_chunks(kb, docs):
    kb.ingest([docs])
    guide = docs / "field-guide.md"
    guide.write_text(guide.read_text().replace("one-page concept note", "signed memorandum of understanding"))
    report = kb.ingest([guide])
    assert [Path(s).name for s in report.updated] == ["field-guide.md"] and report.chunks_embedded > 0
    texts = " ".join(h.text for h in kb.search("memorandum of understanding next step", top_k=10))
    assert "memorandum of understanding" in texts and "one-page concept note" not in texts
    assert len([d for d in kb.documents() if d.source.endswith("field-guide.md")]) == 1


def test_remove_drops_the_document_from_both_rankings(kb, docs):
    kb.ingest([docs])
    source = str((docs / "extracted-report.txt").resolve())
    assert kb.remove(source) is True
    assert kb.remove(source) is False
    for mode in ("fused", "vector", "keyword"):
        assert all(h.source != source for h in kb.search("seafood exporters airtime", top_k=10, mode=mode))
    assert [Path(d.source).name for d in kb.documents()] == ["field-guide.md"]


def test_bad_empty_and_unsupported_files_are_reported_by_name_and_the_rest_ingests(kb, docs, tmp_path):
    (docs / "empty.txt").write_text("")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (docs / "picture.png").write_bytes(b"\x89PNG")
    lone = tmp_path / "deck.pptx"
    lone.write_bytes(b"PK")
    report = kb.ingest([docs, lone, tmp_path / "missing.md"])
    failed = {Path(name).name: msg for name, msg in report.errors}
    assert set(failed) == {"empty.txt", "broken.pdf", "deck.pptx", "missing.md"}
    assert "empty" in failed["empty.txt"] and "Supported types" in failed["deck.pptx"]
    assert [Path(s).name for s in report.skipped] == ["picture.png"]
    assert sorted(Path(s).name for s in report.added) == ["extracted-report.txt", "field-guide.md"]


def test_a_file_that_turns_bad_keeps_its_previous_version(kb, docs):
    kb.ingest([docs])
    (docs / "field-guide.md").write_text("")
    report = kb.ingest([docs])
    assert [Path(n).name for n, _ in report.errors] == ["field-guide.md"]
    assert any(d.source.endswith("field-guide.md") for d in kb.documents())
    assert kb.search("listening first at the meeting", top_k=1)[0].source.endswith("field-guide.md")


def test_search_modes_and_odd_queries(kb, docs):
    kb.ingest([docs])
    for mode in ("fused", "vector", "keyword"):
        hits = kb.search("due-diligence notes before the meeting", top_k=2, mode=mode)
        assert 1 <= len(hits) <= 2 and all(h.chunk_id for h in hits)
    for odd in ['"', "NEAR(x y) AND", "🙂", "การค้ามนุษย์", "*", "\u200b"]:
        kb.search(odd, top_k=3)  # never raises
    assert kb.search("   ") == []
    assert kb.search("pilot", top_k=0) == []
    with pytest.raises(ValueError, match="mode"):
        kb.search("pilot", mode="magic")
    kw = kb.search("airtime", top_k=5, mode="keyword")
    assert kw and all("irtime" in h.text for h in kw) and kw[0].keyword_rank == 1


def test_empty_knowledge_base_returns_no_hits(kb):
    assert kb.search("anything at all") == []
    assert kb.documents() == []


def test_bundled_sync_adds_updates_and_removes_corpus_files(store, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    kb = KnowledgeBase.open(store, tmp_path / "index", bundled=True, corpus_dir=corpus)  # empty corpus still opens
    assert kb.documents() == []
    shutil.copy(DOCS / "field-guide.md", corpus / "field-guide.md")
    shutil.copy(DOCS / "field-guide.md", corpus / "second.md")
    report = kb.sync_bundled()
    assert sorted(report.added) == ["corpus/field-guide.md", "corpus/second.md"]
    assert {d.origin for d in kb.documents()} == {"bundled"}
    (corpus / "second.md").unlink()
    kb.close()
    before = get_embedder().texts_embedded
    kb = KnowledgeBase.open(store, tmp_path / "index", bundled=True, corpus_dir=corpus)
    assert kb.bundled_report.removed == ["corpus/second.md"]
    assert kb.bundled_report.unchanged == ["corpus/field-guide.md"]
    assert get_embedder().texts_embedded == before
    kb.close()


def test_another_process_writing_the_index_is_seen_by_an_open_reader(two_processes, docs):
    """Two handles on one database, as two processes (conftest.TwoProcesses); the reader's clock is driven by the
    test, so nothing sleeps."""
    reader, writer = two_processes.reader, two_processes.writer
    writer.ingest([docs / "field-guide.md"])
    assert writer.search("listening first", top_k=1)[0].source.endswith("field-guide.md")  # its own write: at once
    assert len(reader) == 0 and reader.search("listening first", top_k=1, mode="vector") == []  # not looked yet
    before = get_embedder().texts_embedded
    two_processes.tick()
    hit = reader.search("listening first", top_k=1, mode="vector")[0]  # looked, rebuilt from stored vectors
    assert hit.source.endswith("field-guide.md") and len(reader) == len(writer) > 0
    assert get_embedder().texts_embedded == before + 1  # only the query: nothing re-embedded
    assert reader.index.loaded_generation == writer.index.loaded_generation == writer.index.generation()
    writer.remove(str((docs / "field-guide.md").resolve()))
    assert reader.search("listening first", top_k=1) == []  # passages read from the database are gone at once
    two_processes.tick()
    reader.search("listening first", top_k=1)
    assert len(reader) == 0


def test_an_exception_mid_ingest_leaves_no_half_document(kb, docs, monkeypatch):
    guide = docs / "field-guide.md"
    kb.ingest([guide])
    source = str(guide.resolve())
    before = (kb.index.generation(), kb.index.chunk_count(), len(kb), kb.documents())
    guide.write_text(guide.read_text() + "\n\n## Late addition\n\nMangrove restoration grants for fishing villages.\n")

    def fail(*args, **kwargs):  # after the new passages are inserted, before the commit
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("knowledge.keyword.add", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        kb.ingest([guide])
    assert (kb.index.generation(), kb.index.chunk_count(), len(kb), kb.documents()) == before
    assert all("Mangrove" not in h.text for h in kb.search("mangrove restoration grants", top_k=10))
    with pytest.raises(RuntimeError):
        kb.ingest([docs / "extracted-report.txt"])  # a brand-new document fails whole too
    assert [Path(d.source).name for d in kb.documents()] == ["field-guide.md"]
    assert kb.index.chunk_count() == before[1]
    monkeypatch.undo()
    assert [Path(s).name for s in kb.ingest([guide]).updated] == ["field-guide.md"]
    assert kb.search("mangrove restoration grants", top_k=1)[0].source == source


def test_keyword_search_finds_a_word_only_one_passage_has(kb, docs):
    kb.ingest([docs])
    store = kb.index.store
    only = [r for r in store.execute("SELECT id, text FROM kb_chunks") if "airtime" in r[1].lower()]
    assert len(only) == 1
    for query in ("airtime", "who pays for AIRTIME?", "airtime OR nonsenseword"):
        hits = kb.search(query, top_k=5, mode="keyword")
        assert [h.chunk_id for h in hits] == [only[0][0]], (store.dialect, query)
        assert hits[0].keyword_rank == 1 and hits[0].score > 0
    assert kb.search("zzqxv", top_k=5, mode="keyword") == []


def test_bundled_sync_in_two_processes_at_once_does_not_double_ingest(store, settings, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DOCS / "field-guide.md", corpus / "field-guide.md")
    first = KnowledgeBase.open(store, tmp_path / "a", bundled=False, corpus_dir=corpus)
    other_store = Store.open(settings.database)
    second = KnowledgeBase.open(other_store, tmp_path / "b", bundled=False, corpus_dir=corpus)
    second.index.document = lambda source: None  # it looked before the first one stored anything
    first.sync_bundled()
    generation, chunks = store.scalar("SELECT value FROM kb_meta WHERE key = 'generation'"), first.index.chunk_count()
    report = second.sync_bundled()  # embeds (it thinks the document is new) but the write lock re-checks sha256
    assert report.unchanged == ["corpus/field-guide.md"] and not report.added
    assert store.scalar("SELECT value FROM kb_meta WHERE key = 'generation'") == generation
    assert first.index.chunk_count() == chunks and len(first.documents()) == 1
    other_store.close()


# ------------------------------------------------------------------ removing and restoring bundled guidance

TINY_CORPUS = {
    "alpha.md": "# Alpha note\n\nA first meeting with a hotel chain should start by listening to what they need.\n",
    "bravo.md": "# Bravo note\n\nCold storage warehouses in the port keep shrimp frozen before export.\n",
    "charlie.md": "# Charlie note\n\nA quarterly budget review happens with the finance officer.\n",
}  # written to tmp_path/"corpus" by the `corpus` fixture (conftest.py)


def _sources(kb):
    return [d.source for d in kb.documents()]


def test_a_removed_bundled_document_stays_out_across_restarts_and_resyncs_until_restored(store, tmp_path, corpus):
    kb = KnowledgeBase.open(store, tmp_path / "index", corpus_dir=corpus)
    assert _sources(kb) == ["corpus/alpha.md", "corpus/bravo.md", "corpus/charlie.md"]
    assert kb.remove("corpus/bravo.md") is True
    assert _sources(kb) == ["corpus/alpha.md", "corpus/charlie.md"]
    assert kb.excluded_bundled() == ["corpus/bravo.md"]
    assert all(h.source != "corpus/bravo.md" for h in kb.search("frozen shrimp cold storage", top_k=5))
    (corpus / "bravo.md").write_text(TINY_CORPUS["bravo.md"] + "\nA changed line.\n")  # a package upgrade
    report = kb.sync_bundled()
    assert report.excluded == ["corpus/bravo.md"] and not report.added and not report.updated
    kb.close()

    before = get_embedder().texts_embedded
    kb = KnowledgeBase.open(store, tmp_path / "index", corpus_dir=corpus)  # a restart
    assert kb.bundled_report.excluded == ["corpus/bravo.md"]
    assert sorted(kb.bundled_report.unchanged) == ["corpus/alpha.md", "corpus/charlie.md"]
    assert _sources(kb) == ["corpus/alpha.md", "corpus/charlie.md"]
    assert get_embedder().texts_embedded == before

    restored = kb.restore_bundled("corpus/bravo.md")
    assert restored.ok and restored.added == ["corpus/bravo.md"] and restored.chunks_total >= 1
    assert kb.excluded_bundled() == []
    assert kb.search("frozen shrimp cold storage", top_k=1)[0].source == "corpus/bravo.md"
    kb.close()
    kb = KnowledgeBase.open(store, tmp_path / "index", corpus_dir=corpus)
    assert kb.bundled_report.excluded == [] and "corpus/bravo.md" in kb.bundled_report.unchanged
    kb.close()


def test_bad_bundled_requests_change_nothing(store, tmp_path, corpus):
    kb = KnowledgeBase.open(store, tmp_path / "index", corpus_dir=corpus)
    assert kb.remove("corpus/bravo.md") is True
    generation = kb.index.generation()
    assert kb.remove("corpus/bravo.md") is False          # already removed
    assert kb.remove("corpus/nothing-here.md") is False   # not bundled at all
    with pytest.raises(ValueError, match="not a removed bundled document"):
        kb.restore_bundled("corpus/alpha.md")             # never removed
    with pytest.raises(ValueError):
        kb.restore_bundled("corpus/nothing-here.md")
    assert kb.index.generation() == generation
    assert kb.excluded_bundled() == ["corpus/bravo.md"]
    assert _sources(kb) == ["corpus/alpha.md", "corpus/charlie.md"]
    kb.close()


def test_a_restore_that_cannot_load_the_file_keeps_it_removed(store, tmp_path, corpus):
    kb = KnowledgeBase.open(store, tmp_path / "index", corpus_dir=corpus)
    kb.remove("corpus/charlie.md")
    (corpus / "charlie.md").write_text("")
    report = kb.restore_bundled("corpus/charlie.md")
    assert [name for name, _ in report.errors] == ["corpus/charlie.md"]
    assert kb.excluded_bundled() == ["corpus/charlie.md"]
    assert "corpus/charlie.md" not in _sources(kb)
    kb.close()


def test_a_broken_bundled_file_can_be_removed_and_a_file_no_longer_shipped_can_be_restored(store, tmp_path, corpus):
    (corpus / "charlie.md").write_text("")
    kb = KnowledgeBase.open(store, tmp_path / "index", corpus_dir=corpus)
    assert [name for name, _ in kb.bundled_report.errors] == ["corpus/charlie.md"]
    assert kb.remove("corpus/charlie.md") is True  # in the folder though never loaded: silenced
    assert kb.sync_bundled().errors == []
    (corpus / "charlie.md").unlink()               # a later version no longer ships it
    report = kb.restore_bundled("corpus/charlie.md")
    assert not (report.added or report.errors) and kb.excluded_bundled() == []
    kb.close()


def test_removing_a_user_document_records_no_exclusion(store, tmp_path, corpus, docs):
    kb = KnowledgeBase.open(store, tmp_path / "index", corpus_dir=corpus)
    kb.ingest([docs / "field-guide.md"])
    assert kb.remove(str(docs / "field-guide.md")) is True
    assert kb.excluded_bundled() == [] and kb.index.excluded() == []
    kb.ingest([docs / "field-guide.md"])  # and it can be added again straight away
    assert any(s.endswith("field-guide.md") for s in _sources(kb))
    kb.close()
