"""The contract between the digest scheduler and the chat platforms: a Sender posts a Reply into a channel.

Adapters implement it (adapters/slack/sender.py: SlackSender, adapters/teams/sender.py: TeamsSender). A sender raises
`DeliveryGone` when the platform says the bot can no longer post there (removed from the channel, blocked,
archived, HTTP 403/404 on the conversation): the scheduler then deactivates that subscription. Any other
exception is a transient failure and the scheduler retries later.
"""

from __future__ import annotations

import sys
import threading
import uuid
from pathlib import Path
from typing import Protocol, TextIO, runtime_checkable

from bot.reply import Reply


class DeliveryGone(Exception):
    """The platform refuses this channel for good (bot removed, user blocked the bot, channel archived)."""


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
