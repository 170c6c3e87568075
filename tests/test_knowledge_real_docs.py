"""Real documents through the real ingest path (real model, real faiss): the PDF of the reference learning paper
is rebuilt into true headings without page furniture, chunked to the model window, found by fused search beside
the bundled guidance, and questions about specifics no passage holds are declined."""

from pathlib import Path

import pytest

from knowledge.answerability import judge, missing_specifics, specifics
from knowledge.base import KnowledgeBase
from knowledge.chunking import WINDOW, chunk_document, count_tokens
from knowledge.evaluate import load_questions, passage_matches
from knowledge.loaders import load

DATA = Path(__file__).resolve().parent / "data"
PAPER = DATA / "real_docs" / "ctip-pse-learning-paper.pdf"


def test_question_set_is_split_and_every_phrase_is_in_the_loaded_documents():
    qs = load_questions(DATA / "real_docs_questions.jsonl")
    assert len(qs) >= 60 and {q.split for q in qs} == {"dev", "heldout", "heldout2"}
    assert sum(q.split == "heldout" for q in qs) >= 30 and sum(q.split == "heldout2" for q in qs) >= 25
    docs = {p.name: load(p) for p in (DATA / "real_docs").iterdir()}
    for q in qs:
        d = docs[q.expected_source]
        assert passage_matches(q.expected_source, "", d.text, q), q.question


def test_pdf_layout_gives_real_headings_and_drops_running_header_and_page_numbers():
    doc = load(PAPER)
    headings = [s.heading for s in doc.sections]
    assert "Learnings › Learning #3: Partnerships do not come to fruition because of uncertain funding" in headings
    assert any(h.endswith("Work stream 2") for h in headings)
    # ALL-CAPS headings read in sentence case, with the acronyms the text uses
    assert "Learnings › The CTIP projects have to avoid the term ‘trafficking in persons’ because it is considered " \
           "sensitive by companies" in headings
    assert "Learning Paper Series | Private Sector Engagement" not in doc.text  # the running header
    assert "two broad, and fairly distinct streams of work" in " ".join(doc.text.split())  # mended across a page


def test_paper_chunks_fit_the_window_and_none_is_a_heading_fragment():
    chunks = chunk_document(load(PAPER))
    assert len(chunks) >= 30
    for c in chunks:
        assert count_tokens(c.embedding_text()) + 2 <= WINDOW
        assert count_tokens(c.text) >= 25 and c.text.strip() not in c.section, c.text  # a short box at most


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    from storage.store import Store

    folder = tmp_path_factory.mktemp("real")
    store = Store.open(folder / "knowledge.db")  # module-wide and read-only: SQLite only, for speed
    kb = KnowledgeBase.open(store, folder / "index", bundled=True)
    kb.ingest([DATA / "real_docs"])
    yield kb
    kb.close()
    store.close()


def test_users_paper_is_not_drowned_by_the_bundled_guidance(kb):
    qs = [q for q in load_questions(DATA / "real_docs_questions.jsonl") if q.split == "dev"]
    ranks = []
    for q in qs:
        hits = kb.search(q.question, top_k=5)
        ranks.append(next((i for i, h in enumerate(hits, 1)
                           if passage_matches(h.source, h.section, h.text, q)), None))
    hit3 = sum(1 for r in ranks if r and r <= 3) / len(ranks)
    assert hit3 >= 0.7, ranks  # measured 0.77 on dev; plain RRF over the same chunks: 0.43
    kb.set_bundled(weight=1.0)  # the bundled guidance counted as much as the paper: the paper's passages sink
    try:
        drowned = sum(1 for q in qs if any(passage_matches(h.source, h.section, h.text, q)
                                           for h in kb.search(q.question, top_k=3))) / len(qs)
        kb.set_bundled(enabled=False)  # switched off: only the user's documents compete
        alone = sum(1 for q in qs if any(passage_matches(h.source, h.section, h.text, q)
                                         for h in kb.search(q.question, top_k=3))) / len(qs)
    finally:
        kb.set_bundled(enabled=True, weight=0.25)
    assert drowned < hit3 and drowned < alone  # dev hit@3 (bench --bundled-weight): 1 → .26, .25 → .77, off → .71


def test_a_made_up_code_is_declined_even_when_passages_are_similar(kb):
    q = "What does indicator code PSE-7b measure?"
    hits = kb.search(q, top_k=3)
    assert hits and max(h.similarity for h in hits) > 0.3  # similar passages exist (the indicators)...
    v = judge(q, [h.similarity for h in hits], [h.text for h in hits], threshold=0.0)
    assert not v.confident and v.reason == "unsupported-specific" and v.missing == ("PSE-7b",)


def test_specifics_found_in_a_passage_are_accepted():
    assert specifics("What does form CTIP-22 ask for in 2023?") == ["CTIP-22", "2023"]
    assert missing_specifics("interviews between 1 March and 15 April 2021?", ["from 1 March to 15 April 2021"]) == []
    assert missing_specifics("what is IND-4.3?", ["indicator IND 4.3 counts partnerships"]) == []
    assert missing_specifics("what is IND-4.3?", ["indicator 4 counts partnerships"]) == ["IND-4.3"]
