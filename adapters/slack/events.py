"""Slack events and slash commands as Messages for the router.

- `/pse SUBCOMMAND …` (any slash command routed here): answered privately (ephemeral) to the person who typed
  it; answers others may see get a "Share in channel" button.
- `@PSE Assistant …` in a channel: answered in the thread (privately when the reply is private).
- Direct messages: answered in the DM.
- A file shared in the DM or with an @mention: an admin adding a document (adapters/slack/files.py).
- Opening the App Home tab publishes the user's partners, next steps and logs; so does logging a contact.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from adapters.common.errors import new_ref
from adapters.common.workers import Workers
from adapters.slack import home as slack_home
from adapters.slack.files import is_file_share
from adapters.slack.messages import channel_kind, clean_text
from adapters.slack.replies import Replier, Where
from bot.message import Message

log = logging.getLogger("pse.slack")


def is_direct_message(event: dict[str, Any]) -> bool:
    """A person's own message in a DM with the bot (not an edit, a join, a bot post or channel chatter)."""
    return event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")


def bot_users(body: dict[str, Any]) -> set[str]:
    """The bot's own user id(s), from the authorizations Slack sends with an event (its own chart uploads in a
    DM are file shares too, and must never be read as an admin adding a document)."""
    return {str(a.get("user_id")) for a in body.get("authorizations") or []
            if isinstance(a, dict) and a.get("is_bot") and a.get("user_id")}


def inbox_kind(body: dict[str, Any]) -> str | None:
    """Which conversational request this is, for the durable inbox; None for everything else."""
    if body.get("command"):
        return "slack.command"
    if body.get("type") == "block_actions":
        return "slack.action"
    event = body.get("event")
    if body.get("type") == "event_callback" and isinstance(event, dict):
        if is_file_share(event):
            return None if event.get("user") in bot_users(body) else "slack.file"
        if event.get("type") == "app_mention":
            return "slack.mention"
        if event.get("type") == "message" and is_direct_message(event):
            return "slack.dm"
    return None


class SlackEvents:
    def __init__(self, services, replier: Replier, workers: Workers):
        self.services = services
        self.replier = replier
        self.workers = workers

    def register(self, inbox) -> None:
        """The conversational requests go through the durable inbox (acknowledged once committed)."""
        inbox.handle("slack.command", self.run_command)
        inbox.handle("slack.mention", lambda body, key: self.run_mention(body.get("event") or {}, key))
        inbox.handle("slack.dm", lambda body, key: self.run_dm(body.get("event") or {}, key))

    async def on_command(self, ack, body: dict[str, Any]) -> None:
        await ack()
        await self.run_command(body)

    async def run_command(self, body: dict[str, Any], key: str = "") -> None:
        channel = body.get("channel_id", "")
        user = body.get("user_id", "")
        where = Where(channel=channel, user=user, response_url=body.get("response_url", ""), ephemeral=True)
        async with self.replier.guard("slash command", where):
            message = Message(
                text=clean_text(body.get("text", "")), user_id=user, user_name=body.get("user_name", ""),
                platform="slack", channel_id=channel, channel_kind=channel_kind(channel, body.get("channel_name", "")),
                delivery_key=key,
            )
            reply = await self.workers.run(message, self.services)
            await self.replier.say_or_open(reply, body.get("trigger_id") or "", where, message)

    async def on_mention(self, event: dict[str, Any]) -> None:
        await self.run_mention(event)

    async def run_mention(self, event: dict[str, Any], key: str = "") -> None:
        channel = event.get("channel", "")
        user = event.get("user", "")
        thread = event.get("thread_ts") or event.get("ts")
        where = Where(channel=channel, user=user, thread_ts=thread)
        async with self.replier.guard("mention", where):
            message = Message(text=clean_text(event.get("text", "")), user_id=user, platform="slack",
                              channel_id=channel, channel_kind=channel_kind(channel), thread_id=thread,
                              delivery_key=key)
            reply = await self.workers.run(message, self.services)
            await self.replier.say(reply, replace(where, ephemeral=reply.private or reply.form is not None), message)

    async def on_message(self, event: dict[str, Any]) -> None:
        if is_direct_message(event):
            await self.run_dm(event)

    async def run_dm(self, event: dict[str, Any], key: str = "") -> None:
        channel = event.get("channel", "")
        user = event.get("user", "")
        where = Where(channel=channel, user=user, thread_ts=event.get("thread_ts"))
        async with self.replier.guard("direct message", where):
            message = Message(text=clean_text(event.get("text", "")), user_id=user, platform="slack",
                              channel_id=channel, channel_kind="dm", thread_id=event.get("thread_ts"),
                              delivery_key=key)
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
