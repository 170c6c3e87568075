"""The Slack adapter: slack-bolt's AsyncApp served at POST /slack/events (or over Socket Mode).

Slack events become `Message`s for the router; `Reply`s go back as Block Kit. Every Slack request is
acknowledged first (well inside Slack's 3 s) and the work runs afterwards in a worker thread; the answer then
goes out through `response_url`, `chat.postEphemeral` or `chat.postMessage`.

- `/pse SUBCOMMAND …` (any slash command name routed here): answered privately (ephemeral) to the person
  who typed it; answers others may see get a "Share in channel" button.
- `@PSE Assistant …` in a channel: answered in the thread (privately when the reply is private).
- Direct messages: answered in the DM.
- Buttons (`pse:<action>:<n>`): feedback votes, share, open a form, and intent actions such as
  `partner_create` (routed as command "partner", action "create").
- Forms open as modals; submissions are validated by the intent and errors are shown under the fields.
- Retries and duplicate deliveries (same event_id, same trigger_id) are acknowledged and dropped.
- Any failure after the ack becomes a short apology with a reference id; the log holds the traceback.

Without SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET the server still starts (health checks, Teams) and
/slack/events answers 503 with an explanation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any, AsyncIterator

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import blocks as slack_blocks
from adapters.slack import home as slack_home
from adapters.slack import modal as slack_modal
from bot.message import Message
from bot.reply import Button, Form, Reply
from bot.router import route, split_command

log = logging.getLogger("pse.slack")

DEFAULT_API_URL = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
BOLT_APP = web.AppKey("slack_bolt_app", object)
SOCKET_HANDLER = web.AppKey("slack_socket_handler", object)

GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "account_inactive"})
RESPONSE_URL_USES = 5          # Slack accepts up to 5 posts per response_url
WORKERS = 4                    # intent runs at once (more only thrash 2 CPU cores)
GUIDANCE_INTENTS = frozenset({"ask", "frame"})  # model + index work: their own threads, so logs never queue behind them
DEDUPE_BUDGET_S = 1.0          # the duplicate check must never cost the ack
SUBMIT_BUDGET_S = 2.5          # a modal submission must be answered within 3 s, errors included
PENDING_LIMIT = 1000           # shareable answers / forms kept in memory
PENDING_TTL_S = 24 * 3600

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


# --------------------------------------------------------------------------------------------- settings

def api_url(settings) -> str:
    url = (getattr(settings, "slack_api_url", "") or DEFAULT_API_URL).strip()
    return url if url.endswith("/") else url + "/"


def make_web_client(settings) -> AsyncWebClient:
    return AsyncWebClient(token=settings.slack_bot_token or None, base_url=api_url(settings))


def configuration_problem(settings, socket_mode: bool = False) -> str:
    """Why Slack cannot run with these settings, or "" when it can."""
    missing = []
    if not settings.slack_bot_token:
        missing.append("SLACK_BOT_TOKEN")
    if socket_mode:
        if not settings.slack_app_token:
            missing.append("SLACK_APP_TOKEN")
    elif not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    if not missing:
        return ""
    return ("Slack is not configured: set " + " and ".join(missing) +
            " in the environment or .env (see the README section 'Slack'), then restart `pse-bot serve`.")


def new_ref() -> str:
    return uuid.uuid4().hex[:8]


def apology(ref: str) -> str:
    return (f"Sorry, something went wrong on my side and I could not finish that. Please try again; if it "
            f"keeps happening, tell your admin the reference {ref}.")


# --------------------------------------------------------------------------------------------- text in

def clean_text(text: str) -> str:
    """A Slack message's text as the user typed it: bot mentions removed, mrkdwn entities decoded."""
    text = _MENTION.sub(" ", text or "")
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split()) if "\n" not in text else text.strip()


def channel_kind(channel_id: str, channel_name: str = "") -> str:
    return "dm" if channel_id.startswith("D") or channel_name == "directmessage" else "channel"


# --------------------------------------------------------------------------------------------- text out

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


