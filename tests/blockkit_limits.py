"""Block Kit's documented limits as checks (https://api.slack.com/reference/block-kit): each returns the list of
problems found in a payload, empty when it keeps every limit.

Limits checked: 50 blocks per message and 100 per modal or Home tab; section text 3,000 characters, at most 10
fields of 2,000; context at most 10 elements; actions at most 25 elements; header 150; button text 75, value
2,000, action_id and block_id 255 and unique; select at most 100 options, option text 75 and value 150;
placeholders 150; input labels and hints 2,000; modal title, submit and close 24; private_metadata 3,000;
message fallback text 3,000 (the app's own cap, under Slack's 4,000). Also: no empty text objects, and no raw
`<` in mrkdwn other than the links and mentions Slack understands (user text is escaped to `&lt;`).
"""

from __future__ import annotations

import re
from typing import Any

_RAW_LT = re.compile(r"<(?!(?:https?://|mailto:|@[UW][A-Z0-9]+>|#C[A-Z0-9]+|!(?:here|channel|everyone)>))")


def _text_obj(obj: Any, where: str, limit: int, out: list[str], kinds=("plain_text", "mrkdwn")) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        out.append(f"{where}: not a text object of type {'/'.join(kinds)}")
        return
    text = obj.get("text", "")
    if not isinstance(text, str) or not text.strip():
        out.append(f"{where}: empty text")
    elif len(text) > limit:
        out.append(f"{where}: {len(text)} characters > {limit}")
    if obj["type"] == "mrkdwn" and isinstance(text, str) and _RAW_LT.search(text):
        out.append(f"{where}: raw '<' in mrkdwn: {text[:80]!r}")


def _element(el: dict, where: str, out: list[str]) -> None:
    kind = el.get("type")
    if len(el.get("action_id", "")) > 255:
        out.append(f"{where}: action_id over 255")
    if "placeholder" in el:
        _text_obj(el["placeholder"], f"{where}.placeholder", 150, out, ("plain_text",))
    if kind == "button":
        _text_obj(el.get("text"), f"{where}.text", 75, out, ("plain_text",))
        if len(el.get("value", "")) > 2000:
            out.append(f"{where}: button value over 2,000")
        if len(el.get("url", "")) > 3000:
            out.append(f"{where}: url over 3,000")
    if kind in ("static_select", "multi_static_select"):
        options = el.get("options", [])
        if not 1 <= len(options) <= 100:
            out.append(f"{where}: {len(options)} options (1–100)")
        for j, o in enumerate(options):
            _text_obj(o.get("text"), f"{where}.options[{j}].text", 75, out, ("plain_text",))
            if not 1 <= len(o.get("value", "")) <= 150:
                out.append(f"{where}.options[{j}]: value must be 1–150 characters")
    if kind == "plain_text_input" and len(el.get("initial_value", "")) > 3000:
        out.append(f"{where}: initial value over 3,000")


def blocks_problems(blocks: list[dict], max_blocks: int) -> list[str]:
    out: list[str] = []
    if not 1 <= len(blocks) <= max_blocks:
        out.append(f"{len(blocks)} blocks (1–{max_blocks})")
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        out.append("duplicate block_id")
    for i, b in enumerate(blocks):
        where = f"blocks[{i}]<{b.get('type')}>"
        if len(b.get("block_id", "")) > 255:
            out.append(f"{where}: block_id over 255")
        kind = b.get("type")
        if kind == "section":
            if "text" not in b and "fields" not in b:
                out.append(f"{where}: neither text nor fields")
            if "text" in b:
                _text_obj(b["text"], f"{where}.text", 3000, out)
            fields = b.get("fields", [])
            if len(fields) > 10:
                out.append(f"{where}: {len(fields)} fields > 10")
            for j, f in enumerate(fields):
                _text_obj(f, f"{where}.fields[{j}]", 2000, out)
            if "accessory" in b:
                _element(b["accessory"], f"{where}.accessory", out)
        elif kind == "context":
            els = b.get("elements", [])
            if not 1 <= len(els) <= 10:
                out.append(f"{where}: {len(els)} elements (1–10)")
            for j, e in enumerate(els):
                if e.get("type") in ("mrkdwn", "plain_text"):
                    _text_obj(e, f"{where}.elements[{j}]", 3000, out)
        elif kind == "actions":
            els = b.get("elements", [])
            if not 1 <= len(els) <= 25:
                out.append(f"{where}: {len(els)} elements (1–25)")
            ids = [e.get("action_id") for e in els if e.get("action_id")]
            if len(ids) != len(set(ids)):
                out.append(f"{where}: duplicate action_id")
            for j, e in enumerate(els):
                _element(e, f"{where}.elements[{j}]", out)
        elif kind == "header":
            _text_obj(b.get("text"), f"{where}.text", 150, out, ("plain_text",))
        elif kind == "input":
            _text_obj(b.get("label"), f"{where}.label", 2000, out, ("plain_text",))
            if "hint" in b:
                _text_obj(b["hint"], f"{where}.hint", 2000, out, ("plain_text",))
            _element(b.get("element", {}), f"{where}.element", out)
        elif kind == "image":
            if len(b.get("alt_text", "")) > 2000 or len(b.get("image_url", "")) > 3000:
                out.append(f"{where}: alt_text or image_url too long")
        elif kind != "divider":
            out.append(f"{where}: a block type this app does not expect")
    return out


def message_problems(messages: list[dict]) -> list[str]:
    """Problems in what `adapters.slack.blocks.render` returns: one or more chat.postMessage payloads."""
    out: list[str] = []
    if not messages:
        return ["no message"]
    for n, m in enumerate(messages):
        text = m.get("text", "")
        if not text or len(text) > 3000:
            out.append(f"message {n}: fallback text of {len(text)} characters (1–3,000)")
        out += [f"message {n}: {p}" for p in blocks_problems(m.get("blocks", []), 50)]
    return out


def _view_problems(view: dict) -> list[str]:
    out = blocks_problems(view.get("blocks", []), 100)
    if len(view.get("private_metadata", "")) > 3000:
        out.append("private_metadata over 3,000")
    if len(view.get("callback_id", "")) > 255:
        out.append("callback_id over 255")
    return out


def modal_problems(view: dict) -> list[str]:
    out = _view_problems(view)
    for key in ("title", "submit", "close"):
        if key in view:
            _text_obj(view[key], key, 24, out, ("plain_text",))
    if "title" not in view:
        out.append("a modal needs a title")
    return out


def home_problems(view: dict) -> list[str]:
    return (["not a home view"] if view.get("type") != "home" else []) + _view_problems(view)
