"""Slack events and slash commands as Messages for the router.

- `/pse SUBCOMMAND …` (any slash command routed here): answered privately (ephemeral) to the person who typed
  it; answers others may see get a "Share in channel" button.
- `@PSE Assistant …` in a channel: answered in the thread (privately when the reply is private).
- Direct messages: answered in the DM.
- Opening the App Home tab publishes the user's partners, next steps and logs; so does logging a contact.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from adapters.common.errors import new_ref
from adapters.common.workers import Workers
from adapters.slack import home as slack_home
from adapters.slack.messages import channel_kind, clean_text
from adapters.slack.replies import Replier, Where
from bot.message import Message

log = logging.getLogger("pse.slack")


class SlackEvents:
    def __init__(self, services, replier: Replier, workers: Workers):
        self.services = services
        self.replier = replier
        self.workers = workers

    async def on_command(self, ack, body: dict[str, Any]) -> None:
        await ack()
        channel = body.get("channel_id", "")
        user = body.get("user_id", "")
        where = Where(channel=channel, user=user, response_url=body.get("response_url", ""), ephemeral=True)
        async with self.replier.guard("slash command", where):
            message = Message(
                text=clean_text(body.get("text", "")), user_id=user, user_name=body.get("user_name", ""),
                platform="slack", channel_id=channel, channel_kind=channel_kind(channel, body.get("channel_name", "")),
            )
            reply = await self.workers.run(message, self.services)
            await self.replier.say_or_open(reply, body.get("trigger_id") or "", where, message)

    async def on_mention(self, event: dict[str, Any]) -> None:
        channel = event.get("channel", "")
        user = event.get("user", "")
        thread = event.get("thread_ts") or event.get("ts")
        where = Where(channel=channel, user=user, thread_ts=thread)
        async with self.replier.guard("mention", where):
            message = Message(text=clean_text(event.get("text", "")), user_id=user, platform="slack",
                              channel_id=channel, channel_kind=channel_kind(channel), thread_id=thread)
            reply = await self.workers.run(message, self.services)
            await self.replier.say(reply, replace(where, ephemeral=reply.private or reply.form is not None), message)

    async def on_message(self, event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, joins, bot posts and channel chatter are not addressed to us
        channel = event.get("channel", "")
        user = event.get("user", "")
        where = Where(channel=channel, user=user, thread_ts=event.get("thread_ts"))
        async with self.replier.guard("direct message", where):
            message = Message(text=clean_text(event.get("text", "")), user_id=user, platform="slack",
                              channel_id=channel, channel_kind="dm", thread_id=event.get("thread_ts"))
            await self.replier.say(await self.workers.run(message, self.services), where, message)

    async def on_home(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        await self.publish_home(event.get("user", ""))

    async def publish_home(self, user: str) -> None:
        """(Re)build and publish one user's App Home: when they open it, and right after they log a contact."""
        try:
            view = await self.workers.in_thread(slack_home.home_view, self.services, user)
            await self.replier.client.views_publish(user_id=user, view=view)
        except Exception:  # noqa: BLE001 - the Home tab is not a conversation: log it with a reference
            log.exception("could not publish the App Home", extra={"ref": new_ref()})
