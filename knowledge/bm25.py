"""BM25 over token lists that change a document at a time: the scores of `bm25s.BM25(k1, b, method="lucene")`
built on the same token lists, bit for bit, without rebuilding a matrix after every write.

bm25s bakes the inverse document frequency and the average passage length into one sparse matrix, so any write
changes every entry. Here the matrix holds raw term counts instead, and a query scores only the postings of its
own terms (a few thousand numbers), with the corpus statistics of the moment:

    score(t, d) = float32(idf(t)) × tf / (k1 × (1 − b + b × len(d) / avglen) + tf)      (float64, then float32)
    idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))

summed in float32 term by term in query order, exactly as bm25s does (tests/test_bm25.py compares them).

Storage is log-structured: each write adds a small immutable segment (its passages by row and its postings by
term); the last two segments merge while the older one is less than twice the size of the newer, so there are
O(log n) segments and each passage is merged O(log n) times. A removed passage is only marked dead (its terms
leave the document frequencies at once and its postings score nothing); everything is compacted into one segment
when the dead outnumber the living.
"""

from __future__ import annotations

import math
from itertools import chain
from typing import Iterable, Sequence

import numpy as np

_GROW = 1.5
COMPACT_MIN = 1000  # slots below which dead passages are never worth compacting away


class _Segment:
    """Passages in slots [start, start + n): term ids and counts by passage (CSR) and by term (CSC)."""

    __slots__ = ("start", "n", "doc_ptr", "doc_terms", "doc_tf", "term_ptr", "post_slots", "post_tf")

    def __init__(self, start: int, n: int, doc_ptr: np.ndarray, doc_terms: np.ndarray, doc_tf: np.ndarray,
                 n_terms: int):
        self.start, self.n = start, n
        self.doc_ptr, self.doc_terms, self.doc_tf = doc_ptr, doc_terms, doc_tf
        slots = np.repeat(np.arange(start, start + n, dtype=np.int32), np.diff(doc_ptr))
        keys = doc_terms.astype(np.uint16) if n_terms <= 1 << 16 else doc_terms  # 16 bits: numpy's radix sort
        order = np.argsort(keys, kind="stable")  # slots stay ascending within a term
        self.post_slots, self.post_tf = slots[order], doc_tf[order]
        self.term_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc_terms, minlength=n_terms), out=self.term_ptr[1:])

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term + 1 >= len(self.term_ptr):
            return self.post_slots[:0], self.post_tf[:0]
        a, b = self.term_ptr[term], self.term_ptr[term + 1]
        return self.post_slots[a:b], self.post_tf[a:b]

    def terms_of(self, slot: int) -> np.ndarray:
        i = slot - self.start
        return self.doc_terms[self.doc_ptr[i]:self.doc_ptr[i + 1]]


