"""The in-process bm25s keyword index (knowledge/sparse.py): stemming, ranking, and keeping up with writes, its
own at once and another process's after the generation check (each database test on SQLite and PostgreSQL)."""

from pathlib import Path

import pytest

from knowledge import sparse
from knowledge.base import KnowledgeBase

HOTLINE = "# Hotline\n\nWho pays for airtime on the survivor hotline.\n"


@pytest.fixture
def docs(tmp_path):
    """A folder with one short document, a.md, that alone mentions airtime."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text(HOTLINE)
    return folder


def test_tokens_are_stemmed_like_fts5_porter_and_drop_stop_words():
    assert sparse.tokens("How do companies run their Partnerships?") == ["compani", "run", "partnership"]
    assert sparse.tokens("company") == sparse.tokens("companies")
    assert sparse.tokens("Émigré workers") == ["emigr", "worker"]
    assert sparse.tokens("") == [] and sparse.tokens("the of and") == []


def test_rare_words_outrank_common_ones_and_writes_are_mirrored():
    idx = sparse.SparseKeywordIndex()
    idx.load([(1, "Guide", "Intro", "partners partners partners and companies"),
              (2, "Guide", "Airtime", "who pays for airtime on the hotline"),
              (3, "Guide", "Other", "partners meet companies")], gen=4)
    assert [i for i, _ in idx.search("partners airtime", 5)][0] == 2  # the rare word counts more (IDF)
    assert idx.search("zzqxv", 5) == [] and idx.search("", 5) == [] and idx.search("airtime", 0) == []
    assert not idx.apply(3, 5, [], [])  # not at the base generation: left for the next load
    assert idx.apply(4, 5, [2], [{"id": 9, "title": "Guide", "section": "Budget", "text": "airtime budget"}])
    assert idx.generation == 5 and [i for i, _ in idx.search("airtime", 5)] == [9]


def test_another_process_writing_is_seen_by_the_keyword_index(two_processes, docs):
    reader, writer = two_processes.reader, two_processes.writer
    writer.ingest([docs])
    assert writer.search("airtime", top_k=1, mode="keyword")[0].source.endswith("a.md")  # its own write: at once
    assert reader.search("airtime", top_k=1, mode="keyword") == []  # not looked yet
    two_processes.tick()
    assert reader.search("airtime", top_k=1, mode="keyword")[0].source.endswith("a.md")
    writer.remove(str(Path(docs / "a.md").resolve()))
    assert writer.search("airtime", top_k=1, mode="keyword") == []
    two_processes.tick()
    assert reader.search("airtime", top_k=1, mode="keyword") == []


def test_a_write_tokenises_only_its_own_passages(monkeypatch):
    idx = sparse.SparseKeywordIndex()
    idx.load([(i, "Guide", f"Part {i}", f"partners and companies number {i}") for i in range(1, 200)], gen=1)
    seen = []
    real = sparse.passage_tokens
    monkeypatch.setattr(sparse, "passage_tokens", lambda *a: seen.append(a) or real(*a))
    assert idx.apply(1, 2, [5, 6], [{"id": 500, "title": "Guide", "section": "Hotline", "text": "airtime for partners"}])
    assert len(seen) == 1 and len(idx) == 198  # the other 197 passages were not touched
    assert [i for i, _ in idx.search("airtime", 5)] == [500]
    assert 5 not in [i for i, _ in idx.search("partners", 300)]


def test_a_restart_reads_the_keyword_cache_instead_of_tokenising(store, tmp_path, docs, monkeypatch):
    (docs / "a.md").write_text(HOTLINE + "\n## Budget\n\nTravel.\n")
    first = KnowledgeBase.open(store, tmp_path / "cache", bundled=False)
    first.ingest([docs])
    expected = [(h.chunk_id, h.score) for h in first.search("airtime budget", top_k=3, mode="keyword")]
    first.close()
    assert len(list((tmp_path / "cache").glob("keywords-*.npz"))) == 1
    monkeypatch.setattr(sparse.SparseKeywordIndex, "load", lambda *a: (_ for _ in ()).throw(AssertionError("read")))
    again = KnowledgeBase.open(store, tmp_path / "cache", bundled=False)
    assert [(h.chunk_id, h.score) for h in again.search("airtime budget", top_k=3, mode="keyword")] == expected
    again.close()


def test_a_stale_or_broken_keyword_cache_is_ignored(store, tmp_path, docs, monkeypatch):
    kb = KnowledgeBase.open(store, tmp_path / "cache", bundled=False)
    kb.ingest([docs])
    kb.close()
    [path] = (tmp_path / "cache").glob("keywords-*.npz")
    loads = []
    real_load = sparse.SparseKeywordIndex.load
    monkeypatch.setattr(sparse.SparseKeywordIndex, "load", lambda self, *a: loads.append(1) or real_load(self, *a))
    original = sparse.TOKENS_VERSION
    for damage in ("tokeniser", "bytes"):
        if damage == "tokeniser":  # made by another version of the tokeniser
            monkeypatch.setattr(sparse, "TOKENS_VERSION", "elsewhere")
        else:
            monkeypatch.setattr(sparse, "TOKENS_VERSION", original)
            path.write_bytes(b"not a cache file")
        kb = KnowledgeBase.open(store, tmp_path / "cache", bundled=False)
        assert len(loads) == 1  # the passages were tokenised again
        assert kb.search("airtime", top_k=1, mode="keyword")[0].source.endswith("a.md")
        kb.close()
        loads.clear()
