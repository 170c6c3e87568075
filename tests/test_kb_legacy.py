"""A deployment from before the shared database: PSE_HOME/index/knowledge.sqlite3 (documents, passages, vectors,
removed guidance) is copied into the database on first open, with no re-embedding, and the log says so."""

import logging
import shutil
import sqlite3
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.embedder import get_embedder
from knowledge.legacy import export_documents
from storage.store import Store

DOCS = Path(__file__).parent / "fixtures" / "docs"

# the layout knowledge/index.py used to create in its own file
OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (source TEXT PRIMARY KEY, title TEXT NOT NULL, doc_type TEXT NOT NULL, sha256 TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'user', meta TEXT NOT NULL DEFAULT '{}', chunks INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL);
CREATE TABLE chunks (id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL REFERENCES documents(source) ON DELETE CASCADE, ordinal INTEGER NOT NULL,
    title TEXT NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL, doc_type TEXT NOT NULL, vector BLOB NOT NULL);
CREATE TABLE excluded_sources (source TEXT PRIMARY KEY, excluded_at TEXT NOT NULL);
CREATE VIRTUAL TABLE chunks_fts USING fts5(title, section, text, tokenize = 'porter unicode61 remove_diacritics 2');
"""


def write_old_layout(kb: KnowledgeBase, folder: Path) -> None:
    docs, passages, excluded = export_documents(kb.index)
    folder.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(folder / "knowledge.sqlite3")
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO meta VALUES ('generation', '7'), ('dim', '384'), ('schema', '1')")
    for d in docs:
        db.execute("INSERT INTO documents VALUES (:source, :title, :doc_type, :sha256, :origin, :meta, :chunks, "
                   ":ingested_at)", d)
        for p in passages.get(d["source"], []):
            cur = db.execute("INSERT INTO chunks (source, ordinal, title, section, text, doc_type, vector) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", (d["source"], p["ordinal"], p["title"], p["section"],
                                                              p["text"], p["doc_type"], bytes(p["vector"])))
            db.execute("INSERT INTO chunks_fts (rowid, title, section, text) VALUES (?, ?, ?, ?)",
                       (cur.lastrowid, p["title"], p["section"], p["text"]))
    db.executemany("INSERT INTO excluded_sources VALUES (?, '2025-01-01T00:00:00+00:00')", [(s,) for s in excluded])
    db.commit()
    db.close()
    (folder / "vectors-7.faiss").write_bytes(b"an old cache")


def test_an_old_index_file_is_copied_into_the_database_without_re_embedding(store, settings, tmp_path, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "alpha.md").write_text("# Alpha note\n\nListen first when meeting a hotel chain.\n")
    (corpus / "bravo.md").write_text("# Bravo note\n\nCold storage keeps shrimp frozen before export.\n")
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    old_store = Store.open(tmp_path / "old" / "scratch.db")  # builds what the old version had stored
    old = KnowledgeBase.open(old_store, tmp_path / "old" / "cache", corpus_dir=corpus)
    old.ingest([docs])
    old.remove("corpus/bravo.md")
    expected = {d.source: d.chunks for d in old.documents()}
    write_old_layout(old, settings.index_dir)
    old_store.close()

    before = get_embedder().texts_embedded
    caplog.set_level(logging.INFO, logger="pse.knowledge")
    kb = KnowledgeBase.open(store, settings.index_dir, corpus_dir=corpus)
    assert {d.source: d.chunks for d in kb.documents()} == expected and len(expected) == 3
    assert kb.excluded_bundled() == ["corpus/bravo.md"] and kb.bundled_report.excluded == ["corpus/bravo.md"]
    assert kb.bundled_report.unchanged == ["corpus/alpha.md"] and kb.bundled_report.chunks_embedded == 0
    assert get_embedder().texts_embedded == before  # nothing re-embedded
    assert "copied 3 documents" in caplog.text and "old index file" in caplog.text
    hit = kb.search("who pays for airtime after the donor leaves?", top_k=1)[0]
    assert hit.source == str((docs / "extracted-report.txt").resolve())
    assert kb.search("airtime", top_k=1, mode="keyword")[0].chunk_id == hit.chunk_id
    assert not (settings.index_dir / "knowledge.sqlite3").exists()
    assert (settings.index_dir / "knowledge.sqlite3.imported").exists()
    assert not (settings.index_dir / "vectors-7.faiss").exists()
    kb.close()

    caplog.clear()
    again = KnowledgeBase.open(store, settings.index_dir, corpus_dir=corpus)  # a restart: nothing to copy
    assert "old index file" not in caplog.text and len(again.documents()) == 3
    again.close()


def test_an_old_index_file_is_left_alone_when_the_database_ranks_with_an_adapted_model(store, settings, tmp_path,
                                                                                       caplog):
    from knowledge.index import MODEL_KEY, HybridIndex
    from knowledge.legacy import import_legacy

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "alpha.md").write_text("# Alpha note\n\nListen first when meeting a hotel chain.\n")
    old_store = Store.open(tmp_path / "old" / "scratch.db")
    old = KnowledgeBase.open(old_store, tmp_path / "old" / "cache", corpus_dir=corpus)
    write_old_layout(old, settings.index_dir)  # vectors of the packaged model, as every old index had
    old_store.close()
    index = HybridIndex(store, settings.index_dir, 384)
    with index.write():  # another server adapted the search model (knowledge/ranking_model.py)
        store.execute("INSERT INTO kb_meta (key, value) VALUES (?, 'f00d') ON CONFLICT (key) DO UPDATE "
                      "SET value = excluded.value", (MODEL_KEY,))
    caplog.set_level(logging.INFO, logger="pse.knowledge")
    assert import_legacy(index, settings.index_dir) is None
    assert store.scalar("SELECT COUNT(*) FROM kb_chunks") == 0  # no packaged-model vector beside the adapted ones
    assert (settings.index_dir / "knowledge.sqlite3").exists()  # kept, to copy after `kb adapt --off`
    assert "was not copied" in caplog.text and "kb adapt --off" in caplog.text
    store.execute("UPDATE kb_meta SET value = '' WHERE key = ?", (MODEL_KEY,))  # back to the packaged model
    assert import_legacy(index, settings.index_dir) == (1, 1)
