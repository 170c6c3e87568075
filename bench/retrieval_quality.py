"""Retrieval quality of the bundled guidance: hit@1/3/5 and MRR@10 for keyword-only, vector-only and fused
ranking, over the same chunks, with the question set in tests/data/questions.jsonl.

    python bench/retrieval_quality.py [--questions FILE] [--json]

Builds a throw-away index of the bundled corpus (real model, real faiss, real FTS5), so it measures exactly what
`pse-bot search` does. Prints a markdown table (pasted into the README under "Retrieval quality").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODES = ("keyword", "vector", "fused")
DEPTH = 10


def run(questions_path: Path) -> dict:
    from knowledge.base import KnowledgeBase
    from knowledge.evaluate import evaluate, load_questions

    questions = load_questions(questions_path)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        kb = KnowledgeBase.open(Path(tmp) / "index", bundled=True)
        build_s = time.perf_counter() - started
        results = {m: evaluate(kb, questions, mode=m, top_k=DEPTH) for m in MODES}
        docs = len(kb.documents())
        chunks = len(kb)
        kb.close()
    return {
        "questions": len(questions), "documents": docs, "chunks": chunks, "index_build_s": round(build_s, 1),
        "modes": {m: {"hit@1": r.hit_at(1), "hit@3": r.hit_at(3), "hit@5": r.hit_at(5), "mrr@10": r.mrr,
                      "failures@10": [f.question for f in r.failures]} for m, r in results.items()},
    }


def table(report: dict) -> str:
    lines = ["| ranking | hit@1 | hit@3 | hit@5 | MRR@10 |", "|---|---:|---:|---:|---:|"]
    for m in MODES:
        r = report["modes"][m]
        name = {"keyword": "keyword only (FTS5 bm25)", "vector": "vector only (MiniLM + faiss)",
                "fused": "**fused (RRF)**"}[m]
        lines.append(f"| {name} | {r['hit@1']:.3f} | {r['hit@3']:.3f} | {r['hit@5']:.3f} | {r['mrr@10']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=Path, default=ROOT / "tests" / "data" / "questions.jsonl")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = run(args.questions)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['questions']} questions, {report['documents']} documents, {report['chunks']} chunks "
          f"(index built in {report['index_build_s']} s)\n")
    print(table(report))
    fused = report["modes"]["fused"]["mrr@10"]
    others = {m: report["modes"][m]["mrr@10"] for m in ("keyword", "vector")}
    verdict = "beats" if all(fused > v for v in others.values()) else "does NOT beat"
    print(f"\nfused MRR {fused:.3f} {verdict} keyword {others['keyword']:.3f} and vector {others['vector']:.3f}")
    for m in MODES:
        for q in report["modes"][m]["failures@10"]:
            print(f"  {m} miss@10: {q}")


if __name__ == "__main__":
    main()
