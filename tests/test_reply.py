"""The reply model's own text rendering (the terminal, and every adapter's fallback): a passage's collection and
an example document's note."""

from bot.reply import Passage, Reply


def test_the_terminal_shows_the_collection_and_the_example_note_before_the_text():
    p = Passage(text="Escalate within two days.", source="corpus/escalation.md", title="Escalation",
                version="2d407503", added="2024-05-03", collection="bundled guidance", status="example")
    assert p.provenance() == "bundled guidance · version 2d407503 · added 2024-05-03"
    assert Reply(text="Answer", passages=[p]).as_text().splitlines()[2:5] == [
        "[1] Escalation",
        "    source: corpus/escalation.md · bundled guidance · version 2d407503 · added 2024-05-03",
        "    note: Example to adapt, not policy: your programme should set its own."]


def test_a_passage_without_collection_or_status_reads_as_before():
    p = Passage(text="Listen first.", source="guide.md", title="Guide", version="aa", added="2024-01-02")
    assert p.source_line() == "guide.md · version aa · added 2024-01-02" and p.status_note() == ""
    assert "note:" not in Reply(text="x", passages=[p]).as_text()
    draft = Passage(text="t", source="s", title="T", status="draft")
    assert draft.status_note() == "Marked “draft” by its authors."
