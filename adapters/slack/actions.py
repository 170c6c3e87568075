"""Slack interactivity: buttons (`pse:<action>:<n>`), modal submissions and the partner type-ahead.

Buttons are feedback votes, "Share in channel", "Open: <form>", and intent actions such as `partner_create`
(routed as command "partner", action "partner_create"). Modal submissions are validated by the intent and
errors are shown under the fields, within Slack's 3 s.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.common.errors import new_ref
from adapters.common.workers import Workers
from adapters.slack import blocks as slack_blocks
from adapters.slack import home as slack_home
from adapters.slack import modal as slack_modal
from adapters.slack.messages import channel_kind, json_object
from adapters.slack.poster import BLOCKED_ERRORS, error_code
from adapters.slack.replies import Replier, Where
from bot.message import Message
from bot.reply import Reply

log = logging.getLogger("pse.slack")

SUBMIT_BUDGET_S = 2.5          # a modal submission must be answered within 3 s, errors included


def intents_resolve(word: str) -> str | None:
    import intents

    return intents.resolve(word)


class SlackActions:
    def __init__(self, services, replier: Replier, workers: Workers):
        self.services = services
        self.replier = replier
        self.workers = workers

    async def on_action(self, ack, body: dict[str, Any]) -> None:
        await ack()
        await self.run_action(body)

    async def run_action(self, body: dict[str, Any], key: str = "") -> None:
        """A button press (from the durable inbox, or straight from bolt)."""
        user = (body.get("user") or {}).get("id", "")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
        thread = (body.get("message") or {}).get("thread_ts") or (body.get("container") or {}).get("thread_ts")
        where = Where(channel=channel or user, user=user, thread_ts=thread,
                      response_url=body.get("response_url", ""), ephemeral=True)
        async with self.replier.guard("button", where):
            for act in body.get("actions") or []:
                name = slack_blocks.parse_action_id(act.get("action_id", ""))
                if name:
                    await self.act(name, str(act.get("value") or ""), body, where)

    async def act(self, name: str, value: str, body: dict[str, Any], where: Where) -> None:
        say = self.replier.say
        kind = channel_kind(where.channel) if where.channel != where.user else "dm"
        if name == "share":
            await self.share(value, where)
            return
        if name == "open_form":
            item = self.replier.pending.take(value)
            if item is None or item.form is None:
                await say(Reply.problem("That form has expired. Type the command again to get a fresh one."), where)
                return
            await self.replier.open_form(item.form, body.get("trigger_id", ""),
                                         replace(where, channel=item.channel or where.channel,
                                                 thread_ts=item.thread_ts))
            return
        # A button's action names an intent ("feedback") or an intent and a verb ("partner_create" → intent
        # "partner" with message.action "partner_create"); its value is a JSON object (→ form) or plain text.
        command = name if intents_resolve(name) else name.partition("_")[0]
        if intents_resolve(command) is None:
            await say(Reply.problem("That button is from an older version of me and does nothing now. "
                                    "Type `/pse help` to see what I can do."), where)
            return
        data = json_object(value)
        message = Message(text=value if data is None else "", user_id=where.user,
                          user_name=(body.get("user") or {}).get("username", ""), platform="slack",
                          channel_id=where.channel, channel_kind=kind, thread_id=where.thread_ts,
                          command=command, form=data, action=name)
        reply = await self.workers.run(message, self.services)
        if reply.form is not None and body.get("trigger_id"):
            await self.replier.open_form(reply.form, body["trigger_id"], where)
            return
        await say(reply, where, None if name == "feedback" else message)

    async def share(self, key: str, where: Where) -> None:
        poster = self.replier.poster
        item = self.replier.pending.take(key)
        if item is None or item.reply is None:
            await self.replier.say(Reply.problem("That answer is no longer available to share. Ask again and share "
                                                 "the new answer."), where)
            return
        if item.user and item.user != where.user:
            await self.replier.say(Reply.problem("Only the person who asked can share this answer."), where)
            return
        shared = item.reply
        heading = f"Shared by <@{where.user}>"
        if where.response_url and shared.image is not None:
            # The chart must land right under the text: post both with the Web API. Where the bot may not
            # post (a private channel it is not in), response_url still can, without the chart.
            try:
                await poster.post(item.channel, shared, item.thread_ts, heading=heading)
            except SlackApiError as e:
                if error_code(e) not in BLOCKED_ERRORS:
                    raise
                log.info("shared without the chart (%s)", error_code(e))
                await poster.respond(where.response_url, shared, in_channel=True, heading=heading,
                                     chart_note=slack_blocks.CHART_NOT_MEMBER)
            await poster.respond(where.response_url, Reply(text="Shared in the channel."), replace_original=True)
        elif where.response_url:
            await poster.respond(where.response_url, shared, in_channel=True, heading=heading)
            await poster.respond(where.response_url, Reply(text="Shared in the channel."), replace_original=True)
        else:
            await poster.post(item.channel, shared, item.thread_ts, heading=heading)
        self.replier.pending.drop(key)

    async def on_submit(self, ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = slack_modal.read_metadata(view)
        user = (body.get("user") or {}).get("id", "")
        values: dict[str, Any] = slack_modal.view_values(view)
        if meta["state"]:
            values["_state"] = meta["state"]
        channel = meta["channel"]
        where = Where(channel=channel or user, user=user, thread_ts=meta["thread"] or None, ephemeral=bool(channel))
        message = Message(text="", user_id=user, user_name=(body.get("user") or {}).get("username", ""),
                          platform="slack", channel_id=channel or user,
                          channel_kind=channel_kind(channel) if channel else "dm",
                          thread_id=meta["thread"] or None, command=meta["command"] or None, form=values)
        acked = False
        async with self.replier.guard("form submission", where):
            task = asyncio.ensure_future(self.workers.run(message, self.services))
            try:
                reply = await asyncio.wait_for(asyncio.shield(task), SUBMIT_BUDGET_S)
            except asyncio.TimeoutError:
                acked = True
                await ack()  # too slow to show errors in the modal: close it and answer in the channel
                reply = await task
            if not acked and not reply.ok:
                errors = slack_modal.field_errors(reply.errors, view, fallback=reply.text)
                if errors:
                    acked = True
                    await ack(response_action="errors", errors=errors)
                    return
            if not acked and reply.form is not None:
                acked = True
                await ack(response_action="update",
                          view=slack_modal.form_to_view(reply.form, channel, meta["thread"] or None))
                return
            if not acked:
                acked = True
                await ack()
            await self.replier.say(reply, where, message)
        if not acked:
            await ack()

    async def on_options(self, ack, body: dict[str, Any]) -> None:
        user = (body.get("user") or {}).get("id", "")
        typed = str(body.get("value") or "")
        try:
            pairs = await self.workers.quick(slack_home.partner_options, self.services, user, typed)
        except Exception:  # noqa: BLE001 - the type-ahead shows the typed name rather than nothing
            log.exception("partner suggestions failed", extra={"ref": new_ref()})
            pairs = [(typed.strip(), f"{typed.strip()} (not checked)")] if typed.strip() else []
        await ack(options=[slack_modal.option(v, label) for v, label in pairs[: slack_modal.MAX_OPTIONS]])
