"""Split a Document into passages that respect its headings and paragraphs.

A chunk never crosses a section boundary, so its `section` label is always true. Inside a section, whole
paragraphs are packed until the chunk reaches TARGET_WORDS (never more than MAX_WORDS); an over-long paragraph
is split at sentence ends. Only when a section yields several chunks does each chunk after the first repeat
the previous chunk's last sentence (a small overlap, so an idea cut at the boundary is still findable).
A trailing scrap shorter than MIN_WORDS joins the chunk before it.
"""

from __future__ import annotations

import re

from knowledge.types import Chunk, Document, Section

TARGET_WORDS = 160
MAX_WORDS = 220
MIN_WORDS = 60
OVERLAP_MAX_WORDS = 40
MERGE_BELOW = 40

_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9•\-])")


def words(text: str) -> int:
    return len(text.split())


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph (list items count as sentences of their own)."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if line:
            out.extend(s.strip() for s in _SENT_SPLIT.split(line) if s.strip())
    return out


def _paragraphs(text: str) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    out: list[str] = []
    for p in paras:
        if words(p) <= MAX_WORDS:
            out.append(p)
            continue
        # An over-long paragraph: cut at sentence ends into pieces of about TARGET_WORDS.
        piece: list[str] = []
        for s in split_sentences(p):
            if piece and words(" ".join(piece)) + words(s) > TARGET_WORDS:
                out.append(" ".join(piece))
                piece = []
            if words(s) > MAX_WORDS:  # one enormous "sentence": hard cut by words
                ws = s.split()
                for i in range(0, len(ws), TARGET_WORDS):
                    out.append(" ".join(ws[i:i + TARGET_WORDS]))
                continue
            piece.append(s)
        if piece:
            out.append(" ".join(piece))
    return out


def _tail_overlap(text: str) -> str:
    sents = split_sentences(text)
    if not sents:
        return ""
    last = sents[-1]
    return last if words(last) <= OVERLAP_MAX_WORDS else ""


def chunk_section_text(text: str) -> list[str]:
    """The passages of one section's text."""
    paras = _paragraphs(text)
    groups: list[list[str]] = []
    cur: list[str] = []
    for p in paras:
        n = words("\n\n".join(cur))
        if cur and (n >= TARGET_WORDS or n + words(p) > MAX_WORDS):
            groups.append(cur)
            cur = []
        cur.append(p)
    if cur:
        if groups and words("\n\n".join(cur)) < MIN_WORDS and \
                words("\n\n".join(groups[-1] + cur)) <= MAX_WORDS + MIN_WORDS:
            groups[-1].extend(cur)
        else:
            groups.append(cur)
    chunks = ["\n\n".join(g) for g in groups]
    for i in range(1, len(chunks)):
        tail = _tail_overlap(chunks[i - 1])
        if tail and not chunks[i].startswith(tail):
            chunks[i] = tail + "\n\n" + chunks[i]
    return chunks


def merge_small_sections(sections: list[Section]) -> list[Section]:
    """Fold a section shorter than MERGE_BELOW words into the next one, so no passage is a bare scrap.

    The document's preamble (no heading) joins the first section and takes its label; two sibling sections
    merge under their shared parent heading, the smaller one's heading kept as a line of text. Sections that
    share no parent stay apart, so every label stays true."""
    out: list[Section] = []
    pending: Section | None = None
    for sec in sections:
        if pending is not None:
            common = _common_prefix(pending.path, sec.path)
            if not pending.path or common:
                head = [] if not pending.path else [" › ".join(pending.path[len(common):])]
                sub = [] if not pending.path or sec.path == common else [" › ".join(sec.path[len(common):])]
                text = "\n\n".join(head + [pending.text] + sub + [sec.text])
                sec = Section(sec.path if not pending.path else common, text)
            else:
                out.append(pending)
            pending = None
        if words(sec.text) < MERGE_BELOW:
            pending = sec
        else:
            out.append(sec)
    if pending is not None:
        out.append(pending)
    return out


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def chunk_document(doc: Document) -> list[Chunk]:
    out: list[Chunk] = []
    for section in merge_small_sections(doc.sections):
        for text in chunk_section_text(section.text):
            out.append(Chunk(text=text, source=doc.source, title=doc.title, section=section.heading,
                             ordinal=len(out), doc_type=doc.doc_type))
    return out
