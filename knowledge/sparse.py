"""Keyword search in the process: BM25 over the stored passages (bm25.py: the scores bm25s would give, kept up
to date a write at a time), the same code on both engines, kept per index generation like the faiss copy (index.py).

- Tokens: the words of `ranking.query_terms` rules (lower-cased `\\w+`, stop words dropped), Porter-stemmed by
  SQLite's own FTS5 `porter` tokenizer in an in-memory database (the stemmer FTS5 used; no extra package), each
  distinct word stemmed once per process.
- Heading weight: a passage is indexed as its title and section tokens repeated HEADING_REPEAT times followed by
  its text tokens, the bag-of-words counterpart of FTS5's column weights (2, 2, 1).
- BM25 (Lucene variant, k1 1.2, b 0.75) with its inverse document frequency, which PostgreSQL's `ts_rank_cd`
  lacks.

A process's own writes add or drop the term counts of the passages concerned (no database read, no matrix
rebuilt: a write costs about its own passages, whatever the size of the index); another process's writes are
picked up when the generation changes (index.py reloads everything from the stored passages).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import threading
import zipfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from knowledge.bm25 import IncrementalBM25
from knowledge.ranking import STOP_WORDS

HEADING_REPEAT = 1
BM25_PARAMS = dict(k1=1.2, b=0.75, method="lucene")  # as bm25s.BM25(**BM25_PARAMS) would score (benches)
_BM25_ARGS = dict(k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"])
_WORD = re.compile(r"\w+", re.UNICODE)
# Bump when tokens() or passage_tokens() change what a passage turns into: cache files of older versions are ignored.
TOKENS_VERSION = "1"
_CACHE = re.compile(r"keywords-(?P<db>[0-9a-f]+)-(?P<gen>\d+)\.npz$")
_STEMS: dict[str, tuple[str, ...]] = {}
_STEM_LOCK = threading.Lock()
_TERMS: dict[str, tuple[str, ...]] = {}  # a word as written -> its terms (none for a stop word)


def _stem_new(words: Sequence[str]) -> None:
    """Stem `words` (not yet in _STEMS) with FTS5's porter tokenizer, in one in-memory round trip."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE w USING fts5(t, tokenize='porter unicode61 remove_diacritics 2')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(w, 'instance')")
        db.executemany("INSERT INTO w (rowid, t) VALUES (?, ?)", list(enumerate(words, 1)))
        out: dict[int, list[str]] = {}
        for doc, term in db.execute("SELECT doc, term FROM v ORDER BY doc, \"offset\""):
            out.setdefault(doc, []).append(term)
    finally:
        db.close()
    for i, w in enumerate(words, 1):
        _STEMS[w] = tuple(out.get(i, ()))


def stems(words: Iterable[str]) -> list[str]:
    """The stemmed terms of lower-case words, in order."""
    words = list(words)
    new = [w for w in dict.fromkeys(words) if w not in _STEMS]
    if new:
        with _STEM_LOCK:
            _stem_new([w for w in new if w not in _STEMS])
    return [t for w in words for t in _STEMS[w]]


def tokens(text: str) -> list[str]:
    """Searchable terms of a text: lower-cased words without stop words, stemmed."""
    words = _WORD.findall(text or "")
    try:
        return [t for w in words for t in _TERMS[w]]
    except KeyError:
        _learn(words)
        return [t for w in words for t in _TERMS[w]]


def _learn(words: Sequence[str]) -> None:
    """Remember the terms of words as they appear in text (one dict look-up per word afterwards)."""
    lowered = {w: w.lower() for w in dict.fromkeys(words) if w not in _TERMS}
    kept = {w: lw for w, lw in lowered.items() if lw not in STOP_WORDS and lw.strip("_")}
    stems(kept.values())
    for w in lowered:
        _TERMS[w] = _STEMS[kept[w]] if w in kept else ()


