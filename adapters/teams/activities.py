"""Bot Framework activities in and out: an inbound activity as a platform-neutral Message, a card as an
outbound activity, and the conversation reference kept so digests can be posted there later."""

from __future__ import annotations

import html
import re
from copy import copy
from typing import Any

from botbuilder.core import CardFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from adapters.teams import conversations
from bot.message import Message
from bot.reply import Reply


def conversation_kind(activity: Activity) -> str:
    ctype = (activity.conversation.conversation_type if activity.conversation else None) or "personal"
    return "dm" if ctype == "personal" else "channel"


def tenant_of(activity: Activity) -> str:
    tenant = getattr(activity.conversation, "tenant_id", None) if activity.conversation else None
    if not tenant and isinstance(activity.channel_data, dict):
        tenant = (activity.channel_data.get("tenant") or {}).get("id")
    return tenant or ""


def clean_text(activity: Activity) -> str:
    """The user's words: the bot's <at>mention</at> removed (channels, group chats), HTML entities decoded."""
    text = activity.text or ""
    if activity.recipient is not None and activity.entities:
        try:
            text = TurnContext.remove_recipient_mention(activity) or ""
        except (KeyError, TypeError, AttributeError, re.error):
            pass
    bot_name = re.escape(activity.recipient.name) if activity.recipient and activity.recipient.name else None
    if bot_name:
        text = re.sub(rf"<at[^>]*>\s*{bot_name}\s*</at>", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"</?(p|div|span|br)\b[^>]*>", " ", text, flags=re.IGNORECASE)
    return " ".join(html.unescape(text).split())


def to_message(activity: Activity, text: str, **extra: Any) -> Message:
    sender = activity.from_property or ChannelAccount(id="unknown")
    conv_id = activity.conversation.id if activity.conversation else ""
    thread = None
    if ";messageid=" in conv_id:
        thread = conv_id.split(";messageid=", 1)[1]
    return Message(
        text=text,
        user_id=sender.aad_object_id or sender.id or "unknown",
        user_name=sender.name or "",
        platform="teams",
        channel_id=conversations.base_conversation_id(conv_id),
        channel_kind=conversation_kind(activity),
        thread_id=thread,
        timezone=activity.local_timezone or None,
        delivery_key=delivery_key(activity) if activity.type == "message" else "",
        **extra,
    )


def delivery_key(activity: Activity) -> str:
    """What makes one Teams delivery unique: its conversation and activity id."""
    conv = activity.conversation.id if activity.conversation else ""
    return f"teams:{conv}:{activity.id}" if activity.id else ""


def card_activity(card: dict, summary: str = "") -> Activity:
    activity = Activity(type=ActivityTypes.message, attachments=[CardFactory.adaptive_card(card)])
    if summary:
        activity.summary = summary[:120]
    return activity


def summary(reply: Reply) -> str:
    """The notification preview of a reply: its first line."""
    first = (reply.text or "").strip().splitlines()
    return first[0] if first else ""


def store_reference(store, activity: Activity) -> str:
    """Remember where this conversation is (a channel, not a thread in it). Returns its id."""
    ref = TurnContext.get_conversation_reference(activity)
    conv = copy(ref.conversation)
    conv.id = conversations.base_conversation_id(conv.id)
    ref.conversation = conv
    ref.activity_id = None
    conversations.save(store, conv.id, ref.serialize(), activity.service_url or "", tenant_of(activity),
                       conv.conversation_type or "")
    return conv.id
