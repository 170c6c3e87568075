"""The one markup dialect replies are written in, and the helpers every renderer shares.

The dialect is a small CommonMark subset:
- paragraphs separated by blank lines; a single newline is a line break;
- bullet lists: lines starting with ``- ``;
- inline ``**bold**``, ``_italic_``, ```code```, and ``[text](https://…)`` links — links only where the bot
  wrote them: user-supplied text goes through `escape`, which makes every markup character literal;
- backslash escapes for ASCII punctuation (``\\*`` is a literal star).
Tables are not markup: they are `Table` data on the Reply (see bot/reply.py), rendered natively per platform.

Guidance passages come from documents (markdown with pipe tables, headings, ``*`` bullets): `parse_document`
reads those into the same blocks, turning pipe tables into `Table` data and leaving their links as plain text.

Every renderer starts from `parse`/`parse_document`, which first removes bidi controls and zero-width
characters (`clean`), so no output shows them raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# Bidi embeddings/overrides/isolates, zero-width space/joiners, LRM/RLM, word joiner, BOM, Arabic letter mark.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060-\u2064\ufeff\u061c]")
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ESCAPE_CHARS = set("\\`*_[]<>|")
_LINE_MARKER = re.compile(r"^(\s*)([-+#>]|\d+[.)])(?=\s|$)", re.M)
_LINK = re.compile(r"\[((?:\\.|[^\]\\\n])+)\]\(((?:https?://|mailto:)[^)\s]+)\)")


def clean(text: str) -> str:
    """Remove bidi controls and zero-width characters (they can disguise text or reorder what is shown)."""
    return _INVISIBLE.sub("", text or "")


def escape(user_text: str) -> str:
    """Make user-supplied text inert in the dialect: no bold, link or list it writes becomes markup."""
    text = clean(str(user_text))
    text = "".join("\\" + c if c in _ESCAPE_CHARS else c for c in text)
    return _LINE_MARKER.sub(escape_marker, text)


def escape_marker(m: re.Match) -> str:
    """A line-start marker made literal the CommonMark way: `\\-`, `\\#`, `\\>`, but `1\\.` (a backslash before a
    digit is not an escape and would show)."""
    lead, marker = m.group(1), m.group(2)
    if marker[0].isdigit():
        return lead + marker[:-1] + "\\" + marker[-1]
    return lead + "\\" + marker


def bold(text: str) -> str:
    """Dialect bold around already-dialect text (callers escape user parts first)."""
    return f"**{text}**" if text else ""


# ---------------------------------------------------------------- model


@dataclass(frozen=True)
class Table:
    """A table as data: header cells, rows of cells (plain text, shown literally), an optional highlighted row.

    `title` and `note` are plain text shown above and below it. `align` holds "left"/"right" per column.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    note: str = ""
    highlight: int | None = None
    align: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", tuple(str(c) for c in self.header))
        object.__setattr__(self, "rows", tuple(tuple(str(c) for c in r) for r in self.rows))

    @property
    def width(self) -> int:
        return max([len(self.header), *(len(r) for r in self.rows)], default=0)

    def cells(self, row: tuple[str, ...]) -> tuple[str, ...]:
        """A row padded to the table's width."""
        return tuple(row) + ("",) * (self.width - len(row))


