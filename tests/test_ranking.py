import sqlite3

from hypothesis import given, settings, strategies as st

from knowledge.ranking import fts_query, query_terms, rrf


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
