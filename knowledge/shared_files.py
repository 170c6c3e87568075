"""Documents shared with the bot in chat: checked before they are downloaded, kept in one folder, ingested.

A shared file is kept as `<documents folder>/<its file name>` and ingested from there through the public
`KnowledgeBase.ingest`, so its source is that path: sharing a file of the same name again replaces the old
version (or does no work when the bytes are unchanged). A new version that cannot be loaded leaves the old
version in place, file and passages; the index writes each document in one transaction, so a crash leaves the
old version or the new one, never half of either.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from knowledge.loaders import is_supported, supported_types
from knowledge.sniff import file_sha256, megabytes

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.base import KnowledgeBase

MAX_NAME = 120
PREVIOUS = ".previous"   # the old version's file while a new one is tried
_place_lock = threading.Lock()


@dataclass(frozen=True)
class Added:
    """What sharing one file did: "added", "updated", "unchanged" or "refused" (`problem` says why)."""

    status: str
    name: str
    source: str = ""
    title: str = ""
    sha256: str = ""
    passages: int = 0
    problem: str = ""
    example: str = ""

    @property
    def changed(self) -> bool:
        return self.status in ("added", "updated")


def safe_name(name: str) -> str:
    """The shared file's name as a plain file name: no folders, no hidden files, nothing odd, not too long."""
    base = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", base).strip(" .")
    base = re.sub(r"\s+", " ", base) or "document"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = ext[:10]
    room = MAX_NAME - len(ext) - 1
    return (stem[:room].rstrip(" .") or "document") + ("." + ext if ext else "")


def refusal_before_download(name: str, size: int | None, max_bytes: int) -> str:
    """Why this file will not be read (its type, its size), or "" — judged from what the platform says."""
    suffix = Path(safe_name(name)).suffix
    if not is_supported(Path(safe_name(name))):
        return (f"I can't read {suffix or 'files without an extension'} files. I can add PDF, Word (.docx), "
                f"HTML, Markdown and text documents ({supported_types()}).")
    if size is not None and size > max_bytes:
        return too_large(size, max_bytes)
    return ""


def too_large(size: int | None, max_bytes: int) -> str:
    what = f"{megabytes(size)}" if size else "too large"
    return (f"The file is {what}, more than the {megabytes(max_bytes)} limit for documents. Split it into "
            "smaller documents and share those (an admin can raise the limit with PSE_MAX_INGEST_MB).")


def target_of(folder: Path, name: str) -> Path:
    return folder / safe_name(name)


def source_of(folder: Path, name: str) -> str:
    """The source the document will have in the knowledge base (as `KnowledgeBase.ingest` names it)."""
    return str(target_of(folder, name).resolve())


def place_and_ingest(kb: "KnowledgeBase", folder: Path, staged: Path, name: str, max_bytes: int,
                     stage: Callable[[str, int, int], None] | None = None) -> Added:
    """Move the downloaded file `staged` to its place and ingest it. A version that cannot be loaded is
    refused and the previous version (file and passages) stays."""
    folder.mkdir(parents=True, exist_ok=True)
    target = target_of(folder, name)
    source = str(target.resolve())
    previous = target.with_name(target.name + PREVIOUS)
    with _place_lock:
        known = kb.document(source)
        moved = had_previous = False
        if known is not None and target.is_file() and known.sha256 == file_sha256(staged):
            staged.unlink(missing_ok=True)  # the same bytes: the ingest below finds it unchanged at once
        else:
            had_previous = target.is_file()
            if had_previous:
                os.replace(target, previous)
            os.replace(staged, target)
            moved = True
        report = kb.ingest([target], max_bytes=max_bytes, stage=stage)
        if report.errors or not (report.added or report.updated or report.unchanged):
            problem = report.errors[0][1] if report.errors else "it holds no text I could read."
            if moved:  # put the old version's file back (its passages were never touched)
                if had_previous:
                    os.replace(previous, target)
                else:
                    target.unlink(missing_ok=True)
            return Added("refused", name, source=source, problem=problem)
        previous.unlink(missing_ok=True)
    info = kb.document(source)
    status = "added" if report.added else "updated" if report.updated else "unchanged"
    title = info.title if info else name
    return Added(status, name, source=source, title=title, sha256=info.sha256 if info else "",
                 passages=info.chunks if info else report.chunks_total, example=example_question(kb, source, title))


def example_question(kb: "KnowledgeBase", source: str, title: str) -> str:
    """One question the new document can answer: its first heading as a question, else its title."""
    try:
        hits = [h for h in kb.search(title, top_k=20, mode="keyword") if h.source == source]
    except Exception:  # noqa: BLE001 - an example is a nicety; never fail the share over it
        hits = []
    sections = sorted((h.ordinal, h.section.split(" › ")[-1].strip()) for h in hits if h.section.strip())
    heading = next((s for _, s in sections if s and s.casefold() != title.casefold()), "")
    if heading:
        return f"What does “{title}” say about {heading[:1].lower() + heading[1:]}?"
    return f"What does “{title}” say?"
