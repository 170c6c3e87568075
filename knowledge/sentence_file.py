"""Every passage's sentence vectors for one index generation, in a cache file each process maps into memory.

Fused ranking compares the question with each candidate passage's sentences (sentences.py). Read from the database,
a question whose candidates were never searched paid one more round trip per search (about 1.5x the bare baseline
on PostgreSQL). So, like the faiss file (vectors.py), each generation's sentence vectors are written once to the
cache folder and mapped with `numpy.memmap`: the operating system keeps the pages once for every process sharing the
folder, and a search touches only its candidates' rows.

- `sentences-<database id>-<generation>.f16`: the float16 rows, as stored in `kb_chunks.sentences`, one after the
  other;
- `sentences-<database id>-<generation>.ids.npy`: (chunk id, first row, row count) per passage, sorted by id.

The file is only ever a copy: missing, unreadable or not matching the database, it is rebuilt from the stored
sentence vectors (no re-embedding). This process's own writes mark their chunk ids as changed; those are read from
the database (and remembered in a small cache, `sentences.SentenceCache`) until `save` writes the next generation's
file from the previous one plus the changed rows.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from knowledge.sentences import STORE_DTYPE, SentenceCache, unpack

log = logging.getLogger("pse.knowledge.sentences")

_FILE = re.compile(r"sentences-(?P<db>[0-9a-f]+)-(?P<gen>\d+)\.(?:f16|ids\.npy)$")
_NONE = (-1, 0)  # a passage stored without sentence vectors (an older release)
READ_BATCH = 500  # chunk ids per query when reading changed passages

Reader = Callable[[list[int]], dict[int, "bytes | None"]]


def paths(folder: Path, db_id: str, gen: int) -> tuple[Path, Path]:
    return folder / f"sentences-{db_id}-{gen}.f16", folder / f"sentences-{db_id}-{gen}.ids.npy"


class SentenceFile:
    """One generation's file, opened read-only."""

    def __init__(self, gen: int, ids: np.ndarray, rows: np.ndarray | None):
        self.gen, self.ids, self.rows = gen, ids, rows

    def __len__(self) -> int:
        return len(self.ids)

    def lookup(self, cid: int) -> tuple[bool, np.ndarray | None]:
        """(found, its sentence vectors as float32 or None when stored without them)."""
        at = int(np.searchsorted(self.ids[:, 0], cid))
        if at >= len(self.ids) or self.ids[at, 0] != cid:
            return False, None
        start, count = int(self.ids[at, 1]), int(self.ids[at, 2])
        if start < 0 or self.rows is None:
            return True, None
        return True, np.asarray(self.rows[start:start + count], dtype=np.float32)

    def best(self, q: np.ndarray, ids: Sequence[int]) -> dict[int, float | None]:
        """Each found passage's closest-sentence similarity to the unit query `q` (None: stored without sentence
        vectors), in one gather and one matrix product for all of them."""
        if not len(self.ids) or not len(ids):
            return {}
        want = np.asarray(ids, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.ids[:, 0], want), len(self.ids) - 1)
        found = self.ids[at, 0] == want
        meta, want = self.ids[at[found]], want[found]
        has = (meta[:, 1] >= 0) if self.rows is not None else np.zeros(len(meta), dtype=bool)
        out: dict[int, float | None] = dict.fromkeys(want[~has].tolist())
        starts, counts = meta[has, 1], meta[has, 2]
        if len(starts):
            offsets = np.cumsum(counts) - counts
            rows = np.arange(int(counts.sum())) - np.repeat(offsets, counts) + np.repeat(starts, counts)
            sims = self.rows[rows].astype(np.float32) @ q
            out.update(zip(want[has].tolist(), np.maximum.reduceat(sims, offsets).tolist()))
        return out

    def blobs(self, keep: Callable[[int], bool]) -> Iterable[tuple[int, bytes | None]]:
        """(chunk id, stored bytes) of the passages `keep` accepts, in id order."""
        for cid, start, count in self.ids.tolist():
            if keep(cid):
                yield cid, (None if start < 0 or self.rows is None else self.rows[start:start + count].tobytes())


