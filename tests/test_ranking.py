import sqlite3

from hypothesis import given, settings, strategies as st

from knowledge.ranking import fts_query, fuse, query_terms, rrf


def _fts():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, section, text, tokenize='porter unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t VALUES ('Due diligence', 'Checks', 'Screen the company for court cases')")
    return db


def test_query_terms_drop_stop_words_and_keep_content():
    assert query_terms("How do I frame this for a company?") == ["frame", "company"]
    assert query_terms("how do I") == ["how", "do", "i"]  # nothing else: keep what there is
    assert query_terms("") == []


def test_weird_inputs_never_break_the_fts_query():
    db = _fts()
    for text in ['"unbalanced', 'NEAR(a b) AND OR NOT', "col:value ^start *", "(((", "🙂🙂", "ค้นหา การค้ามนุษย์",
                 "due-diligence's \"court\" cases", "'; DROP TABLE t; --", "\x00\x1f", "a" * 5000]:
        q = fts_query(text)
        if q:
            db.execute("SELECT rowid FROM t WHERE t MATCH ?", (q,)).fetchall()
    assert db.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts_query("court cases?"),)).fetchall() == [(1,)]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_a_valid_match_expression(text):
    q = fts_query(text)
    if q:
        _DB.execute("SELECT rowid FROM t WHERE t MATCH ?", (q,)).fetchall()


_DB = _fts()


def test_rrf_rewards_agreement_and_respects_weights():
    fused = rrf([[1, 2, 3], [3, 4]], k=60)
    assert fused[0][0] == 3  # in both lists
    assert [i for i, _ in fused] == [3, 1, 2, 4]
    weighted = rrf([[1], [2]], k=60, weights=[1.0, 0.5])
    assert [i for i, _ in weighted] == [1, 2]
    tie = rrf([[1], [2]], k=60)  # equal scores: first list first
    assert [i for i, _ in tie] == [1, 2]


def test_fuse_adds_the_candidates_ranked_by_their_closest_sentence():
    vec, kw = [1, 2, 3], [4, 2]
    plain = [i for i, _ in fuse(vec, kw, None, k=2, keyword_weight=0.5)]
    assert plain == [i for i, _ in rrf([vec, kw], k=2, weights=[1.0, 0.5])]  # no sentence scores: two lists
    sentence = {3: 0.9, 4: 0.8, 1: 0.1, 2: 0.2}
    fused = [i for i, _ in fuse(vec, kw, sentence, k=2, keyword_weight=0.5, sentence_weight=2.0)]
    assert fused == [i for i, _ in rrf([vec, kw, [3, 4, 2, 1]], k=2, weights=[1.0, 0.5, 2.0])]
    assert fused[0] == 3 and fused != plain  # the passage with the closest sentence rises
    assert [i for i, _ in fuse(vec, kw, sentence, k=2, keyword_weight=0.5, sentence_weight=0.0)] == plain
    assert [i for i, _ in fuse(vec, kw, None, depth=1, k=2)] == [1, 4]  # each list cut at depth
    bundled = fuse(vec, kw, None, k=2, item_weight={1: 0.1})
    assert bundled[-1][0] == 1  # a down-weighted collection sinks


def test_fuse_reads_the_module_settings_when_it_is_called(monkeypatch):
    """KnowledgeBase.search passes no k or weights: `fuse` takes this module's constants as they are at call time,
    so `bench/retrieval_quality.py --fusion K,DEPTH,KW,BW,SW` (bench/kb_store.configure) really changes them."""
    import knowledge.ranking as ranking

    vec, kw = [1, 2, 3], [3, 4]
    sentence = {4: 0.9, 1: 0.1, 2: 0.1, 3: 0.1}
    before = [i for i, _ in ranking.fuse(vec, kw, sentence)]
    assert before == [i for i, _ in ranking.fuse(vec, kw, sentence, k=ranking.RRF_K, depth=ranking.FUSION_DEPTH,
                                                 keyword_weight=ranking.KEYWORD_WEIGHT,
                                                 sentence_weight=ranking.SENTENCE_WEIGHT)]
    monkeypatch.setattr(ranking, "KEYWORD_WEIGHT", 5.0)
    assert [i for i, _ in ranking.fuse(vec, kw, sentence)][0] == 3  # the keyword list now leads
    monkeypatch.setattr(ranking, "KEYWORD_WEIGHT", 0.0)
    monkeypatch.setattr(ranking, "SENTENCE_WEIGHT", 5.0)
    assert [i for i, _ in ranking.fuse(vec, kw, sentence)][0] == 4  # the closest sentence now leads
    monkeypatch.setattr(ranking, "SENTENCE_WEIGHT", 0.0)
    monkeypatch.setattr(ranking, "FUSION_DEPTH", 1)
    assert [i for i, _ in ranking.fuse(vec, kw, sentence)] == [1, 3]
