"""Calibrate the "not sure" threshold on the DEV split; report false don't-know / false confident rates.

    python bench/answer_calibration.py

Answerable questions: tests/data/real_docs_questions.jsonl (their passage is in the ingested real documents).
Unanswerable ones: tests/data/answerability_questions.jsonl (a per-diem rate, a report deadline, a made-up
indicator code… nothing in any document answers them). The index holds the real documents AND the bundled
guidance, searched with the fused ranking exactly as `ask` does (top 8), and judged by the very function `ask`
calls, `knowledge.answerability.assess`. The (threshold, coverage) pair with the lowest worse-of-the-two rate on
dev (ties: lowest sum, then the higher threshold) is printed, then both rates on every split with the values in
knowledge/answerability.py, and what happened to each answerable question (answered with the passage that holds
the answer among those shown, answered without it, declined) on every split and on the bundled guidance's own
questions (an index of the bundled guidance alone, as a team has it before adding documents).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.retrieval_quality import DATA, DOCS, REAL_QUESTIONS  # noqa: E402

UNANSWERABLE = DATA / "answerability_questions.jsonl"


def collect(embedder=None) -> list[dict]:
    from bench.kb_store import close_bench_kb, open_bench_kb
    from intents.ask import SEARCH_DEPTH
    from knowledge.evaluate import load_questions

    items = [{"question": q.question, "answerable": True, "split": q.split, "q": q}
             for q in load_questions(REAL_QUESTIONS)]
    items += [json.loads(line) for line in UNANSWERABLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        kb = open_bench_kb(Path(tmp) / "i", bundled=True, embedder=embedder)
        kb.ingest([DOCS])
        for it in items:
            it["hits"] = kb.search(it["question"], top_k=SEARCH_DEPTH, mode="fused")
        close_bench_kb(kb)
    return items


def collect_bundled(embedder=None) -> list[dict]:
    """The bundled guidance's own questions (tests/data/questions.jsonl, source-level match) on an index of the
    bundled guidance alone: what a team gets before it adds documents. Outcomes only (all are answerable)."""
    from bench.kb_store import close_bench_kb, open_bench_kb
    from bench.retrieval_quality import BUNDLED_QUESTIONS
    from intents.ask import SEARCH_DEPTH
    from knowledge.evaluate import load_questions

    items = [{"question": q.question, "answerable": True, "split": "bundled", "q": q}
             for q in load_questions(BUNDLED_QUESTIONS)]
    with tempfile.TemporaryDirectory() as tmp:
        kb = open_bench_kb(Path(tmp) / "i", bundled=True, embedder=embedder)
        for it in items:
            it["hits"] = kb.search(it["question"], top_k=SEARCH_DEPTH, mode="fused")
        close_bench_kb(kb)
    return items


def rates(items: list[dict], threshold: float | None = None, cov: float | None = None) -> tuple[float, float, int, int]:
    from knowledge.answerability import CONFIDENT, assess

    threshold = CONFIDENT if threshold is None else threshold
    ans = [i for i in items if i["answerable"]]
    un = [i for i in items if not i["answerable"]]
    fdk = sum(1 for i in ans if not assess(i["question"], i["hits"], threshold, cov)[0].confident)
    fc = sum(1 for i in un if assess(i["question"], i["hits"], threshold, cov)[0].confident)
    return fdk / max(1, len(ans)), fc / max(1, len(un)), len(ans), len(un)


def _wilson(rate: float, n: int) -> str:
    """The 95% Wilson interval of a rate over n questions, e.g. "4.4–28.4%": 15 unanswerable questions a split
    cannot pin a rate down to a few points."""
    from scipy.stats import binomtest

    ci = binomtest(round(rate * n), n).proportion_ci(method="wilson")
    return f"{ci.low:.1%}–{ci.high:.1%}"


def breakdown(items: list[dict], threshold: float | None = None, cov: float | None = None) -> dict[str, int]:
    """What happened to each answerable question: answered with its passage among those shown; answered
    confidently with none of the shown passages holding the answer (a wrong answer); declined although the passage
    ranked in the top 3 (a don't-know the ranking did not cause); declined when the ranking had missed it."""
    from knowledge.answerability import assess
    from knowledge.evaluate import passage_matches

    out = {"right": 0, "wrong": 0, "declined, passage in top 3": 0, "declined, ranking missed": 0}
    for it in (i for i in items if i["answerable"]):
        verdict, shown = assess(it["question"], it["hits"], *(() if threshold is None else (threshold, cov)))
        def holds(h) -> bool:
            return passage_matches(h.source, h.section, h.text, it["q"])
        if verdict.confident:
            out["right" if any(holds(h) for h in shown) else "wrong"] += 1
        else:
            out["declined, passage in top 3" if any(holds(h) for h in it["hits"][:3]) else
                "declined, ranking missed"] += 1
    return out


def pick(dev: list[dict]) -> list[tuple[float, float]]:
    """Every (threshold, coverage) pair, best first by the bench rule on dev: lowest worse-of-the-two rate, then
    lowest sum, then the higher threshold (rather "not sure" than a wrong answer)."""
    grid = [(round(0.30 + 0.01 * i, 2), round(c, 2)) for i in range(31) for c in (0.0, 0.2, 0.25, 0.34, 0.4, 0.5)]
    return sorted(grid, key=lambda g: (max(rates(dev, *g)[:2]), sum(rates(dev, *g)[:2]), -g[0], -g[1]))


def main() -> None:
    from knowledge.answerability import CONFIDENT

    items = collect()
    dev = [i for i in items if i["split"] == "dev"]
    held = [i for i in items if i["split"] == "heldout"]
    fresh = [i for i in items if i["split"] == "heldout2"]
    from knowledge.answerability import MIN_COVERAGE

    scored = pick(dev)
    print("threshold  coverage  dev false-don't-know  dev false-confident   (best 8 on dev)")
    for t, c in scored[:8]:
        a, b, _, _ = rates(dev, t, c)
        print(f"  {t:.2f}      {c:.2f}      {a:.3f}               {b:.3f}")
    print(f"\nin use: CONFIDENT = {CONFIDENT:.2f}, MIN_COVERAGE = {MIN_COVERAGE:.2f}\n")
    print("| split | answerable | unanswerable | false don't-know (95% interval) | false confident (95% interval) |")
    print("|---|---:|---:|---:|---:|")
    for name, part in (("dev", dev), ("held-out", held), ("held-out 2 (written 5 Dec 2026)", fresh)):
        if not part:
            continue
        a, b, na, nu = rates(part)
        print(f"| {name} | {na} | {nu} | {a:.1%} ({_wilson(a, na)}) | {b:.1%} ({_wilson(b, nu)}) |")
    print("\nAnswerable questions, by outcome:\n")
    print("| split | answered, right passage shown | answered, wrong passages | declined, passage in top 3 "
          "| declined, ranking missed |")
    print("|---|---:|---:|---:|---:|")
    for name, part in (("dev", dev), ("held-out", held), ("held-out 2", fresh),
                       ("bundled guidance (its own questions)", collect_bundled())):
        if part:
            b = breakdown(part)
            print(f"| {name} | " + " | ".join(str(v) for v in b.values()) + " |")
    a, b, na, nu = rates(held, 0.0)
    print(f"\nwithout the similarity threshold (guards only), held-out: false confident {b:.1%}")


if __name__ == "__main__":
    main()
