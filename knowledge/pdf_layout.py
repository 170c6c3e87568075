"""Rebuild a PDF's text into headings and paragraphs from its layout (pypdf's text positions and fonts).

What plain `extract_text()` loses, and this module restores:
- headings: a line set in a larger type than the body text, or a short line wholly in bold, is a heading; lines
  of the same heading style that follow each other are one heading broken over lines; bigger type = higher level.
  Where the PDF has no usable font information, the numbered / upper-case patterns of `heading_level` apply.
- paragraphs: a vertical gap wider than the usual line spacing ends a paragraph; so does a bullet.
- page furniture: a line that comes back at the top or bottom of most pages (a running header or footer, with
  any page number in it ignored) and bare page numbers are dropped.
- hyphenation: "traffick-" at a line end followed by "ing" is joined to "trafficking".
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from knowledge.types import EmptyDocument, LoadError, Section

_NUMBER_ONLY = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•●▪◦–]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)])\s+")


@dataclass
class Line:
    page: int
    y: float
    text: str
    size: float
    bold: bool


def _font_is_bold(font: Any) -> bool:
    try:
        name = str((font or {}).get("/BaseFont", ""))
    except Exception:  # noqa: BLE001 - a broken font dictionary only loses the bold hint
        return False
    return bool(re.search(r"bold|black|heavy|semibold", name, re.I))


def page_lines(reader) -> list[list[Line]]:
    """The text lines of every page, top to bottom, with their font size and weight."""
    pages: list[list[Line]] = []
    for number, page in enumerate(reader.pages):
        spans: list[tuple[float, str, float, bool]] = []

        def visit(text, cm, tm, font, size, _spans=spans):
            if text and text.strip():
                scale = abs(tm[3] or 1.0) * abs(cm[3] or 1.0)
                _spans.append((float(tm[5]) * abs(cm[3] or 1.0) + float(cm[5]), text, float(size) * scale,
                               _font_is_bold(font)))

        plain = page.extract_text(visitor_text=visit) or ""
        lines: list[Line] = []
        for y, text, size, bold in spans:
            for part in text.split("\n"):
                if not part.strip():
                    continue
                if lines and abs(lines[-1].y - y) < 1.0:
                    lines[-1].text += part
                    lines[-1].bold = lines[-1].bold and bold
                    lines[-1].size = max(lines[-1].size, size)
                else:
                    lines.append(Line(number, y, part, round(size, 1), bold))
        if not lines and plain.strip():  # no positions: keep the plain text, one line each
            lines = [Line(number, 0.0, t, 0.0, False) for t in plain.split("\n") if t.strip()]
        for ln in lines:
            ln.text = re.sub(r"\s+", " ", ln.text).strip()
        pages.append([ln for ln in lines if ln.text])
    return pages


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def drop_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove running headers/footers (repeated at a page's top or bottom on most pages) and page numbers."""
    edges: Counter[str] = Counter()
    for lines in pages:
        for ln in {id(x): x for x in lines[:2] + lines[-2:]}.values():
            edges[_furniture_key(ln.text)] += 1
    threshold = max(3, int(len(pages) * 0.5 + 0.5))
    repeated = {k for k, n in edges.items() if n >= threshold} if len(pages) >= 3 else set()
    out = []
    for lines in pages:
        kept = []
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if _NUMBER_ONLY.match(ln.text) or (at_edge and _furniture_key(ln.text) in repeated):
                continue
            kept.append(ln)
        out.append(kept)
    return out


