"""Microsoft Teams through the Bot Framework: POST /api/messages on the shared aiohttp server.

Inbound activities become platform-neutral Messages (the bot's @mention stripped in channels), are routed in a
worker thread, and the Reply goes back as an Adaptive Card. Card submits come back as form submissions or
button actions. Conversation references are stored in SQLite whenever the bot is installed or spoken to, so
`TeamsSender` can post digests later, after any restart.

Authentication uses MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD / MICROSOFT_APP_TENANT_ID. With no app id,
Bot Framework authentication is OFF (local testing with the Bot Framework Emulator or a mock connector only).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from copy import copy
from dataclasses import replace
from typing import Any

import jwt
from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)

import intents
from adapters.teams import conversations
from adapters.teams.cards import form_card, parse_submit, reply_card
from bot.message import Message
from bot.reply import Form, Reply
from bot.router import route
from bot.settings import Settings

log = logging.getLogger("pse.teams")

RUNTIME = web.AppKey("teams_runtime", object)
GONE_STATUSES = (403, 404)
PARTNER_CHOICES = 60


class _AuthConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings):
        self.APP_ID = settings.microsoft_app_id or None
        self.APP_PASSWORD = settings.microsoft_app_password or None
        self.APP_TENANTID = settings.microsoft_app_tenant_id or None
        self.APP_TYPE = "SingleTenant" if settings.microsoft_app_tenant_id else "MultiTenant"


def build_adapter(settings: Settings) -> CloudAdapter:
    """A CloudAdapter authenticating as the configured bot; authentication off only when no app id is set."""
    if not settings.microsoft_app_id:
        log.warning(
            "MICROSOFT_APP_ID is not set: Bot Framework authentication is OFF and /api/messages accepts "
            "unauthenticated requests. Use this only on your own machine; set MICROSOFT_APP_ID and "
            "MICROSOFT_APP_PASSWORD before exposing the server."
        )
    elif not settings.microsoft_app_password:
        log.error("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is empty: requests will be authenticated, "
                  "but replies to Teams will fail. Set MICROSOFT_APP_PASSWORD to the bot's client secret.")
    auth = ConfigurationBotFrameworkAuthentication(_AuthConfig(settings))
    return CloudAdapter(auth)


# ---------------------------------------------------------------- translation


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
        **extra,
    )


def card_activity(card: dict, summary: str = "") -> Activity:
    activity = Activity(type=ActivityTypes.message, attachments=[CardFactory.adaptive_card(card)])
    if summary:
        activity.summary = summary[:120]
    return activity


def _summary(reply: Reply) -> str:
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


def partner_choices(store, message: Message) -> list[tuple[str, str]]:
    """(name, label) pairs of partners this user may see, for the partner list of a form card.

    A card in a channel is read by everyone there, so partners under an NDA are left out of it.
    """
    try:
        from records import access
        from records.names import suggest_partners
    except ImportError:
        return []
    try:
        user = access.current_user(store, message)
        if not user.at_least("staff"):
            return []
        pairs = suggest_partners(store, "", PARTNER_CHOICES, viewer=user)
        out: list[tuple[str, str]] = []
        for value, label in pairs:
            row = store.db.conn.execute("SELECT name, country, confidential FROM partners WHERE name = ?",
                                        (value,)).fetchone()
            if row is None:
                continue
            partner = {"name": row[0], "country": row[1], "confidential": bool(row[2])}
            if access.can_see_confidential_details(user, partner, message):
                out.append((value, label))
        return out
    except Exception:  # noqa: BLE001 - a list of choices is a convenience; the text box still works
        log.exception("could not list partners for the Teams card")
        return []


# ---------------------------------------------------------------- the bot


class TeamsBot(ActivityHandler):
    def __init__(self, services, adapter: CloudAdapter):
        self.services = services
        self.adapter = adapter

    @property
    def store(self):
        return self.services.store

    async def on_turn(self, turn_context: TurnContext):
        a = turn_context.activity
        if a.type in (ActivityTypes.message, ActivityTypes.invoke) and a.id:
            conv = a.conversation.id if a.conversation else ""
            if not await asyncio.to_thread(self.store.first_time, f"teams:{conv}:{a.id}"):
                log.info("duplicate Teams activity %s ignored", a.id)
                return
        await super().on_turn(turn_context)

    # --- lifecycle: remember (or forget) where the bot lives

    async def on_conversation_update_activity(self, turn_context: TurnContext):
        a = turn_context.activity
        bot_id = a.recipient.id if a.recipient else None
        if any(m.id == bot_id for m in a.members_removed or []):
            await asyncio.to_thread(conversations.deactivate, self.store, a.conversation.id, "bot removed")
            return
        await asyncio.to_thread(store_reference, self.store, a)
        if any(m.id == bot_id for m in a.members_added or []):
            await self._welcome(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext):
        await asyncio.to_thread(store_reference, self.store, turn_context.activity)

    async def on_installation_update_remove(self, turn_context: TurnContext):
        a = turn_context.activity
        await asyncio.to_thread(conversations.deactivate, self.store, a.conversation.id, "app uninstalled")

    async def _welcome(self, turn_context: TurnContext) -> None:
        text = ("Hello! I'm PSE Assistant. Ask me a question about private-sector engagement in your own words, "
                "or start with `log`, `partner`, `pipeline` or `report`. Type `help` for everything I can do.")
        await turn_context.send_activity(card_activity(reply_card(Reply(text=text)), "PSE Assistant is here"))

    # --- messages and card submits

    async def on_message_activity(self, turn_context: TurnContext):
        a = turn_context.activity
        await asyncio.to_thread(store_reference, self.store, a)
        submission = parse_submit(a.value) if not (a.text or "").strip() else None
        if submission is not None:
            await self._on_submit(turn_context, submission)
            return
        if a.value is not None and not (a.text or "").strip():
            await self._send(turn_context, to_message(a, ""), Reply.problem(
                "That card is from an older version of me and I can't read it. Type your request instead, "
                "or `help` to see what I can do."))
            return
        message = to_message(a, clean_text(a))
        reply = await asyncio.to_thread(route, message, self.services)
        await self._send(turn_context, message, reply)

    async def _on_submit(self, turn_context: TurnContext, sub) -> None:
        a = turn_context.activity
        command = sub.command
        if sub.kind == "button" and intents.resolve(command) is None and "_" in command:
            command = command.partition("_")[0]  # e.g. "partner_create" is the partner intent's create action
        if intents.resolve(command) is None:
            await self._send(turn_context, to_message(a, ""), Reply.problem(
                "This card's button belongs to a feature that isn't available here any more. "
                "Type `help` to see what I can do now."))
            return
        if sub.kind == "button":
            message = to_message(a, "" if sub.form is not None else sub.value, command=command,
                                 form=sub.form, action=sub.command)
            reply = await asyncio.to_thread(route, message, self.services)
            await self._send(turn_context, message, reply, announce=False)
            return
        message = to_message(a, "", command=command, form=sub.form)
        reply = await asyncio.to_thread(route, message, self.services)
        if not reply.ok and reply.errors:
            form = reply.form or await self._blank_form(message)
            if form is not None:
                # Nothing was saved: show the same card again with what the user typed and what to fix.
                card = await self._form_card(form, message, values=sub.form, errors=reply.errors, intro=reply.text)
                await self._replace_or_send(turn_context, card_activity(card, _summary(reply)))
                return
        if reply.ok and reply.form is None and not (reply.private and message.is_shared):
            await self._replace_or_send(turn_context, card_activity(reply_card(reply), _summary(reply)))
            return
        await self._send(turn_context, message, reply)

    async def _blank_form(self, message: Message) -> Form | None:
        """The empty form for a command, to redraw a rejected submission when the intent did not return it."""
        blank = replace(message, form=None, text="")
        reply = await asyncio.to_thread(route, blank, self.services)
        return reply.form if reply.form is not None and reply.form.command == message.command else None

    async def _form_card(self, form: Form, message: Message, values=None, errors=None, intro: str = "") -> dict:
        choices: list[tuple[str, str]] = []
        if any(f.kind == "partner" for f in form.fields):
            choices = await asyncio.to_thread(partner_choices, self.store, message)
        return form_card(form, values=values, errors=errors, intro=intro, partner_choices=choices)

    async def _replace_or_send(self, turn_context: TurnContext, activity: Activity) -> None:
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

    async def _send(self, turn_context: TurnContext, message: Message, reply: Reply, announce: bool = True) -> None:
        """Reply in the conversation; a private reply asked for in a channel goes to a one-to-one chat instead,
        with a note in the channel (`announce`, off for button clicks such as feedback votes)."""
        if reply.form is not None:
            card = await self._form_card(reply.form, message, intro=reply.text)
        else:
            if not (reply.text or reply.passages or reply.facts or reply.image or reply.errors or reply.buttons):
                return
            card = reply_card(reply)
        activity = card_activity(card, _summary(reply))
        if reply.private and message.is_shared and reply.form is None:
            if await self._send_privately(turn_context, activity):
                if not announce:
                    return
                note = "I've sent you my answer in a private chat."
            else:
                note = ("This answer is only for you, and I couldn't open a private chat with you. "
                        "Open a chat with PSE Assistant and ask me there.")
            await turn_context.send_activity(card_activity(reply_card(Reply(text=note)), note))
            return
        await turn_context.send_activity(activity)

    async def _send_privately(self, turn_context: TurnContext, activity: Activity) -> bool:
        """Post `activity` in a one-to-one chat with the sender. False if Teams refused."""
        a = turn_context.activity
        tenant = tenant_of(a)
        params = ConversationParameters(
            is_group=False, bot=a.recipient, members=[a.from_property], tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        store = self.store
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
            await self.adapter.create_conversation(
                self.adapter_app_id, deliver, params, a.channel_id, a.service_url)
            return sent
        except ErrorResponseException as exc:
            log.warning("could not open a private Teams chat with %s: %s", a.from_property.id, exc)
            return False

    @property
    def adapter_app_id(self) -> str:
        return self.services.settings.microsoft_app_id or ""


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    log.error("Teams turn failed (%s)", type(error).__name__, exc_info=error)
    try:
        await turn_context.send_activity(card_activity(reply_card(Reply.problem(
            "Sorry, something went wrong on my side. Nothing was changed; please try again in a minute."))))
    except Exception:  # noqa: BLE001 - the connector itself may be what failed
        log.exception("could not tell the Teams user about the failure")


# ---------------------------------------------------------------- HTTP


class TeamsRuntime:
    """The adapter and bot behind POST /api/messages; built when the routes are added, never at import.

    A request is authenticated before it is answered (401 otherwise); then messages are acknowledged at once
    (202) and handled in the background, because Teams gives a bot 15 seconds before it retries, and a busy
    2-core server answering questions can take longer than that. Replies go out through the connector either
    way. Invokes, which need their answer in the HTTP response, are handled inline.
    """

    def __init__(self, services):
        self.services = services
        self.adapter = build_adapter(services.settings)
        self.adapter.on_turn_error = _on_turn_error
        self.bot = TeamsBot(services, self.adapter)
        self._tasks: set[asyncio.Task] = set()

    async def handle(self, request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected an application/json Bot Framework activity"}, status=415)
        try:
            body = await request.json()
            activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - malformed JSON from the network
            return web.json_response({"error": "the body is not a valid activity"}, status=400)
        if not activity.type:
            return web.json_response({"error": "the activity has no type"}, status=400)
        auth_header = request.headers.get("Authorization", "")
        try:
            auth = await self.adapter.bot_framework_authentication.authenticate_request(activity, auth_header)
        except (PermissionError, jwt.PyJWTError) as exc:
            log.warning("rejected a Bot Framework request without a valid token: %s", exc)
            return web.json_response({"error": "unauthorized"}, status=401)
        except Exception:  # noqa: BLE001 - e.g. the token signing keys could not be fetched
            log.exception("could not authenticate a Bot Framework request")
            return web.json_response({"error": "the request could not be authenticated"}, status=503)
        if activity.type == ActivityTypes.invoke or activity.delivery_mode == "expectReplies":
            invoke = await self._process(auth, activity)
            if invoke:
                return web.json_response(serializer_helper(invoke.body), status=invoke.status)
            return web.Response(status=200)
        task = asyncio.create_task(self._process(auth, activity))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(status=202)

    async def _process(self, auth, activity: Activity):
        try:
            return await self.adapter.process_activity(auth, activity, self.bot.on_turn)
        except Exception:  # noqa: BLE001 - the turn's own errors go to on_turn_error; this is the adapter's
            log.exception("could not process Teams activity %s", activity.id)
            return None

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for activities still being handled (on shutdown, and in tests)."""
        while self._tasks:
            done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            if pending and timeout is not None:
                log.warning("%d Teams activities were still being handled at shutdown", len(pending))
                return


