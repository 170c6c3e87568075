"""Replies in a Teams turn: a card in the conversation, a refreshed card in place of the one submitted from,
and private answers asked for in a channel moved to a one-to-one chat with a note in the channel."""

from __future__ import annotations

import asyncio
import logging

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationParameters, ErrorResponseException

from adapters.teams.activities import card_activity, store_reference, summary, tenant_of
from adapters.teams.cards import reply_card
from adapters.teams.forms import Forms
from bot.message import Message
from bot.reply import Reply

log = logging.getLogger("pse.teams")

PRIVATE_NOTE = "I've sent you my answer in a private chat."
NO_PRIVATE_CHAT = ("This answer is only for you, and I couldn't open a private chat with you. "
                   "Open a chat with PSE Assistant and ask me there.")


class TeamsReplies:
    def __init__(self, services, adapter: CloudAdapter, forms: Forms):
        self.services = services
        self.adapter = adapter
        self.forms = forms

    async def send(self, turn_context: TurnContext, message: Message, reply: Reply, announce: bool = True) -> None:
        """Reply in the conversation; a private reply asked for in a channel goes to a one-to-one chat instead,
        with a note in the channel (`announce`, off for button clicks such as feedback votes)."""
        if reply.form is not None:
            card = await self.forms.card(reply.form, message, intro=reply.text)
        else:
            if not (reply.text or reply.passages or reply.facts or reply.image or reply.errors or reply.buttons):
                return
            card = reply_card(reply)
        activity = card_activity(card, summary(reply))
        if reply.private and message.is_shared and reply.form is None:
            if await self.send_privately(turn_context, activity):
                if not announce:
                    return
                note = PRIVATE_NOTE
            else:
                note = NO_PRIVATE_CHAT
            await turn_context.send_activity(card_activity(reply_card(Reply(text=note)), note))
            return
        await turn_context.send_activity(activity)

    async def replace_or_send(self, turn_context: TurnContext, activity: Activity) -> None:
        """Update the card the user submitted from (so it can't be sent twice); send a new one if that fails."""
        card_id = turn_context.activity.reply_to_id
        if card_id:
            activity.id = card_id
            try:
                await turn_context.update_activity(activity)
                return
            except ErrorResponseException as exc:
                log.info("could not update Teams card %s (%s); sending a new one", card_id, exc)
            activity.id = None
        await turn_context.send_activity(activity)

    async def send_privately(self, turn_context: TurnContext, activity: Activity) -> bool:
        """Post `activity` in a one-to-one chat with the sender. False if Teams refused."""
        a = turn_context.activity
        tenant = tenant_of(a)
        params = ConversationParameters(
            is_group=False, bot=a.recipient, members=[a.from_property], tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        store = self.services.store
        sent = False

        async def deliver(dm: TurnContext) -> None:
            nonlocal sent
            dm.activity.id = None  # a new message, not a reply to the synthetic event
            dm.activity.conversation.conversation_type = "personal"
            dm.activity.conversation.tenant_id = tenant or None
            dm.activity.from_property = a.from_property
            dm.activity.recipient = a.recipient
            await asyncio.to_thread(store_reference, store, dm.activity)
            await dm.send_activity(activity)
            sent = True

        try:
            await self.adapter.create_conversation(self.services.settings.microsoft_app_id or "", deliver, params,
                                                   a.channel_id, a.service_url)
            return sent
        except ErrorResponseException as exc:
            log.warning("could not open a private Teams chat with %s: %s", a.from_property.id, exc)
            return False
