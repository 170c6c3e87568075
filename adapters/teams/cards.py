"""Render a platform-neutral Reply (or Form) as a Microsoft Teams Adaptive Card 1.5, and read card submissions back.

Teams refuses messages over about 28 KB, so every card is measured after it is built: passages are shortened,
then dropped, then long text is cut, and the chart is re-encoded smaller, until the card fits. Whenever
something is left out the card says so.

Card data sent back by Action.Submit:
- a Reply button: ``{"action": ACTION, "value": VALUE}``
- a Form's submit button: ``{"command": COMMAND}`` plus one input per field, id ``field:NAME``
  (a partner field also has ``field_new:NAME`` for a company that is not in the list yet).
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from bot.reply import Button, Form, FormField, Passage, Reply

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TEAMS_LIMIT = 28 * 1024          # what Teams accepts for a whole message
CARD_BUDGET = 26 * 1024          # the card itself; the rest is left for the activity envelope
MAX_CARD_ACTIONS = 5             # Teams shows at most six card-level actions; keep one in reserve
FIELD_PREFIX = "field:"
NEW_PREFIX = "field_new:"

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


def size_of(card: dict) -> int:
    """Bytes of the card as Teams receives it (compact UTF-8 JSON)."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def teams_markdown(text: str) -> str:
    """Teams cards show `code` literally and read *x* as italics: make both bold, as the text means."""
    text = re.sub(r"`([^`\n]+)`", r"**\1**", text)
    return re.sub(r"(?<![*\w])\*([^*\n]+?)\*(?![*\w])", r"**\1**", text)


def _text(text: str, **extra: Any) -> dict:
    block = {"type": "TextBlock", "text": text, "wrap": True}
    block.update(extra)
    return block


def _card(body: list[dict], actions: list[dict] | None = None) -> dict:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
                            "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


def _paragraphs(text: str) -> list[dict]:
    """One TextBlock per line (Teams collapses single newlines inside a TextBlock); a ``` fenced table becomes a
    FactSet (columns split on runs of two or more spaces) or monospace lines."""
    blocks: list[dict] = []
    gap = False
    fenced: list[str] | None = None
    for line in text.rstrip().splitlines():
        if line.strip().startswith("```"):
            if fenced is None:
                fenced = []
                continue
            blocks.extend(_fenced(fenced, spacing="Medium" if blocks else "None"))
            fenced = None
            continue
        if fenced is not None:
            fenced.append(line)
            continue
        if not line.strip():
            gap = True
            continue
        block = _text(teams_markdown(line.rstrip()))
        if blocks:
            block["spacing"] = "Medium" if gap else "None"
        blocks.append(block)
        gap = False
    if fenced:
        blocks.extend(_fenced(fenced, spacing="Medium" if blocks else "None"))
    return blocks


def _fenced(lines: list[str], spacing: str) -> list[dict]:
    rows = [re.split(r"\s{2,}", ln.strip()) for ln in lines if ln.strip()]
    if not rows:
        return []
    if all(len(r) >= 2 for r in rows):
        return [{"type": "FactSet", "spacing": spacing,
                 "facts": [{"title": r[0], "value": " · ".join(r[1:])} for r in rows]}]
    return [_text(ln.rstrip() or " ", fontType="Monospace", spacing=spacing if i == 0 else "None")
            for i, ln in enumerate(lines)]


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