def layout_blocks(pages: list[list[Line]]) -> list[tuple[int, str]]:
    """(heading level or 0, text) blocks in reading order, from lines with positions and fonts."""
    from knowledge.text_blocks import heading_level

    lines = [ln for page in pages for ln in page]
    if not lines:
        return []
    weight = Counter()
    for ln in lines:
        weight[ln.size] += len(ln.text)
    body = weight.most_common(1)[0][0]
    has_fonts = body > 0

    def heading_style(ln: Line) -> tuple[float, bool] | None:
        if not has_fonts or len(ln.text) > 160:
            return None
        if ln.size >= body + 1.0 or (ln.bold and ln.size >= body - 0.1 and len(ln.text.split()) <= 16):
            return (ln.size, ln.bold)
        return None

    sizes = sorted({ln.size for ln in lines if heading_style(ln)}, reverse=True)
    # The largest type, used only on the first page, is the document's title: level 1 (blocks_to_sections
    # then takes it as the title, or drops it when the PDF's metadata already names the document).
    title_size = sizes[0] if sizes and all(ln.page == 0 for ln in lines if ln.size == sizes[0]) else None
    level_of = {s: min(2 + i, 4) for i, s in enumerate(s for s in sizes if s != title_size)}
    if title_size is not None:
        level_of[title_size] = 1
    gaps = [round(a.y - b.y, 1) for page in pages for a, b in zip(page, page[1:]) if a.size == b.size == body
            and 0 < a.y - b.y < 3 * body]
    spacing = Counter(gaps).most_common(1)[0][0] if gaps else body * 1.4

    blocks: list[tuple[int, str]] = []
    para: list[str] = []
    head: list[str] = []
    head_style: tuple[float, bool] | None = None

    def end_para() -> None:
        if para:
            blocks.append((0, " ".join(para)))
            para.clear()

    def end_head() -> None:
        nonlocal head_style
        if head:
            blocks.append((level_of.get(head_style[0], 2) if head_style else 2, " ".join(head).rstrip(":")))
            head.clear()
        head_style = None

    prev: Line | None = None
    for ln in lines:
        style = heading_style(ln)
        gap_break = prev is not None and prev.page == ln.page and prev.y - ln.y > spacing * 1.35
        if style:
            end_para()
            big_gap = prev is not None and prev.page == ln.page and prev.y - ln.y > ln.size * 1.7
            if head and (style != head_style or big_gap):
                end_head()
            head.append(ln.text)
            head_style = style
            prev = ln
            continue
        end_head()
        pattern_level = 0 if sizes else heading_level(ln.text)  # no font-marked headings: use patterns
        if pattern_level:
            end_para()
            blocks.append((pattern_level, ln.text.rstrip(":")))
        elif _BULLET.match(ln.text) or gap_break:
            end_para()
            para.append(ln.text)
        elif para and para[-1].endswith("-") and para[-1][-2:-1].isalpha() and ln.text[:1].islower():
            first, _, rest = ln.text.partition(" ")
            para[-1] = para[-1][:-1] + first
            if rest:
                para.append(rest)
        else:
            para.append(ln.text)
        prev = ln
    end_para()
    end_head()
    return blocks


def parse_pdf(data: bytes, name: str) -> tuple[str, dict[str, Any], list[Section]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from knowledge.text_blocks import blocks_to_sections

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(f"{name}: the PDF is password-protected; save an unprotected copy and ingest that.")
        pages = page_lines(reader)
    except PdfReadError as exc:
        raise LoadError(f"{name}: not a readable PDF ({exc}).") from exc
    meta: dict[str, Any] = {"pages": len(pages)}
    info_title = ""
    try:
        info_title = str((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:  # noqa: BLE001 - metadata is optional
        pass
    if not any(pages):
        raise EmptyDocument(f"{name}: the PDF has no extractable text (a scanned image?). "
                            "Run it through OCR or ingest a text version.")
    blocks = layout_blocks(drop_furniture(pages))
    if info_title:  # the metadata title wins; the title set on the first page is not a section heading
        blocks = [b for b in blocks if b[0] != 1]
    else:
        first = next((t for lvl, t in blocks if lvl == 1), "")
        blocks = [b for b in blocks if b[0] != 1]
        info_title = first
    title, sections = blocks_to_sections(blocks, info_title)
    return title, meta, sections
