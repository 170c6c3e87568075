"""Where a Slack reply goes and how it gets there: in a channel or thread, privately, or through response_url;
forms as modals (or behind a button); shareable answers kept briefly for their "Share in channel" button; and
any failure turned into an apology with a reference id."""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import AsyncIterator, Awaitable, Callable

from slack_sdk.errors import SlackApiError

from adapters.common.errors import failure_reply
from adapters.slack import blocks as slack_blocks
from adapters.slack import modal as slack_modal
from adapters.slack.messages import channel_kind
from adapters.slack.poster import Poster, error_code
from bot.message import Message
from bot.reply import Button, Form, Reply

log = logging.getLogger("pse.slack")

PENDING_LIMIT = 1000           # shareable answers / forms kept in memory
PENDING_TTL_S = 24 * 3600


@dataclass
class Where:
    """Where a reply goes: a channel (and thread), privately to one user, or through a response_url."""

    channel: str = ""
    user: str = ""
    thread_ts: str | None = None
    response_url: str = ""
    ephemeral: bool = False


@dataclass
class Pending:
    """A shareable answer or an unopened form, kept briefly so a button can act on it."""

    reply: Reply | None = None
    form: Form | None = None
    user: str = ""
    channel: str = ""
    thread_ts: str | None = None
    at: float = field(default_factory=time.monotonic)


class PendingCache:
    """At most PENDING_LIMIT items, each for PENDING_TTL_S, oldest dropped first."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, Pending] = OrderedDict()

    def keep(self, item: Pending) -> str:
        now = time.monotonic()
        while self.items and (len(self.items) >= PENDING_LIMIT or
                              now - next(iter(self.items.values())).at > PENDING_TTL_S):
            self.items.popitem(last=False)
        key = uuid.uuid4().hex[:16]
        self.items[key] = item
        return key

    def take(self, key: str) -> Pending | None:
        item = self.items.get(key)
        if item is None or time.monotonic() - item.at > PENDING_TTL_S:
            return None
        return item

    def drop(self, key: str) -> None:
        self.items.pop(key, None)


def shareable(reply: Reply) -> bool:
    """Answers others may see. A digest preview is private (it is the asker's look ahead) yet safe to share:
    a digest never names confidential partners, so it is what the channel would get anyway."""
    return not reply.private or (reply.image is not None and "digest" in reply.data)


class Replier:
    """Delivers Replies for the Slack listeners (events.py, actions.py)."""

    def __init__(self, client):
        self.client = client
        self.poster = Poster(client)
        self.pending = PendingCache()
        # Called with a user id after that user logged or edited a contact, so their App Home shows it at once.
        self.on_logged: Callable[[str], Awaitable[None]] | None = None

    @asynccontextmanager
    async def guard(self, what: str, where: Where) -> AsyncIterator[None]:
        """Any exception inside becomes an apology to the user (with a reference id) and a logged traceback."""
        try:
            yield
        except Exception:  # noqa: BLE001 - never fail silently
            reply = failure_reply(log, f"slack {what}")
            try:
                await self.say(reply, where)
            except Exception:  # noqa: BLE001 - the apology itself could not be delivered
                log.exception("could not deliver the apology")

    async def say(self, reply: Reply, where: Where, message: Message | None = None) -> None:
        """Deliver a reply; answers only the asker sees get a Share button when others may see them."""
        extra: tuple[Button, ...] = ()
        if (where.ephemeral and message is not None and message.channel_kind == "channel" and reply.ok
                and shareable(reply) and reply.form is None and (reply.text or reply.passages or reply.facts)):
            key = self.pending.keep(Pending(reply=reply, user=where.user, channel=where.channel,
                                            thread_ts=where.thread_ts))
            extra = (Button(label="Share in channel", action="share", value=key),)
        if reply.form is not None:
            reply = self.form_prompt(reply, where)
        if where.response_url:
            # A chart is uploaded only where it shows right under the answer: the user's DM with the bot.
            here = reply.image is not None and channel_kind(where.channel) == "dm" and \
                await self.poster.dm_with(where.user) == where.channel
            await self.poster.respond(where.response_url, reply, extra_buttons=extra,
                                      chart_note=slack_blocks.CHART_BELOW if here else slack_blocks.CHART_PRIVATE)
            if here:
                await self.poster.upload(where.channel, reply)
        elif where.ephemeral or (reply.private and channel_kind(where.channel) == "channel"):
            await self.poster.post_ephemeral(where.channel, where.user, reply, where.thread_ts, extra)
        else:
            await self.poster.post(where.channel, reply, where.thread_ts, extra)
        if reply.ok and "interaction_id" in reply.data and self.on_logged is not None and where.user:
            await self.on_logged(where.user)

    def form_prompt(self, reply: Reply, where: Where) -> Reply:
        """Where no trigger id is at hand (messages, mentions), a form is offered behind a button."""
        form = reply.form
        key = self.pending.keep(Pending(form=form, user=where.user, channel=where.channel, thread_ts=where.thread_ts))
        text = reply.text or f"Fill in the form to {form.title[:1].lower() + form.title[1:]}."
        return replace(reply, text=text, form=None,
                       buttons=list(reply.buttons) + [Button(label=f"Open: {form.title}", action="open_form",
                                                             value=key, style="primary")])

    async def open_form(self, form: Form, trigger_id: str, where: Where) -> None:
        view = slack_modal.form_to_view(form, where.channel, where.thread_ts)
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as e:
            # The trigger expired (3 s) or Slack refused the view: offer the form behind a button instead.
            log.warning("views.open failed (%s); offering the form behind a button", error_code(e))
            await self.say(Reply(text="", form=form, private=True), replace(where, ephemeral=True))

    async def say_or_open(self, reply: Reply, trigger_id: str, where: Where, message: Message | None) -> None:
        """A form with a trigger id at hand opens as a modal (any text is said too); anything else is said."""
        if reply.form is not None and trigger_id:
            await self.open_form(reply.form, trigger_id, where)
            if reply.text:
                await self.say(replace(reply, form=None), where, message)
            return
        await self.say(reply, where, message)
