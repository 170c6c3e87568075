"""The one platform-neutral event every adapter produces: what a user said or submitted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Literal

Platform = Literal["console", "slack", "teams"]
ChannelKind = Literal["console", "dm", "channel"]


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Message:
    """A user's text (or submitted form) addressed to the bot.

    `text` is what follows the bot's name or slash command, e.g. ``"log Acme meeting today: ..."``.
    `command` is set when the adapter already knows the intent (a form submission, a button);
    otherwise the router reads the first word of `text`.
    `form` carries submitted form values keyed by field name.
    """

    text: str
    user_id: str = "local"
    user_name: str = ""
    platform: Platform = "console"
    channel_id: str = "console"
    channel_kind: ChannelKind = "console"
    thread_id: str | None = None
    command: str | None = None
    form: dict[str, Any] | None = None
    action: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    request_id: str = field(default_factory=new_request_id)
    timezone: str | None = None
    role: str | None = None  # set by the router from the users table: guest / staff / lead / admin
    countries: tuple[str, ...] = ()  # the country projects the user belongs to (set by the router)
    delivery_key: str = ""  # the platform delivery it came from (inbox key): a redone delivery logs once

    @property
    def is_shared(self) -> bool:
        """True where others than the asker read the answer (a channel, not a DM or the terminal)."""
        return self.channel_kind == "channel"

    def as_user(self, role: str, countries: tuple[str, ...]) -> "Message":
        return replace(self, role=role, countries=countries)

    def with_text(self, text: str, command: str | None = None) -> "Message":
        return replace(self, text=text, command=command)