@dataclass(frozen=True)
class Span:
    """A run of literal text with its style; `url` set means a link the bot made."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    url: str = ""


Line = tuple[Span, ...]


@dataclass(frozen=True)
class Block:
    kind: Literal["para", "bullets", "code", "table", "heading"]
    lines: tuple[Line, ...] = ()
    code: str = ""
    table: Table | None = None
    marked: frozenset[int] = field(default_factory=frozenset)  # for documents: lines holding the highlight
    gap: bool = True  # a blank line before it (False: it follows the previous block on the next line)


# ---------------------------------------------------------------- inline


def spans(text: str, links: bool = True) -> Line:
    """Inline markup → spans. Unclosed markers are literal; `links=False` keeps link syntax as text."""
    text = clean(text)
    out: list[Span] = []
    buf: list[str] = []
    bold_on = italic_on = False
    n = len(text)

    def flush() -> None:
        if buf:
            out.append(Span("".join(buf), bold_on, italic_on))
            buf.clear()

    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in _PUNCT:
            buf.append(text[i + 1])
            i += 2
            continue
        if c == "`":
            j = text.find("`", i + 1)
            if j > i + 1:
                flush()
                out.append(Span(text[i + 1:j], bold_on, italic_on, code=True))
                i = j + 1
                continue
        if text.startswith("**", i) and (bold_on or _closes(text, i + 2, "**")):
            flush()
            bold_on = not bold_on
            i += 2
            continue
        if c == "_":
            prev = text[i - 1] if i else " "
            nxt = text[i + 1] if i + 1 < n else " "
            if not italic_on and not prev.isalnum() and not nxt.isspace() and _closes(text, i + 1, "_"):
                flush()
                italic_on = True
                i += 1
                continue
            if italic_on and not prev.isspace() and not nxt.isalnum():
                flush()
                italic_on = False
                i += 1
                continue
        if c == "[" and links:
            m = _LINK.match(text, i)
            if m:
                flush()
                label = re.sub(r"\\(.)", r"\1", m.group(1))
                out.append(Span(label, bold_on, italic_on, url=m.group(2)))
                i = m.end()
                continue
        buf.append(c)
        i += 1
    flush()
    return tuple(s for s in out if s.text)


def _closes(text: str, start: int, marker: str) -> bool:
    """Whether an unescaped closing `marker` follows on the same line."""
    i = start
    while True:
        j = text.find(marker, i)
        if j < 0:
            return False
        if "\n" in text[start:j]:
            return False
        if j > start and text[j - 1] != "\\":
            return marker != "_" or j + 1 >= len(text) or not text[j + 1].isalnum()
        i = j + 1


def plain_line(line: Line) -> str:
    """Spans → plain text; a link whose text differs from its URL shows both."""
    out = []
    for s in line:
        if s.url and s.text != s.url:
            out.append(f"{s.text} ({s.url})")
        else:
            out.append(s.text)
    return "".join(out)


# ---------------------------------------------------------------- blocks


_BULLET = re.compile(r"^\s*[-•]\s+")
_DOC_BULLET = re.compile(r"^\s*[-*+•]\s+")
_HEADING = re.compile(r"^#{1,6}\s+(.*)")
_STAR_ITALIC = re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")  # document *emphasis*
_ORDERED = re.compile(r"^\s*\d+[.)]\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def parse(text: str) -> list[Block]:
    """Reply text in the dialect → blocks (paragraphs, bullet lists, fenced code)."""
    return _blocks(clean(text), document=False)


def document_spans(line: str) -> Line:
    """One line of a guidance document as spans, read as parse_document reads it (its own **bold** dropped, so
    only the highlight is bold; *italic* kept; link syntax kept as text)."""
    return spans(_STAR_ITALIC.sub(r"_\1_", line.replace("**", "")), links=False)


def parse_document(text: str, highlight: str = "") -> list[Block]:
    """Document markdown (a guidance passage) → blocks; pipe tables become `Table`s, links stay text.

    A line or table row containing `highlight` is marked (Block.marked / Table.highlight).
    """
    return _blocks(clean(text), document=True, highlight=" ".join(clean(highlight).replace("**", "").split()))


def _blocks(text: str, document: bool, highlight: str = "") -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []
    items: list[str] = []
    numbered: list[str] = []
    fence: list[str] | None = None
    rows: list[str] = []
    bullet = _DOC_BULLET if document else _BULLET
    gap = [True]

    def add(block: Block) -> None:
        blocks.append(Block(block.kind, block.lines, block.code, block.table, block.marked, gap=gap[0] or not blocks))
        gap[0] = False

    def inline(s: str) -> Line:
        return document_spans(s) if document else spans(s)

    def mark(lines: list[str]) -> frozenset[int]:
        if not highlight:
            return frozenset()
        norm = [" ".join(clean(ln).replace("**", "").split()) for ln in lines]  # lines that are all highlight
        return frozenset(i for i, ln in enumerate(norm) if ln and (ln == highlight or (len(ln) > 20 and ln in highlight)))

    def close() -> None:
        if para and document:  # a hard-wrapped paragraph is one line (CommonMark soft breaks)
            para[:] = [" ".join(para)]
        if para:
            add(Block("para", tuple(inline(p) for p in para), marked=mark(para)))
            para.clear()
        if items:
            add(Block("bullets", tuple(inline(p) for p in items), marked=mark(items)))
            items.clear()
        if numbered:  # a document's numbered list: one line per item, its number kept as text
            add(Block("para", tuple(inline(p) for p in numbered), marked=mark(numbered)))
            numbered.clear()
        if rows:
            add(_pipe_table(rows, highlight))
            rows.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if line.strip().startswith("```"):
            if fence is None:
                close()
                fence = []
            else:
                add(Block("code", code="\n".join(fence)))
                fence = None
            continue
        if fence is not None:
            fence.append(raw)
            continue
        if not line.strip():
            close()
            gap[0] = True
            continue
        if document and line.lstrip().startswith("|") and line.count("|") >= 2:
            if para or items:
                close()
            rows.append(line.strip())
            continue
        if rows:
            close()
        m = _HEADING.match(line) if document else None
        if m:
            close()
            add(Block("heading", (inline(m.group(1)),)))
            continue
        if document and _ORDERED.match(line):
            if para or items:
                close()
            numbered.append(line.strip())
        elif numbered and not bullet.match(line):
            numbered[-1] += " " + line.strip()
        elif bullet.match(line):
            if para or numbered:
                close()
            items.append(bullet.sub("", line, count=1))
        elif items and raw[:1].isspace():
            items[-1] += " " + line.strip()
        else:
            if items:
                close()
            para.append(line.strip() if document else line)
    if fence is not None:
        add(Block("code", code="\n".join(fence)))
    close()
    return blocks


def _pipe_table(lines: list[str], highlight: str = "") -> Block:
    def cells(line: str) -> tuple[str, ...]:
        line = line.strip().replace("**", "")
        line = line[1:] if line.startswith("|") else line
        line = line[:-1] if line.endswith("|") else line
        return tuple(" ".join(plain_line(spans(c.strip(), links=False)).split())
                     for c in re.split(r"(?<!\\)\|", line))

    body = [ln for ln in lines if not _TABLE_RULE.match(ln)]
    has_header = len(lines) > 1 and bool(_TABLE_RULE.match(lines[1]))
    header = cells(body[0]) if has_header and body else ()
    rows = [cells(ln) for ln in (body[1:] if has_header else body)]
    marked = None
    highlight = " ".join(highlight.replace("|", " ").split())
    if highlight:
        for i, r in enumerate(rows):
            joined = " ".join(" ".join(r).split())
            if highlight in joined or (len(joined) > 10 and joined in highlight):
                marked = i
                break
    return Block("table", table=Table(header, tuple(rows), highlight=marked))


# ---------------------------------------------------------------- plain text


def table_text(table: Table, mark: str = "▶ ") -> str:
    """A table as aligned monospace lines (terminal, Slack preformatted)."""
    rows = [table.cells(table.header)] if table.header else []
    rows += [table.cells(r) for r in table.rows]
    if not rows:
        return ""
    rows = [tuple(clean(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(table.width)]
    pad = " " * len(mark) if table.highlight is not None else ""

    def line(cells: tuple[str, ...], prefix: str) -> str:
        parts = [c.rjust(w) if i < len(table.align) and table.align[i] == "right" else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths))]
        return (prefix + "  ".join(parts)).rstrip()

    out = []
    if table.header:
        out.append(line(rows[0], pad))
        out.append(pad + "  ".join("─" * w for w in widths))
    body = rows[1:] if table.header else rows
    for i, r in enumerate(body):
        out.append(line(r, mark if i == table.highlight else pad))
    return "\n".join(out)


def blocks_plain(blocks: list[Block]) -> str:
    out = ""
    for b in blocks:
        if b.kind == "bullets":
            text = "\n".join("• " + plain_line(ln) for ln in b.lines)
        elif b.kind == "code":
            text = b.code
        elif b.kind == "table" and b.table is not None:
            text = table_text(b.table)
        else:
            text = "\n".join(plain_line(ln) for ln in b.lines)
        if text:
            out += ("\n\n" if b.gap else "\n") + text if out else text
    return out


def to_plain(text: str) -> str:
    """Dialect text → plain text for the terminal: no markup characters left, links as "text (url)"."""
    return blocks_plain(parse(text))


def code(text: str) -> str:
    """Literal text as an inline code span (a backtick inside cannot end it early)."""
    return "`" + clean(str(text)).replace("`", "'").replace("\n", " ") + "`"


def plural(count: int, one: str, many: str | None = None) -> str:
    """"1 topic", "2 topics", "3 people" (with `many`)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
