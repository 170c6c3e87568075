"""The faiss side of the index: one `IndexIDMap2(IndexFlatIP)` per process (ids = chunk ids, so removing a
document removes exactly its vectors), built from the vectors stored in the database and cached in a local
folder as `vectors-<database id>-<generation>.faiss`, so a restart loads a file instead of reading every vector.
The cache is only ever a copy: a missing, stale or unreadable file is rebuilt from the database (no re-embedding).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from sqlalchemy import text

_FILE = re.compile(r"vectors-(?P<db>[0-9a-f]+)-(?P<gen>\d+)\.faiss$")
STREAM_ROWS = 4096
# One query is one row against the flat index: on a shared 2-core machine OpenMP's second thread made a 100k-vector
# search 4-6× slower (34 ms vs 5.6 ms p50 while other work ran), so searches run on the calling thread alone.
SEARCH_THREADS = 1


def new_index(dim: int):
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def search(index: Any, qvec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(similarities, ids) of the `k` nearest vectors to one query, best first."""
    import faiss

    faiss.omp_set_num_threads(SEARCH_THREADS)  # a per-thread OpenMP setting: set on the thread that searches
    return index.search(np.asarray(qvec, dtype=np.float32).reshape(1, -1), k)


def ids_of(index: Any) -> np.ndarray:
    """The chunk ids an `IndexIDMap2` holds."""
    import faiss

    return faiss.vector_to_array(index.id_map)


def cache_path(folder: Path, db_id: str, gen: int) -> Path:
    return folder / f"vectors-{db_id}-{gen}.faiss"


def read_cached(folder: Path, db_id: str, gen: int, dim: int, count: int):
    """The cached index of this generation, or None when missing or not matching the database."""
    import faiss

    path = cache_path(folder, db_id, gen)
    if not path.exists():
        return None
    try:
        index = faiss.read_index(str(path))
    except RuntimeError:
        return None
    return index if index.ntotal == count and index.d == dim else None


def write_cached(index: Any, folder: Path, db_id: str, gen: int) -> None:
    """Save atomically (several processes may share the folder) and delete this database's older files."""
    import faiss

    path = cache_path(folder, db_id, gen)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    faiss.write_index(index, str(tmp))
    tmp.replace(path)
    for old in folder.glob("vectors-*.faiss"):
        m = _FILE.match(old.name)
        if m and m["db"] == db_id and int(m["gen"]) < gen:
            with contextlib.suppress(OSError):
                old.unlink()


def add_rows(index: Any, rows: Iterable[tuple[int, bytes]], dim: int) -> None:
    batch: list[tuple[int, bytes]] = []
    for row in rows:
        batch.append((row[0], row[1]))
        if len(batch) >= STREAM_ROWS:
            _add(index, batch, dim)
            batch = []
    if batch:
        _add(index, batch, dim)


def _add(index: Any, batch: list[tuple[int, bytes]], dim: int) -> None:
    ids = np.fromiter((r[0] for r in batch), dtype=np.int64, count=len(batch))
    vecs = np.frombuffer(b"".join(bytes(r[1]) for r in batch), dtype=np.float32).reshape(len(batch), dim)
    index.add_with_ids(vecs, ids)


def build_from_database(engine: Any, dim: int):
    """A fresh index from every stored vector, streamed (a server-side cursor on PostgreSQL)."""
    index = new_index(dim)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(
            text("SELECT id, vector FROM kb_chunks ORDER BY id"))
        add_rows(index, result, dim)
        conn.rollback()
    return index