def open_file(folder: Path, db_id: str, gen: int, dim: int, count: int) -> SentenceFile | None:
    """This generation's file, or None when missing, unreadable or not holding `count` passages of `dim`."""
    data, index = paths(folder, db_id, gen)
    try:
        ids = np.load(index, allow_pickle=False)
        size = data.stat().st_size
    except (OSError, ValueError, EOFError):
        return None
    row_bytes = dim * np.dtype(STORE_DTYPE).itemsize
    if ids.ndim != 2 or ids.shape != (count, 3) or size % row_bytes:
        return None
    n_rows = size // row_bytes
    if len(ids) and int((ids[:, 1] + ids[:, 2]).max()) > n_rows:
        return None
    # a plain array over the mapping: indexing a `np.memmap` costs a subclass object per search
    rows = np.asarray(np.memmap(data, dtype=STORE_DTYPE, mode="r", shape=(n_rows, dim))) if n_rows else None
    return SentenceFile(gen, ids, rows)


def write_file(folder: Path, db_id: str, gen: int, dim: int,
               blobs: Iterable[tuple[int, bytes | None]]) -> SentenceFile | None:
    """Write generation `gen`'s file from (chunk id, stored bytes) in id order, atomically (several processes may
    share the folder), delete this database's older files and open it; None if it cannot be written."""
    data, index = paths(folder, db_id, gen)
    suffix = f".{os.getpid()}.{threading.get_ident()}.tmp"
    tmp_data, tmp_index = data.with_name(data.name + suffix), index.with_name(index.name + suffix)
    row_bytes = dim * np.dtype(STORE_DTYPE).itemsize
    table, at = [], 0
    ok = False
    try:
        with open(tmp_data, "wb") as out:
            for cid, blob in blobs:
                blob = bytes(blob) if blob else b""
                if not blob or len(blob) % row_bytes:
                    table.append((cid, *_NONE))
                    continue
                out.write(blob)
                table.append((cid, at, len(blob) // row_bytes))
                at += len(blob) // row_bytes
        with open(tmp_index, "wb") as out:
            np.save(out, np.asarray(table, dtype=np.int64).reshape(-1, 3), allow_pickle=False)
        tmp_data.replace(data)
        tmp_index.replace(index)
        ok = True
    except OSError as exc:
        log.warning("sentence vectors: could not write %s (%s); they are read from the database instead", data, exc)
        return None
    finally:
        if not ok:  # an error, or the database read failed part-way (it raises on)
            for tmp in (tmp_data, tmp_index):
                with contextlib.suppress(OSError):
                    tmp.unlink()
    for old in folder.glob("sentences-*"):
        m = _FILE.match(old.name)
        if m and m["db"] == db_id and int(m["gen"]) < gen:
            with contextlib.suppress(OSError):
                old.unlink()
    return open_file(folder, db_id, gen, dim, len(table))


def stream(engine: Any, batch: int = 4096) -> Iterator[tuple[int, bytes | None]]:
    """(chunk id, stored sentence vectors) of every passage in id order (a server-side cursor on PostgreSQL)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(
            text("SELECT id, sentences FROM kb_chunks ORDER BY id"))
        for row in result:
            yield int(row[0]), row[1]
        conn.rollback()


class SentenceVectors:
    """Where a search finds its candidates' sentence vectors: the generation's file, else the database (cached).
    Thread-safe."""

    def __init__(self, folder: Path, db_id: str, dim: int, cache_limit: int):
        self.folder, self.db_id, self.dim = Path(folder), db_id, dim
        self.cache = SentenceCache(cache_limit)
        self._file: SentenceFile | None = None
        self._changed: set[int] = set()
        self._lock = threading.Lock()

    @property
    def file(self) -> SentenceFile | None:
        return self._file

    def load(self, gen: int, count: int, stream: Callable[[], Iterable[tuple[int, bytes | None]]],
             current: Callable[[], int]) -> None:
        """Match generation `gen` of `count` passages: its file, else one written from `stream()` (every stored
        passage in id order) — kept only if the database is still at `gen` (`current()`) once it is read."""
        found = open_file(self.folder, self.db_id, gen, self.dim, count)
        if found is None and count:
            found = write_file(self.folder, self.db_id, gen, self.dim, stream())
            if found is not None and current() != gen:  # another process wrote meanwhile: not a true copy
                self._discard(gen)
                found = None
        with self._lock:
            self._file, self._changed = found, set()

    def forget(self) -> None:
        """Let go of the mapped file and the cache (the index is closed)."""
        with self._lock:
            self._file, self._changed = None, set()
        self.cache = SentenceCache(self.cache.limit)

    def changed(self, ids: Iterable[int]) -> None:
        """This process wrote these passages (added or removed): the file no longer answers for them."""
        with self._lock:
            self._changed.update(int(i) for i in ids)

    def get(self, gen: int, ids: Sequence[int], read: Reader) -> dict[int, np.ndarray | None]:
        with self._lock:
            file, changed = self._file, self._changed
            fresh = [int(i) for i in ids if int(i) in changed]
        out: dict[int, np.ndarray | None] = {}
        rest = fresh
        if file is not None:
            for i in ids:
                if int(i) in changed:
                    continue
                found, vecs = file.lookup(int(i))
                if found:
                    out[int(i)] = vecs
                else:
                    rest.append(int(i))
        else:
            rest = [int(i) for i in ids]
        if rest:
            out.update(self.cache.get(gen, rest, read, self.dim))
        return out

    def best(self, gen: int, qvec: np.ndarray, ids: Sequence[int], read: Reader) -> dict[int, float | None]:
        """Each passage's closest-sentence similarity to the query (None: stored without sentence vectors): from
        the file, else from the database (cached)."""
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)
        with self._lock:
            file, changed = self._file, self._changed
            asked = [int(i) for i in ids]
            in_file = [i for i in asked if i not in changed] if file is not None else []
        out = file.best(q, in_file) if file is not None and in_file else {}
        rest = [i for i in asked if i not in out]
        if rest:
            for i, vecs in self.cache.get(gen, rest, read, self.dim).items():
                out[i] = float((vecs @ q).max()) if vecs is not None and len(vecs) else None
        return out

    def save(self, gen: int, present: Sequence[int], read: Reader, current: Callable[[], int]) -> None:
        """Write generation `gen`'s file when the loaded one is older (or none is): the unchanged passages from it,
        the others among the `present` chunk ids from the database — kept only if it is still at `gen`."""
        with self._lock:
            file, changed = self._file, set(self._changed)
        if file is not None and file.gen >= gen:
            return
        present_set = {int(i) for i in present}
        kept = {int(c) for c in file.ids[:, 0].tolist()} - changed if file is not None else set()
        new = sorted(present_set - kept)
        fetched: dict[int, bytes | None] = {}
        for at in range(0, len(new), READ_BATCH):
            fetched.update(read(new[at:at + READ_BATCH]))
        if current() != gen:
            return
        merged = _merge(file.blobs(lambda c: c in present_set and c not in changed) if file is not None else (),
                        ((c, fetched.get(c)) for c in new))
        written = write_file(self.folder, self.db_id, gen, self.dim, merged)
        if written is None:
            return
        with self._lock:  # a write of ours commits before it calls `changed`: checked here, none is missed
            if current() != gen:
                self._discard(gen)
            elif self._file is file:  # no reload meanwhile
                self._file, self._changed = written, self._changed - changed

    def _discard(self, gen: int) -> None:
        for path in paths(self.folder, self.db_id, gen):
            with contextlib.suppress(OSError):
                path.unlink()


def _merge(a: Iterable[tuple[int, Any]], b: Iterable[tuple[int, Any]]) -> Iterable[tuple[int, Any]]:
    """Two id-ordered streams as one (ids are distinct)."""
    import heapq

    return heapq.merge(a, b, key=lambda row: row[0])
