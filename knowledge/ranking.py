"""Keyword-query building and reciprocal rank fusion: pure functions, no I/O."""

from __future__ import annotations

import re
from typing import Sequence

# Three ranked lists are fused: the passages by vector similarity, by bm25s keyword score, and the candidates of
# those two again by their best-matching sentence (knowledge/sentences.py). Tuned with bench/tune_fusion.py on the
# DEV split of tests/data/real_docs_questions.jsonl (real documents ingested beside the bundled guidance) together
# with the bundled-guidance questions (tests/data/questions.jsonl); the held-out split is scored by
# bench/retrieval_quality.py and never tuned on. The setting with the best summed MRR@10 over the two sets among
# those where fused is at least as good as vector-only on the bundled questions (re-run 5 Dec 2026 on the 60 dev
# questions: the sentence list's weight went from 0.25 to 0.5; docs/rerank-figures.md). The bundled guidance
# counts a quarter when a user's own documents compete with it (it paraphrases the same themes and otherwise
# drowns their passages).
RRF_K = 2
KEYWORD_WEIGHT = 0.5
SENTENCE_WEIGHT = 0.5
FUSION_DEPTH = 50
BUNDLED_WEIGHT = 0.25
MAX_QUERY_TERMS = 24
# With a model adapted to the documents (`pse-bot kb adapt`, knowledge/ranking_model.py) the lists differ, and the
# same rule on the same dev + bundled questions picks other constants: `bench/domain_adaptation.py --repick`, on the
# index as the command leaves it (6 Dec 2026; docs/rerank-figures.md). The held-out splits were not used to choose.
ADAPTED = {"k": 1, "depth": 30, "keyword_weight": 1.0, "sentence_weight": 1.5}

# Words that carry no topic: dropped from the keyword query so "how do I frame this for a company?" searches
# for "frame" and "company" (bm25 would weigh them low anyway, but they still add noise to the candidate list).
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our
ours out over own same she should so some such than that the their theirs them then there these they this those
through to too under until up very was we were what when where which while who whom why will with would you your
yours please tell give show want need get know should shall may might must let lets thing things something
""".split())

_TOKEN = re.compile(r"\w+", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """The searchable words of free text, lower-cased, de-duplicated, stop words removed (unless nothing else)."""
    tokens = [t.lower().strip("_") for t in _TOKEN.findall(text or "")]
    tokens = [t for t in tokens if t]
    kept = [t for t in tokens if t not in STOP_WORDS and (len(t) > 1 or t.isdigit() or not t.isascii())]
    if not kept:
        kept = tokens
    seen: dict[str, None] = {}
    for t in kept:
        seen.setdefault(t, None)
    return list(seen)[:MAX_QUERY_TERMS]


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression for any user text: each term is a quoted string joined by OR, so quotes,
    operators (AND, NEAR, *, ^, :), brackets, emoji or non-Latin scripts can never cause a syntax error.
    Returns "" when the text has no searchable word."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in query_terms(text))


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K, weights: Sequence[float] | None = None,
        item_weight: dict[int, float] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: score(id) = Σ w / (k + rank) × item_weight(id), rank counted from 1. Ties keep
    first-list order. `item_weight` (default 1) scales a whole collection, e.g. the bundled guidance."""
    weights = weights or [1.0] * len(rankings)
    item_weight = item_weight or {}
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + w * item_weight.get(item, 1.0) / (k + rank)
    order = {item: i for i, item in enumerate(dict.fromkeys(i for r in rankings for i in r))}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def fuse(vec: Sequence[int], kw: Sequence[int], sentence: dict[int, float] | None = None, *, k: int | None = None,
         depth: int | None = None, keyword_weight: float | None = None, sentence_weight: float | None = None,
         item_weight: dict[int, float] | None = None) -> list[tuple[int, float]]:
    """The fused ranking `KnowledgeBase.search` uses (and bench/tune_fusion.py replays): the vector and keyword
    lists cut at `depth`, and, when sentence scores are given, their candidates again by their sentence closest to
    the question (ties in first-seen order), fused by `rrf`. A setting not given is this module's constant as it is
    at call time (bench/kb_store.configure sets them to compare other constants in one run)."""
    k = RRF_K if k is None else k
    depth = FUSION_DEPTH if depth is None else depth
    keyword_weight = KEYWORD_WEIGHT if keyword_weight is None else keyword_weight
    sentence_weight = SENTENCE_WEIGHT if sentence_weight is None else sentence_weight
    lists = [list(vec[:depth]), list(kw[:depth])]
    weights = [1.0, keyword_weight]
    if sentence_weight and sentence is not None:
        candidates = dict.fromkeys(lists[0] + lists[1])
        lists.append(sorted(candidates, key=lambda c: -sentence.get(c, -1.0)))
        weights.append(sentence_weight)
    return rrf(lists, k=k, weights=weights, item_weight=item_weight)
