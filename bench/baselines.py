"""Plain baselines over the very same chunks the project indexed: BM25 (bm25s), dense (MiniLM + bare faiss) and
reciprocal-rank fusion of the two. Nothing here is tuned; they are what one would build in an afternoon."""

from __future__ import annotations

import numpy as np

RRF_K = 60


def chunk_rows(kb) -> list[dict]:
    """Every chunk of a KnowledgeBase: id, source, section, text (in id order)."""
    return kb.index.store.execute("SELECT id, source, title, section, text FROM kb_chunks ORDER BY id").mappings()


class PlainBM25:
    def __init__(self, texts: list[str]):
        import bm25s

        self._bm25s = bm25s
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        self.n = len(texts)

    def search(self, query: str, k: int) -> list[int]:
        toks = self._bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not toks.vocab:
            return []
        docs, scores = self.retriever.retrieve(toks, k=min(k, self.n), show_progress=False)
        return [int(d) for d, s in zip(docs[0], scores[0]) if s > 0]


class PlainDense:
    def __init__(self, embedder, texts: list[str]):
        import faiss

        self.embedder = embedder
        vecs = embedder.embed(texts)
        self.index = faiss.IndexFlatIP(vecs.shape[1])
        self.index.add(vecs)

    def search(self, query: str, k: int, qvec: np.ndarray | None = None) -> list[int]:
        q = self.embedder.embed_one(query) if qvec is None else qvec
        _, ids = self.index.search(q.reshape(1, -1), min(k, self.index.ntotal))
        return [int(i) for i in ids[0] if i >= 0]


def plain_rrf(lists: list[list[int]], k: int = RRF_K) -> list[int]:
    scores: dict[int, float] = {}
    for ranking in lists:
        for r, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + r)
    return [i for i, _ in sorted(scores.items(), key=lambda kv: -kv[1])]
