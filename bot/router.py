"""Decide which intent handles a Message: a known sub-command word first, otherwise free text is a question.

Before an intent runs, the router checks the text size, the user's rate and the user's role; every request
leaves one structured log line (intent, outcome, duration, request id — never the message body).
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid

import intents
from records import access
from bot import deadline
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
    parts = text.split(None, 1)
    first, rest = parts[0], (parts[1] if len(parts) > 1 else "")
    name = intents.resolve(first.lstrip("/"))
    if name is not None:
        return name, message.with_text(rest.strip(), command=name)
    return "ask", message.with_text(text, command="ask")


def route(message: Message, services) -> Reply:
    """Run the intent for `message`. Never raises: an unexpected failure becomes an apology with a reference id."""
    started = time.perf_counter()
    name = "-"
    outcome = "ok"
    try:
        if len(message.text) > MAX_TEXT:
            outcome = "too_long"
            return Reply.problem(
                f"That message is {len(message.text):,} characters long; I can take up to {MAX_TEXT:,}. "
                "Please shorten it and try again."
            )
        name, msg = split_command(message)
        limiter = getattr(services, "rate_limiter", None) if services is not None else None
        if limiter is not None and message.platform != "console":
            wait = limiter.allow(f"{message.platform}:{message.user_id}")
            if wait > 0:
                outcome = "rate_limited"
                return Reply.problem(f"You're sending commands faster than I can keep up with. "
                                     f"Please wait {max(1, round(wait))} s and try again.")
        intent = intents.load(name)
        store = services.store if services is not None and message.platform != "console" else None
        user = access.current_user(store, msg)
        msg = msg.as_user(user.role, user.countries)
        needed = intent.required_role(msg)
        if not user.at_least(needed):
            outcome = "refused"
            return Reply.problem(access.refusal(user, needed, f"`{name}`"))
        reply = intent(msg, services)
        outcome = "ok" if reply.ok else "rejected"
        return reply
    except deadline.TimedOut as exc:
        outcome = "timeout"
        return Reply.problem(str(exc))
    except Exception as exc:  # noqa: BLE001 - the user gets an apology, the log gets where it failed
        ref = uuid.uuid4().hex[:8]
        outcome = "error"
        # The exception's own message may quote what the user typed (e.g. a confidential partner's details), so
        # the log gets its type and the stack frames only, never its text.
        log.error("intent failed", extra={
            "ref": ref, "intent": name, "request_id": message.request_id, "error_type": type(exc).__name__,
            "where": "".join(traceback.format_tb(exc.__traceback__)),
        })
        return Reply.problem(
            f"Sorry, something went wrong on my side while handling `{name}`. "
            f"Nothing was changed. Please tell your admin the reference {ref}."
        )
    finally:
        log.info("request", extra={
            "request_id": message.request_id, "intent": name, "outcome": outcome,
            "platform": message.platform, "user": f"{message.platform}:{message.user_id}",
            "channel_kind": message.channel_kind, "ms": round((time.perf_counter() - started) * 1000, 1),
        })
