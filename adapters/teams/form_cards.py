"""Forms as Adaptive Card inputs, and card submissions read back.

Card data sent back by Action.Submit:
- a Reply button: ``{"action": ACTION, "value": VALUE}``
- a Form's submit button: ``{"command": COMMAND}`` (and ``"state"``, the Form's state, if any) plus one input
  per field, id ``field:NAME``
  (a partner field also has ``field_new:NAME`` for a company that is not in the list yet).
Required fields carry ``isRequired``, which Teams and the Adaptive Cards renderer mark with a red asterisk after
the label; the partner list, required but answerable in either of two inputs, says " (required)" in its label
instead. A list never offers a choice with an empty value (leaving a list unselected is how a user says "none").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from adapters.teams.text import CARD_BUDGET, card, paragraphs, size_of, teams_inline, text_block
from markup.dialect import clean
from bot.reply import Form, FormField

FIELD_PREFIX = "field:"
NEW_PREFIX = "field_new:"
REQUIRED_MARK = " (required)"


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
    label = clean(f.label)
    common: dict[str, Any] = {"id": fid, "label": label, "isRequired": bool(f.required)}
    if f.required:
        common["errorMessage"] = f"{label} is required."
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
              "choices": [{"title": clean(t) or v, "value": v} for v, t in f.options if str(v).strip()]}
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
        choice = {"type": "Input.ChoiceSet", "style": "filtered", "id": fid,
                  "label": label + (REQUIRED_MARK if f.required else ""),
                  "isRequired": False, "choices": [{"title": clean(t), "value": v} for v, t in choices],
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
    body: list[dict] = [text_block(f"**{teams_inline(form.title)}**", size="Medium")]
    body.extend(paragraphs(intro))
    names = {f.name for f in form.fields}
    general = [f"⚠ {msg}" if k in ("", "_") else f"⚠ {k}: {msg}" for k, msg in errors.items() if k not in names]
    body.extend(text_block(teams_inline(line), color="Attention", spacing="Small") for line in general)
    for f in form.fields:
        value = values.get(f.name)
        value = f.initial if value in (None, "") else str(value)
        body.extend(_input(f, value, partner_choices if f.kind == "partner" else None))
        if f.name in errors:
            body.append(text_block(f"⚠ {teams_inline(errors[f.name])}", color="Attention", spacing="None",
                                   size="Small"))
        if f.hint:
            body.extend(paragraphs(f.hint, isSubtle=True, size="Small", spacing="None"))
    submit = {"type": "Action.Submit", "title": form.submit_label or "Save", "style": "positive",
              "data": {"command": form.command, **({"state": form.state} if form.state else {})}}
    made = card(body, [submit])
    if size_of(made) > budget and partner_choices:
        return form_card(form, values, errors, intro, partner_choices[: len(partner_choices) // 2], budget)
    return made


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
        if isinstance(data.get("state"), str) and data["state"]:
            values["_state"] = data["state"]  # the Form's own state, as Slack carries it in private_metadata
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
