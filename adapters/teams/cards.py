"""Render a platform-neutral Reply as a Microsoft Teams Adaptive Card 1.5 (forms and submissions: forms.py).

Reply text is read in the one markup dialect (markup/dialect.py) and becomes TextBlocks in Teams markdown; tables
become real `Table` elements, facts a `FactSet`; no raw pipes, quote markers or dashed rules reach a card.

Teams refuses messages over about 28 KB, so every card is measured after it is built: passages are shortened,
then dropped, then long text is cut, and the chart is re-encoded smaller, until the card fits. Whenever
something is left out the card says so.
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from adapters.teams.form_cards import FIELD_PREFIX, NEW_PREFIX, Submission, form_card, parse_submit
from adapters.teams.text import (CARD_BUDGET, SCHEMA, VERSION, block_elements, card as _card, line_markdown,
                                 literal, paragraphs as _paragraphs, size_of, table_element, teams_markdown,
                                 text_block as _text)
from markup.dialect import clean, document_spans, escape_marker, parse_document, plain_line
from bot.reply import Button, Passage, Reply

__all__ = ["CARD_BUDGET", "CONTENT_TYPE", "FIELD_PREFIX", "NEW_PREFIX", "SCHEMA", "Submission", "TEAMS_LIMIT",
           "VERSION", "form_card", "parse_submit", "reply_card", "size_of", "teams_markdown"]

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TEAMS_LIMIT = 28 * 1024          # what Teams accepts for a whole message
MAX_CARD_ACTIONS = 5             # Teams shows at most six card-level actions; keep one in reserve

# (max chars of main text, max chars per passage, max passages, max facts); None = no limit
_LEVELS: tuple[tuple[int | None, int | None, int | None, int | None], ...] = (
    (None, None, None, None),
    (None, 900, None, None),
    (None, 500, None, None),
    (None, 300, 3, None),
    (6000, 200, 1, 40),
    (3000, 0, 0, 20),
    (1500, 0, 0, 10),
    (600, 0, 0, 5),
)
_IMAGE_WIDTHS = (900, 720, 600, 480, 360)


def _cut(text: str, limit: int | None) -> tuple[str, bool]:
    """Shorten to about `limit` characters at a word boundary."""
    if limit is None or len(text) <= limit:
        return text, False
    if limit <= 0:
        return "", True
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + " …", True


def _doc_lines(blocks) -> list[str]:
    """A parsed passage as plain lines ("- " for list items, "a · b" for table rows) for shortening."""
    from markup.dialect import plain_line

    lines: list[str] = []
    for b in blocks:
        if b.kind == "table" and b.table is not None:
            rows = ([b.table.header] if b.table.header else []) + list(b.table.rows)
            lines += [" · ".join(c for c in r if c) for r in rows]
        elif b.kind == "code":
            lines += b.code.split("\n")
        else:
            lines += [("- " if b.kind == "bullets" else "") + plain_line(ln) for ln in b.lines]
    return lines


def _passage_elements(p: Passage, limit: int | None) -> tuple[list[dict], bool]:
    """The passage as card elements, centred on its highlighted sentence (in bold) when shortened to `limit`
    characters. Returns the elements and whether anything was cut."""
    blocks = parse_document(p.text, p.highlight)
    hl = _key_text(p.highlight)
    body = "\n".join(_doc_lines(blocks)).strip()
    if limit is None or len(body) <= limit:
        elements = block_elements(blocks)
        lit = literal(hl)
        # as the sentence stands in a TextBlock: its own *emphasis* and links drawn, or (no markup) just literal
        forms = list(dict.fromkeys(f for f in (lit, line_markdown(document_spans(hl))) if f)) if hl else []
        in_table = any(b.kind == "table" and b.table is not None and b.table.highlight is not None for b in blocks)
        bolded = any(f"**{f}" in el.get("text", "") for el in elements for f in forms) if hl and not in_table else True
        for el in elements if not bolded else []:
            form = next((f for f in forms if f in el.get("text", "")), None) if el["type"] == "TextBlock" else None
            if form:
                el["text"] = el["text"].replace(form, f"**{form}**", 1)
                bolded = True
                break
        shown = json.dumps(elements, ensure_ascii=False)
        if hl and not bolded and lit not in shown:
            elements.append(_text(f"Key sentence: **{literal(_plain(hl))}**", spacing="Small"))
        return elements, False
    hl = _plain(hl)  # the shortened body is plain lines
    at = body.find(hl) if hl else -1
    if at > 0 and at + len(hl) > limit:
        start = max(0, min(at - limit // 4, len(body) - limit))
        space = body.find(" ", start)
        start = space + 1 if 0 <= space < at else start
        body = "… " + body[start:]
    body, _ = _cut(body, limit)
    out: list[dict] = []
    marked = False
    for line in body.split("\n") if body else []:
        bullet = line.startswith("- ")
        text = literal(line[2:] if bullet else line)
        if hl and not marked and literal(hl) in text:
            text = text.replace(literal(hl), f"**{literal(hl)}**", 1)
            marked = True
        if not bullet:
            text = re.sub(r"^(\s*)([-+#>]|\d+[.)])(?=\s|$)", escape_marker, text)
        out.append(_text(("- " if bullet else "") + text if line.strip() else " ", spacing="None"))
    if hl and not marked:
        out += [_text(f"Key sentence: **{literal(_cut(hl, limit)[0])}**", spacing="Small")]
    return out, True


def _plain(text: str) -> str:
    """A line of a document as the plain words a reader sees (emphasis markers gone), as the shortened body has it."""
    return plain_line(document_spans(text)) if text else text


def _key_text(highlight: str) -> str:
    """The highlighted sentence as plain words; a highlighted table row ("| a | b |") as "a · b"."""
    text = " ".join(clean(highlight or "").replace("**", "").split())
    if text.count("|") >= 2:
        text = " · ".join(c.strip() for c in text.strip().strip("|").split("|") if c.strip())
    return text


def _details(title: str, elements: list[dict]) -> dict:
    """Content kept behind a button (Action.ShowCard) so the card opens short."""
    return {"type": "Action.ShowCard", "title": clean(title), "card": {"type": "AdaptiveCard", "body": elements}}


def _button_action(b: Button) -> dict:
    style = {"primary": "positive", "danger": "destructive"}.get(b.style)
    action = {"type": "Action.Submit", "title": clean(b.label), "data": {"action": b.action, "value": b.value}}
    if style:
        action["style"] = style
    return action


def _button_source(b: Button) -> str:
    try:
        value = json.loads(b.value) if b.value else None
    except ValueError:
        return ""
    return str(value.get("source", "")) if isinstance(value, dict) else ""


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


@dataclass
class _Composition:
    body: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _compose(reply: Reply, level: tuple[int | None, int | None, int | None, int | None]) -> _Composition:
    text_cap, passage_cap, max_passages, max_facts = level
    out = _Composition()
    text = reply.text or ""
    text, cut = _cut(text, text_cap)
    if cut:
        out.notes.append("The message was shortened to fit a Teams card; ask for less (e.g. one partner or a "
                         "shorter period) to see it all.")
    out.body.extend(_paragraphs(text))
    details: list[dict] = []
    for n, table in enumerate(reply.tables):
        if n == 0:
            out.body.extend(table_element(table, max_rows=max_facts))
        else:  # further tables (a report's breakdowns) open on demand
            title = re.sub(r"\s*\([^)]*\)$", "", table.title)  # a short button; the full title is inside
            inner = table_element(replace(table, title=""), spacing="None", max_rows=max_facts)
            if title != table.title:
                inner.insert(0, _text(f"**{literal(table.title)}**"))
            details.append(_details(title or f"Table {n + 1}", inner))

    buttons = list(reply.buttons)
    passages = list(reply.passages)
    shown = passages if max_passages is None else passages[:max_passages]
    shortened = 0
    more: list[dict] = []
    for i, p in enumerate(shown, 1):
        body, was_cut = _passage_elements(p, passage_cap)
        shortened += was_cut
        where = p.title + (f" › {p.section}" if p.section and p.section != p.title else "")
        items = [_text(f"**[{i}] {literal(where)}**")]
        if p.status_note():  # a document that is not settled policy says so before its text
            items.append(_text(f"⚠ {literal(p.status_note())}", color="Warning", size="Small", spacing="Small"))
        if body:
            body[0]["spacing"] = "Small"
            items.extend(body)
        items.append(_text(f"Source: {literal(p.source_line())}", isSubtle=True, size="Small", spacing="Small"))
        mine = [b for b in buttons if p.source and _button_source(b) == p.source]
        if mine:
            buttons = [b for b in buttons if b not in mine]
            items.append({"type": "ActionSet", "actions": [_button_action(b) for b in mine]})
        container = {"type": "Container", "style": "emphasis", "spacing": "Medium", "items": items}
        if i == 1:
            out.body.append(container)
        else:
            more.append(container)
    if more:  # the best passage is shown; the others open on demand
        more[0]["spacing"] = "None"
        details.insert(0, _details(f"More from the guidance ({len(more)})", more))
    if shortened:
        out.notes.append(f"{shortened} passage(s) were shortened to fit Teams' card size limit; the source "
                         "names the full document.")
    if len(shown) < len(passages):
        left = len(passages) - len(shown)
        out.notes.append(f"{left} more passage(s) were left out to fit Teams' card size limit; ask a narrower "
                         "question to see them.")

    facts = list(reply.facts)
    if facts:
        kept = facts if max_facts is None else facts[:max_facts]
        out.body.append({"type": "FactSet", "spacing": "Medium",
                         "facts": [{"title": clean(f.label), "value": literal(f.value)} for f in kept]})
        if len(kept) < len(facts):
            out.notes.append(f"{len(facts) - len(kept)} more line(s) were left out to fit Teams' card size limit.")

    if details:
        out.body.append({"type": "ActionSet", "spacing": "Medium", "actions": details})

    if reply.errors:
        out.body.extend(_text(f"⚠ {literal(name)}: {teams_markdown(msg)}", color="Attention", spacing="Small")
                        for name, msg in reply.errors.items())

    actions = [_button_action(b) for b in buttons]
    out.actions = actions[:MAX_CARD_ACTIONS]
    for chunk in _chunks(actions[MAX_CARD_ACTIONS:], MAX_CARD_ACTIONS):
        out.body.append({"type": "ActionSet", "actions": chunk})
    return out


def _finish(comp: _Composition, image: dict | None = None, extra_notes: Iterable[str] = ()) -> dict:
    body = list(comp.body)
    if image is not None:
        body.append(image)
    notes = list(comp.notes) + list(extra_notes)
    body.extend(_text(n, isSubtle=True, size="Small", spacing="Medium") for n in notes)
    if not body:
        body = [_text("Done.")]
    return _card(body, comp.actions)


def image_data_uri(path: Path, max_bytes: int, width: int) -> str | None:
    """The chart as a PNG data URI at most `width` pixels wide, or None if it would exceed `max_bytes`."""
    from PIL import Image

    with Image.open(path) as img:
        img = img.convert("RGB")
        if img.width > width:
            img = img.resize((width, max(1, round(img.height * width / img.width))), Image.LANCZOS)
        # Charts use few colours: a 64-colour palette keeps them sharp at a fraction of the size.
        img = img.quantize(colors=64)
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return uri if len(uri) <= max_bytes else None


def _image_element(reply: Reply, budget: int) -> dict | None:
    path = Path(reply.image) if reply.image else None
    if path is None or not path.is_file():
        return None
    for width in _IMAGE_WIDTHS:
        uri = image_data_uri(path, budget - 300, width)
        if uri is not None:
            return {"type": "Image", "url": uri, "altText": reply.image_title or "chart", "size": "Stretch",
                    "spacing": "Medium", "msteams": {"allowExpand": True}}
    return None


def reply_card(reply: Reply, budget: int = CARD_BUDGET) -> dict:
    """The Reply as one Adaptive Card no larger than `budget` bytes (forms use `form_card`)."""
    chart_note = []
    if reply.image and not Path(reply.image).is_file():
        chart_note = ["The chart could not be attached (its file is missing)."]
    for level in _LEVELS:
        comp = _compose(reply, level)
        card = _finish(comp, extra_notes=chart_note)
        if size_of(card) > budget:
            continue
        if not reply.image or chart_note:
            return card
        title = [_text(f"**{literal(reply.image_title)}**", spacing="Medium")] if reply.image_title else []
        comp.body.extend(title)
        base = size_of(_finish(comp))
        image = _image_element(reply, budget - base - 200)
        if image is not None:
            return _finish(comp, image)
    comp = _compose(reply, _LEVELS[-1])
    notes = ["The chart was too large to show in a Teams card; run `report` in `pse-bot chat` to save it."] \
        if reply.image else []
    card = _finish(comp, extra_notes=notes + chart_note)
    if size_of(card) > budget:  # pathological: a huge number of buttons or errors
        card = _card([_text("This answer is too large for a Teams card. Please ask for less, or use `pse-bot "
                            "chat` in a terminal.")])
    return card
