"""The one markup dialect (markup/dialect.py) as Adaptive Card elements: TextBlocks in Teams markdown, Table elements.

Teams markdown in a TextBlock supports `**bold**`, `_italic_`, `[text](url)` and `- ` lists, but not code, quotes
or tables. So: code is shown in bold, a table is a real `Table` element whose cells are RichTextBlock TextRuns
(literal text: TextRuns read no markdown), and every literal character that Teams would read as markup in a
TextBlock (`*`, `_`, `[`, `]`, `` ` ``, `\\`, a leading `-`/`#`/`>`, `1.` as `1\\.`) is backslash-escaped; a `](`
in literal text is broken up too, so user text never becomes a link whose text differs from its URL.
Bidi controls and zero-width characters never reach a card (markup.parse removes them).
"""

from __future__ import annotations

import json
import re
from typing import Any

from markup.dialect import Block, Line, Span, Table, clean, escape_marker, parse

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CARD_BUDGET = 26 * 1024          # the card itself; the rest is left for the activity envelope

_SPECIAL = re.compile(r"([\\`*_\[\]])")
_LEADING = re.compile(r"^(\s*)([-+#>]|\d+[.)])(?=\s|$)")


def size_of(card: dict) -> int:
    """Bytes of the card as Teams receives it (compact UTF-8 JSON)."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def text_block(text: str, **extra: Any) -> dict:
    block = {"type": "TextBlock", "text": text, "wrap": True}
    block.update(extra)
    return block


def card(body: list[dict], actions: list[dict] | None = None) -> dict:
    made: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
                            "msteams": {"width": "Full"}}
    if actions:
        made["actions"] = actions
    return made


def literal(text: str) -> str:
    """Plain text made literal in Teams markdown."""
    return _SPECIAL.sub(r"\\\1", clean(text)).replace("](", "]\\(")


def _span(s: Span) -> str:
    text = literal(s.text)
    if s.url:
        text = s.url if s.text == s.url else f"[{text}]({s.url})"
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    if s.italic and not s.bold and not s.code:
        core = f"_{core}_"
    if s.bold or s.code:
        core = f"**{core}**"
    return lead + core + trail


def literal_block(text: str, bold: bool = False, **extra: Any) -> dict:
    """Plain text shown exactly as written: a RichTextBlock of one TextRun (TextRuns read no markdown at all)."""
    run: dict[str, Any] = {"type": "TextRun", "text": clean(text) or " "}
    if bold:
        run["weight"] = "Bolder"
    if run["text"].strip() in ("–", "-"):  # "no figure" reads as a quiet mark, not as a value
        run["isSubtle"] = True
    return {"type": "RichTextBlock", "inlines": [run], **extra}


_BAR = re.compile(r"^\[(#*)(-*)\](\+?)\s*(\d+%)$")


def progress_cell(text: str) -> str:
    """A report's ASCII progress bar ("[##--------]   25%") as its share ("25%"): a card's table draws the figure
    cleanly, while bar characters do not fit a narrow column."""
    m = _BAR.match(text.strip())
    return m.group(4) if m else text


def line_markdown(line: Line, bullet: bool = False) -> str:
    out = "".join(_span(s) for s in line)
    return ("- " + out) if bullet else _LEADING.sub(escape_marker, out)


def teams_inline(text: str) -> str:
    """Dialect text → one Teams markdown string (lines joined with newlines)."""
    return "\n".join(line_markdown(ln, b.kind == "bullets") for b in parse(text) for ln in b.lines)


def teams_markdown(text: str) -> str:
    """Dialect text → Teams markdown: code in bold, literal characters escaped (kept for callers of the old name)."""
    return teams_inline(text)


def table_element(table: Table, spacing: str = "Medium", max_rows: int | None = None) -> list[dict]:
    """A Table as an Adaptive Card 1.5 `Table` element (header row bold, highlighted row emphasised)."""
    out: list[dict] = []
    if table.title:
        out.append(text_block(f"**{literal(table.title)}**", spacing=spacing))
        spacing = "Small"
    width = table.width
    if not width:
        return out

    def row(cells: tuple[str, ...], strong: bool, style: str | None = None) -> dict:
        made: dict[str, Any] = {"type": "TableRow", "cells": [
            {"type": "TableCell", "items": [literal_block(progress_cell(c), bold=strong)]} for c in table.cells(cells)]}
        if style:
            made["style"] = style
        return made

    rows = list(table.rows) if max_rows is None else list(table.rows)[:max_rows]
    element: dict[str, Any] = {
        "type": "Table", "spacing": spacing, "gridStyle": "accent", "showGridLines": True,
        "firstRowAsHeader": bool(table.header),
        "columns": [{"width": 2 if i == 0 and width > 2 else 1} for i in range(width)],
        "rows": ([row(table.header, True)] if table.header else [])
        + [row(r, i == table.highlight, "accent" if i == table.highlight else None) for i, r in enumerate(rows)]}
    for i, col in enumerate(element["columns"]):
        if i < len(table.align) and table.align[i] == "right":
            col["horizontalCellContentAlignment"] = "Right"
    out.append(element)
    notes = [table.note] if table.note else []
    if len(rows) < len(table.rows):
        notes.append(f"{len(table.rows) - len(rows)} more row(s) were left out to fit Teams' card size limit.")
    out.extend(text_block(literal(n), isSubtle=True, size="Small", spacing="Small") for n in notes)
    return out


def block_elements(blocks: list[Block], **extra: Any) -> list[dict]:
    """Parsed blocks → TextBlocks (one per line: Teams collapses single newlines), Tables, monospace code."""
    out: list[dict] = []
    opts = {k: v for k, v in extra.items() if k != "spacing"}
    for b in blocks:
        spacing = "Medium" if b.gap else "None"
        if b.kind == "table" and b.table is not None:
            made = table_element(b.table, spacing if out else "None")
        elif b.kind == "code":
            lines = b.code.split("\n") or [""]
            made = [text_block(literal(ln.rstrip()) or " ", fontType="Monospace", spacing="None") for ln in lines]
        else:
            made = []
            for i, ln in enumerate(b.lines):
                md = line_markdown(ln, b.kind == "bullets")
                if b.kind == "heading" or i in b.marked:
                    md = (("- " + f"**{md[2:]}**") if b.kind == "bullets" else f"**{md}**") if md.strip() else md
                made.append(text_block(md, spacing="None", **opts))
        if made and out:
            made[0]["spacing"] = spacing
        elif made:
            made[0].pop("spacing", None)
        out.extend(made)
    if extra.get("spacing") and out:
        out[0]["spacing"] = extra["spacing"]
    return out


def paragraphs(text: str, **extra: Any) -> list[dict]:
    """Dialect text → card elements."""
    return block_elements(parse(text), **extra) if text and text.strip() else []
