"""knowledge/shared_files.py: names of shared files, and a new version that cannot be read leaving the old one."""

from __future__ import annotations

from knowledge import shared_files
from knowledge.shared_files import place_and_ingest, safe_name
from tests.kbfiles_support import GARBAGE, fresh_kb

MAX = 1024 * 1024


def test_safe_names():
    assert safe_name("Retail onboarding.pdf") == "Retail onboarding.pdf"
    assert safe_name("../../etc/passwd.md") == "passwd.md"
    assert safe_name("C:\\Users\\x\\notes.txt") == "notes.txt"
    assert safe_name(".hidden.md") == "hidden.md"
    assert safe_name("") == "document"
    long = safe_name("a" * 500 + ".docx")
    assert long.endswith(".docx") and len(long) <= shared_files.MAX_NAME


def test_refusals_before_download():
    assert "can't read .xlsx" in shared_files.refusal_before_download("b.xlsx", 10, MAX)
    assert "more than the 1 MB limit" in shared_files.refusal_before_download("b.pdf", 2 * MAX, MAX)
    assert shared_files.refusal_before_download("b.PDF", None, MAX) == ""


def test_a_version_that_cannot_be_read_leaves_the_old_one(tmp_path, bundled_kb, store):
    kb = fresh_kb(tmp_path / "index", bundled_kb, store)
    folder = tmp_path / "documents"
    try:
        good = tmp_path / "in1"
        good.write_text("# Buddy system\n\nEvery new employee gets a buddy for three months.\n")
        first = place_and_ingest(kb, folder, good, "buddy.md", MAX)
        assert first.status == "added" and first.passages >= 1 and "Buddy system" in first.example
        bad = tmp_path / "in2"
        bad.write_bytes(GARBAGE)
        second = place_and_ingest(kb, folder, bad, "buddy.md", MAX)
        assert second.status == "refused" and "binary" in second.problem
        [doc] = kb.documents()
        assert doc.sha256 == first.sha256
        assert (folder / "buddy.md").read_text().startswith("# Buddy system")
        assert sorted(p.name for p in folder.iterdir()) == ["buddy.md"]
    finally:
        kb.close()
