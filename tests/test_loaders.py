from pathlib import Path

import pytest

from doc_builders import HTML_PAGE, write_docx, write_pdf
from knowledge.loaders import clean_extracted_text, heading_level, load, supported_types
from knowledge.text_blocks import body_forms, readable_heading
from knowledge.types import EmptyDocument, LoadError, UnsupportedFileType

DOCS = Path(__file__).parent / "fixtures" / "docs"


def test_markdown_front_matter_title_type_and_heading_paths():
    doc = load(DOCS / "field-guide.md")
    assert doc.title == "Field guide to partner meetings"
    assert doc.doc_type == "training"
    assert doc.meta["tags"] == ["meetings", "preparation"]
    assert doc.meta["last_reviewed"] == "2024-05-01"
    paths = [s.path for s in doc.sections]
    assert paths == [(), ("Before the meeting",), ("During the meeting", "Listening first"),
                     ("During the meeting", "Agreeing next steps")]
    assert doc.sections[2].heading == "During the meeting › Listening first"
    # hard-wrapped markdown lines are re-joined; the paragraph break stays
    assert "Let them talk before you describe" in doc.sections[2].text
    assert "\n\nBring one concrete idea" in doc.sections[1].text
    assert len(doc.sha256) == 64


def test_markdown_without_front_matter_takes_h1_and_unknown_type_is_guidance(tmp_path):
    f = tmp_path / "note.md"
    f.write_text("---\ntype: recipe\n---\n# Pitch notes\n\nSay [decent work](http://x) first.\n![logo](a.png)\n")
    doc = load(f)
    assert doc.title == "Pitch notes"
    assert doc.doc_type == "guidance"
    assert doc.sections[0].text == "Say decent work first."


def test_bad_front_matter_is_reported_by_name(tmp_path):
    f = tmp_path / "broken.md"
    f.write_text("---\ntitle: [unclosed\n---\nbody\n")
    with pytest.raises(LoadError, match="broken.md.*front matter"):
        load(f)


def test_extracted_text_rejoins_lines_dehyphenates_and_finds_headings():
    doc = load(DOCS / "extracted-report.txt")
    assert doc.title == "Working with seafood exporters"  # set in capitals in the file
    assert [s.heading for s in doc.sections] == ["1. Introduction", "2. What worked",
                                                 "2. What worked › 2.1 Lessons on cost"]
    intro = doc.sections[0].text
    assert "from international buyers about how their crews are recruited and treated at sea." in intro
    assert "\n\nThis note sums up" in intro  # a short line ending a sentence closes the paragraph
    assert "12" not in doc.text.split()  # the page number is dropped
    assert "- Start with one vessel group" in doc.sections[1].text


@pytest.mark.parametrize("line, level", [
    ("INTRODUCTION", 2), ("DUE DILIGENCE STEPS", 2), ("3. Negotiation", 2), ("3.2 Signing the agreement", 3),
    ("This is an ordinary sentence.", 0), ("1. Meet the company to learn about its goals, then report.", 0),
    ("NDA", 0), ("CONCLUSION", 2), ("OK.", 0),
])
def test_heading_level(line, level):
    assert heading_level(line) == level


@pytest.mark.parametrize("heading, readable", [
    ("THE CTIP PROJECTS IN CAMBODIA", "The CTIP projects in Cambodia"),
    ("LEARNINGS", "Learnings"),
    ("WHY ‘TRAFFICKING’ IS SENSITIVE", "Why ‘trafficking’ is sensitive"),
    ("PSE", "PSE"),                                 # too short to tell from an acronym
    ("Learning #2: Staff time", "Learning #2: Staff time"),  # not all capitals: as written
])
def test_an_all_caps_heading_reads_in_sentence_case_keeping_the_bodys_capitals(heading, readable):
    forms = body_forms(["Our CTIP work in Cambodia is slow.", "Cambodia and CTIP again; trafficking is a word."])
    assert readable_heading(heading, forms) == readable


