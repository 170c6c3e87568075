"""HTML to sections: navigation, scripts and page chrome dropped; block elements become paragraphs, h2-h6 headings."""

from __future__ import annotations

from typing import Any

from knowledge.types import Section


def _clean_inline(text: str) -> str:
    from knowledge.text_blocks import clean_inline as clean

    return clean(text)



_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "noscript", "form", "template", "svg", "iframe")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th", "dt", "dd",
                "figcaption")


def parse_html(data: bytes, name: str) -> tuple[str, dict[str, Any], list[Section]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(list(_HTML_DROP)):
        tag.decompose()
    for tag in soup.select('[role="navigation"], [aria-hidden="true"]'):
        tag.decompose()
    title = _clean_inline(soup.title.get_text(" ")) if soup.title else ""
    h1 = soup.find("h1")
    if h1 is not None and (not title or len(title) > 120):
        title = _clean_inline(h1.get_text(" "))
    meta: dict[str, Any] = {}
    desc = soup.find("meta", attrs={"name": "description"})
    if desc is not None and desc.get("content"):
        meta["description"] = str(desc["content"])
    root = soup.body or soup
    blocks: list[tuple[int, str]] = []
    for el in root.find_all(list(_HTML_BLOCKS)):
        if el.find_parent([t for t in _HTML_BLOCKS if not t.startswith("h")]) is not None:
            continue  # its text is already part of an enclosing block (a <p> inside an <li>)
        text = _clean_inline(el.get_text(" "))
        if not text:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            level = int(el.name[1:])
            if level == 1 and _clean_inline(text) == title:
                continue
            blocks.append((max(level, 2), text))
        elif el.name == "li":
            if blocks and blocks[-1][0] == 0 and blocks[-1][1].startswith("- "):
                blocks[-1] = (0, blocks[-1][1] + "\n- " + text)
            else:
                blocks.append((0, "- " + text))
        else:
            blocks.append((0, text))
    if not blocks:
        text = _clean_inline(root.get_text(" "))
        if text:
            blocks.append((0, text))
    from knowledge.text_blocks import blocks_to_sections

    title, sections = blocks_to_sections(blocks, title)
    return title, meta, sections
