"""Ingest refuses what it should not read (issue 15): files over the size limit (without reading them), and
content that is not what its name says (binary garbage named .md, a PNG named .pdf, an old .doc named .docx),
each with a message that names the file. Nothing of a refused file reaches the index."""

from __future__ import annotations

import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from knowledge.loaders import load
from knowledge.sniff import DEFAULT_MAX_BYTES, NotWhatItsNameSays, TooLarge, sniff

DOCS = Path(__file__).parent / "fixtures" / "docs"
RANDOM = bytes((i * 7919 + 13) % 256 for i in range(4096))  # repeatable "random" bytes


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.truncate(size)  # a sparse file: no disk, no time
    return path


def test_a_200_mb_file_is_refused_by_the_limit_quickly_without_reading_it(tmp_path):
    big = sparse(tmp_path / "minutes.txt", 200 * 1024 * 1024)
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(TooLarge) as err:
        load(big)
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert str(big) in str(err.value) and "200 MB" in str(err.value) and "50 MB limit" in str(err.value)
    assert "--max-size" in str(err.value)
    assert elapsed < 2 and peak < 5 * 1024 * 1024
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_the_limit_can_be_raised_or_lowered(tmp_path):
    doc = tmp_path / "note.md"
    doc.write_text("# Note\n\n" + "Meet the hotel association before the job fair. " * 100)
    assert load(doc, max_bytes=None).sections
    with pytest.raises(TooLarge, match="note.md"):
        load(doc, max_bytes=1000)
    with pytest.raises(TooLarge):
        load(doc, data=doc.read_bytes(), max_bytes=1000)


@pytest.mark.parametrize("name,data,says", [
    ("notes.md", RANDOM, "not markdown but binary data"),
    ("notes.txt", b"Meeting notes\x00\x00\x00\x01\x02binary", "not plain text but binary data"),
    ("page.html", b"\x89PNG\r\n\x1a\n" + RANDOM, "looks like a PNG image"),
    ("notes.md", b"PK\x03\x04" + RANDOM, "looks like a zip archive"),
    ("report.pdf", b"<html><body>Not a PDF</body></html>", "not a PDF file"),
    ("report.pdf", b"\xff\xd8\xff\xe0" + RANDOM, "looks like a JPEG image"),
    ("report.pdf", RANDOM, "not a PDF file"),
    ("brief.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + RANDOM, "save it as .docx"),
    ("brief.docx", b"Just some text pretending to be Word", "not a Word .docx file"),
])
def test_content_that_is_not_what_its_name_says_is_refused_by_name(tmp_path, name, data, says):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(NotWhatItsNameSays) as err:
        load(path)
    assert str(err.value).startswith(str(path) + ":") and says in str(err.value)


@pytest.mark.parametrize("data", [
    "Plain notes about the hotel association.\n".encode(),
    "Réunion avec l'association hôtelière — café ☕\n".encode("utf-8"),
    "Réunion avec l'association hôtelière, 50 € budget\n".encode("cp1252"),
    "ការប្រជុំជាមួយសមាគមសណ្ឋាគារ\n".encode("utf-16"),
    "ការប្រជុំជាមួយសមាគមសណ្ឋាគារ ".encode() * 3000,  # a Khmer character cut by the end of the sample
    b"\xef\xbb\xbf# Title with a BOM\n\nText.\n",
])
def test_real_text_in_any_encoding_the_loaders_read_passes(data):
    sniff("text", data[:8192], "notes.txt")
    sniff("markdown", data[:8192], "notes.md")


def test_real_fixture_documents_still_load(tmp_path):
    for path in DOCS.iterdir():
        if path.suffix in (".md", ".txt", ".pdf", ".docx", ".html"):
            assert load(path).sections, path


def test_pse_bot_ingest_reports_refused_files_and_keeps_the_others(settings, store, bundled_kb, tmp_path):
    from kb_support import copy_knowledge

    copy_knowledge(bundled_kb, store, settings.index_dir)  # the real guidance, nothing to embed
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("# Hotel jobs\n\nAsk the hotel association which members hire survivors.\n")
    (folder / "garbage.md").write_bytes(RANDOM)
    sparse(folder / "huge.txt", 200 * 1024 * 1024)
    (folder / "medium.txt").write_text("Notes on the cold-storage partner.\n" * 40000)  # about 1.3 MB
    result = CliRunner().invoke(main, ["ingest", str(folder), "--max-size", "1"])
    assert result.exit_code == 1
    out = result.output
    assert "added" in out and "good.md" in out
    assert "FAILED" in out and "garbage.md: this is not markdown but binary data" in out
    assert "huge.txt: the file is 200 MB, more than the 1 MB limit" in out
    assert "medium.txt: the file is 1.3 MB, more than the 1 MB limit" in out
    assert "\r" not in out and "file/s" not in out  # no progress bar when not on a terminal
    listing = CliRunner().invoke(main, ["kb", "list", "--json"]).output
    assert "good.md" in listing and "garbage.md" not in listing and "huge.txt" not in listing


def test_the_default_limit_is_a_setting(tmp_path):
    from bot.settings import Settings

    assert Settings.from_env({"PSE_HOME": str(tmp_path)}).max_ingest_mb == 50
    assert Settings.from_env({"PSE_HOME": str(tmp_path), "PSE_MAX_INGEST_MB": "2.5"}).max_ingest_mb == 2.5
    for bad in ("lots", "0", "-3"):
        with pytest.raises(SystemExit, match="PSE_MAX_INGEST_MB"):
            Settings.from_env({"PSE_HOME": str(tmp_path), "PSE_MAX_INGEST_MB": bad})


def test_a_big_text_file_is_chunked_without_tokenizing_it_whole(tmp_path, monkeypatch):
    """Tokenizing a multi-megabyte section in one call took hundreds of megabytes (721 MB peak for 5 MB of text);
    the chunker now tokenizes paragraph- and sentence-sized pieces only."""
    import knowledge.chunking as chunking

    path = tmp_path / "minutes.txt"
    line = "The hotel association met the project team about placements for trained workers this season.\n"
    path.write_text("".join(line + ("\n" if i % 20 == 19 else "") for i in range(20000)))  # about 2 MB, one section
    longest = []
    real = chunking.count_tokens

    def spy(text):
        longest.append(len(text))
        return real(text)

    monkeypatch.setattr(chunking, "count_tokens", spy)
    chunks = chunking.chunk_document(load(path))
    assert len(chunks) > 1000 and max(longest) < 20_000
