"""knowledge/bm25.py: the scores of bm25s built afresh on the same passages, bit for bit, after any sequence of
additions and removals (so switching from a rebuilt bm25s matrix changed no ranking)."""

from __future__ import annotations

import random

import bm25s
import numpy as np
import pytest

from knowledge import bm25
from knowledge.bm25 import IncrementalBM25
from knowledge.sparse import BM25_PARAMS

WORDS = [f"w{i}" for i in range(60)]


def passage(rng: random.Random) -> list[str]:
    # a skewed vocabulary: some words in most passages, some rare; some passages empty
    return [WORDS[min(int(rng.expovariate(0.08)), len(WORDS) - 1)] for _ in range(rng.choice([0, 3, 8, 20, 40]))]


def reference(docs: dict[int, list[str]], query: list[str]) -> dict[int, np.float32]:
    """bm25s on the living passages, rebuilt (what sparse.py did before bm25.py)."""
    ids = list(docs)
    model = bm25s.BM25(**BM25_PARAMS)
    model.index([docs[i] for i in ids], show_progress=False)
    terms = [t for t in query if t in model.vocab_dict]
    if not terms:
        return {}
    scores = model.get_scores(terms)
    return {i: scores[n] for n, i in enumerate(ids) if scores[n] > 0}


def ours(index: IncrementalBM25, query: list[str]) -> dict[int, np.float32]:
    scores, ids = index.scores(query)
    return {int(ids[s]): scores[s] for s in np.flatnonzero(scores > 0)}


@pytest.mark.parametrize("seed", range(6))
def test_same_scores_as_bm25s_through_adds_and_removes(seed, monkeypatch):
    monkeypatch.setattr(bm25, "COMPACT_MIN", 20 if seed % 2 else 10_000)  # with and without compactions on the way
    rng = random.Random(seed)
    index, docs, next_id = IncrementalBM25(k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"]), {}, 1
    for step in range(25):
        batch = {next_id + j: passage(rng) for j in range(rng.choice([1, 1, 2, 5, 30]))}
        next_id += len(batch)
        index.add(batch.items())
        docs.update(batch)
        if docs and rng.random() < 0.5:
            gone = rng.sample(sorted(docs), k=min(len(docs), rng.choice([1, 3, 10])))
            index.remove(gone)
            for i in gone:
                docs.pop(i)
        if rng.random() < 0.2 and docs:  # a passage replaced under the same id
            i = rng.choice(sorted(docs))
            docs[i] = passage(rng)
            index.add([(i, docs[i])])
        query = list(dict.fromkeys(rng.sample(WORDS[:30], 3) + ["unknown"]))
        assert len(index) == len(docs)
        expected = reference(docs, query) if docs else {}
        got = ours(index, query)
        assert got.keys() == expected.keys(), step
        assert all(got[i] == expected[i] for i in got), step  # exactly equal float32, not approximately


def test_segments_stay_few_and_dead_passages_are_compacted():
    index = IncrementalBM25()
    for i in range(1, 3001):
        index.add([(i, ["alpha", "beta" if i % 2 else "gamma"])])
    assert index.segments <= 12  # logarithmic, not one per write
    index.remove(range(1, 2500))
    assert len(index) == 501
    scores, ids = index.scores(["alpha"])
    assert sorted(int(ids[s]) for s in np.flatnonzero(scores > 0)) == list(range(2500, 3001))
    assert len(scores) < 3000  # compacted: dead slots dropped once they outnumbered the living


def test_unknown_and_vanished_terms_score_nothing():
    index = IncrementalBM25()
    index.add([(1, ["rare", "common"]), (2, ["common"])])
    index.remove([1])
    assert ours(index, ["rare"]) == {}
    assert ours(index, ["nowhere"]) == {}
    assert set(ours(index, ["common"])) == {2}
    index.remove([2])
    assert ours(index, ["common"]) == {}


def test_exported_arrays_give_back_the_same_scores():
    rng = random.Random(3)
    index = IncrementalBM25()
    for start in range(1, 200, 20):
        index.add((i, passage(rng)) for i in range(start, start + 20))
    index.remove(range(1, 200, 7))
    copy = IncrementalBM25.from_arrays(index.export())
    assert len(copy) == len(index) and copy.segments == 1
    for query in (["w0", "w3"], ["w10"], ["w1", "nowhere"]):
        assert ours(copy, query) == ours(index, query)
    assert len(IncrementalBM25.from_arrays(IncrementalBM25().export())) == 0
