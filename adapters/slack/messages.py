"""Slack payloads in: the user's text as typed, the kind of channel, and the key that makes a delivery unique."""

from __future__ import annotations

import json
import re
from typing import Any

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def clean_text(text: str) -> str:
    """A Slack message's text as the user typed it: bot mentions removed, mrkdwn entities decoded."""
    text = _MENTION.sub(" ", text or "")
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split()) if "\n" not in text else text.strip()


def channel_kind(channel_id: str, channel_name: str = "") -> str:
    return "dm" if channel_id.startswith("D") or channel_name == "directmessage" else "channel"


def event_key(body: dict[str, Any]) -> str | None:
    """The id that makes a delivery unique: event_id for events, trigger_id for commands and interactions."""
    if body.get("event_id"):
        return f"slack:{body['event_id']}"
    if body.get("trigger_id") and (body.get("command") or body.get("type") in ("block_actions", "view_submission")):
        return f"slack:trigger:{body['trigger_id']}"
    return None


def json_object(value: str) -> dict[str, Any] | None:
    """A button value that is a JSON object (a form's values), or None for plain text."""
    if not value.startswith("{"):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
