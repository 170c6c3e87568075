"""The persisted hybrid index in one folder: SQLite (documents, chunks, FTS5 keyword index, vectors as blobs)
and a faiss file for fast vector search.

Why both a faiss file and vector blobs: SQLite is the source of truth, written in one transaction per
document, so a crash can never leave half a document. The faiss index (`IndexIDMap2(IndexFlatIP)`, ids =
chunk ids, so removing a document removes exactly its vectors) is a cache saved as `vectors-<generation>.faiss`.
Every write bumps `generation` in SQLite; on open, or when another process (say `pse-bot ingest` while the
server runs) has changed the index, a missing or stale faiss file is rebuilt from the blobs — no re-embedding.
Writes take an exclusive file lock, so two processes never interleave.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from knowledge.types import Chunk, Document, DocumentInfo

log = logging.getLogger("pse.knowledge.index")

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'user',
    meta TEXT NOT NULL DEFAULT '{}',
    chunks INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL REFERENCES documents(source) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source, ordinal);
-- sources an organisation removed that must stay out (bundled guidance: the sync skips them)
CREATE TABLE IF NOT EXISTS excluded_sources (source TEXT PRIMARY KEY, excluded_at TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, section, text, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""

# bm25 column weights for (title, section, text): a word in a heading says more about the passage.
BM25_WEIGHTS = (2.0, 2.0, 1.0)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class HybridIndex:
    """Low-level storage; `KnowledgeBase` is the public face. All methods are thread-safe."""

    DB_NAME = "knowledge.sqlite3"

    def __init__(self, folder: Path, dim: int):
        self.folder = Path(folder)
        self.dim = dim
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.folder / self.DB_NAME, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        with self._write():
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('dim', ?)", (str(dim),))
        stored_dim = int(self._meta("dim"))
        if stored_dim != dim:
            raise RuntimeError(f"The index in {self.folder} holds {stored_dim}-dimension vectors but the model makes "
                               f"{dim}; delete that folder and ingest again.")
        self._faiss = None
        self._gen = -1
        self._saved_gen = -1
        self._load_vectors()

    # ------------------------------------------------------------------------------------------- plumbing

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _meta(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def generation(self) -> int:
        return int(self._meta("generation") or 0)

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One exclusive write: the thread lock, a file lock across processes, one SQLite transaction."""
        with self._lock, open(self.folder / ".write.lock", "a") as lockfile:
            fcntl.flock(lockfile, fcntl.LOCK_EX)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                fcntl.flock(lockfile, fcntl.LOCK_UN)

    def _bump(self) -> int:
        gen = self.generation() + 1
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(gen),))
        return gen

    def _faiss_path(self, gen: int) -> Path:
        return self.folder / f"vectors-{gen}.faiss"

    def _new_faiss(self):
        import faiss

        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _load_vectors(self) -> None:
        """Make the in-memory faiss index match SQLite: from the saved file when current, else from the blobs."""
        import faiss

        with self._lock:
            gen = self.generation()
            count = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            path = self._faiss_path(gen)
            index = None
            if path.exists():
                try:
                    index = faiss.read_index(str(path))
                    if index.ntotal != count or index.d != self.dim:
                        index = None
                except RuntimeError:
                    index = None
            if index is None:
                index = self._new_faiss()
                cur = self._db.execute("SELECT id, vector FROM chunks ORDER BY id")
                while rows := cur.fetchmany(4096):
                    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                    vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), self.dim)
                    index.add_with_ids(vecs, ids)
                self._faiss, self._gen = index, gen
                if count:
                    self.save()
            else:
                self._faiss, self._gen, self._saved_gen = index, gen, gen

    def save(self) -> None:
        """Write the faiss cache for the current generation and delete older ones."""
        import faiss

        with self._lock:
            gen = self._gen
            path = self._faiss_path(gen)
            if gen == self._saved_gen and path.exists():
                return
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            faiss.write_index(self._faiss, str(tmp))
            tmp.replace(path)
            self._saved_gen = gen
            for old in self.folder.glob("vectors-*.faiss"):
                if old != path:
                    with contextlib.suppress(OSError):
                        old.unlink()

    def refresh(self) -> bool:
        """Reload when another process changed the index. Returns True if it reloaded."""
        with self._lock:
            if self.generation() != self._gen:
                self._load_vectors()
                return True
            return False

    # ---------------------------------------------------------------------------------------- documents

    def document(self, source: str) -> DocumentInfo | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM documents WHERE source = ?", (source,)).fetchone()
        return _info(row) if row else None

    def documents(self) -> list[DocumentInfo]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM documents ORDER BY origin, source").fetchall()
        return [_info(r) for r in rows]

    def replace_document(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray, origin: str) -> None:
        """Store a document and its chunks, replacing any earlier version, in one transaction."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunks), self.dim):
            raise ValueError(f"expected {len(chunks)} vectors of {self.dim}, got {vectors.shape}")
        with self._write():
            self.refresh_locked()
            old_ids = self._delete_locked(doc.source)
            self._db.execute(
                "INSERT INTO documents (source, title, doc_type, sha256, origin, meta, chunks, ingested_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.source, doc.title, doc.doc_type, doc.sha256, origin, json.dumps(doc.meta, default=str),
                 len(chunks), _now()),
            )
            ids = []
            for c, v in zip(chunks, vectors):
                cur = self._db.execute(
                    "INSERT INTO chunks (source, ordinal, title, section, text, doc_type, vector) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (c.source, c.ordinal, c.title, c.section, c.text, c.doc_type, v.tobytes()),
                )
                ids.append(cur.lastrowid)
                self._db.execute("INSERT INTO chunks_fts (rowid, title, section, text) VALUES (?, ?, ?, ?)",
                                 (cur.lastrowid, c.title, c.section, c.text))
            gen = self._bump()
        # committed: mirror it in faiss
        with self._lock:
            if old_ids:
                self._faiss.remove_ids(np.asarray(old_ids, dtype=np.int64))
            if ids:
                self._faiss.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
            self._gen = gen

    def refresh_locked(self) -> None:
        if self.generation() != self._gen:
            self._load_vectors()

    def _delete_locked(self, source: str) -> list[int]:
        ids = [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE source = ?", (source,))]
        if ids:
            self._db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(i,) for i in ids])
        self._db.execute("DELETE FROM chunks WHERE source = ?", (source,))
        self._db.execute("DELETE FROM documents WHERE source = ?", (source,))
        return ids

    def remove(self, source: str, exclude: bool = False) -> bool:
        """Delete a document and its passages; True if it was there. With `exclude`, also record `source` as
        excluded (see `excluded()`) in the same transaction, whether or not the document was there."""
        with self._write():
            self.refresh_locked()
            if exclude:
                self._db.execute("INSERT OR IGNORE INTO excluded_sources VALUES (?, ?)", (source, _now()))
            exists = self._db.execute("SELECT 1 FROM documents WHERE source = ?", (source,)).fetchone()
            if not exists:
                return False
            ids = self._delete_locked(source)
            gen = self._bump()
        with self._lock:
            if ids:
                self._faiss.remove_ids(np.asarray(ids, dtype=np.int64))
            self._gen = gen
            self.save()
        return True

    def excluded(self) -> list[str]:
        """Sources recorded as excluded by `remove(..., exclude=True)`, sorted."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT source FROM excluded_sources ORDER BY source")]

    def include(self, source: str) -> bool:
        """Forget an exclusion; True if `source` was excluded."""
        with self._write():
            return self._db.execute("DELETE FROM excluded_sources WHERE source = ?", (source,)).rowcount > 0

    # ------------------------------------------------------------------------------------------- search

    @property
    def size(self) -> int:
        return int(self._faiss.ntotal) if self._faiss is not None else 0

    def vector_search(self, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        with self._lock:
            n = min(k, self.size)
            if n <= 0:
                return []
            sims, ids = self._faiss.search(np.asarray(qvec, dtype=np.float32).reshape(1, -1), n)
        return [(int(i), float(s)) for i, s in zip(ids[0], sims[0]) if i >= 0]

    def keyword_search(self, match: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, bm25) best first; bm25 is negative, lower is better. Never raises on odd input."""
        if not match or k <= 0:
            return []
        w = BM25_WEIGHTS
        try:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT rowid, bm25(chunks_fts, {w[0]}, {w[1]}, {w[2]}) AS rank FROM chunks_fts "
                    "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?", (match, k)).fetchall()
        except sqlite3.OperationalError as exc:  # defensive: fts_query() already makes every input valid
            log.warning("keyword search failed for %r: %s", match, exc)
            return []
        return [(int(r[0]), float(r[1])) for r in rows]

    def similarities(self, qvec: np.ndarray, ids: Sequence[int]) -> dict[int, float]:
        """Cosine similarity of the query to given chunks (vectors are unit length)."""
        out: dict[int, float] = {}
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)
        with self._lock:
            for i in ids:
                try:
                    out[i] = float(self._faiss.reconstruct(int(i)) @ q)
                except RuntimeError:
                    out[i] = 0.0
        return out

    def chunks(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, source, ordinal, title, section, text, doc_type FROM chunks WHERE id IN ({marks})",
                [int(i) for i in ids]).fetchall()
        return {r["id"]: dict(r) for r in rows}

    def chunk_ids_with_prefix(self, prefix: str) -> list[int]:
        """Ids of the chunks whose source starts with `prefix` (e.g. the bundled guidance's "corpus/")."""
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE source LIKE ? ESCAPE '\\'", (like,))]

    def chunk_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def bulk_insert_raw(self, rows: Sequence[tuple[str, int, str, str, str, str]], vectors: np.ndarray,
                        source: str, title: str, doc_type: str = "guidance") -> None:
        """Insert many chunks under one synthetic document without a loader (used by bench/ to reach 100k)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._write():
            self.refresh_locked()
            old = self._delete_locked(source)
            self._db.execute("INSERT INTO documents (source, title, doc_type, sha256, origin, meta, chunks, ingested_at) "
                             "VALUES (?, ?, ?, 'synthetic', 'user', '{}', ?, ?)", (source, title, doc_type, len(rows), _now()))
            ids = []
            for (src, ordinal, t, section, text, dt), v in zip(rows, vectors):
                cur = self._db.execute("INSERT INTO chunks (source, ordinal, title, section, text, doc_type, vector) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (source, ordinal, t, section, text, dt, v.tobytes()))
                ids.append(cur.lastrowid)
                self._db.execute("INSERT INTO chunks_fts (rowid, title, section, text) VALUES (?, ?, ?, ?)",
                                 (cur.lastrowid, t, section, text))
            gen = self._bump()
        with self._lock:
            if old:
                self._faiss.remove_ids(np.asarray(old, dtype=np.int64))
            self._faiss.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
            self._gen = gen
            self.save()


def _info(row: sqlite3.Row) -> DocumentInfo:
    try:
        meta = json.loads(row["meta"] or "{}")
    except ValueError:
        meta = {}
    return DocumentInfo(source=row["source"], title=row["title"], doc_type=row["doc_type"], chunks=row["chunks"],
                        sha256=row["sha256"], ingested_at=row["ingested_at"], origin=row["origin"], meta=meta)
