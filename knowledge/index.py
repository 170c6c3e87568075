"""The hybrid index in the shared database (the `Store`: a SQLite file or PostgreSQL), with caches per process.

The database is the source of truth for every process: documents (`kb_documents`), passages with their float32
vectors and sentence vectors (`kb_chunks`), FTS5 / tsvector tables (keyword.py, off by default), the sources an
organisation removed (`kb_excluded`) and a `generation` counter (`kb_meta`). Each document is written in ONE
transaction, so no process ever sees half a document. Writers serialise on the database (SQLite `BEGIN IMMEDIATE`;
PostgreSQL `SELECT … FOR UPDATE` on the generation row); under that lock a document whose bytes are already stored
is not written again.

Each process keeps the vectors in faiss (vectors.py) and a BM25 keyword index (sparse.py). Its own writes update
both in place; another process's writes are noticed by reading the generation (one tiny query, at most once per
`refresh_interval` second), and then both are reloaded from that generation's cache files, else rebuilt from the
stored vectors and passages — no re-embedding. Sentence vectors come from the generation's file (sentence_file.py).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from knowledge import keyword, sentence_file, sentences, vectors
from knowledge.sparse import SparseKeywordIndex
from knowledge.types import Chunk, Document, DocumentInfo
from storage.store import Store
from storage.tables import kb_chunks

log = logging.getLogger("pse.knowledge.index")

SCHEMA_VERSION = "2"
MODEL_KEY = "ranking_model"  # kb_meta: the sha256 of the search model in use (knowledge/ranking_model.py); "": packaged
REFRESH_INTERVAL = 1.0  # seconds between two looks at the generation, per process
SENTENCE_CACHE = 20_000  # passages whose sentence vectors a process remembers (float32, about 9 KB each)
# "bm25s": keyword search in the process (sparse.py, same ranking on both engines); "database": FTS5 / tsvector
KEYWORD_BACKEND = "bm25s"
_CHUNK_COLUMNS = "id, source, ordinal, title, section, text, doc_type"
_DOC_COLUMNS = "source, title, doc_type, sha256, origin, meta, chunks, ingested_at"


class ModelChanged(RuntimeError):
    """Vectors made with one search model offered to an index that has switched to another."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class HybridIndex:
    """Low-level storage; `KnowledgeBase` is the public face. All methods are thread-safe."""

    def __init__(self, store: Store, cache_dir: Path | str, dim: int, clock: Callable[[], float] = time.monotonic):
        self.store = store
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.dim = dim
        self.refresh_interval = REFRESH_INTERVAL
        self._clock = clock
        self._lock = threading.RLock()          # the faiss index and its generation
        self._reload = threading.Lock()         # one rebuild at a time; other threads search the old one
        self._faiss: Any = None
        self._gen = self._saved_gen = -1
        self._checked = float("-inf")
        self.keyword_backend = KEYWORD_BACKEND
        self._keyword = SparseKeywordIndex()
        with store.transaction():
            for key, value in (("schema", SCHEMA_VERSION), ("generation", "0"), ("dim", str(dim)),
                               ("database_id", uuid.uuid4().hex[:16])):
                store.execute("INSERT INTO kb_meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", (key, value))
        stored_dim = int(self.meta("dim"))
        if stored_dim != dim:
            raise RuntimeError(f"The knowledge index in the database holds {stored_dim}-dimension vectors but the "
                               f"model makes {dim}; remove its documents (pse-bot kb remove) and ingest again.")
        self.database_id = self.meta("database_id")
        self._sentences = sentence_file.SentenceVectors(self.cache_dir, self.database_id, dim, SENTENCE_CACHE)
        self._load_vectors()

    # ------------------------------------------------------------------------------------------- plumbing

    @property
    def dialect(self) -> str:
        return self.store.dialect

    def close(self) -> None:
        """Drop this process's copies (faiss, keywords, the mapped sentence file); the caller's store stays open."""
        with self._lock:
            self._faiss, self._gen = None, -1
            self._keyword = SparseKeywordIndex()
            self._sentences.forget()

    def meta(self, key: str) -> str:
        return self.store.scalar("SELECT value FROM kb_meta WHERE key = ?", (key,)) or ""

    def generation(self) -> int:
        """The generation in the database (one query)."""
        return int(self.meta("generation") or 0)

    @property
    def clock(self) -> Callable[[], float]:
        """The monotonic clock that paces refreshes (a test may give a fake one)."""
        return self._clock

    @property
    def loaded_generation(self) -> int:
        """The generation this process's faiss index reflects."""
        return self._gen

    @contextmanager
    def write(self) -> Iterator[int]:
        """One write transaction holding the index's write lock; yields the generation it started from."""
        with self.store.transaction():
            lock = " FOR UPDATE" if self.dialect == "postgresql" else ""  # SQLite: BEGIN IMMEDIATE already
            yield int(self.store.scalar(f"SELECT value FROM kb_meta WHERE key = 'generation'{lock}"))

    def bump(self, base: int) -> int:
        self.store.execute("UPDATE kb_meta SET value = ? WHERE key = 'generation'", (str(base + 1),))
        return base + 1

    def _applied(self, base: int, gen: int, removed: Sequence[int], added: Sequence[int] = (),
                 vecs: np.ndarray | None = None, rows: Sequence[dict[str, Any]] = ()) -> None:
        """After a commit: mirror it in faiss and the keyword index (`rows`: the added passages) if they were at
        `base`; otherwise the next refresh rebuilds."""
        self._keyword.apply(base, gen, removed, [dict(r, id=i) for r, i in zip(rows, added)])
        self._sentences.changed([*removed, *added])
        with self._lock:
            if self._faiss is None or self._gen != base:
                return
            if removed:
                self._faiss.remove_ids(np.asarray(removed, dtype=np.int64))
            if added:
                self._faiss.add_with_ids(vecs, np.asarray(added, dtype=np.int64))
            self._gen = gen

    def _load_vectors(self) -> None:
        """Make this process's faiss index match the database: the cache file of the current generation when it
        matches, else rebuilt from the stored vectors. Searches go on with the old index meanwhile."""
        gen = self.generation()  # read first: the vectors read next are at least this new
        count = int(self.store.scalar("SELECT COUNT(*) FROM kb_chunks"))
        index = vectors.read_cached(self.cache_dir, self.database_id, gen, self.dim, count)
        rebuilt = index is None
        if rebuilt:
            index = vectors.build_from_database(self.store.engine, self.dim) if count else vectors.new_index(self.dim)
        with self._lock:
            if gen < self._gen:  # a write of ours got there first and is newer
                return
            self._faiss, self._gen = index, gen
            self._saved_gen = -1 if rebuilt else gen
        self._load_keywords(gen, count)
        self._sentences.load(gen, count, lambda: sentence_file.stream(self.store.engine), self.generation)
        if rebuilt and count:
            log.info("knowledge index: faiss rebuilt from %d stored vectors (generation %d)", count, gen)
        if count:
            self.save()  # the cache files this generation lacks (faiss rebuilt, passages tokenised)

    def _load_keywords(self, gen: int, count: int | None = None) -> None:
        """The in-process keyword index at `gen`: its cache file, else every passage tokenised (bm25s backend)."""
        if self.keyword_backend != "bm25s" or self._keyword.generation >= gen:
            return
        count = self.chunk_count() if count is None else count
        if not self._keyword.load_cached(self.cache_dir, self.database_id, gen, count):
            self._keyword.load(self.store.execute("SELECT id, title, section, text FROM kb_chunks"), gen)

    def save(self) -> None:
        """Write the loaded generation's cache files not yet written (faiss, keywords, sentences); delete older."""
        with self._lock:
            gen, index = self._gen, self._faiss
            if index is not None and gen != self._saved_gen:
                vectors.write_cached(index, self.cache_dir, self.database_id, gen)
                self._saved_gen = gen
            ids = vectors.ids_of(index) if index is not None else []
        self._keyword.save(self.cache_dir, self.database_id)
        self._sentences.save(gen, ids, self._read_sentences, self.generation)

    def refresh(self, force: bool = False) -> bool:
        """Reload when another process changed the index. The generation is read at most once per
        `refresh_interval` seconds unless `force`. Returns True if it reloaded."""
        now = self._clock()
        if not force and now - self._checked < self.refresh_interval:
            return False
        self._checked = now
        if self.generation() == self._gen:
            return False
        if not self._reload.acquire(blocking=force):  # another thread is already rebuilding
            return False
        try:
            self._load_vectors()
        finally:
            self._reload.release()
        return True

    # ---------------------------------------------------------------------------------------- documents

    def document(self, source: str) -> DocumentInfo | None:
        row = self.store.execute(f"SELECT {_DOC_COLUMNS} FROM kb_documents WHERE source = ?", (source,)).fetchone()
        return DocumentInfo.from_row(row) if row else None

    def documents(self) -> list[DocumentInfo]:
        rows = self.store.execute(f"SELECT {_DOC_COLUMNS} FROM kb_documents ORDER BY origin, source").fetchall()
        return [DocumentInfo.from_row(r) for r in rows]

    def replace_document(self, doc: Document, chunks: Sequence[Chunk], vecs: np.ndarray, origin: str,
                         sentence_vectors: Sequence[np.ndarray] | None = None, model: str | None = None) -> bool:
        """Store a document and its chunks, replacing any earlier version, in one transaction. False (nothing
        written) when the stored version already has these bytes, e.g. another process stored it meanwhile.
        `sentence_vectors`: per chunk, the vectors of its sentences (knowledge/sentences.py). `model`: the search
        model that made the vectors ("": packaged); ModelChanged when the index now uses another one."""
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        if vecs.shape != (len(chunks), self.dim):
            raise ValueError(f"expected {len(chunks)} vectors of {self.dim}, got {vecs.shape}")
        with self.write() as base:
            if model is not None and self.meta(MODEL_KEY) != model:
                raise ModelChanged("the search model changed while this document was read; ingest it again.")
            stored = self.store.execute("SELECT sha256, meta FROM kb_documents WHERE source = ?",
                                        (doc.source,)).fetchone()
            if stored is not None and stored[0] == doc.sha256 and \
                    json.loads(stored[1] or "{}").get("_pipeline") == doc.meta.get("_pipeline"):
                return False
            packed = [sentences.pack(sv) for sv in sentence_vectors] if sentence_vectors is not None \
                else [None] * len(chunks)
            rows = [dict(source=doc.source, ordinal=c.ordinal, title=c.title, section=c.section, text=c.text,
                         doc_type=c.doc_type, sentences=sv) for c, sv in zip(chunks, packed)]
            old, ids = self._store_locked(doc.source, doc.title, doc.doc_type, doc.sha256, origin,
                                          json.dumps(doc.meta, default=str), rows, vecs)
            gen = self.bump(base)
        self._applied(base, gen, old, ids, vecs, rows)
        return True

    def bulk_insert_raw(self, rows: Sequence[tuple[str, int, str, str, str, str]], vecs: np.ndarray, source: str,
                        title: str, doc_type: str = "guidance", sentences: Sequence[bytes] | None = None) -> None:
        """Insert many chunks under one synthetic document without a loader (bench/, to reach 100k); `sentences`:
        each chunk's packed sentence vectors (sentences.pack), else none stored."""
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        dicts = [dict(source=source, ordinal=o, title=t, section=s, text=x, doc_type=dt, sentences=sv)
                 for (_, o, t, s, x, dt), sv in zip(rows, sentences or [None] * len(rows))]
        with self.write() as base:
            old, ids = self._store_locked(source, title, doc_type, "synthetic", "user", "{}", dicts, vecs)
            gen = self.bump(base)
        self._applied(base, gen, old, ids, vecs, dicts)

    def _store_locked(self, source: str, title: str, doc_type: str, sha256: str, origin: str, meta: str,
                      rows: list[dict[str, Any]], vecs: np.ndarray) -> tuple[list[int], list[int]]:
        """Inside `_write()`: replace `source` with a document row and its passages; (old ids, new ids)."""
        old = self._delete_locked(source)
        self.store.execute(f"INSERT INTO kb_documents ({_DOC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (source, title, doc_type, sha256, origin, meta, len(rows), _now()))
        ids = self._insert_chunks(rows, vecs)
        return old, ids

    def _insert_chunks(self, rows: list[dict[str, Any]], vecs: np.ndarray) -> list[int]:
        if not rows:
            return []
        with self.store.connection() as conn:
            params = [dict(r, vector=v.tobytes()) for r, v in zip(rows, vecs)]
            result = conn.execute(kb_chunks.insert().returning(kb_chunks.c.id, sort_by_parameter_order=True), params)
            ids = [int(r[0]) for r in result]
            keyword.add(conn, self.dialect, [dict(r, id=i) for r, i in zip(rows, ids)])
        return ids

    def _delete_locked(self, source: str) -> list[int]:
        ids = [int(r[0]) for r in self.store.execute("SELECT id FROM kb_chunks WHERE source = ?", (source,))]
        if ids:
            with self.store.connection() as conn:
                keyword.drop(conn, self.dialect, ids)
            self.store.execute("DELETE FROM kb_chunks WHERE source = ?", (source,))
        self.store.execute("DELETE FROM kb_documents WHERE source = ?", (source,))
        return ids

    def remove(self, source: str, exclude: bool = False) -> bool:
        """Delete a document and its passages; True if it was there. With `exclude`, also record `source` as
        excluded (see `excluded()`) in the same transaction, whether or not the document was there."""
        with self.write() as base:
            if exclude:
                self.store.execute("INSERT INTO kb_excluded (source, excluded_at) VALUES (?, ?) "
                                   "ON CONFLICT DO NOTHING", (source, _now()))
            if self.store.scalar("SELECT 1 FROM kb_documents WHERE source = ?", (source,)) is None:
                return False
            ids = self._delete_locked(source)
            gen = self.bump(base)
        self._applied(base, gen, ids)
        self.save()
        return True

    def excluded(self) -> list[str]:
        """Sources recorded as excluded by `remove(..., exclude=True)`, sorted."""
        return [r[0] for r in self.store.execute("SELECT source FROM kb_excluded ORDER BY source")]

    def include(self, source: str) -> bool:
        """Forget an exclusion; True if `source` was excluded."""
        with self.write():
            return self.store.execute("DELETE FROM kb_excluded WHERE source = ?", (source,)).rowcount > 0

    def import_documents(self, docs: Sequence[dict[str, Any]], passages: dict[str, list[dict[str, Any]]],
                         excluded: Sequence[str] = (), model: str | None = None) -> tuple[int, int]:
        """Copy documents not already here with their passages and vectors (no embedding), and the exclusions (an
        excluded source here is removed), in one transaction. `docs`: kb_documents columns; `passages[source]`:
        ordinal, title, section, text, doc_type, vector. Returns (documents, passages). `model`: the search model
        that made the vectors ("": packaged); ModelChanged if the index uses another."""
        n_docs = n_chunks = 0
        with self.write() as base:
            if model is not None and self.meta(MODEL_KEY) != model:
                raise ModelChanged("the knowledge base ranks with another model than the one that made these vectors.")
            have, changed = {r[0] for r in self.store.execute("SELECT source FROM kb_documents")}, False
            for source in excluded:
                self.store.execute("INSERT INTO kb_excluded (source, excluded_at) VALUES (?, ?) "
                                   "ON CONFLICT DO NOTHING", (source, _now()))
                if source in have:
                    self._delete_locked(source)
                    changed = True
            for d in docs:
                if d["source"] in have or d["source"] in excluded:
                    continue
                rows = passages.get(d["source"], [])
                vecs = np.frombuffer(b"".join(bytes(r["vector"]) for r in rows), dtype=np.float32)
                if vecs.size != len(rows) * self.dim:
                    raise ValueError(f"{d['source']}: stored vectors are not {self.dim}-dimensional")
                self.store.execute(f"INSERT INTO kb_documents ({_DOC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   (d["source"], d["title"], d["doc_type"], d["sha256"], d.get("origin", "user"),
                                    d.get("meta") or "{}", len(rows), d.get("ingested_at") or _now()))
                self._insert_chunks([{k: r[k] for k in ("ordinal", "title", "section", "text", "doc_type")}
                                     | {"source": d["source"], "sentences": r.get("sentences")} for r in rows],
                                    vecs.reshape(len(rows), self.dim))
                n_docs, n_chunks, changed = n_docs + 1, n_chunks + len(rows), True
            if changed:
                self.bump(base)
        if changed:
            self.refresh(force=True)
        return n_docs, n_chunks

    # ------------------------------------------------------------------------------------------- search

    @property
    def size(self) -> int:
        index = self._faiss
        return int(index.ntotal) if index is not None else 0

    def vector_search(self, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        with self._lock:
            n = min(k, self.size)
            if n <= 0:
                return []
            sims, ids = vectors.search(self._faiss, qvec, n)
        return [(int(i), float(s)) for i, s in zip(ids[0], sims[0]) if i >= 0]

    def keyword_search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, score) best first for free text (any of its words); higher is better. Never raises."""
        if not (query or "").strip() or k <= 0:
            return []
        if self.keyword_backend == "bm25s":
            if self._keyword.generation < self._gen:  # fell behind (a write it could not mirror)
                self._load_keywords(self._gen)
            return self._keyword.search(query, k)
        with self.store.engine.connect() as conn:
            hits = keyword.search(conn, self.dialect, query, k)
            conn.rollback()
        return hits

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

    def best_sentences(self, qvec: np.ndarray, ids: Sequence[int]) -> dict[int, float | None]:
        """Each chunk's closest sentence to the query (None: stored without sentence vectors; sentence_file.py)."""
        return self._sentences.best(self._gen, qvec, ids, self._read_sentences)

    def _read_sentences(self, ids: list[int]) -> dict[int, bytes | None]:
        sql = f"SELECT id, sentences FROM kb_chunks WHERE id IN ({','.join('?' * len(ids))})"
        return {int(r[0]): r[1] for r in self.store.execute(sql, ids)}

    def chunks(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Passages by chunk id, read at every search (a document removed by another process is gone at once)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.store.execute(f"SELECT {_CHUNK_COLUMNS} FROM kb_chunks WHERE id IN ({marks})",
                                  [int(i) for i in ids]).mappings()
        return {r["id"]: r for r in rows}

    def chunk_ids_with_prefix(self, prefix: str) -> list[int]:
        """Ids of the chunks whose source starts with `prefix` (e.g. the bundled guidance's "corpus/")."""
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return [r[0] for r in self.store.execute("SELECT id FROM kb_chunks WHERE source LIKE ? ESCAPE '\\'", (like,))]

    def chunk_count(self) -> int:
        return int(self.store.scalar("SELECT COUNT(*) FROM kb_chunks"))

