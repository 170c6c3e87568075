"""Keyword search in the process: a bm25s (sparse-matrix BM25) index over the stored passages, the same code on
both engines, cached per index generation like the faiss copy (index.py).

- Tokens: the words of `ranking.query_terms` rules (lower-cased `\\w+`, stop words dropped), Porter-stemmed by
  SQLite's own FTS5 `porter` tokenizer in an in-memory database (the stemmer FTS5 used; no extra package), each
  distinct word stemmed once per process.
- Heading weight: a passage is indexed as its title and section tokens repeated HEADING_REPEAT times followed by
  its text tokens, the bag-of-words counterpart of FTS5's column weights (2, 2, 1).
- BM25 (Lucene variant, k1 1.5, b 0.75) with its inverse document frequency, which PostgreSQL's `ts_rank_cd`
  lacks.

The tokens of every passage are kept per chunk id, so a process's own writes only add or drop token lists and the
sparse matrix is rebuilt from them at the next search (no database read, no re-tokenising); another process's
writes are picked up when the generation changes (index.py reloads everything from the stored passages).
"""

from __future__ import annotations

import logging

import re
import sqlite3
import threading
from typing import Any, Iterable, Sequence

import numpy as np

from knowledge.ranking import STOP_WORDS

HEADING_REPEAT = 1
BM25_PARAMS = dict(k1=1.2, b=0.75, method="lucene")
_WORD = re.compile(r"\w+", re.UNICODE)
_STEMS: dict[str, tuple[str, ...]] = {}
_STEM_LOCK = threading.Lock()


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
    words = [w.lower() for w in _WORD.findall(text or "")]
    return stems(w for w in words if w not in STOP_WORDS and w.strip("_"))


def passage_tokens(title: str, section: str, text: str) -> list[str]:
    return tokens(f"{title} {section}") * HEADING_REPEAT + tokens(text)


class SparseKeywordIndex:
    """Thread-safe. `load` replaces everything; `apply` mirrors one write; `search` rebuilds lazily."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[int, list[str]] = {}
        self._gen = -1
        self._model: Any = None            # (bm25s.BM25, ids array) or None when stale
        self._version = 0                  # bumped by every change of _tokens

    @property
    def generation(self) -> int:
        return self._gen

    def load(self, rows: Iterable[Sequence[Any]], gen: int) -> None:
        """All passages as (id, title, section, text), at generation `gen`."""
        toks = {int(r[0]): passage_tokens(r[1], r[2], r[3]) for r in rows}
        with self._lock:
            if gen < self._gen:
                return
            self._tokens, self._gen, self._model = toks, gen, None
            self._version += 1

    def apply(self, base: int, gen: int, removed: Sequence[int], added: Sequence[dict[str, Any]]) -> bool:
        """Mirror a committed write if this index was at `base`; False (the next load catches up) otherwise."""
        if self._gen != base:
            return False
        new = {int(r["id"]): passage_tokens(r["title"], r["section"], r["text"]) for r in added}
        with self._lock:
            if self._gen != base:
                return False
            for i in removed:
                self._tokens.pop(int(i), None)
            self._tokens.update(new)
            self._gen, self._model = gen, None
            self._version += 1
        return True

    def _built(self) -> Any:
        with self._lock:
            if self._model is not None:
                return self._model
            ids = np.fromiter(self._tokens.keys(), dtype=np.int64, count=len(self._tokens))
            corpus, version = list(self._tokens.values()), self._version
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import; its notes are not ours
        retriever = bm25s.BM25(**BM25_PARAMS)
        if len(ids):
            retriever.index(corpus, show_progress=False)
        model = (retriever, ids)
        with self._lock:
            if self._version == version:  # still current (a write meanwhile leaves it stale)
                self._model = model
        return model

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, BM25 score) best first, only passages holding a query term."""
        terms = list(dict.fromkeys(tokens(query)))
        if not terms or k <= 0:
            return []
        retriever, ids = self._built()
        if not len(ids):
            return []
        vocab = retriever.vocab_dict
        terms = [t for t in terms if t in vocab]
        if not terms:
            return []
        scores = retriever.get_scores(terms)
        n = min(k, int(np.count_nonzero(scores > 0)))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.lexsort((ids[top], -scores[top]))]
        return [(int(ids[i]), float(scores[i])) for i in top]
