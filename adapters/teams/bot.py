"""The Teams bot: a botbuilder ActivityHandler with one `on_*` method per kind of activity.

Messages become platform-neutral Messages for the router (the bot's @mention stripped in channels); card
submits come back as form submissions or button actions; conversation references are stored whenever the bot
is installed or spoken to (for digests), and marked inactive when it is removed.
"""

from __future__ import annotations

import asyncio
import logging

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import ChannelAccount

import intents
from adapters.common.errors import failure_reply
from adapters.common.file_share import FileShares
from adapters.common.workers import Workers
from adapters.teams import conversations, invokes
from adapters.teams.activities import card_activity, clean_text, store_reference, summary, to_message
from adapters.teams.cards import parse_submit, reply_card
from adapters.teams.files import TeamsFiles, file_attachments
from adapters.teams.forms import Forms
from adapters.teams.replies import TeamsReplies
from bot.reply import Reply

log = logging.getLogger("pse.teams")

WELCOME = ("Hello! I'm PSE Assistant. Ask me a question about private-sector engagement in your own words, "
           "or start with `log`, `partner`, `pipeline` or `report`. Type `help` for everything I can do.")


def _is_bot(members: list[ChannelAccount] | None, turn_context: TurnContext) -> bool:
    recipient = turn_context.activity.recipient
    bot_id = recipient.id if recipient else None
    return any(m.id == bot_id for m in members or [])


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """A failed turn: an apology with a reference id to the user, the traceback to the log."""
    reply = failure_reply(log, "Teams turn", error)
    try:
        await turn_context.send_activity(card_activity(reply_card(reply), summary(reply)))
    except Exception:  # noqa: BLE001 - the connector itself may be what failed
        log.exception("could not tell the Teams user about the failure")


class TeamsBot(ActivityHandler):
    def __init__(self, services, replies: TeamsReplies, forms: Forms, workers: Workers):
        self.services = services
        self.replies = replies
        self.forms = forms
        self.workers = workers
        self.files = TeamsFiles(services, replies, FileShares(services, workers))

    @property
    def store(self):
        return self.services.store

    # --- lifecycle: remember (or forget) where the bot lives

    async def on_conversation_update_activity(self, turn_context: TurnContext):
        a = turn_context.activity
        if not _is_bot(a.members_removed, turn_context):
            await asyncio.to_thread(store_reference, self.store, a)
        await super().on_conversation_update_activity(turn_context)

    async def on_members_added_activity(self, members_added, turn_context: TurnContext):
        if _is_bot(members_added, turn_context):
            await turn_context.send_activity(card_activity(reply_card(Reply(text=WELCOME)), "PSE Assistant is here"))

    async def on_members_removed_activity(self, members_removed, turn_context: TurnContext):
        if _is_bot(members_removed, turn_context):
            await asyncio.to_thread(conversations.deactivate, self.store, turn_context.activity.conversation.id,
                                    "bot removed")

    async def on_installation_update_add(self, turn_context: TurnContext):
        await asyncio.to_thread(store_reference, self.store, turn_context.activity)

    async def on_installation_update_remove(self, turn_context: TurnContext):
        await asyncio.to_thread(conversations.deactivate, self.store, turn_context.activity.conversation.id,
                                "app uninstalled")

    # --- invokes (answered in the HTTP response), messages and card submits

    async def on_invoke_activity(self, turn_context: TurnContext):
        return await invokes.handle(self, turn_context, on_turn_error)

    async def on_message_activity(self, turn_context: TurnContext):
        a = turn_context.activity
        await asyncio.to_thread(store_reference, self.store, a)
        if file_attachments(a):
            await self.files.run(turn_context)
            return
        submission = parse_submit(a.value) if not (a.text or "").strip() else None
        if submission is not None:
            await self.on_card_submit(turn_context, submission)
            return
        if a.value is not None and not (a.text or "").strip():
            await self.replies.send(turn_context, to_message(a, ""), Reply.problem(
                "That card is from an older version of me and I can't read it. Type your request instead, "
                "or `help` to see what I can do."))
            return
        message = to_message(a, clean_text(a))
        await self.replies.send(turn_context, message, await self.workers.run(message, self.services))

    async def on_card_submit(self, turn_context: TurnContext, sub) -> None:
        a = turn_context.activity
        command = sub.command
        if sub.kind == "button" and intents.resolve(command) is None and "_" in command:
            command = command.partition("_")[0]  # e.g. "partner_create" is the partner intent's create action
        if intents.resolve(command) is None:
            await self.replies.send(turn_context, to_message(a, ""), Reply.problem(
                "This card's button belongs to a feature that isn't available here any more. "
                "Type `help` to see what I can do now."))
            return
        if sub.kind == "button":
            message = to_message(a, "" if sub.form is not None else sub.value, command=command,
                                 form=sub.form, action=sub.command)
            reply = await self.workers.run(message, self.services)
            await self.replies.send(turn_context, message, reply, announce=False)
            return
        message = to_message(a, "", command=command, form=sub.form)
        reply = await self.workers.run(message, self.services)
        if not reply.ok and reply.errors:
            form = reply.form or await self.forms.blank(message)
            if form is not None:
                # Nothing was saved: show the same card again with what the user typed and what to fix.
                card = await self.forms.card(form, message, values=sub.form, errors=reply.errors, intro=reply.text)
                await self.replies.replace_or_send(turn_context, card_activity(card, summary(reply)))
                return
        if reply.ok and reply.form is None and not (reply.private and message.is_shared):
            await self.replies.replace_or_send(turn_context, card_activity(reply_card(reply), summary(reply)))
            return
        await self.replies.send(turn_context, message, reply)
