"""Slack: an admin shares a file with the bot (in the DM, or with an @mention in a channel) to add it to the
guidance. The share arrives as a `message` event with files (subtype `file_share`) in the DM, or an
`app_mention` event with files; it goes through the durable inbox like any request (events.inbox_kind).

The file is described with `files.info` and downloaded from its `url_private_download` with the bot token
(scope files:read); the answer is one message, posted at once and updated with `chat.update` as the file is
read (adapters/common/file_share.py does the rest, the same for Teams).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.common.file_share import DownloadFailed, FileShares, SharedFile, fetch
from adapters.slack import blocks as slack_blocks
from adapters.slack.messages import channel_kind
from adapters.slack.poster import error_code
from adapters.slack.replies import Replier, Where
from bot.message import Message
from bot.reply import Reply

log = logging.getLogger("pse.slack")


def files_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in event.get("files") or [] if isinstance(f, dict) and f.get("id")]


def is_file_share(event: dict[str, Any]) -> bool:
    """A person's message with files: in the DM with the bot, or mentioning the bot anywhere."""
    if not files_of(event) or event.get("bot_id"):
        return False
    if event.get("type") == "app_mention":
        return True
    return (event.get("type") == "message" and event.get("channel_type") == "im"
            and event.get("subtype") in (None, "file_share"))


def _size(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SlackSurface:
    """The one message that shows the progress and then the result, in the DM or the mention's thread."""

    def __init__(self, replier: Replier, where: Where, message: Message):
        self.replier = replier
        self.client = replier.client
        self.where = where
        self.message = message

    async def post(self, reply: Reply) -> str:
        msg = slack_blocks.render(reply)[0]
        res = await self.client.chat_postMessage(channel=self.where.channel, text=msg["text"], blocks=msg["blocks"],
                                                 thread_ts=self.where.thread_ts, unfurl_links=False,
                                                 unfurl_media=False)
        return str(res.get("ts") or "")

    async def update(self, ts: str, reply: Reply) -> None:
        msg = slack_blocks.render(reply)[0]
        await self.client.chat_update(channel=self.where.channel, ts=ts, text=msg["text"], blocks=msg["blocks"])

    async def say(self, reply: Reply) -> None:
        await self.replier.say(reply, self.where, self.message)


class SlackFiles:
    def __init__(self, services, replier: Replier, shares: FileShares):
        self.services = services
        self.replier = replier
        self.shares = shares

    async def run(self, body: dict[str, Any], key: str = "") -> None:
        event = body.get("event") or {}
        channel = event.get("channel", "")
        user = event.get("user", "")
        mention = event.get("type") == "app_mention"
        thread = event.get("thread_ts") or (event.get("ts") if mention else None)
        where = Where(channel=channel, user=user, thread_ts=thread)
        message = Message(text="", user_id=user, platform="slack", channel_id=channel,
                          channel_kind=channel_kind(channel) if mention else "dm", thread_id=thread,
                          delivery_key=key)
        surface = SlackSurface(self.replier, where, message)
        async with self.replier.guard("file share", where):
            for shared in files_of(event):
                name = str(shared.get("name") or shared.get("title") or "document")
                await self.shares.run(message, name, lambda f=shared: self.describe(f), self.download, surface)

    async def describe(self, shared: dict[str, Any]) -> SharedFile:
        """The file as `files.info` tells it (events may carry only a stub of it)."""
        info = shared
        try:
            res = await self.replier.client.files_info(file=shared["id"])
            info = {**shared, **(res.get("file") or {})}
        except SlackApiError as e:
            log.warning("files.info failed (%s); using what the event said", error_code(e))
        return SharedFile(name=str(info.get("name") or info.get("title") or "document"),
                          size=_size(info.get("size")),
                          url=str(info.get("url_private_download") or info.get("url_private") or ""))

    async def download(self, file: SharedFile, dest, max_bytes: int) -> None:
        if not file.url:
            raise DownloadFailed("Slack gave no download link for it")
        token = self.services.settings.slack_bot_token
        await fetch(file.url, dest, max_bytes, headers={"Authorization": f"Bearer {token}"})