PRIVACY = """PSE Assistant - privacy

This bot runs on your organisation's own server. It stores, in that server's database: the partner
interactions, outcomes and stages you record; your feedback on answers; your Teams user id and name with each
record; and where the bot was installed in Teams (so it can post the weekly digest). Questions are answered
from documents on the same server; nothing is sent to other services besides Microsoft Teams itself.
Ask your admin to correct or remove records.
"""

TERMS = """PSE Assistant - terms of use

Use the bot for your programme's private-sector-engagement work. Record only what your programme's policies
allow, respect non-disclosure agreements with companies, and report suspected trafficking through your
organisation's escalation path, not through the bot.
"""


async def privacy(request: web.Request) -> web.Response:
    return web.Response(text=PRIVACY)


async def terms(request: web.Request) -> web.Response:
    return web.Response(text=TERMS)


def add_routes(app: web.Application, services) -> None:
    runtime = TeamsRuntime(services)
    app[RUNTIME] = runtime
    app.router.add_post("/api/messages", runtime.handle)

    async def finish(app: web.Application) -> None:
        await runtime.drain(timeout=20)

    app.on_shutdown.append(finish)
    app.router.add_get("/teams/privacy", privacy)
    app.router.add_get("/teams/terms", terms)


# ---------------------------------------------------------------- proactive delivery


