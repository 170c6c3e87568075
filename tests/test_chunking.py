from knowledge.chunking import (MAX_TOKENS, MERGE_BELOW, MIN_TOKENS, WINDOW, chunk_document, chunk_section_text,
                                count_tokens, drop_repeated_sentences, merge_small_sections, split_sentences)
from knowledge.types import Document, Section


def _sentence(i: int) -> str:
    return f"Sentence number {i} explains one more practical step of partner work in plain words."


def _doc(sections):
    return Document(source="s.md", title="T", doc_type="guidance", meta={}, sections=sections, sha256="x")


def test_short_section_is_one_chunk_with_title_section_and_ordinal():
    text = " ".join(_sentence(i) for i in range(8))  # ~104 words
    chunks = chunk_document(_doc([Section(("Due diligence", "Checks"), text)]))
    assert len(chunks) == 1
    c = chunks[0]
    assert (c.title, c.section, c.source, c.ordinal) == ("T", "Due diligence › Checks", "s.md", 0)
    assert c.text == text


def test_long_section_splits_at_paragraphs_within_bounds_with_small_overlap():
    paras = ["\n".join([" ".join(_sentence(p * 10 + i) for i in range(4))]) for p in range(8)]  # 8 × ~52 words
    text = "\n\n".join(paras)
    chunks = chunk_section_text(text)
    assert len(chunks) >= 3
    for i, c in enumerate(chunks):
        assert count_tokens(c) <= MAX_TOKENS
        if i:  # every later chunk starts with (at least) the previous chunk's last sentence
            prev_last = split_sentences(chunks[i - 1])[-1]
            assert prev_last in c.split("\n\n")[0]
    # every paragraph survives whole in some chunk
    for p in paras:
        assert any(p in c for c in chunks)


def test_overlong_paragraph_is_cut_at_sentence_ends():
    text = " ".join(_sentence(i) for i in range(40))  # one ~520-word paragraph
    chunks = chunk_section_text(text)
    assert len(chunks) >= 3
    for c in chunks:
        assert count_tokens(c) <= MAX_TOKENS
        assert c.rstrip().endswith(".")


def test_chunks_never_cross_sections_and_ordinals_run_on():
    big = " ".join(_sentence(i) for i in range(10))
    doc = _doc([Section(("A",), big), Section(("B",), big)])
    chunks = chunk_document(doc)
    assert [c.section for c in chunks] == ["A", "B"]
    assert [c.ordinal for c in chunks] == [0, 1]


def test_small_sections_merge_under_their_shared_parent_only():
    tiny = "Keep it short."
    big = " ".join(_sentence(i) for i in range(6))
    sections = [Section((), "Intro line for the whole document."), Section(("Steps",), big),
                Section(("Steps", "One"), tiny), Section(("Steps", "Two"), big),
                Section(("Other",), tiny), Section(("Unrelated",), big)]
    merged = merge_small_sections(sections)
    assert [s.path for s in merged] == [("Steps",), ("Steps",), ("Other",), ("Unrelated",)]
    assert merged[0].text.startswith("Intro line for the whole document.")  # preamble joins the first section
    assert merged[1].text.startswith("One\n\nKeep it short.\n\nTwo\n\n")  # sub-headings kept as lines
    assert merged[2].text == tiny  # no shared parent: left alone rather than mislabelled
    assert MERGE_BELOW <= MIN_TOKENS


def test_split_sentences_keeps_list_items_apart():
    assert split_sentences("First one. Second one!\n- item a\n- item b") == \
        ["First one.", "Second one!", "- item a", "- item b"]


def test_tokens_are_the_models_word_pieces():
    # "diligence" is three word pieces in the MiniLM vocabulary; a word count would say 1
    assert count_tokens("diligence") == 3 and count_tokens("CTIP") == 2
    assert count_tokens("partner") == 1


def test_every_chunk_with_its_heading_fits_the_model_window():
    long_title = "A very long document title that takes many word pieces of the model window"
    text = "\n\n".join(" ".join(_sentence(p * 10 + i) for i in range(5)) for p in range(12))
    doc = Document(source="s.md", title=long_title, doc_type="guidance", meta={},
                   sections=[Section(("Section with a long heading about partnership agreements",), text)],
                   sha256="x")
    chunks = chunk_document(doc)
    assert len(chunks) >= 4
    for c in chunks:
        assert count_tokens(c.embedding_text()) + 2 <= WINDOW
    assert all(count_tokens(c.text) >= MIN_TOKENS for c in chunks)  # no scraps


def test_a_long_table_keeps_one_row_per_line_and_repeats_its_header():
    from knowledge.chunking import chunk_section_text

    rows = "\n".join(f"| word number {i} that companies find alarming | a calmer phrase number {i} for the same idea |"
                     for i in range(60))
    text = "| Instead of | Try |\n|---|---|\n" + rows
    chunks = chunk_section_text(text)
    assert len(chunks) > 1
    for c in chunks:
        lines = c.splitlines()
        assert lines[0] == "| Instead of | Try |" and lines[1] == "|---|---|"
        assert all(ln.startswith("| ") and ln.endswith(" |") for ln in lines[2:])
    assert sum(len(c.splitlines()) - 2 for c in chunks) >= 60


def test_a_sentence_repeated_three_times_in_a_document_is_dropped_everywhere():
    cite = "Interview with a country project staff member."
    sections = [
        Section(("Findings",), f"Staff find the work slow. {cite}\n\nCompanies want proof. {cite}"),
        Section(("Challenges",), f"Funding is uncertain. {cite}\n\nYes. Yes. Yes."),
        Section(("Notes",), f"{cite}\n\nTwice said is kept. Twice said is kept."),
        Section(("Only a citation",), cite),
    ]
    out = drop_repeated_sentences(sections)
    assert [s.path for s in out] == [s.path for s in sections]
    assert out[0].text == "Staff find the work slow.\n\nCompanies want proof."
    assert out[1].text == "Funding is uncertain.\n\nYes. Yes. Yes."  # too short to count as furniture
    assert out[2].text == "Twice said is kept. Twice said is kept."  # said twice, not three times: kept
    assert out[3].text == cite  # a section left empty keeps its text
    assert drop_repeated_sentences(sections[:1]) == sections[:1]  # twice in the document: nothing dropped
    assert sum(c.text.count(cite) for c in chunk_document(_doc(sections))) == 1
