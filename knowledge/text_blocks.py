"""Plain text into sections: heading rules for extracted text (PDF, Word, plain text), page-furniture and
line-break mending, and blocks folded into sections. Shared by every loader."""

from __future__ import annotations

import re

from knowledge.types import Section


def clean_inline(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


# ---------------------------------------------------------------------------------------------- markdown


_BULLET = re.compile(r"^\s*(?:[-*•●▪◦–]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)])\s+")
_NUMBERED_HEADING = re.compile(r"^(?:(?:section|chapter|part)\s+)?(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$", re.I)
_PAGE_NOISE = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.I)
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)]\s*$")


def heading_level(line: str) -> int:
    """2/3/4 for a line that looks like a heading in extracted text (ALL CAPS or numbered), else 0."""
    s = line.strip()
    if not s or len(s) > 90 or len(s.split()) > 12:
        return 0
    letters = [c for c in s if c.isalpha()]
    if len(letters) >= 3 and not any(c.islower() for c in letters) and not s.endswith((",", ";", ".")):
        # a lone short upper-case word is more often an acronym (a glossary entry) than a heading
        if len(s.split()) > 1 or len(letters) >= 6:
            return 2
    m = _NUMBERED_HEADING.match(s)
    if m:
        rest = m.group(2).strip()
        if rest[:1].isupper() and not re.search(r"[.,;]$", rest) and len(rest.split()) <= 10:
            return min(2 + m.group(1).count("."), 4)
    return 0


def clean_extracted_text(text: str) -> list[tuple[int, str]]:
    """Repair text extracted from a PDF: re-join hard-wrapped lines, undo end-of-line hyphenation and drop
    page numbers. Returns blocks as (heading level or 0, text): headings and paragraphs in reading order."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").replace("\u00ad", "")
    text = text.replace("\t", " ")
    lines = [ln.rstrip() for ln in text.split("\n")]
    lengths = sorted(len(ln) for ln in lines if len(ln.strip()) > 20)
    typical = lengths[int(len(lengths) * 0.8)] if lengths else 80
    blocks: list[tuple[int, str]] = []
    para: list[str] = []

    def end_para() -> None:
        if para:
            blocks.append((0, clean_inline(" ".join(para))))
            para.clear()

    for line in lines:
        s = line.strip()
        if not s:
            end_para()
            continue
        if _PAGE_NOISE.match(s):
            continue
        level = heading_level(s)
        if level:
            end_para()
            blocks.append((level, clean_inline(s.rstrip(":"))))
            continue
        if _BULLET.match(s):
            end_para()
            para.append(s)
            continue
        if para and para[-1].endswith("-") and len(para[-1]) > 1 and para[-1][-2].isalpha() and s[:1].islower():
            para[-1] = para[-1][:-1] + s.split(" ", 1)[0]  # de-hyphenate "traffick-\ning"
            rest = s.split(" ", 1)[1] if " " in s else ""
            if rest:
                para.append(rest)
        else:
            para.append(s)
        # A clearly short line that ends a sentence closes the paragraph even without a blank line.
        if _SENTENCE_END.search(s) and len(line) < 0.7 * typical:
            end_para()
    end_para()
    return blocks


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def body_forms(paragraphs: list[str]) -> dict[str, str]:
    """How the body writes the words it only ever writes with capitals: acronyms ("CTIP", "PSE") and names
    ("Cambodia", "USAID"), keyed by their lower case. A word the body also writes in lower case ("the", "to",
    "trafficking") is not one of them."""
    found = [(m.group(0), _mid_sentence(text, m.start())) for text in paragraphs for m in _WORD.finditer(text)]
    lower = {w for w, _ in found if w.islower()}
    forms: dict[str, str] = {}
    for w, mid in found:  # an acronym anywhere; a capitalised word only inside a sentence ("Seafood is…" is not)
        if len(w) > 1 and w.lower() not in lower and (w.isupper() or (w[:1].isupper() and mid)):
            forms.setdefault(w.lower(), w)
    return forms


def _mid_sentence(text: str, at: int) -> bool:
    """Whether the word at `at` follows a word or comma of the same sentence (looks back over spaces only)."""
    i = at - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and text[i] not in ".!?:;\"“‘(•*-–—\n" and not text[i].isdigit()


def _all_caps(heading: str) -> bool:
    """Set in capitals, and long enough to tell from an acronym ("FAQ", "PSE" are left alone)."""
    letters = [c for c in heading if c.isalpha()]
    return len(letters) >= 4 and not any(c.islower() for c in letters)


def readable_heading(heading: str, forms: dict[str, str]) -> str:
    """An ALL-CAPS heading in sentence case, keeping the acronyms and names the body only writes with capitals:
    "THE CTIP PROJECTS IN CAMBODIA" -> "The CTIP projects in Cambodia". Other headings are unchanged."""
    if not _all_caps(heading):
        return heading
    first = True

    def case(m: re.Match) -> str:
        nonlocal first
        w, was_first = m.group(0), first
        first = False
        known = forms.get(w.lower())
        if known:
            return known
        return w[:1] + w[1:].lower() if was_first else w.lower()

    return _WORD.sub(case, heading)


def blocks_to_sections(blocks: list[tuple[int, str]], title: str = "") -> tuple[str, list[Section]]:
    """Group (level, text) blocks into sections. The first heading becomes the title when none is given. ALL-CAPS
    headings read in sentence case (`readable_heading`)."""
    if any(_all_caps(text) for level, text in blocks if level) or _all_caps(title):  # the body is read only then
        forms = body_forms([text for level, text in blocks if not level])
        blocks = [(level, readable_heading(text, forms) if level else text) for level, text in blocks]
        title = readable_heading(title, forms) if title else title
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    buf: list[str] = []
    for level, text in blocks:
        if level:
            if not title and not sections and not buf:
                title = text
                continue
            if buf:
                sections.append(Section(tuple(h for _, h in stack), "\n\n".join(buf)))
                buf = []
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
        else:
            buf.append(text)
    if buf:
        sections.append(Section(tuple(h for _, h in stack), "\n\n".join(buf)))
    return title, sections

