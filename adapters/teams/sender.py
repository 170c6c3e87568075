"""The Teams side of bot.delivery's Sender protocol: posts a Reply (e.g. the weekly digest with its chart)
into a stored Teams conversation, after any restart."""

from __future__ import annotations

import asyncio

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference, ErrorResponseException

from adapters.common.proactive import send_or_gone
from adapters.teams import conversations, service_urls
from adapters.teams.activities import card_activity, summary
from adapters.teams.auth import build_adapter
from adapters.teams.cards import reply_card
from bot.delivery import DeliveryGone
from bot.reply import Reply
from bot.settings import Settings

GONE_STATUSES = (403, 404)


class TeamsSender:
    platform = "teams"

    def __init__(self, adapter: CloudAdapter, store, app_id: str = "", settings: Settings | None = None):
        self.adapter = adapter
        self.store = store
        self.app_id = app_id
        self.settings = settings if settings is not None else getattr(adapter, "settings", None)

    @classmethod
    def from_settings(cls, settings: Settings, store) -> "TeamsSender":
        return cls(build_adapter(settings), store, settings.microsoft_app_id, settings)

    async def send(self, channel_id: str, reply: Reply) -> str | None:
        """Post into the stored conversation; returns the id the connector gave the new activity."""
        row = await asyncio.to_thread(conversations.get, self.store, channel_id)
        if row is None:
            raise DeliveryGone(f"no Teams conversation {channel_id!r} is known: the bot was never added there")
        if not row["active"]:
            raise DeliveryGone(f"the bot was removed from Teams conversation {channel_id!r}")
        reference = ConversationReference().deserialize(row["reference"])
        for url in {row["service_url"], reference.service_url}:
            if self.settings is None or not service_urls.allowed(url, self.settings):
                # Kept, not deactivated: the next real activity from Teams refreshes the reference.
                raise DeliveryGone(f"Teams conversation {channel_id!r} is not used: "
                                   f"{service_urls.refusal(url)}")
        activity = card_activity(reply_card(reply), summary(reply))

        posted: list[str | None] = []

        async def deliver(turn_context: TurnContext) -> None:
            turn_context.activity.id = None  # a new post in the channel, not a reply to the synthetic event
            response = await turn_context.send_activity(activity)
            posted.append(getattr(response, "id", None))

        def gone(exc: Exception) -> str | None:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if isinstance(exc, ErrorResponseException) and status in GONE_STATUSES:
                return (f"Teams refused delivery to {channel_id!r} (HTTP {status}): the bot was removed or "
                        "blocked there")
            return None

        async def forget(reason: str) -> None:
            await asyncio.to_thread(conversations.deactivate, self.store, row["conversation_id"], reason)

        await send_or_gone(channel_id, lambda: self.adapter.continue_conversation(reference, deliver, self.app_id),
                           gone, forget)
        return posted[0] if posted else None