def passage_tokens(title: str, section: str, text: str) -> list[str]:
    return tokens(f"{title} {section}") * HEADING_REPEAT + tokens(text)


class SparseKeywordIndex:
    """Thread-safe. `load` replaces everything; `apply` mirrors one write in place (bm25.py: no matrix rebuilt)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bm25 = IncrementalBM25(**_BM25_ARGS)
        self._gen = -1
        self._saved_gen = -1

    @property
    def generation(self) -> int:
        return self._gen

    def __len__(self) -> int:
        return len(self._bm25)

    def load(self, rows: Iterable[Sequence[Any]], gen: int) -> None:
        """All passages as (id, title, section, text), at generation `gen`."""
        fresh = IncrementalBM25(**_BM25_ARGS)
        fresh.add((int(r[0]), passage_tokens(r[1], r[2], r[3])) for r in rows)
        with self._lock:
            if gen < self._gen:
                return
            self._bm25, self._gen = fresh, gen

    def apply(self, base: int, gen: int, removed: Sequence[int], added: Sequence[dict[str, Any]]) -> bool:
        """Mirror a committed write if this index was at `base`; False (the next load catches up) otherwise."""
        if self._gen != base:
            return False
        new = [(int(r["id"]), passage_tokens(r["title"], r["section"], r["text"])) for r in added]
        with self._lock:
            if self._gen != base:
                return False
            self._bm25.remove(removed)
            self._bm25.add(new)
            self._gen = gen
        return True

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, BM25 score) best first (ties: lower id first), only passages holding a query term."""
        terms = list(dict.fromkeys(tokens(query)))
        if not terms or k <= 0:
            return []
        with self._lock:
            scores, ids = self._bm25.scores(terms)
        n = min(k, int(np.count_nonzero(scores > 0)))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.lexsort((ids[top], -scores[top]))]
        return [(int(ids[i]), float(scores[i])) for i in top]

    # ------------------------------------------------------------------------------ cache file per generation

    def save(self, folder: Path, db_id: str) -> None:
        """Write `keywords-<db>-<generation>.npz` (atomically; older generations' files are deleted), so the next
        process opening this generation reads term counts instead of tokenising every passage again."""
        with self._lock:
            gen = self._gen
            if gen < 0 or gen == self._saved_gen:
                return
            arrays = self._bm25.export()
        path = cache_path(folder, db_id, gen)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, fingerprint=np.frombuffer(_fingerprint().encode(), np.uint8), **arrays)
        tmp.replace(path)
        with self._lock:
            self._saved_gen = max(self._saved_gen, gen)
        for old in folder.glob("keywords-*.npz"):
            m = _CACHE.match(old.name)
            if m and m["db"] == db_id and int(m["gen"]) < gen:
                with contextlib.suppress(OSError):
                    old.unlink()

    def load_cached(self, folder: Path, db_id: str, gen: int, count: int) -> bool:
        """Take the cache file of generation `gen` if it is there, readable, made by this tokeniser and holds
        `count` passages; False (nothing changed) otherwise."""
        path = cache_path(folder, db_id, gen)
        if not path.exists():
            return False
        try:
            with np.load(path) as data:
                if bytes(data["fingerprint"]).decode() != _fingerprint():
                    return False
                fresh = IncrementalBM25.from_arrays({k: data[k] for k in data.files})
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError):
            return False
        if len(fresh) != count:
            return False
        with self._lock:
            if gen < self._gen:
                return True
            self._bm25, self._gen, self._saved_gen = fresh, gen, gen
        return True


def cache_path(folder: Path, db_id: str, gen: int) -> Path:
    return Path(folder) / f"keywords-{db_id}-{gen}.npz"


def _fingerprint() -> str:
    spec = (TOKENS_VERSION, HEADING_REPEAT, sorted(STOP_WORDS), sqlite3.sqlite_version, sorted(_BM25_ARGS.items()))
    return hashlib.sha256(repr(spec).encode()).hexdigest()[:16]
