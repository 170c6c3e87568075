"""Turn a file (markdown, plain text, PDF, Word, HTML) into a `Document`: a title, a type and sections by heading.

Every failure is a `LoadError` whose message names the file and says what to do, so a batch ingest can report
it and carry on with the other files.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Callable

from knowledge.sniff import DEFAULT_MAX_BYTES, SNIFF_BYTES, check_size, refuse_size, sniff
from knowledge.text_blocks import blocks_to_sections, clean_extracted_text, clean_inline, heading_level  # noqa: F401
from knowledge.types import DOC_TYPES, Document, EmptyDocument, LoadError, Section, UnsupportedFileType

SUPPORTED: dict[str, str] = {
    ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html",
}


def supported_types() -> str:
    return ", ".join(sorted(SUPPORTED))


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def load(path: Path | str, source: str | None = None, data: bytes | None = None,
         max_bytes: int | None = DEFAULT_MAX_BYTES) -> Document:
    """Read and parse one file. `source` is the stable name stored in the index (default: the path). A file over
    `max_bytes`, or whose first bytes are not what its extension says, is refused before it is parsed."""
    path = Path(path)
    name = source or str(path)
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise UnsupportedFileType(
            f"{name}: unsupported file type '{path.suffix or '(none)'}'. Supported types: {supported_types()}."
        )
    if data is None:
        check_size(path, name, max_bytes)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LoadError(f"{name}: cannot be read ({exc.strerror or exc}).") from exc
    if not data.strip():
        raise EmptyDocument(f"{name}: the file is empty; add some text or remove it.")
    refuse_size(name, len(data), max_bytes)
    sniff(kind, data[:SNIFF_BYTES], name)
    sha = hashlib.sha256(data).hexdigest()
    parser: Callable[[bytes, str], tuple[str, dict[str, Any], list[Section]]] = _PARSERS[kind]
    try:
        title, meta, sections = parser(data, name)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken file of any kind becomes a message naming it
        raise LoadError(f"{name}: could not be read as {kind} ({type(exc).__name__}: {exc}).") from exc
    sections = [Section(tuple(p for p in s.path if p), s.text.strip()) for s in sections]
    sections = [s for s in sections if s.text]
    if not sections:
        raise EmptyDocument(f"{name}: no readable text found (a scanned image or an empty document?).")
    title = clean_inline(title) or _title_from_name(path)
    doc_type = str(meta.get("type") or "guidance").strip().lower()
    if doc_type not in DOC_TYPES:
        doc_type = "guidance"
    return Document(source=name, title=title, doc_type=doc_type, meta=meta, sections=sections, sha256=sha)


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def split_front_matter(text: str, name: str = "") -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"{name}: the front matter between the '---' lines is not valid YAML ({exc}).") from exc
    if not isinstance(meta, dict):
        raise LoadError(f"{name}: the front matter must be 'key: value' lines.")
    meta = {str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
    return meta, text[m.end():]


def _md_inline(line: str) -> str:
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)          # images
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)       # links -> their text
    line = re.sub(r"<!--.*?-->", "", line)
    return line


_MD_LINE_START = re.compile(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+|\||>)")


def _join_soft_breaks(lines: list[str]) -> str:
    """Markdown paragraphs are often hard-wrapped: join their lines with spaces, keeping list items, table rows
    and quotes on lines of their own, blank lines as paragraph breaks and fenced code untouched."""
    out: list[str] = []
    in_fence = False
    prev_blank = True
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            out.append(line)
            prev_blank = False
            continue
        if in_fence:
            out.append(line)
            continue
        if not line.strip():
            out.append("")
            prev_blank = True
            continue
        starts_new = prev_blank or bool(_MD_LINE_START.match(line)) or not out or out[-1].startswith("|") \
            or out[-1].rstrip().endswith("  ")
        if starts_new:
            out.append(line.rstrip())
        else:
            out[-1] = out[-1].rstrip() + " " + line.strip()
        prev_blank = False
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def parse_markdown(data: bytes, name: str) -> tuple[str, dict[str, Any], list[Section]]:
    meta, body = split_front_matter(_decode(data).replace("\r\n", "\n"), name)
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    title = str(meta.get("title") or "").strip()
    headings: list[tuple[int, str]] = []  # the open heading stack
    sections: list[Section] = []
    buf: list[str] = []
    in_fence = False

    def flush() -> None:
        text = _join_soft_breaks(buf).strip()
        buf.clear()
        if text:
            sections.append(Section(tuple(h for _, h in headings), text))

    for raw in body.split("\n"):
        if _FENCE.match(raw):
            in_fence = not in_fence
            buf.append(raw)
            continue
        m = None if in_fence else _ATX.match(raw)
        if m is None:
            buf.append(_md_inline(raw) if not in_fence else raw)
            continue
        level, heading = len(m.group(1)), clean_inline(_md_inline(m.group(2)).replace("**", ""))
        flush()
        if level == 1 and not title:
            title = heading
            headings.clear()
            continue
        if level == 1 and heading == title:
            headings.clear()
            continue
        while headings and headings[-1][0] >= level:
            headings.pop()
        headings.append((level, heading))
    flush()
    return title, meta, sections


# ------------------------------------------------------------------------------------------- plain text


def parse_text(data: bytes, name: str) -> tuple[str, dict[str, Any], list[Section]]:
    text = _decode(data)
    meta, text = split_front_matter(text, name)
    title, sections = blocks_to_sections(clean_extracted_text(text), str(meta.get("title") or ""))
    return title, meta, sections


# ------------------------------------------------------------------------------------------------- PDF

def parse_pdf(data: bytes, name: str) -> tuple[str, dict[str, Any], list[Section]]:
    """PDF text rebuilt from its layout: see knowledge/pdf_layout.py."""
    from knowledge.pdf_layout import parse_pdf as parse

    return parse(data, name)


# ------------------------------------------------------------------------------------------------ Word

def parse_docx(data: bytes, name: str) -> tuple[str, dict[str, Any], list[Section]]:
    import io
    import zipfile

    import docx

    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"{name}: not a readable Word .docx file ({exc}). Older .doc files must be saved as .docx.") from exc
    props = d.core_properties
    title = (props.title or "").strip()
    meta: dict[str, Any] = {k: v for k, v in {"author": props.author, "subject": props.subject,
                                              "keywords": props.keywords}.items() if v}
    blocks: list[tuple[int, str]] = []
    items = d.iter_inner_content() if hasattr(d, "iter_inner_content") else d.paragraphs
    for item in items:
        if hasattr(item, "rows"):  # a table: one line per row, cells separated by " | "
            rows = []
            for row in item.rows:
                cells = []
                for c in row.cells:
                    t = clean_inline(c.text)
                    if t and (not cells or cells[-1] != t):
                        cells.append(t)
                if cells:
                    rows.append(" | ".join(cells))
            if rows:
                blocks.append((0, "\n".join(rows)))
            continue
        text = clean_inline(item.text)
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        m = re.match(r"heading\s*(\d)", style, re.I)
        if style.lower() == "title":
            if not title:
                title = text
            else:
                blocks.append((1, text))
            continue
        if m:
            level = int(m.group(1))
            if level == 1 and (not title or text == title):
                title = title or text
                continue
            blocks.append((max(level, 2), text))
        elif "list" in style.lower():
            blocks.append((0, "- " + text))
        else:
            blocks.append((0, text))
    # consecutive list items form one paragraph
    merged: list[tuple[int, str]] = []
    for level, text in blocks:
        if merged and level == 0 and text.startswith("- ") and merged[-1][0] == 0 and merged[-1][1].startswith("- "):
            merged[-1] = (0, merged[-1][1] + "\n" + text)
        else:
            merged.append((level, text))
    title, sections = blocks_to_sections(merged, title)
    return title, meta, sections


# ------------------------------------------------------------------------------------------------ HTML

def parse_html(data: bytes, name: str) -> tuple[str, dict[str, Any], list[Section]]:
    """HTML text by its block elements and headings: see knowledge/html_loader.py."""
    from knowledge.html_loader import parse_html as parse

    return parse(data, name)


_PARSERS: dict[str, Callable[[bytes, str], tuple[str, dict[str, Any], list[Section]]]] = {
    "markdown": parse_markdown, "text": parse_text, "pdf": parse_pdf, "docx": parse_docx, "html": parse_html,
}