def _passage_lines(p: Passage, limit: int | None) -> tuple[list[str], bool]:
    """The passage as lines (lists and paragraphs kept), centred on its highlighted sentence when shortened to
    `limit` characters, with that sentence in bold. Returns the lines and whether anything was cut."""
    lines: list[str] = []
    for raw in p.text.replace("**", "").splitlines():
        line = " ".join(raw.split())
        heading = re.match(r"^#{1,6}\s+(.*)", line)
        line = f"**{heading.group(1)}**" if heading else line
        if line or (lines and lines[-1]):
            lines.append(line)
    body = "\n".join(lines).strip()
    hl = " ".join(p.highlight.replace("**", "").split()) if p.highlight else ""
    shortened = False
    if limit is not None and len(body) > limit:
        shortened = True
        at = body.find(hl) if hl else -1
        if at > 0 and at + len(hl) > limit:
            start = max(0, min(at - limit // 4, len(body) - limit))
            space = body.find(" ", start)
            start = space + 1 if 0 <= space < at else start
            body = "… " + body[start:]
        body, _ = _cut(body, limit)
    out = body.split("\n") if body else []
    marked = False
    for i, line in enumerate(out):
        if hl and hl in line:
            out[i] = line.replace(hl, f"**{hl}**", 1)
            marked = True
            break
    if hl and not marked and (shortened or hl not in " ".join(out)):
        out += ["", f"Key sentence: **{_cut(hl, limit)[0]}**"]
    elif hl and not marked:  # the sentence runs over a line break: bold each of its lines
        out = [f"**{ln}**" if ln and ln in hl else ln for ln in out]
    return out, shortened


def _button_action(b: Button) -> dict:
    style = {"primary": "positive", "danger": "destructive"}.get(b.style)
    action = {"type": "Action.Submit", "title": b.label, "data": {"action": b.action, "value": b.value}}
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

    buttons = list(reply.buttons)
    passages = list(reply.passages)
    shown = passages if max_passages is None else passages[:max_passages]
    shortened = 0
    for i, p in enumerate(shown, 1):
        lines, was_cut = _passage_lines(p, passage_cap)
        shortened += was_cut
        where = p.title + (f" › {p.section}" if p.section and p.section != p.title else "")
        items = [_text(f"**[{i}] {teams_markdown(where)}**")]
        body = _paragraphs("\n".join(lines))
        if body:
            body[0]["spacing"] = "Small"
            items.extend(body)
        items.append(_text(f"Source: {p.source}", isSubtle=True, size="Small", spacing="Small"))
        mine = [b for b in buttons if p.source and _button_source(b) == p.source]
        if mine:
            buttons = [b for b in buttons if b not in mine]
            items.append({"type": "ActionSet", "actions": [_button_action(b) for b in mine]})
        out.body.append({"type": "Container", "style": "emphasis", "spacing": "Medium", "items": items})
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
                         "facts": [{"title": f.label, "value": teams_markdown(f.value)} for f in kept]})
        if len(kept) < len(facts):
            out.notes.append(f"{len(facts) - len(kept)} more line(s) were left out to fit Teams' card size limit.")

    if reply.errors:
        out.body.extend(_text(f"⚠ {name}: {msg}", color="Attention", spacing="Small")
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
        title = [_text(f"**{teams_markdown(reply.image_title)}**", spacing="Medium")] if reply.image_title else []
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


# ---------------------------------------------------------------- forms


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return ""


def _number(value: str) -> float | int | None:
    try:
        n = float(value)
    except (TypeError, ValueError):
        return None
    return int(n) if n.is_integer() else n


def _input(f: FormField, value: str, partner_choices: list[tuple[str, str]] | None) -> list[dict]:
    fid = FIELD_PREFIX + f.name
    common: dict[str, Any] = {"id": fid, "label": f.label, "isRequired": bool(f.required)}
    if f.required:
        common["errorMessage"] = f"{f.label} is required."
    if f.kind in ("text", "long_text"):
        el = {"type": "Input.Text", **common}
        if f.kind == "long_text":
            el["isMultiline"] = True
        if f.placeholder:
            el["placeholder"] = f.placeholder
        if value:
            el["value"] = value
        return [el]
    if f.kind == "select":
        el = {"type": "Input.ChoiceSet", "style": "compact", **common,
              "choices": [{"title": label, "value": v} for v, label in f.options]}
        if value and any(v == value for v, _ in f.options):
            el["value"] = value
        if f.placeholder:
            el["placeholder"] = f.placeholder
        return [el]
    if f.kind == "date":
        el = {"type": "Input.Date", **common}
        iso = _iso_date(value) if value else ""
        if iso:
            el["value"] = iso
        elif value:  # e.g. "today": the server understands it, the date picker does not
            el = {"type": "Input.Text", **common, "value": value, "placeholder": "YYYY-MM-DD"}
        return [el]
    if f.kind == "number":
        el = {"type": "Input.Number", **common}
        n = _number(value) if value else None
        if n is not None:
            el["value"] = n
        if f.placeholder:
            el["placeholder"] = f.placeholder
        return [el]
    if f.kind == "partner":
        choices = [(v, label or v) for v, label in (partner_choices or []) if v]
        if value and not any(v == value for v, _ in choices):
            choices = [(value, value)] + choices
        if not choices:
            el = {"type": "Input.Text", **common,
                  "placeholder": f.placeholder or "Company name, e.g. as written on their website"}
            if value:
                el["value"] = value
            return [el]
        # Teams cannot type a new value into a list, so any other company goes into a second box.
        choice = {"type": "Input.ChoiceSet", "style": "filtered", "id": fid, "label": f.label,
                  "isRequired": False, "choices": [{"title": label, "value": v} for v, label in choices],
                  "placeholder": "Pick a partner"}
        if value:
            choice["value"] = value
        other = {"type": "Input.Text", "id": NEW_PREFIX + f.name, "label": "…or type a company name",
                 "placeholder": f.placeholder or "Company name"}
        return [choice, other]
    return [{"type": "Input.Text", **common, **({"value": value} if value else {})}]


def form_card(form: Form, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
              intro: str = "", partner_choices: list[tuple[str, str]] | None = None,
              budget: int = CARD_BUDGET) -> dict:
    """An input card for `form`; `values` refill it after a rejected submission and `errors` mark the fields.

    `partner_choices` are (name, label) pairs offered in a searchable list for partner fields.
    """
    values = values or {}
    errors = errors or {}
    body: list[dict] = [_text(f"**{teams_markdown(form.title)}**", size="Medium")]
    body.extend(_paragraphs(intro))
    names = {f.name for f in form.fields}
    general = [f"⚠ {msg}" if k in ("", "_") else f"⚠ {k}: {msg}" for k, msg in errors.items() if k not in names]
    body.extend(_text(line, color="Attention", spacing="Small") for line in general)
    for f in form.fields:
        value = values.get(f.name)
        value = f.initial if value in (None, "") else str(value)
        body.extend(_input(f, value, partner_choices if f.kind == "partner" else None))
        if f.name in errors:
            body.append(_text(f"⚠ {errors[f.name]}", color="Attention", spacing="None", size="Small"))
        if f.hint:
            body.append(_text(teams_markdown(f.hint), isSubtle=True, size="Small", spacing="None"))
    submit = {"type": "Action.Submit", "title": form.submit_label or "Save", "style": "positive",
              "data": {"command": form.command}}
    card = _card(body, [submit])
    if size_of(card) > budget and partner_choices:
        return form_card(form, values, errors, intro, partner_choices[: len(partner_choices) // 2], budget)
    return card


# ---------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    """What a card's Action.Submit sent back: a form (`command` + `form`) or a button (`action` + `value`)."""

    kind: str                      # "form" or "button"
    command: str
    form: dict[str, Any] | None = None
    value: str = ""


def parse_submit(data: Any) -> Submission | None:
    """Read activity.value from a card submit; None when it is not one of our cards."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("command"), str) and data["command"].strip():
        values: dict[str, Any] = {}
        for key, v in data.items():
            if key.startswith(FIELD_PREFIX):
                values[key[len(FIELD_PREFIX):]] = v.strip() if isinstance(v, str) else v
        for key, v in data.items():
            if key.startswith(NEW_PREFIX) and isinstance(v, str) and v.strip():
                values[key[len(NEW_PREFIX):]] = v.strip()
        return Submission("form", data["command"].strip(), values)
    if isinstance(data.get("action"), str) and data["action"].strip():
        raw = data.get("value", "")
        raw = raw if isinstance(raw, str) else json.dumps(raw)
        form = None
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            form = parsed
        return Submission("button", data["action"].strip(), form, raw)
    return None