class Poster:
    """Sends Replies to Slack with the Web API (and response_url); shared by the app and SlackSender."""

    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def post(self, channel: str, reply: Reply, thread_ts: str | None = None,
                   extra_buttons: tuple[Button, ...] = (), heading: str = "") -> None:
        for msg in slack_blocks.render(reply, extra_buttons, heading=heading):
            await self.client.chat_postMessage(channel=channel, text=msg["text"], blocks=msg["blocks"],
                                               thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)
        await self.upload(channel, reply, thread_ts)

    async def post_ephemeral(self, channel: str, user: str, reply: Reply, thread_ts: str | None = None,
                             extra_buttons: tuple[Button, ...] = ()) -> None:
        """Only `user` sees it. Where the bot cannot post (not a member), the reply goes to the user's DM."""
        try:
            for msg in slack_blocks.render(reply, extra_buttons):
                await self.client.chat_postEphemeral(channel=channel, user=user, text=msg["text"],
                                                     blocks=msg["blocks"], thread_ts=thread_ts)
        except SlackApiError as e:
            if _error_code(e) not in GONE_ERRORS:
                raise
            log.info("ephemeral post refused (%s); sending to the DM instead", _error_code(e))
            await self.post(user, reply)
            return
        await self.upload_private(user, reply)

    async def respond(self, response_url: str, reply: Reply, in_channel: bool = False,
                      extra_buttons: tuple[Button, ...] = (), replace_original: bool = False,
                      heading: str = "") -> None:
        messages = slack_blocks.render(reply, extra_buttons, heading=heading)
        if len(messages) > RESPONSE_URL_USES:
            note = Reply(text=f"(That answer was too long for one reply; I've shown the first part. "
                              f"Ask a narrower question to see the rest.)")
            messages = messages[: RESPONSE_URL_USES - 1] + slack_blocks.render(note)
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

    async def upload_private(self, user: str, reply: Reply) -> None:
        """Charts of private answers go to the user's DM with the bot (a file cannot be ephemeral)."""
        if reply.image is None:
            return
        res = await self.client.conversations_open(users=user)
        await self.upload(res["channel"]["id"], reply)


