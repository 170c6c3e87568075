"""The old layout: before the index moved into the shared database it lived in `PSE_HOME/index/knowledge.sqlite3`
(tables documents, chunks with float32 vectors, excluded_sources) next to `vectors-N.faiss` files.

On first open with such a file in the cache folder, its documents, passages, vectors and removed-guidance list
are copied into the database in one transaction (no re-embedding; documents the database already holds are
kept), the file is renamed `knowledge.sqlite3.imported` so it is not read again, and the log says so.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Any

from knowledge.index import HybridIndex, ModelChanged

log = logging.getLogger("pse.knowledge")

LEGACY_DB = "knowledge.sqlite3"


def import_legacy(index: HybridIndex, folder: Path) -> tuple[int, int] | None:
    """Copy an old-layout index file from `folder` into the database; (documents, passages) or None if none."""
    path = Path(folder) / LEGACY_DB
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"documents", "chunks"} <= tables:
            log.warning("%s is not an old knowledge index (no documents/chunks tables); left alone", path)
            return None
        docs = [dict(r) for r in db.execute("SELECT * FROM documents ORDER BY source")]
        passages: dict[str, list[dict]] = {}
        for r in db.execute("SELECT source, ordinal, title, section, text, doc_type, vector FROM chunks ORDER BY id"):
            passages.setdefault(r["source"], []).append(dict(r))
        excluded = [r[0] for r in db.execute("SELECT source FROM excluded_sources")] \
            if "excluded_sources" in tables else []
    finally:
        db.close()
    try:  # the old layout's vectors were all made by the packaged model
        copied = index.import_documents(docs, passages, excluded, model="")
    except ModelChanged:
        log.warning("knowledge index: the old index file %s was not copied: its vectors come from the packaged "
                    "model, and the database now ranks with a model adapted to its documents (`pse-bot kb "
                    "adapt`). Ingest those documents again, or copy the file after `pse-bot kb adapt --off`; it "
                    "is left in place.", path)
        return None
    for name in (LEGACY_DB, LEGACY_DB + "-wal", LEGACY_DB + "-shm"):
        with contextlib.suppress(OSError):
            (path.parent / name).replace(path.parent / (name + ".imported"))
    for old in path.parent.glob("vectors-*.faiss"):
        if old.name.count("-") == 1:  # vectors-N.faiss: the old layout's cache
            with contextlib.suppress(OSError):
                old.unlink()
    log.warning("knowledge index: copied %d documents (%d passages, vectors included, nothing re-embedded) and "
                "%d removed-guidance entries from the old index file %s into the database %s; the file is "
                "renamed %s.imported", copied[0], copied[1], len(excluded), path, index.store.url, LEGACY_DB)
    return copied


def export_documents(index: Any) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]], list[str]]:
    """Everything `HybridIndex.import_documents` takes, read from `index` (copying a knowledge base elsewhere)."""
    docs = index.store.execute("SELECT source, title, doc_type, sha256, origin, meta, chunks, ingested_at "
                               "FROM kb_documents ORDER BY source").mappings()
    passages: dict[str, list[dict[str, Any]]] = {}
    for r in index.store.execute("SELECT source, ordinal, title, section, text, doc_type, vector, sentences "
                                 "FROM kb_chunks ORDER BY id").mappings():
        passages.setdefault(r["source"], []).append(r)
    return docs, passages, index.excluded()
