"""Quality contract for ranking: on the bundled guidance and its paraphrased question set, fused ranking is at
least as good as either single ranking (MRR), and good in absolute terms. Timing lives in bench/."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.evaluate import evaluate, load_questions

QUESTIONS = Path(__file__).resolve().parent / "data" / "questions.jsonl"


@pytest.fixture(scope="module")
def scores(bundled_kb):
    qs = load_questions(QUESTIONS)
    return {mode: evaluate(bundled_kb, qs, mode=mode, top_k=10) for mode in ("fused", "vector", "keyword")}


def test_fused_is_at_least_as_good_as_each_single_ranking(scores):
    fused = scores["fused"].mrr
    assert fused >= scores["vector"].mrr, {m: round(r.mrr, 3) for m, r in scores.items()}
    assert fused >= scores["keyword"].mrr, {m: round(r.mrr, 3) for m, r in scores.items()}


def test_fused_ranking_finds_most_documents_near_the_top(scores):
    fused = scores["fused"]
    assert fused.hit_at(5) >= 0.8
    assert fused.mrr >= 0.6