class TeamsSender:
    """Posts a Reply (e.g. the weekly digest with its chart) into a stored Teams conversation."""

    platform = "teams"

    def __init__(self, adapter: CloudAdapter, store, app_id: str = ""):
        self.adapter = adapter
        self.store = store
        self.app_id = app_id

    @classmethod
    def from_settings(cls, settings: Settings, store) -> "TeamsSender":
        return cls(build_adapter(settings), store, settings.microsoft_app_id)

    async def send(self, channel_id: str, reply: Reply) -> None:
        from bot.delivery import DeliveryGone

        row = await asyncio.to_thread(conversations.get, self.store, channel_id)
        if row is None:
            raise DeliveryGone(f"no Teams conversation {channel_id!r} is known: the bot was never added there")
        if not row["active"]:
            raise DeliveryGone(f"the bot was removed from Teams conversation {channel_id!r}")
        reference = ConversationReference().deserialize(row["reference"])
        activity = card_activity(reply_card(reply), _summary(reply))

        async def deliver(turn_context: TurnContext) -> None:
            turn_context.activity.id = None  # a new post in the channel, not a reply to the synthetic event
            await turn_context.send_activity(activity)

        try:
            await self.adapter.continue_conversation(reference, deliver, self.app_id)
        except ErrorResponseException as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status in GONE_STATUSES:
                await asyncio.to_thread(conversations.deactivate, self.store, row["conversation_id"],
                                        f"delivery refused with HTTP {status}")
                raise DeliveryGone(f"Teams refused delivery to {channel_id!r} (HTTP {status}): the bot was "
                                   "removed or blocked there") from exc
            raise
