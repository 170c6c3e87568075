"""The bare baseline for search latency: what one would write in an afternoon over the very same data, with no
fusion, no database and no bookkeeping — the query embedded with the same model (`SentenceTransformer.encode`),
a bare `faiss.IndexFlatIP` over the same vectors and a bare `bm25s.BM25.retrieve` over the same tokenised passages
(the project's tokens, so both sides score the same words).

Both sides run a query single-threaded (torch and faiss), as the project does: on a shared 2-core machine a
second thread costs more than it saves for one query (bench/search_latency.py times them side by side).
"""

from __future__ import annotations

import time

import numpy as np


class BareSearch:
    """embed + faiss + bm25s, top k of each, nothing else."""

    def __init__(self, kb) -> None:
        import bm25s
        import faiss

        from knowledge.sparse import BM25_PARAMS, passage_tokens, tokens

        rows = kb.index.store.execute("SELECT id, title, section, text, vector FROM kb_chunks ORDER BY id").fetchall()
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        vecs = np.frombuffer(b"".join(bytes(r[4]) for r in rows), dtype=np.float32).reshape(len(rows), -1)
        self.faiss = faiss.IndexFlatIP(vecs.shape[1])
        self.faiss.add(vecs)
        self.bm25 = bm25s.BM25(**BM25_PARAMS)
        self.bm25.index([passage_tokens(r[1], r[2], r[3]) for r in rows], show_progress=False)
        self.model = kb.embedder._load()
        self._tokens = tokens
        self._faiss_mod = faiss

    def search(self, query: str, k: int) -> tuple[list[int], list[int]]:
        import torch

        torch.set_num_threads(1)
        self._faiss_mod.omp_set_num_threads(1)
        q = self.model.encode([query], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        _, pos = self.faiss.search(np.ascontiguousarray(q, dtype=np.float32), k)
        docs, _ = self.bm25.retrieve([self._tokens(query)], k=k, show_progress=False)
        return [int(self.ids[p]) for p in pos[0] if p >= 0], [int(self.ids[d]) for d in docs[0]]


def side_by_side(kb, bare: BareSearch, queries: list[str], n: int, top_k: int = 10,
                 before=None) -> tuple[list[float], list[float]]:
    """Milliseconds per query for `kb.search(mode="fused")` and for the bare baseline, interleaved query by query
    (which one goes first alternates), so both see the same machine load. `before`: called, untimed, before each
    project search."""
    for q in queries[:5]:  # warm-up
        kb.search(q, top_k=top_k)
        bare.search(q, top_k)
    project: list[float] = []
    baseline: list[float] = []
    for i in range(n):
        q = queries[i % len(queries)]
        order = ((project, lambda: kb.search(q, top_k=top_k)), (baseline, lambda: bare.search(q, top_k)))
        for times, run in (order if i % 2 == 0 else order[::-1]):
            if before is not None and times is project:
                before()
            t0 = time.perf_counter()
            run()
            times.append((time.perf_counter() - t0) * 1000)
    return project, baseline
