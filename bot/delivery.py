"""The contract between the digest scheduler and the chat platforms: a Sender posts a Reply into a channel.

Adapters implement it (adapters/slack/sender.py: SlackSender, adapters/teams/sender.py: TeamsSender). A sender raises
`DeliveryGone` when the platform says the bot can no longer post there (removed from the channel, blocked,
archived, HTTP 403/404 on the conversation): the scheduler then deactivates that subscription. Any other
exception is a transient failure and the scheduler retries later.

`DeliveryBlocked` sits between the two: the bot cannot post there until someone acts (Slack: invite the bot
to the channel, or grant it chat:write.public; unarchive the channel). The subscription stays active, the send
is retried like a transient failure, and the person who set the digest up is told what to do, once per week
(`blocked_notice`), through the sender's `notify` if it has one.
"""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from pathlib import Path
from typing import Protocol, TextIO, runtime_checkable

from bot.reply import Reply
from markup.dialect import escape

log = logging.getLogger("pse.delivery")


class DeliveryGone(Exception):
    """The platform refuses this channel for good (bot removed, user blocked the bot, channel archived)."""


class DeliveryBlocked(Exception):
    """The platform refuses this channel until a person fixes it; `advice` says what to do, in plain words."""

    def __init__(self, reason: str, advice: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.advice = advice


BLOCKED_PREFIX = "blocked: "


def blocked_notice(channel: str, describe: str, err: DeliveryBlocked) -> Reply:
    """The direct message to the subscriber when their channel's digest could not be posted."""
    text = (f"I could not post the weekly PSE digest in {escape(channel)} ({escape(err.reason)}). "
            f"{err.advice or 'Check that I can still post there.'}\n"
            f"The digest stays switched on ({describe}) and I will try again in a few minutes, and at next week's time. "
            "`digest unsubscribe` in that channel stops it.")
    return Reply(text=text, private=True)


async def notify_blocked(sender: "Sender", sub, err: DeliveryBlocked) -> bool:
    """DM the person who set up subscription `sub` (created_by "platform:user") why its digest did not go out.
    True when told; a sender without `notify`, or a failing notification, is logged and not raised."""
    platform, _, user = (sub.created_by or "").partition(":")
    notify = getattr(sender, "notify", None)
    if notify is None or platform != sub.platform or not user:
        log.warning("digest for %s:%s blocked (%s) and nobody to tell", sub.platform, sub.channel_id, err)
        return False
    try:
        await notify(user, blocked_notice(sub.channel_name or sub.channel_id, sub.describe(), err))
    except Exception:  # noqa: BLE001 - the notice is best effort; the send is retried anyway
        log.exception("could not tell %s that the digest for %s is blocked", sub.created_by, sub.channel_id)
        return False
    return True


@runtime_checkable
class Sender(Protocol):
    platform: str

    async def send(self, channel_id: str, reply: Reply) -> str | None:
        """Post `reply` (text, facts, image) into the channel and return the platform's id for the post (Slack
        `ts`, Teams activity id; None if it has none); raise DeliveryGone or any error on failure."""
        ...


class ConsoleSender:
    """Delivers to a text stream (default standard output) or appends to a file: the console platform's outbox."""

    platform = "console"

    def __init__(self, out: TextIO | None = None, path: Path | str | None = None):
        self._out = out
        self._path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, channel_id: str, reply: Reply) -> str | None:
        block = f"=== digest for {channel_id} ===\n{reply.as_text()}\n"
        with self._lock:
            if self._path is not None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                with self._path.open("a", encoding="utf-8") as fh:
                    fh.write(block + "\n")
            else:
                out = self._out or sys.stdout
                out.write(block + "\n")
                out.flush()
            self.sent.append((channel_id, reply))
            return f"console-{uuid.uuid4().hex[:12]}"