class IncrementalBM25:
    """Not thread-safe by itself (sparse.SparseKeywordIndex holds a lock around it)."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self._df = np.zeros(0, dtype=np.int64)
        self._segments: list[_Segment] = []
        self._slot_of: dict[int, int] = {}  # chunk id -> slot of its living passage
        self._ids = np.zeros(0, dtype=np.int64)
        self._len = np.zeros(0, dtype=np.float64)
        self._alive = np.zeros(0, dtype=bool)
        self._slots = 0
        self._total_len = 0

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def segments(self) -> int:
        return len(self._segments)

    def add(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Add passages (chunk id, tokens); an id already here is replaced."""
        docs = list(dict(docs).items())  # one passage per id (the last given)
        self.remove([i for i, _ in docs if i in self._slot_of])
        if not docs:
            return
        vocab = self.vocab
        flat = list(chain.from_iterable(toks for _, toks in docs))
        for t in dict.fromkeys(flat):
            if t not in vocab:
                vocab[t] = len(vocab)
        term_ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        lengths = np.fromiter((len(toks) for _, toks in docs), dtype=np.int64, count=len(docs))
        n_terms = len(vocab)
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        pairs, counts = np.unique(rows * n_terms + term_ids, return_counts=True)
        doc_rows, doc_terms = np.divmod(pairs, n_terms)
        doc_ptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc_rows, minlength=len(docs)), out=doc_ptr[1:])
        start = self._slots
        self._reserve(start + len(docs), n_terms)
        self._df[:n_terms] += np.bincount(doc_terms, minlength=n_terms)
        self._ids[start:start + len(docs)] = [i for i, _ in docs]
        self._len[start:start + len(docs)] = lengths
        self._alive[start:start + len(docs)] = True
        self._slot_of.update((i, start + r) for r, (i, _) in enumerate(docs))
        self._slots += len(docs)
        self._total_len += int(lengths.sum())
        self._segments.append(_Segment(start, len(docs), doc_ptr, doc_terms.astype(np.int32),
                                       counts.astype(np.float32), n_terms))
        while len(self._segments) >= 2 and self._segments[-2].n < 2 * self._segments[-1].n:
            self._merge_last()

    def remove(self, ids: Iterable[int]) -> None:
        """Forget passages by chunk id (unknown ids are ignored)."""
        for i in ids:
            slot = self._slot_of.pop(int(i), None)
            if slot is None:
                continue
            seg = self._segment_of(slot)
            np.subtract.at(self._df, seg.terms_of(slot), 1)
            self._alive[slot] = False
            self._total_len -= int(self._len[slot])
        if self._slots > COMPACT_MIN and self._slots > 2 * len(self._slot_of):
            self._compact()

    def scores(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(scores by slot as float32, chunk id by slot) for the query terms (known ones only, in order)."""
        n_docs = len(self._slot_of)
        scores = np.zeros(self._slots, dtype=np.float32)
        if not n_docs:
            return scores, self._ids[:self._slots]
        avg = self._total_len / n_docs
        k1, b = self.k1, self.b
        for t in terms:
            term = self.vocab.get(t)
            if term is None or self._df[term] <= 0:
                continue
            df = int(self._df[term])
            idf = np.float32(math.log(1 + (n_docs - df + 0.5) / (df + 0.5)))
            parts = [seg.postings(term) for seg in self._segments]
            slots = np.concatenate([p[0] for p in parts])
            tf = np.concatenate([p[1] for p in parts]).astype(np.float64)
            tfc = tf / (k1 * ((1 - b) + b * self._len[slots] / avg) + tf)
            scores[slots] += (idf * tfc).astype(np.float32)  # a slot occurs once per term: no add.at needed
        if n_docs < self._slots:
            scores[~self._alive[:self._slots]] = 0.0
        return scores, self._ids[:self._slots]

    def export(self) -> dict[str, np.ndarray]:
        """The living passages as plain arrays (for a cache file); `from_arrays` gives back an equal index."""
        ids, lengths, ptrs, terms, tfs = [], [], [np.zeros(1, np.int64)], [], []
        at = 0
        for seg in self._segments:
            alive = self._alive[seg.start:seg.start + seg.n]
            counts = np.diff(seg.doc_ptr)
            keep = np.repeat(alive, counts)
            ids.append(self._ids[seg.start:seg.start + seg.n][alive])
            lengths.append(self._len[seg.start:seg.start + seg.n][alive])
            ptrs.append(np.cumsum(counts[alive]) + at)
            at += int(counts[alive].sum())
            terms.append(seg.doc_terms[keep])
            tfs.append(seg.doc_tf[keep])
        vocab = "\n".join(self.vocab).encode()  # terms are \\w+ stems: never a newline
        return dict(ids=np.concatenate(ids or [np.zeros(0, np.int64)]), lengths=np.concatenate(lengths or [np.zeros(0)]),
                    doc_ptr=np.concatenate(ptrs), doc_terms=np.concatenate(terms or [np.zeros(0, np.int32)]),
                    doc_tf=np.concatenate(tfs or [np.zeros(0, np.float32)]), vocab=np.frombuffer(vocab, np.uint8),
                    params=np.array([self.k1, self.b]))

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> "IncrementalBM25":
        k1, b = (float(x) for x in a["params"])
        index = cls(k1, b)
        words = bytes(a["vocab"]).decode().split("\n") if len(a["vocab"]) else []
        index.vocab = {w: i for i, w in enumerate(words)}
        n, n_terms = len(a["ids"]), len(words)
        index._reserve(n, n_terms)
        index._df[:n_terms] = np.bincount(a["doc_terms"], minlength=n_terms)
        index._ids[:n], index._len[:n], index._alive[:n] = a["ids"], a["lengths"], True
        index._slot_of = dict(zip(a["ids"].tolist(), range(n)))
        index._slots, index._total_len = n, int(a["lengths"].sum())
        if n:
            index._segments = [_Segment(0, n, a["doc_ptr"], a["doc_terms"].astype(np.int32),
                                        a["doc_tf"].astype(np.float32), n_terms)]
        return index

    # ----------------------------------------------------------------------------------------- internals

    def _reserve(self, slots: int, terms: int) -> None:
        if terms > len(self._df):
            self._df = np.concatenate([self._df, np.zeros(int(terms * _GROW) - len(self._df) + 1, np.int64)])
        if slots > len(self._ids):
            extra = int(slots * _GROW) - len(self._ids) + 1
            self._ids = np.concatenate([self._ids, np.zeros(extra, np.int64)])
            self._len = np.concatenate([self._len, np.zeros(extra, np.float64)])
            self._alive = np.concatenate([self._alive, np.zeros(extra, bool)])

    def _segment_of(self, slot: int) -> _Segment:
        lo, hi = 0, len(self._segments) - 1
        while lo < hi:  # segments are in slot order
            mid = (lo + hi + 1) // 2
            if self._segments[mid].start <= slot:
                lo = mid
            else:
                hi = mid - 1
        return self._segments[lo]

    def _merge_last(self) -> None:
        b_seg = self._segments.pop()
        a_seg = self._segments.pop()
        ptr = np.concatenate([a_seg.doc_ptr, b_seg.doc_ptr[1:] + a_seg.doc_ptr[-1]])
        terms = np.concatenate([a_seg.doc_terms, b_seg.doc_terms])
        tf = np.concatenate([a_seg.doc_tf, b_seg.doc_tf])
        self._segments.append(_Segment(a_seg.start, a_seg.n + b_seg.n, ptr, terms, tf, len(self.vocab)))

    def _compact(self) -> None:
        """Rebuild from the living passages only (new slots, one segment)."""
        self.__dict__.update(IncrementalBM25.from_arrays(self.export()).__dict__)
