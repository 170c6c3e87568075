"""Tune the fused ranking on the DEV split of the real-document questions (never the held-out split).

    python bench/tune_fusion.py [--postgres] [--keyword database]

Collects each question's candidate lists once, as `KnowledgeBase.search` builds them (the real documents ingested
beside the bundled guidance, as `pse-bot ingest` does): the top 50 passages by vector similarity, the top 50 by
keyword score, and those candidates again by their sentence closest to the question (knowledge/sentences.py).
Then it replays the fusion (`knowledge.ranking.fuse`, the function search calls) over a grid of k,
depth, keyword weight, sentence-list weight and bundled-guidance weight, on the dev questions and on the bundled
guidance questions (tests/data/questions.jsonl, on an index of the bundled guidance alone).

The rule that picks the settings in knowledge/ranking.py: the best summed MRR@10 over dev and bundled among the
settings where fused ranking is at least as good as vector-only on the bundled questions (ties: the higher dev
hit@3, then the smaller k). It prints the best settings by that rule and by dev MRR alone, and where the settings
in use stand. Run bench/retrieval_quality.py afterwards for the held-out figures.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.retrieval_quality import BUNDLED_QUESTIONS, DOCS, REAL_QUESTIONS  # noqa: E402

# (k, depth, keyword weight, bundled-guidance weight, sentence-list weight), the arguments of score()
GRID = list(itertools.product((1, 2, 3, 5, 10, 20, 60), (20, 30, 50), (0.3, 0.5, 0.7, 1.0, 1.5), (0.25, 0.4, 0.5),
                              (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)))


def collect(split: str = "dev", embedder=None):
    """Per question: (vector list, keyword list, right answers, bundled ids, sentence score by candidate), for the
    real-document questions of `split` ("bundled": the bundled-guidance questions on an index of the bundled
    guidance alone, as bench/retrieval_quality.py scores them). `embedder`: default the process's (MiniLM as packaged)."""
    from bench.kb_store import close_bench_kb, open_bench_kb
    from knowledge.base import BUNDLED_PREFIX
    from knowledge.evaluate import load_questions, passage_matches
    from knowledge.sentences import sentence_scores

    if split == "bundled":
        qs = load_questions(BUNDLED_QUESTIONS)
    else:
        qs = [q for q in load_questions(REAL_QUESTIONS) if q.split == split]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        kb = open_bench_kb(Path(tmp) / "i", bundled=True, embedder=embedder)
        if split != "bundled":
            kb.ingest([DOCS])
        for q in qs:
            qv = kb.ranker()[1].embed_one(q.question)  # the model that made the vectors (adapted or packaged)
            vec = kb.index.vector_search(qv, 50)
            kw = kb.index.keyword_search(q.question, 50)
            ids = list(dict.fromkeys([c for c, _ in vec] + [c for c, _ in kw]))
            sent = sentence_scores(kb.index, qv, ids, dict(vec))
            rows = kb.index.chunks(ids)
            good = {c for c in ids if passage_matches(rows[c]["source"], rows[c]["section"], rows[c]["text"], q)}
            bundled = {c for c in ids if rows[c]["source"].startswith(BUNDLED_PREFIX)}
            out.append(([c for c, _ in vec], [c for c, _ in kw], good, bundled, sent))
        close_bench_kb(kb)
    return out


def _rank(ranked, good) -> int | None:
    return next((i for i, c in enumerate(ranked[:10], 1) if c in good), None)


def score(data, k, depth, kw_w, b_w, s_w=0.0):
    """(MRR@10, hit@3) of fused ranking with these settings. An item may lack its sentence scores (4-tuples, as
    bench/keyword_variants.py passes them): then two lists are fused, as before the sentence list existed."""
    from knowledge.ranking import fuse

    rr, h3 = 0.0, 0
    for item in data:
        vec, kw, good, bundled = item[:4]
        item_weight = {c: b_w for c in bundled} if b_w != 1.0 else None
        fused = fuse(vec, kw, item[4] if len(item) > 4 else None, k=k, depth=depth, keyword_weight=kw_w,
                     sentence_weight=s_w, item_weight=item_weight)
        rank = _rank([c for c, _ in fused], good)
        rr += 1 / rank if rank else 0
        h3 += bool(rank and rank <= 3)
    return rr / len(data), h3 / len(data)


def vector_only(data) -> float:
    return sum(1 / r for r in (_rank(item[0], item[2]) for item in data) if r) / len(data)


def pick(data, guidance) -> list:
    """Every grid setting as ((dev MRR, dev hit@3), (bundled MRR, bundled hit@3), setting), best first by the rule
    (module docstring); settings where fused ranks worse than vector-only on the bundled questions are left out."""
    floor = vector_only(guidance)
    results = [(score(data, *g), score(guidance, *g), g) for g in GRID]
    eligible = [r for r in results if r[1][0] >= floor]
    return sorted(eligible, key=lambda r: (-(r[0][0] + r[1][0]), -r[0][1], r[2][0]))


def main() -> None:
    import argparse

    from bench.kb_store import configure, start_postgres
    from knowledge import ranking

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postgres", action="store_true", help="index into a throw-away PostgreSQL server")
    ap.add_argument("--keyword", choices=("bm25s", "database"), help="keyword backend (default: the project's)")
    args = ap.parse_args()
    configure(args.keyword)
    if args.postgres:
        start_postgres()
    data, guidance = collect("dev"), collect("bundled")
    floor = vector_only(guidance)
    results = [(score(data, *g), score(guidance, *g), g) for g in GRID]
    picked = pick(data, guidance)
    in_use = (ranking.RRF_K, ranking.FUSION_DEPTH, ranking.KEYWORD_WEIGHT, ranking.BUNDLED_WEIGHT,
              ranking.SENTENCE_WEIGHT)
    header = "dev MRR  dev hit@3  bundled MRR    k  depth  kw_weight  bundled_weight  sentence_weight"

    def line(r) -> str:
        (mrr, h3), (bmrr, _), (k, d, kw, bw, sw) = r
        return f"{mrr:.3f}    {h3:.3f}      {bmrr:.3f}     {k:3d}  {d:4d}  {kw:8.2f}  {bw:13.2f}  {sw:14.2f}"

    print(f"vector-only MRR@10 on the bundled questions: {floor:.3f}")
    print(f"\nbest summed MRR@10 dev + bundled, fused >= vector-only on bundled (how ranking.py is picked)\n{header}")
    for r in picked[:10]:
        print(line(r))
    print(f"\nbest dev MRR@10\n{header}")
    for r in sorted(results, key=lambda r: (-r[0][0], -r[0][1]))[:10]:
        print(line(r))
    mine = (score(data, *in_use), score(guidance, *in_use), in_use)
    place = next((i for i, r in enumerate(picked, 1) if r[2] == in_use), None)
    print(f"\nin use (knowledge/ranking.py)\n{header}\n{line(mine)}"
          f"\n{'rank ' + str(place) + ' of ' + str(len(picked)) + ' by the rule' if place else 'not on the grid'}")


if __name__ == "__main__":
    main()