class SlackSender:
    """The Slack side of bot.delivery's Sender protocol: posts a Reply (and its chart) to a channel."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient):
        self.poster = Poster(client)

    @classmethod
    def from_settings(cls, settings) -> "SlackSender":
        if not settings.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN is not set, so nothing can be posted to Slack. "
                             "Add it to the environment or .env (see the README section 'Slack').")
        return cls(make_web_client(settings))

    async def send(self, channel_id: str, reply: Reply) -> None:
        try:
            await self.poster.post(channel_id, reply)
        except SlackApiError as e:
            code = _error_code(e)
            if code in GONE_ERRORS:
                from bot.delivery import DeliveryGone

                raise DeliveryGone(f"Slack channel {channel_id} can no longer receive posts ({code})") from e
            raise


def _error_code(e: SlackApiError) -> str:
    try:
        return str(e.response.get("error") or "")
    except Exception:  # noqa: BLE001 - a malformed error response
        return ""


# --------------------------------------------------------------------------------------------- the bot

class SlackBot:
    """The listeners registered on one AsyncApp, sharing the services and a small in-memory cache."""

    def __init__(self, services, client: AsyncWebClient):
        self.services = services
        self.client = client
        self.poster = Poster(client)
        self.pending: OrderedDict[str, Pending] = OrderedDict()
        self.work = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pse-slack-work")
        self.fast = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pse-slack-ack")
        self.guidance = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pse-slack-guidance")

    # -- plumbing ----------------------------------------------------------------------------------

    async def run(self, message: Message) -> Reply:
        """Guidance questions (seconds of model work under load) and everything else (milliseconds of SQLite)
        run in separate thread pools, so a `log` never waits behind a queue of questions."""
        if split_command(message)[0] in GUIDANCE_INTENTS:
            return await asyncio.get_running_loop().run_in_executor(self.guidance, route, message, self.services)
        return await self.in_thread(route, message, self.services)

    async def in_thread(self, fn, *args):
        """Intent work runs in the bot's own worker threads, so it never delays the acks (see `quick`)."""
        return await asyncio.get_running_loop().run_in_executor(self.work, fn, *args)

    async def quick(self, fn, *args):
        """Short database calls on the ack path (duplicate checks) get threads of their own."""
        return await asyncio.get_running_loop().run_in_executor(self.fast, fn, *args)

    def close(self) -> None:
        self.work.shutdown(wait=False, cancel_futures=True)
        self.fast.shutdown(wait=False, cancel_futures=True)
        self.guidance.shutdown(wait=False, cancel_futures=True)

    def keep(self, item: Pending) -> str:
        now = time.monotonic()
        while self.pending and (len(self.pending) >= PENDING_LIMIT or
                                now - next(iter(self.pending.values())).at > PENDING_TTL_S):
            self.pending.popitem(last=False)
        key = uuid.uuid4().hex[:16]
        self.pending[key] = item
        return key

    def take(self, key: str) -> Pending | None:
        item = self.pending.get(key)
        if item is None or time.monotonic() - item.at > PENDING_TTL_S:
            return None
        return item

    @asynccontextmanager
    async def guard(self, what: str, where: Where) -> AsyncIterator[None]:
        """Any exception inside becomes an apology to the user (with a reference id) and a logged traceback."""
        try:
            yield
        except Exception:  # noqa: BLE001 - never fail silently
            ref = new_ref()
            log.exception("slack %s failed", what, extra={"ref": ref})
            try:
                await self.say(Reply.problem(apology(ref)), where)
            except Exception:  # noqa: BLE001 - the apology itself could not be delivered
                log.exception("could not deliver the apology", extra={"ref": ref})

    async def say(self, reply: Reply, where: Where, message: Message | None = None) -> None:
        """Deliver a reply; answers only the asker sees get a Share button when others may see them."""
        extra: tuple[Button, ...] = ()
        if (where.ephemeral and message is not None and message.channel_kind == "channel" and reply.ok
                and not reply.private and reply.form is None and (reply.text or reply.passages or reply.facts)):
            key = self.keep(Pending(reply=reply, user=where.user, channel=where.channel, thread_ts=where.thread_ts))
            extra = (Button(label="Share in channel", action="share", value=key),)
        if reply.form is not None:
            reply = self.form_prompt(reply, where)
        if where.response_url:
            await self.poster.respond(where.response_url, reply, extra_buttons=extra)
            await self.poster.upload_private(where.user, reply)
        elif where.ephemeral or (reply.private and channel_kind(where.channel) == "channel"):
            await self.poster.post_ephemeral(where.channel, where.user, reply, where.thread_ts, extra)
        else:
            await self.poster.post(where.channel, reply, where.thread_ts, extra)

    def form_prompt(self, reply: Reply, where: Where) -> Reply:
        """Where no trigger id is at hand (messages, mentions), a form is offered behind a button."""
        form = reply.form
        key = self.keep(Pending(form=form, user=where.user, channel=where.channel, thread_ts=where.thread_ts))
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
            log.warning("views.open failed (%s); offering the form behind a button", _error_code(e))
            await self.say(Reply(text="", form=form, private=True), replace(where, ephemeral=True))

    # -- slash command -----------------------------------------------------------------------------

    async def on_command(self, ack, body: dict[str, Any]) -> None:
        await ack()
        channel = body.get("channel_id", "")
        user = body.get("user_id", "")
        where = Where(channel=channel, user=user, response_url=body.get("response_url", ""), ephemeral=True)
        async with self.guard("slash command", where):
            message = Message(
                text=clean_text(body.get("text", "")), user_id=user, user_name=body.get("user_name", ""),
                platform="slack", channel_id=channel, channel_kind=channel_kind(channel, body.get("channel_name", "")),
            )
            reply = await self.run(message)
            if reply.form is not None and body.get("trigger_id"):
                await self.open_form(reply.form, body["trigger_id"], where)
                if reply.text:
                    await self.say(replace(reply, form=None), where, message)
                return
            await self.say(reply, where, message)

    # -- events ------------------------------------------------------------------------------------

    async def on_mention(self, event: dict[str, Any]) -> None:
        channel = event.get("channel", "")
        user = event.get("user", "")
        thread = event.get("thread_ts") or event.get("ts")
        where = Where(channel=channel, user=user, thread_ts=thread)
        async with self.guard("mention", where):
            message = Message(text=clean_text(event.get("text", "")), user_id=user, platform="slack",
                              channel_id=channel, channel_kind=channel_kind(channel), thread_id=thread)
            reply = await self.run(message)
            await self.say(reply, replace(where, ephemeral=reply.private or reply.form is not None), message)

    async def on_message(self, event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, joins, bot posts and channel chatter are not addressed to us
        channel = event.get("channel", "")
        user = event.get("user", "")
        where = Where(channel=channel, user=user, thread_ts=event.get("thread_ts"))
        async with self.guard("direct message", where):
            message = Message(text=clean_text(event.get("text", "")), user_id=user, platform="slack",
                              channel_id=channel, channel_kind="dm", thread_id=event.get("thread_ts"))
            await self.say(await self.run(message), where, message)

    async def on_home(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event.get("user", "")
        try:
            view = await self.in_thread(slack_home.home_view, self.services, user)
            await self.client.views_publish(user_id=user, view=view)
        except Exception:  # noqa: BLE001 - the Home tab is not a conversation: log it with a reference
            log.exception("could not publish the App Home", extra={"ref": new_ref()})

    # -- interactivity -----------------------------------------------------------------------------

    async def on_action(self, ack, body: dict[str, Any]) -> None:
        await ack()
        user = (body.get("user") or {}).get("id", "")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
        thread = (body.get("message") or {}).get("thread_ts") or (body.get("container") or {}).get("thread_ts")
        where = Where(channel=channel or user, user=user, thread_ts=thread,
                      response_url=body.get("response_url", ""), ephemeral=True)
        async with self.guard("button", where):
            for act in body.get("actions") or []:
                name = slack_blocks.parse_action_id(act.get("action_id", ""))
                if name:
                    await self.act(name, str(act.get("value") or ""), body, where)

    async def act(self, name: str, value: str, body: dict[str, Any], where: Where) -> None:
        kind = channel_kind(where.channel) if where.channel != where.user else "dm"
        if name == "share":
            await self.share(value, where)
            return
        if name == "open_form":
            item = self.take(value)
            if item is None or item.form is None:
                await self.say(Reply.problem("That form has expired. Type the command again to get a fresh one."),
                               where)
                return
            await self.open_form(item.form, body.get("trigger_id", ""),
                                 replace(where, channel=item.channel or where.channel, thread_ts=item.thread_ts))
            return
        # A button's action names an intent ("feedback") or an intent and a verb ("partner_create" → intent
        # "partner" with message.action "partner_create"); its value is a JSON object (→ form) or plain text.
        command = name if intents_resolve(name) else name.partition("_")[0]
        if intents_resolve(command) is None:
            await self.say(Reply.problem("That button is from an older version of me and does nothing now. "
                                         "Type `/pse help` to see what I can do."), where)
            return
        data = _json_object(value)
        message = Message(text=value if data is None else "", user_id=where.user,
                          user_name=(body.get("user") or {}).get("username", ""), platform="slack",
                          channel_id=where.channel, channel_kind=kind, thread_id=where.thread_ts,
                          command=command, form=data, action=name)
        reply = await self.run(message)
        if reply.form is not None and body.get("trigger_id"):
            await self.open_form(reply.form, body["trigger_id"], where)
            return
        await self.say(reply, where, None if name == "feedback" else message)

    async def share(self, key: str, where: Where) -> None:
        item = self.take(key)
        if item is None or item.reply is None:
            await self.say(Reply.problem("That answer is no longer available to share. Ask again and share the "
                                         "new answer."), where)
            return
        if item.user and item.user != where.user:
            await self.say(Reply.problem("Only the person who asked can share this answer."), where)
            return
        shared = item.reply
        heading = f"Shared by <@{where.user}>"
        if where.response_url:
            await self.poster.respond(where.response_url, shared, in_channel=True, heading=heading)
            if shared.image is not None:
                try:
                    await self.poster.upload(item.channel, shared, item.thread_ts)
                except SlackApiError as e:
                    log.info("chart not shared (%s)", _error_code(e))
            await self.poster.respond(where.response_url, Reply(text="Shared in the channel."), replace_original=True)
        else:
            await self.poster.post(item.channel, shared, item.thread_ts, heading=heading)
        self.pending.pop(key, None)

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
        async with self.guard("form submission", where):
            task = asyncio.ensure_future(self.run(message))
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
            await self.say(reply, where, message)
        if not acked:
            await ack()

    async def on_options(self, ack, body: dict[str, Any]) -> None:
        user = (body.get("user") or {}).get("id", "")
        typed = str(body.get("value") or "")
        try:
            pairs = await self.quick(slack_home.partner_options, self.services, user, typed)
        except Exception:  # noqa: BLE001 - the type-ahead shows the typed name rather than nothing
            log.exception("partner suggestions failed", extra={"ref": new_ref()})
            pairs = [(typed.strip(), f"{typed.strip()} (not checked)")] if typed.strip() else []
        await ack(options=[slack_modal.option(v, label) for v, label in pairs[: slack_modal.MAX_OPTIONS]])


def intents_resolve(word: str) -> str | None:
    import intents

    return intents.resolve(word)


def _json_object(value: str) -> dict[str, Any] | None:
    if not value.startswith("{"):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------------------------- app

def event_key(body: dict[str, Any]) -> str | None:
    """The id that makes a delivery unique: event_id for events, trigger_id for commands and interactions."""
    if body.get("event_id"):
        return f"slack:{body['event_id']}"
    if body.get("trigger_id") and (body.get("command") or body.get("type") in ("block_actions", "view_submission")):
        return f"slack:trigger:{body['trigger_id']}"
    return None


def make_app(services, socket_mode: bool = False) -> AsyncApp:
    """A new AsyncApp wired to the router. Built on demand (never at import time)."""
    settings = services.settings
    client = make_web_client(settings)
    app = AsyncApp(
        name="pse-assistant",
        client=client,
        signing_secret=settings.slack_signing_secret or ("socket-mode" if socket_mode else ""),
        logger=logging.getLogger("pse.slack.bolt"),
    )
    bot = SlackBot(services, client)
    app._pse_bot = bot  # type: ignore[attr-defined] - tests and the bench reach the cache through it

    @app.middleware
    async def drop_duplicates(body, resp, next, request):  # noqa: A002 - bolt injects by name
        key = event_key(body) if isinstance(body, dict) else None
        if key is not None:
            try:
                first = await asyncio.wait_for(bot.quick(services.store.first_time, key), DEDUPE_BUDGET_S)
            except asyncio.TimeoutError:  # a busy database must not cost the ack: answer rather than drop
                log.warning("duplicate check timed out; handling the request", extra={"key": key})
                first = True
            if not first:
                retry = (request.headers.get("x-slack-retry-num") or [""])[0]
                log.info("duplicate Slack delivery dropped", extra={"key": key, "retry": retry})
                return BoltResponse(status=200, body="")
        await next()
        return resp

    @app.error
    async def on_error(error, body):
        log.error("slack-bolt error", exc_info=error, extra={"ref": new_ref()})

    app.command(re.compile(r"^/"))(bot.on_command)
    app.event("app_mention")(bot.on_mention)
    app.event("message")(bot.on_message)
    app.event("app_home_opened")(bot.on_home)
    app.action(re.compile(r"^" + re.escape(slack_blocks.ACTION_PREFIX)))(bot.on_action)
    app.view(slack_modal.CALLBACK_ID)(bot.on_submit)
    app.options(slack_modal.PARTNER_ACTION)(bot.on_options)
    return app


async def to_bolt_request(request: web.Request) -> AsyncBoltRequest:
    headers = {k.lower(): request.headers.getall(k) for k in request.headers.keys()}
    return AsyncBoltRequest(body=await request.text(), query=request.query_string, headers=headers)


def to_aiohttp_response(resp: BoltResponse) -> web.Response:
    headers = {k: v for k, v in resp.first_headers_without_set_cookie().items() if k.lower() != "content-type"}
    ctype = (resp.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if not ctype:
        ctype = "application/json" if resp.body.startswith("{") else "text/plain"
    return web.Response(status=resp.status, body=resp.body.encode("utf-8"), headers=headers, content_type=ctype)


def add_routes(app: web.Application, services, socket_mode: bool = False) -> None:
    """Mount POST /slack/events. Without Slack settings it answers 503 and says what to set."""
    settings = services.settings
    problem = configuration_problem(settings, socket_mode=socket_mode)
    if problem:
        log.warning(problem)

        async def not_configured(request: web.Request) -> web.Response:
            return web.json_response({"ok": False, "error": problem}, status=503)

        app.router.add_post(EVENTS_PATH, not_configured)
        return
    bolt = make_app(services, socket_mode=socket_mode)
    app[BOLT_APP] = bolt

    async def close_workers(_app: web.Application) -> None:
        bolt._pse_bot.close()  # type: ignore[attr-defined]

    app.on_cleanup.append(close_workers)
    if socket_mode and not settings.slack_signing_secret:
        async def socket_only(request: web.Request) -> web.Response:
            return web.json_response({"ok": False, "error": "This server receives Slack events over Socket Mode; "
                                      "set SLACK_SIGNING_SECRET to accept them over HTTP as well."}, status=503)

        app.router.add_post(EVENTS_PATH, socket_only)
    else:
        async def events(request: web.Request) -> web.Response:
            return to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

        app.router.add_post(EVENTS_PATH, events)
    if socket_mode:
        app[SOCKET_HANDLER] = {}
        app.on_startup.append(_start_socket_mode)
        app.on_cleanup.append(_stop_socket_mode)


async def _start_socket_mode(app: web.Application) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    bolt = app[BOLT_APP]
    settings = bolt._pse_bot.services.settings  # type: ignore[attr-defined]
    handler = AsyncSocketModeHandler(bolt, app_token=settings.slack_app_token)
    app[SOCKET_HANDLER]["handler"] = handler
    await handler.connect_async()
    log.info("connected to Slack over Socket Mode")


async def _stop_socket_mode(app: web.Application) -> None:
    handler = app.get(SOCKET_HANDLER, {}).get("handler")
    if handler is not None:
        await handler.close_async()