def test_clean_extracted_text_dehyphenates_lower_case_continuations_only():
    blocks = clean_extracted_text("Screen for com-\nplaints in the CTIP-\nProgramme area.\n")
    assert blocks == [(0, "Screen for complaints in the CTIP- Programme area.")]


def test_pdf_text_is_extracted_and_cleaned(tmp_path):
    pdf = write_pdf(tmp_path / "brief.pdf", [
        "PARTNER SCREENING", "Before any agreement, screen the company for labour com-",
        "plaints and court cases in the last five years.", "", "1", "2. Scoring",
        "Rate each finding low, medium or high."], title="Screening brief")
    doc = load(pdf)
    assert doc.title == "Screening brief"
    assert doc.meta["pages"] == 1
    text = doc.text
    assert "labour complaints and court cases" in text
    assert "Partner screening" in [s.heading for s in doc.sections]
    assert any(s.heading.endswith("2. Scoring") for s in doc.sections)


def test_corrupt_pdf_and_pdf_without_text_are_reported(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(LoadError, match="bad.pdf"):
        load(bad)
    blank = write_pdf(tmp_path / "scan.pdf", [])
    with pytest.raises(EmptyDocument, match="scan.pdf.*no extractable text"):
        load(blank)


def test_docx_headings_become_sections_and_title_comes_from_core_properties(tmp_path):
    doc = load(write_docx(tmp_path / "retail.docx"))
    assert doc.title == "Onboarding a retail partner"
    headings = [s.heading for s in doc.sections]
    assert headings == ["", "First contact", "First contact › Training plan"]
    assert "- Send the vacancy list to the case workers\n- Agree a date" in doc.sections[1].text
    assert "1 | Till and stock basics" in doc.sections[2].text


def test_docx_that_is_not_a_zip_is_reported(tmp_path):
    f = tmp_path / "old.docx"
    f.write_bytes(b"\xd0\xcf\x11\xe0 an old binary .doc renamed")
    with pytest.raises(LoadError, match="old.docx"):
        load(f)


def test_html_title_sections_and_stripped_chrome(tmp_path):
    f = tmp_path / "briefing.html"
    f.write_text(HTML_PAGE)
    doc = load(f)
    assert doc.title == "Ethical recruitment briefing"
    assert [s.heading for s in doc.sections] == ["", "Employer pays", "Employer pays › Checking agencies"]
    text = doc.text
    for noise in ("tracking", "navigation link", "Copyright", "color: red"):
        assert noise not in text
    assert "- Ask for the fee schedule in writing.\n- Talk to recently placed workers." in text


def test_unsupported_and_empty_files_name_the_file(tmp_path):
    f = tmp_path / "slides.pptx"
    f.write_bytes(b"PK...")
    with pytest.raises(UnsupportedFileType) as e:
        load(f)
    assert "slides.pptx" in str(e.value) and ".docx" in str(e.value) and ".md" in str(e.value)
    assert ".pdf" in supported_types()
    empty = tmp_path / "empty.md"
    empty.write_text("  \n\n")
    with pytest.raises(EmptyDocument, match="empty.md"):
        load(empty)
    only_front = tmp_path / "front.md"
    only_front.write_text("---\ntitle: Nothing here\n---\n")
    with pytest.raises(EmptyDocument, match="front.md"):
        load(only_front)


def test_the_body_is_read_for_capitals_only_when_a_heading_is_set_in_capitals(monkeypatch):
    from knowledge import text_blocks

    read = []
    monkeypatch.setattr(text_blocks, "body_forms", lambda paragraphs: read.append(1) or {})
    text_blocks.blocks_to_sections([(2, "Partner screening"), (0, "Screen the company.")])
    assert read == []
    text_blocks.blocks_to_sections([(2, "PARTNER SCREENING"), (0, "Screen the company.")])
    assert read == [1]
