"""Posting Replies to Slack: the Web API (channel posts, ephemeral posts, chart uploads) and response_url."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.common.chunking import fit
from adapters.slack import blocks as slack_blocks
from bot.reply import Button, Reply

log = logging.getLogger("pse.slack")

# The bot cannot post in this conversation until someone acts (invites it, grants chat:write.public, unarchives).
BLOCKED_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# The conversation is gone for good (the person's account was deactivated).
GONE_ERRORS = frozenset({"account_inactive"})
REFUSED_ERRORS = BLOCKED_ERRORS | GONE_ERRORS
RESPONSE_URL_USES = 5          # Slack accepts up to 5 posts per response_url


def error_code(e: SlackApiError) -> str:
    try:
        return str(e.response.get("error") or "")
    except Exception:  # noqa: BLE001 - a malformed error response
        return ""


class Poster:
    """Sends Replies to Slack with the Web API (and response_url); shared by the listeners and SlackSender."""

    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def post(self, channel: str, reply: Reply, thread_ts: str | None = None,
                   extra_buttons: tuple[Button, ...] = (), heading: str = "") -> str | None:
        """Post the reply, then upload its chart into the same conversation (files upload v2); returns the `ts`
        of the first message.

        With chat:write.public the bot may post in a public channel it has not joined, but not share a file
        there: then the chart line of the posted message is rewritten to say how to get the chart."""
        last: tuple[str, str, dict] | None = None
        first_ts: str | None = None
        for msg in slack_blocks.render(reply, extra_buttons, heading=heading):
            res = await self.client.chat_postMessage(channel=channel, text=msg["text"], blocks=msg["blocks"],
                                                     thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)
            first_ts = first_ts or res.get("ts")
            last = (str(res.get("ts") or ""), str(res.get("channel") or channel), msg)
        try:
            await self.upload(channel, reply, thread_ts)
        except SlackApiError as e:
            if error_code(e) not in BLOCKED_ERRORS or last is None or not last[0]:
                raise
            log.info("chart not attached in %s (%s); saying so in the message", channel, error_code(e))
            ts, where, msg = last
            blocks = [slack_blocks.chart_block(reply, slack_blocks.CHART_NOT_MEMBER)
                      if b.get("block_id") == slack_blocks.CHART_BLOCK_ID else b for b in msg["blocks"]]
            await self.client.chat_update(channel=where, ts=ts, text=msg["text"], blocks=blocks)
        return first_ts

    async def post_ephemeral(self, channel: str, user: str, reply: Reply, thread_ts: str | None = None,
                             extra_buttons: tuple[Button, ...] = ()) -> None:
        """Only `user` sees it. Where the bot cannot post (not a member), the reply goes to the user's DM.

        A file cannot be shown to one person in a channel, so a chart is not uploaded: its line says so."""
        try:
            for msg in slack_blocks.render(reply, extra_buttons, chart_note=slack_blocks.CHART_PRIVATE):
                await self.client.chat_postEphemeral(channel=channel, user=user, text=msg["text"],
                                                     blocks=msg["blocks"], thread_ts=thread_ts)
        except SlackApiError as e:
            if error_code(e) not in REFUSED_ERRORS:
                raise
            log.info("ephemeral post refused (%s); sending to the DM instead", error_code(e))
            await self.post(await self.dm_with(user), reply)

    async def respond(self, response_url: str, reply: Reply, in_channel: bool = False,
                      extra_buttons: tuple[Button, ...] = (), replace_original: bool = False,
                      heading: str = "", chart_note: str = slack_blocks.CHART_BELOW) -> None:
        messages = fit(slack_blocks.render(reply, extra_buttons, heading=heading, chart_note=chart_note),
                       RESPONSE_URL_USES, lambda note: slack_blocks.render(Reply(text=note)))
        hook = AsyncWebhookClient(response_url)
        for i, msg in enumerate(messages):
            res = await hook.send(text=msg["text"], blocks=msg["blocks"],
                                  response_type="in_channel" if in_channel else "ephemeral",
                                  replace_original=replace_original and i == 0, unfurl_links=False)
            if res.status_code != 200:
                raise RuntimeError(f"response_url answered {res.status_code}: {res.body[:200]}")

    async def upload(self, channel: str, reply: Reply, thread_ts: str | None = None) -> None:
        if reply.image is None:
            return
        await self.client.files_upload_v2(channel=channel, file=str(reply.image), filename=reply.image.name,
                                          title=reply.image_title or "Chart", thread_ts=thread_ts)

    async def dm_with(self, user: str) -> str:
        """The id of the user's direct-message conversation with the bot (opened if need be)."""
        res = await self.client.conversations_open(users=user)
        return str(res["channel"]["id"])
