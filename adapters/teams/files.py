"""Teams: an admin sends a file in the personal chat with the bot to add it to the guidance.

Teams delivers it as a message with an attachment of content type
`application/vnd.microsoft.teams.file.download.info` (the manifest declares `supportsFiles`); its
`content.downloadUrl` is a short-lived, pre-authorised SharePoint / OneDrive link. Only those hosts are called
(Settings.teams_file_hosts, TEAMS_FILE_HOSTS; loopback only in `--insecure-local-teams` mode). The answer is one
card, sent at once and updated in place as the file is read (adapters/common/file_share.py).
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, Attachment

from adapters.common.file_share import DownloadFailed, FileShares, SharedFile, fetch
from adapters.teams.activities import card_activity, summary, to_message
from adapters.teams.cards import reply_card
from adapters.teams.replies import TeamsReplies
from adapters.teams.service_urls import file_url_allowed
from bot.message import Message
from bot.reply import Reply

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"


def _field(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def file_attachments(activity: Activity | dict) -> list[Any]:
    """The files sent with a message (an Activity, or its stored JSON form)."""
    attachments = _field(activity, "attachments") or []
    return [a for a in attachments if _field(a, "content_type", "contentType") == FILE_DOWNLOAD_INFO]


def shared_file(attachment: Attachment) -> SharedFile:
    content = attachment.content if isinstance(attachment.content, dict) else {}
    name = attachment.name or content.get("name") or "document"
    if "." not in name and content.get("fileType"):
        name = f"{name}.{content['fileType']}"
    size = content.get("size")
    return SharedFile(name=str(name), size=int(size) if isinstance(size, int) else None,
                      url=str(content.get("downloadUrl") or ""))


class TeamsSurface:
    """One card that shows the progress and then the result, updated in place."""

    def __init__(self, turn_context: TurnContext, replies: TeamsReplies, message: Message):
        self.turn_context = turn_context
        self.replies = replies
        self.message = message

    async def post(self, reply: Reply) -> str | None:
        res = await self.turn_context.send_activity(card_activity(reply_card(reply), summary(reply)))
        return res.id if res is not None else None

    async def update(self, handle: str | None, reply: Reply) -> None:
        activity = card_activity(reply_card(reply), summary(reply))
        if not handle:
            await self.turn_context.send_activity(activity)
            return
        activity.id = handle
        await self.turn_context.update_activity(activity)

    async def say(self, reply: Reply) -> None:
        await self.replies.send(self.turn_context, self.message, reply)


class TeamsFiles:
    def __init__(self, services, replies: TeamsReplies, shares: FileShares):
        self.services = services
        self.replies = replies
        self.shares = shares

    async def run(self, turn_context: TurnContext) -> None:
        a = turn_context.activity
        message = to_message(a, "")
        surface = TeamsSurface(turn_context, self.replies, message)
        if message.channel_kind != "dm":
            await surface.say(Reply.problem("To add a document, send me the file in our personal chat."))
            return
        for attachment in file_attachments(a):
            file = shared_file(attachment)

            async def describe(f: SharedFile = file) -> SharedFile:
                return f

            await self.shares.run(message, file.name, describe, self.download, surface)

    async def download(self, file: SharedFile, dest, max_bytes: int) -> None:
        if not file_url_allowed(file.url, self.services.settings):
            raise DownloadFailed("its download link is not on SharePoint or OneDrive, so I did not follow it")
        await fetch(file.url, dest, max_bytes, follow_redirects=False)
