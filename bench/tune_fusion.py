"""Tune the fused ranking on the DEV split of the real-document questions (never the held-out split).

The settings in knowledge/ranking.py are the best by summed MRR@10 over the dev split and the bundled guidance
questions (tests/data/questions.jsonl, on an index of the bundled guidance alone), so that fused stays ahead of
vector-only there; both orderings are printed.

    python bench/tune_fusion.py [--postgres] [--keyword database]

Collects each dev question's vector and keyword candidate lists once (the real index, as `pse-bot ingest` builds
it, bundled guidance included), then replays reciprocal-rank fusion over a grid of (k, depth, keyword weight,
bundled-guidance weight) and prints the best settings by MRR@10 (ties: hit@3). Put the winners in
knowledge/ranking.py, then run bench/retrieval_quality.py to see the held-out figures.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.retrieval_quality import BUNDLED_QUESTIONS, DOCS, REAL_QUESTIONS  # noqa: E402


def collect(split: str = "dev"):
    """Candidate lists for the real-document questions of `split` ("bundled": the bundled-guidance questions on
    an index of the bundled guidance alone, as bench/retrieval_quality.py scores them)."""
    from bench.kb_store import close_bench_kb, open_bench_kb
    from knowledge.base import BUNDLED_PREFIX
    from knowledge.evaluate import load_questions, passage_matches

    if split == "bundled":
        qs = load_questions(BUNDLED_QUESTIONS)
    else:
        qs = [q for q in load_questions(REAL_QUESTIONS) if q.split == split]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        kb = open_bench_kb(Path(tmp) / "i", bundled=True)
        if split != "bundled":
            kb.ingest([DOCS])
        for q in qs:
            qv = kb.embedder.embed_one(q.question)
            vec = kb.index.vector_search(qv, 50)
            kw = kb.index.keyword_search(q.question, 50)
            ids = {c for c, _ in vec} | {c for c, _ in kw}
            rows = kb.index.chunks(list(ids))
            good = {c for c in ids if passage_matches(rows[c]["source"], rows[c]["section"], rows[c]["text"], q)}
            bundled = {c for c in ids if rows[c]["source"].startswith(BUNDLED_PREFIX)}
            out.append(([c for c, _ in vec], [c for c, _ in kw], good, bundled))
        close_bench_kb(kb)
    return out


def score(data, k, depth, kw_w, b_w):
    rr, h3 = 0.0, 0
    for vec, kw, good, bundled in data:
        s: dict[int, float] = {}
        for lst, w in ((vec[:depth], 1.0), (kw[:depth], kw_w)):
            for r, c in enumerate(lst, 1):
                s[c] = s.get(c, 0.0) + w * (b_w if c in bundled else 1.0) / (k + r)
        ranked = sorted(s, key=lambda c: -s[c])[:10]
        rank = next((i for i, c in enumerate(ranked, 1) if c in good), None)
        rr += 1 / rank if rank else 0
        h3 += bool(rank and rank <= 3)
    return rr / len(data), h3 / len(data)


def main() -> None:
    import argparse

    from bench.kb_store import configure, start_postgres

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postgres", action="store_true", help="index into a throw-away PostgreSQL server")
    ap.add_argument("--keyword", choices=("bm25s", "database"), help="keyword backend (default: the project's)")
    args = ap.parse_args()
    configure(args.keyword)
    if args.postgres:
        start_postgres()
    data, guidance = collect("dev"), collect("bundled")
    grid = list(itertools.product((5, 10, 20, 40, 60), (10, 20, 30, 50), (0.5, 0.7, 1.0, 1.3, 1.6, 2.0),
                                  (0.0, 0.25, 0.5, 0.75, 1.0)))
    results = [(score(data, *g), score(guidance, *g), g) for g in grid]
    for title, key in (("best dev MRR@10", lambda x: (-x[0][0], -x[0][1])),
                       ("best summed MRR@10 dev + bundled (how ranking.py is picked)", lambda x: -x[0][0] - x[1][0])):
        print(f"\n{title}\ndev MRR  dev hit@3  bundled MRR   k  depth  kw_weight  bundled_weight")
        for (mrr, h3), (bmrr, _), (k, d, kw, bw) in sorted(results, key=key)[:10]:
            print(f"{mrr:.3f}  {h3:.3f}  {bmrr:.3f}  {k:3d}  {d:4d}  {kw:8.2f}  {bw:8.2f}")


if __name__ == "__main__":
    main()
