"""Plain data types shared by the loaders, the index and the callers of `KnowledgeBase`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

DOC_TYPES = ("strategy", "training", "guidance")
SEARCH_MODES = ("fused", "vector", "keyword")


class LoadError(Exception):
    """A file could not be turned into a Document; the message names the file and says what to do."""


class UnsupportedFileType(LoadError):
    pass


class EmptyDocument(LoadError):
    pass


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path, e.g. ("Due diligence", "What to check")."""

    path: tuple[str, ...]
    text: str

    @property
    def heading(self) -> str:
        return " › ".join(self.path)


@dataclass
class Document:
    """What a loader produces: the text of one file split by headings, plus where it came from."""

    source: str
    title: str
    doc_type: str
    meta: dict[str, Any]
    sections: list[Section]
    sha256: str

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections if s.text)


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: a few paragraphs of one section of one document."""

    text: str
    source: str
    title: str
    section: str
    ordinal: int
    doc_type: str = "guidance"

    @property
    def words(self) -> int:
        return len(self.text.split())

    def embedding_text(self) -> str:
        """What the model sees: the heading context helps short passages match questions about their topic."""
        head = self.title + (f" — {self.section}" if self.section else "")
        return f"{head}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    """One ranked passage returned by `KnowledgeBase.search`.

    `score` is the ranking score of the chosen mode (reciprocal-rank-fusion score for "fused", cosine
    similarity for "vector", negated bm25 for "keyword"); `similarity` is always the cosine similarity
    between the query and the passage (-1..1), usable as a confidence threshold.
    """

    text: str
    source: str
    title: str
    section: str
    score: float
    chunk_id: int
    doc_type: str = "guidance"
    similarity: float = 0.0
    ordinal: int = 0
    vector_rank: int | None = None
    keyword_rank: int | None = None
    sentence_similarity: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The stable shape printed by `pse-bot search --json`."""
        return {"text": self.text, "source": self.source, "title": self.title, "section": self.section,
                "score": round(float(self.score), 6)}


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    title: str
    doc_type: str
    chunks: int
    sha256: str
    ingested_at: str
    origin: str = "user"  # "bundled" (knowledge/corpus) or "user"
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Any) -> "DocumentInfo":
        """From a kb_documents row (an unreadable `meta` reads as empty)."""
        m = row._mapping
        try:
            meta = json.loads(m["meta"] or "{}")
        except ValueError:
            meta = {}
        return cls(source=m["source"], title=m["title"], doc_type=m["doc_type"], chunks=m["chunks"],
                   sha256=m["sha256"], ingested_at=m["ingested_at"], origin=m["origin"], meta=meta)


@dataclass
class IngestReport:
    """What one `ingest` call did. `errors` pairs a file name with a message a person can act on."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files inside a folder with an unsupported type
    excluded: list[str] = field(default_factory=list)  # bundled files left out because an organisation removed them
    chunks_embedded: int = 0
    chunks_prebuilt: int = 0  # of chunks_embedded: vectors of the bundled guidance taken from the package (prebuilt.py)
    chunks_total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged"]
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped (unsupported type)")
        if self.errors:
            parts.append(f"{len(self.errors)} failed")
        n = self.chunks_embedded
        return ", ".join(parts) + f"; {n} passage{'' if n == 1 else 's'} embedded."
