"""Form ↔ Slack modal: a platform-neutral Form becomes a modal view; a view_submission becomes form values.

Each FormField is one input block whose block_id is the field name, so validation errors from the intent
(Reply.errors keyed by field name) map straight onto the modal (response_action "errors").
`private_metadata` carries what the submission needs to be routed back: the command, the channel (and thread)
the form was opened from, and the Form's own `state`.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from bot.reply import Form, FormField

CALLBACK_ID = "pse_form"
PARTNER_ACTION = "pse_partner"
VALUE_ACTION = "value"
MAX_TITLE = 24
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_HINT = 2000
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_INPUTS = 100
MAX_METADATA = 3000
MAX_ERROR = 150  # Slack shows short messages under a field; longer ones are cut

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text or " ", "emoji": True}


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label or value, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def element(f: FormField) -> dict[str, Any]:
    if f.kind == "partner":
        el: dict[str, Any] = {"type": "external_select", "action_id": PARTNER_ACTION, "min_query_length": 1}
        if f.initial:
            el["initial_option"] = option(f.initial, f.initial)
    elif f.kind == "select":
        el = {"type": "static_select", "action_id": VALUE_ACTION,
              # Slack refuses an option with an empty value; leaving the list unselected is how a user says "none".
              "options": [option(v, lbl) for v, lbl in f.options if str(v).strip()][:MAX_OPTIONS]}
        initial = next((o for o in el["options"] if o["value"] == f.initial), None)
        if initial is not None:
            el["initial_option"] = initial
    elif f.kind == "date":
        el = {"type": "datepicker", "action_id": VALUE_ACTION}
        initial = (f.initial or "").strip().lower()
        if initial == "today":  # the picker needs a real date; the server's today is the best guess
            initial = date.today().isoformat()
        if _DATE.match(initial):
            el["initial_date"] = initial
    elif f.kind == "number":
        el = {"type": "number_input", "action_id": VALUE_ACTION, "is_decimal_allowed": True}
        if f.initial:
            el["initial_value"] = f.initial
    else:
        el = {"type": "plain_text_input", "action_id": VALUE_ACTION, "multiline": f.kind == "long_text"}
        if f.initial:
            el["initial_value"] = f.initial
    if f.placeholder:
        el["placeholder"] = _plain(f.placeholder, MAX_PLACEHOLDER)
    return el


def input_block(f: FormField) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": f.name,
        "optional": not f.required,
        "label": _plain(f.label, MAX_LABEL),
        "element": element(f),
    }
    if f.hint:
        block["hint"] = _plain(f.hint, MAX_HINT)
    return block


def metadata(form: Form, channel_id: str = "", thread_id: str | None = None) -> str:
    meta = {"command": form.command, "channel": channel_id, "thread": thread_id or "", "state": form.state}
    text = json.dumps(meta, ensure_ascii=False)
    if len(text) > MAX_METADATA:
        raise ValueError(f"form state for {form.command!r} is too large for a Slack modal ({len(text)} characters)")
    return text


def form_to_view(form: Form, channel_id: str = "", thread_id: str | None = None) -> dict[str, Any]:
    """The modal view for `form`; submitting it comes back as a view_submission with callback_id `pse_form`."""
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(form.title or "PSE Assistant", MAX_TITLE),
        "submit": _plain(form.submit_label or "Save", MAX_TITLE),
        "close": _plain("Cancel", MAX_TITLE),
        "private_metadata": metadata(form, channel_id, thread_id),
        "blocks": [input_block(f) for f in form.fields[:MAX_INPUTS]],
    }


def read_metadata(view: dict[str, Any]) -> dict[str, str]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    return {k: str(meta.get(k) or "") for k in ("command", "channel", "thread", "state")}


def element_value(el: dict[str, Any]) -> str:
    """The submitted value of one input element, as text ("" when left empty)."""
    kind = el.get("type")
    if kind in ("static_select", "external_select"):
        opt = el.get("selected_option") or {}
        return str(opt.get("value") or "")
    if kind == "datepicker":
        return str(el.get("selected_date") or "")
    if kind == "multi_static_select":
        return ",".join(o.get("value", "") for o in el.get("selected_options") or [])
    return str(el.get("value") or "")


def view_values(view: dict[str, Any]) -> dict[str, str]:
    """{field name: value} from a submitted view's state; every input block appears, empty ones as ""."""
    values: dict[str, str] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        for el in (actions or {}).values():
            values[block_id] = element_value(el or {}).strip()
    return values


def field_errors(errors: dict[str, str], view: dict[str, Any], fallback: str = "") -> dict[str, str]:
    """Errors keyed by the view's block ids. Errors for fields not in the modal go onto its first input."""
    block_ids = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    out: dict[str, str] = {}
    stray: list[str] = []
    for name, msg in errors.items():
        if name in block_ids:
            out[name] = _short(msg)
        else:
            stray.append(f"{name}: {msg}" if name else msg)
    if not errors and fallback:
        stray.append(fallback)
    if stray and block_ids:
        first = block_ids[0]
        out[first] = _short(" ".join(([out[first]] if first in out else []) + stray))
    return out


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"
