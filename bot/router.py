"""Decide which intent handles a Message: a known sub-command word first, otherwise free text is a question."""

from __future__ import annotations

import logging
import uuid

import intents
from bot.message import Message
from bot.reply import Reply

log = logging.getLogger("pse.router")

MAX_TEXT = 8000


def split_command(message: Message) -> tuple[str, Message]:
    """Return the intent name and the message with the command word removed from its text."""
    if message.command:
        name = intents.resolve(message.command)
        if name:
            return name, message
    text = message.text.strip()
    if not text:
        return "help", message.with_text("")
    first, _, rest = text.partition(" ")
    name = intents.resolve(first.lstrip("/"))
    if name is not None:
        return name, message.with_text(rest.strip(), command=name)
    return "ask", message.with_text(text, command="ask")


def route(message: Message, services) -> Reply:
    """Run the intent for `message`. Never raises: an unexpected failure becomes an apology with a reference id."""
    if len(message.text) > MAX_TEXT:
        return Reply.problem(
            f"That message is {len(message.text):,} characters long; I can take up to {MAX_TEXT:,}. "
            "Please shorten it and try again."
        )
    name, msg = split_command(message)
    try:
        module = intents.load(name)
        return module.handle(msg, services)
    except Exception:  # noqa: BLE001 - the user gets an apology, the log gets the traceback
        ref = uuid.uuid4().hex[:8]
        log.exception("intent %s failed (ref %s, request %s)", name, ref, message.request_id)
        return Reply.problem(
            f"Sorry, something went wrong on my side while handling `{name}`. "
            f"Nothing was changed. Please tell your admin the reference {ref}."
        )
