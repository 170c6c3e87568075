"""Reply → Slack Block Kit messages, split so that every message respects Slack's limits.

A Reply may be longer than one Slack message allows, so `render` returns a list of messages, each a dict with
`text` (the notification fallback) and `blocks`. Limits honoured (https://api.slack.com/reference/block-kit):
at most 50 blocks per message, 3,000 characters per section text, 10 fields per section (2,000 characters
each), 25 elements per actions block, 75 characters per button label and 2,000 per button value.
Reply text is read in the one markup dialect (markup/dialect.py) and written as mrkdwn; every other string
(facts, table cells, passage text, titles) is escaped, so no user text becomes a link, a mention or a
disguised URL. Tables become section fields (two columns, few rows) or a preformatted block. The highlighted
sentence of a passage is shown in bold.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

from markup.dialect import Block, Line, Span, Table, clean, parse, parse_document, table_text, to_plain
from bot.reply import Button, Passage, Reply

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_ACTIONS = 25
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_CONTEXT = 2000
MAX_FALLBACK = 3000

ACTION_PREFIX = "pse:"
CONTINUED = " (continued)"

# What the chart line under a reply says; the adapter picks the one that is true where the reply goes.
CHART_BLOCK_ID = "pse_chart"
CHART_BELOW = "attached below"
CHART_PRIVATE = ("not shown here: only you see this message, and Slack cannot show a file to one person in a "
                 "channel. *Share in channel* posts it here with its chart; in a DM with me the chart comes along")
CHART_NOT_MEMBER = ("not attached: I am not a member of this channel. Invite me with `/invite @PSE Assistant` "
                    "and the chart comes with the next digest")


# mrkdwn has no backslash escape: a pair of markers that Slack would read as bold, italic or strike-through is
# shown with look-alike characters instead (∗ U+2217, ＿ U+FF3F, ∼ U+223C), so literal text never changes style.
_PAIRED = re.compile(r"(^|(?<=[\s(\[\"'“‘]))([*_~])(?=\S)(.+?)(?<=\S)\2(?=$|[\s.,;:!?)\]\"'”’])", re.S)
_LOOKALIKE = {"*": "\u2217", "_": "\uff3f", "~": "\u223c"}


def escape_pre(text: str) -> str:
    """Text for a preformatted (```) block: Slack styles nothing there, so only `&`, `<`, `>` are escaped."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """Make text literal in mrkdwn: drop bidi/zero-width characters, escape `&`, `<`, `>` (no user link), and
    keep paired `*`, `_`, `~` from styling the text."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for _ in range(3):  # nested pairs (*_x_*) come apart one level at a time
        made = _PAIRED.sub(lambda m: m.group(1) + _LOOKALIKE[m.group(2)] + m.group(3) + _LOOKALIKE[m.group(2)], text)
        if made == text:
            break
        text = made
    return text


def _styled(span: Span) -> str:
    text = escape(span.text)
    if span.code:
        return f"`{text.replace('`', 'ˋ')}`"
    if span.url:
        url = escape(span.url).replace("|", "%7C")
        text = url if span.text == span.url else f"<{url}|{text.replace('|', '¦')}>"
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    if span.italic and not span.url:
        core = "\n".join(f"_{ln}_" if ln.strip() else ln for ln in core.split("\n"))
    if span.bold:
        core = bold(core)
    return lead + core + trail


def line_mrkdwn(line: Line) -> str:
    return "".join(_styled(s) for s in line)


def table_mrkdwn(table: Table) -> str:
    """A table as a preformatted block (Slack has no table element in messages); the marked row has ▶."""
    return "```\n" + escape_pre(table_text(table)) + "\n```"


def blocks_mrkdwn(blocks: list[Block], document: bool = False) -> str:
    out = ""
    for b in blocks:
        if b.kind == "code":
            text = "```\n" + escape_pre(b.code) + "\n```"
        elif b.kind == "table" and b.table is not None:
            text = table_mrkdwn(b.table)
        else:
            lines = [line_mrkdwn(ln) for ln in b.lines]
            lines = [bold(ln) if i in b.marked or b.kind == "heading" else ln for i, ln in enumerate(lines)]
            text = "\n".join(("• " + ln) if b.kind == "bullets" else ln for ln in lines)
        if text:
            out += ("\n\n" if b.gap else "\n") + text if out else text
    return out


def mrkdwn(text: str) -> str:
    """Reply text in the one dialect (markup/dialect.py) → Slack mrkdwn: escaped, `**bold**` → `*bold*`, links."""
    return blocks_mrkdwn(parse(text))


def bold(text: str) -> str:
    """Bold a (possibly multi-line) piece of already-escaped text; Slack bold cannot span lines."""
    return "\n".join(f"*{line.strip()}*" if line.strip() else line for line in text.split("\n"))


def chunks(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most `limit` characters, preferring paragraph, line, then word breaks."""
    text = text.strip("\n")
    if len(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            at = window.rfind(sep)
            if at > limit // 3:
                cut = at + (len(sep) if sep == ". " else 0)
                break
        if cut <= 0:
            cut = limit
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        out.append(rest)
    return out


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections(text: str) -> list[dict[str, Any]]:
    return [section(piece) for piece in chunks(text, MAX_SECTION)]


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, MAX_CONTEXT)}]}


def passage_blocks(i: int, p: Passage) -> list[dict[str, Any]]:
    where = p.title or p.source
    if p.section and p.section != p.title:
        where += f" › {p.section}"
    header = f"*[{i}] {escape(where)}*"
    body = blocks_mrkdwn(parse_document(p.text.strip(), p.highlight))
    hl = escape(" ".join(p.highlight.replace("**", "").split())) if p.highlight else ""
    if hl and hl in body and f"*{hl}" not in body:
        body = body.replace(hl, bold(hl), 1)
    if p.status_note():  # a document that is not settled policy says so before its text
        header += f"\n:warning: _{escape(p.status_note())}_"
    blocks = _fenced_sections(f"{header}\n{body}")
    blocks.append(context(f"source: `{escape(p.source)}`" + (f" · section: {escape(p.section)}" if p.section else "")
                          + (f" · {escape(p.provenance())}" if p.provenance() else "")))
    return blocks


def _fenced_sections(text: str) -> list[dict[str, Any]]:
    """Sections of at most MAX_SECTION characters; a ``` block split over two sections is closed and reopened."""
    out, inside = [], False
    for piece in chunks(text, MAX_SECTION - 8):
        piece = "```\n" + piece if inside else piece
        inside = piece.count("```") % 2 == 1
        out.append(section(piece + "\n```" if inside else piece))
    return out


def table_blocks(table: Table) -> list[dict[str, Any]]:
    """A two-column table of up to ten rows as section fields; any other as a preformatted block."""
    blocks: list[dict[str, Any]] = []
    if table.title:
        blocks.append(section(bold(escape(table.title))))
    if table.width == 2 and len(table.rows) <= 10:
        fields = []
        for j, row in enumerate(((table.header, True),) + tuple((r, False) for r in table.rows)):
            cells, head = row
            if not cells:
                continue
            marked = head or (j - 1 == table.highlight)
            for c in table.cells(cells):
                text = escape(c) or " "
                fields.append({"type": "mrkdwn", "text": _clip(bold(text) if marked and c else text, MAX_FIELD)})
        blocks += [{"type": "section", "fields": fields[k:k + MAX_FIELDS]} for k in range(0, len(fields), MAX_FIELDS)]
    else:
        lines = table_text(table).split("\n")
        piece: list[str] = []
        for ln in lines:
            if piece and len(escape_pre("\n".join(piece + [ln]))) > MAX_SECTION - 10:
                blocks.append(section("```\n" + escape_pre("\n".join(piece)) + "\n```"))
                piece = []
            piece.append(ln[: MAX_SECTION - 20])
        if piece:
            blocks.append(section("```\n" + escape_pre("\n".join(piece)) + "\n```"))
    if table.note:
        blocks.append(context(escape(table.note)))
    return blocks


def fact_blocks(reply: Reply) -> list[dict[str, Any]]:
    fields = [
        {"type": "mrkdwn", "text": _clip(f"*{escape(f.label)}*\n{escape(f.value)}", MAX_FIELD)}
        for f in reply.facts
    ]
    return [{"type": "section", "fields": fields[i:i + MAX_FIELDS]} for i in range(0, len(fields), MAX_FIELDS)]


def error_blocks(reply: Reply) -> list[dict[str, Any]]:
    if not reply.errors:
        return []
    lines = [f":warning: *{escape(name)}*: {escape(msg)}" for name, msg in reply.errors.items()]
    return sections("\n".join(lines))


def button_element(button: Button, index: int) -> dict[str, Any]:
    el: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(button.label or button.action, MAX_BUTTON_LABEL), "emoji": True},
        "action_id": _clip(f"{ACTION_PREFIX}{button.action}:{index}", MAX_ACTION_ID),
        "value": fit_value(button.value),
    }
    if button.style in ("primary", "danger"):
        el["style"] = button.style
    return el


def action_blocks(buttons: Iterable[Button]) -> list[dict[str, Any]]:
    elements = [button_element(b, i) for i, b in enumerate(buttons)]
    return [{"type": "actions", "elements": elements[i:i + MAX_ACTIONS]} for i in range(0, len(elements), MAX_ACTIONS)]


def fit_value(value: str, limit: int = MAX_BUTTON_VALUE) -> str:
    """A button value within Slack's limit. JSON objects keep their shape: their longest strings are shortened."""
    if len(value) <= limit:
        return value
    try:
        data = json.loads(value)
    except ValueError:
        return value[:limit]
    if not isinstance(data, dict):
        return value[:limit]
    for _ in range(20):
        text = json.dumps(data, ensure_ascii=False)
        if len(text) <= limit:
            return text
        key = max((k for k, v in data.items() if isinstance(v, str)), key=lambda k: len(data[k]), default=None)
        if key is None:
            break
        over = len(text) - limit
        data[key] = data[key][: max(0, len(data[key]) - over - 1)]
    return json.dumps(data, ensure_ascii=False)[:limit]


def chart_block(reply: Reply, note: str = CHART_BELOW) -> dict[str, Any]:
    """The line that says where the reply's chart is (`note` is adapter-made mrkdwn, not escaped)."""
    return {**context(f":bar_chart: {escape(reply.image_title or 'Chart')} — {note}"), "block_id": CHART_BLOCK_ID}


def reply_blocks(reply: Reply, extra_buttons: Iterable[Button] = (), heading: str = "",
                 chart_note: str = CHART_BELOW) -> list[dict[str, Any]]:
    """Every block of a reply, in reading order, before splitting into messages.

    `heading` is adapter-made mrkdwn (e.g. "Shared by <@U1>") shown first as a context line, not escaped.
    `chart_note` says where the chart is: attached below (it is uploaded right after), or why it is not.
    """
    blocks: list[dict[str, Any]] = [context(heading)] if heading else []
    if reply.text.strip():
        blocks += _fenced_sections(mrkdwn(reply.text))
    for table in reply.tables:
        blocks += table_blocks(table)
    for i, p in enumerate(reply.passages, 1):
        blocks += passage_blocks(i, p)
    blocks += fact_blocks(reply)
    blocks += error_blocks(reply)
    if reply.image is not None:
        blocks.append(chart_block(reply, chart_note))
    buttons = list(reply.buttons) + list(extra_buttons)
    if buttons:
        blocks += action_blocks(buttons)
    if not blocks:
        blocks.append(section("(no answer text)"))
    return blocks


def render(reply: Reply, extra_buttons: Iterable[Button] = (), heading: str = "",
           chart_note: str = CHART_BELOW) -> list[dict[str, Any]]:
    """The reply as one or more Slack messages: [{"text": fallback, "blocks": [...]}, ...]."""
    blocks = reply_blocks(reply, extra_buttons, heading, chart_note)
    fallback = fallback_text(reply)
    messages = []
    for n, i in enumerate(range(0, len(blocks), MAX_BLOCKS)):
        text = fallback if n == 0 else _clip(fallback, MAX_FALLBACK - len(CONTINUED)) + CONTINUED
        messages.append({"text": text, "blocks": blocks[i:i + MAX_BLOCKS]})
    return messages


def fallback_text(reply: Reply) -> str:
    """What notifications and screen readers show; never empty."""
    base = to_plain(reply.text).strip() or (clean(reply.passages[0].title) if reply.passages else "")
    return _clip(escape(base) or "PSE Assistant", MAX_FALLBACK)


def message_text(blocks: list[dict[str, Any]]) -> str:
    """All visible text of some blocks, joined (used by tests and logs)."""
    out: list[str] = []
    for b in blocks:
        if "text" in b and isinstance(b["text"], dict):
            out.append(b["text"].get("text", ""))
        for f in b.get("fields", []):
            out.append(f.get("text", ""))
        for e in b.get("elements", []):
            t = e.get("text")
            out.append(t.get("text", "") if isinstance(t, dict) else str(t or ""))
    return "\n".join(out)


def parse_action_id(action_id: str) -> str | None:
    """`pse:feedback:0` → "feedback"; None for action ids this app did not make."""
    if not action_id.startswith(ACTION_PREFIX):
        return None
    return action_id[len(ACTION_PREFIX):].rsplit(":", 1)[0] or None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
