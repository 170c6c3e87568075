"""Which bm25s keyword variant (heading repeat, k1, b, IDF) fuses best, on the DEV split and the bundled questions
only (never the held-out split). Prints keyword-only MRR@10, fused MRR@10 (dev / bundled) with the old FTS5
constants (10, 20, 0.7, 0.25), and with the grid setting of best summed and best dev MRR (bench/tune_fusion.py).

    python bench/keyword_variants.py      # about a minute; the FTS5 ("database") ranking is the first row
"""

import itertools
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.retrieval_quality import BUNDLED_QUESTIONS, DOCS, REAL_QUESTIONS  # noqa: E402
from bench.kb_store import close_bench_kb, open_bench_kb  # noqa: E402
from bench.tune_fusion import score  # noqa: E402
from knowledge import sparse  # noqa: E402
from knowledge.base import BUNDLED_PREFIX  # noqa: E402
from knowledge.evaluate import load_questions, passage_matches  # noqa: E402


GRID = list(itertools.product((5, 10, 20, 40, 60), (10, 20, 30, 50), (0.5, 0.7, 1.0, 1.3, 1.6, 2.0),
                              (0.0, 0.25, 0.5, 0.75, 1.0)))
VARIANTS = list(itertools.product((1, 2), (1.2, 1.5), (0.5, 0.75), ("lucene", "robertson")))


def prep(qs, ingest: bool) -> dict:
    """Passages, vector candidates, right answers and FTS5 keyword candidates for `qs` on a fresh SQLite index."""
    kb = open_bench_kb(Path(tempfile.mkdtemp()) / "i", bundled=True)
    if ingest:
        kb.ingest([DOCS])
    rows = {r[0]: r for r in kb.index.store.execute("SELECT id, title, section, text, source FROM kb_chunks")}
    vecs = [[c for c, _ in kb.index.vector_search(kb.embedder.embed_one(q.question), 50)] for q in qs]
    good = [{c for c, r in rows.items() if passage_matches(r[4], r[2], r[3], q)} for q in qs]
    bundled = {c for c, r in rows.items() if r[4].startswith(BUNDLED_PREFIX)}
    kb.index.keyword_backend = "database"
    db = [[c for c, _ in kb.index.keyword_search(q.question, 50)] for q in qs]
    close_bench_kb(kb)
    return dict(qs=qs, rows=rows, vecs=vecs, good=good, bundled=bundled, db=db)


def keyword_mrr(lists, good) -> float:
    return sum(next((1 / i for i, c in enumerate(k[:10], 1) if c in g), 0) for k, g in zip(lists, good)) / len(good)


def report(name: str, dev: dict, bun: dict, kw_dev, kw_bun) -> None:
    d = [(v, k, g, dev["bundled"]) for v, k, g in zip(dev["vecs"], kw_dev, dev["good"])]
    b = [(v, k, g, bun["bundled"]) for v, k, g in zip(bun["vecs"], kw_bun, bun["good"])]
    res = [(score(d, *g)[0], score(b, *g)[0], g) for g in GRID]
    best_sum, best_dev = max(res, key=lambda x: x[0] + x[1]), max(res, key=lambda x: x[0])
    old = (score(d, 10, 20, 0.7, 0.25)[0], score(b, 10, 20, 0.7, 0.25)[0])
    print(f"{name:28s} kw dev {keyword_mrr(kw_dev, dev['good']):.3f} kw bundled {keyword_mrr(kw_bun, bun['good']):.3f}"
          f" | old constants {old[0]:.3f}/{old[1]:.3f} | best sum {best_sum[0]:.3f}/{best_sum[1]:.3f} {best_sum[2]}"
          f" | best dev {best_dev[0]:.3f}/{best_dev[1]:.3f} {best_dev[2]}", flush=True)


def main() -> None:
    dev = prep([q for q in load_questions(REAL_QUESTIONS) if q.split == "dev"], True)
    bun = prep(load_questions(BUNDLED_QUESTIONS), False)
    report("database (FTS5)", dev, bun, dev["db"], bun["db"])
    for rep, k1, b, method in VARIANTS:
        sparse.HEADING_REPEAT, sparse.BM25_PARAMS = rep, dict(k1=k1, b=b, method=method)
        lists = []
        for s in (dev, bun):
            idx = sparse.SparseKeywordIndex()
            idx.load([r[:4] for r in s["rows"].values()], 1)
            lists.append([[c for c, _ in idx.search(q.question, 50)] for q in s["qs"]])
        report(f"heading x{rep} k1 {k1} b {b} {method}", dev, bun, *lists)


if __name__ == "__main__":
    main()
