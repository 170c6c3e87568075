"""Microsoft Teams over HTTP: POST /api/messages handled by botbuilder's CloudAdapter (request parsing,
Bot Framework authentication, turn processing) driving the TeamsBot ActivityHandler.

A request is authenticated before it is answered (401 otherwise). Messages and other notifications are then
acknowledged at once (202) and the bot's turn runs in the background, because Teams gives a bot 15 seconds
before it retries and a busy 2-core server answering questions can take longer than that; replies go out
through the connector either way. Invokes, which need their answer in the HTTP response, run inline.
Duplicate deliveries of the same activity are answered once.
"""

from __future__ import annotations

import json
import logging

import jwt
from aiohttp import web
from botbuilder.core import Bot, BotAdapter, TurnContext
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import ClaimsIdentity

from adapters.common.dedupe import first_delivery
from adapters.common.intake import Intake
from adapters.common.workers import Workers
from adapters.teams.auth import build_adapter
from adapters.teams.activities import delivery_key
from adapters.teams.bot import TeamsBot, on_turn_error
from adapters.teams.files import file_attachments
from adapters.teams.forms import Forms
from adapters.teams.replies import TeamsReplies

log = logging.getLogger("pse.teams")

MESSAGES_PATH = "/api/messages"
RUNTIME = web.AppKey("teams_runtime", object)


class AckFirst(Bot):
    """Wraps the bot for CloudAdapter.process: messages go into the durable inbox and are answered (202) once
    committed, then run from there; invokes run inline (their answer is the HTTP response); duplicates of
    other activities are dropped."""

    def __init__(self, bot: TeamsBot, workers: Workers, store, adapter=None, inbox: Intake | None = None):
        self.bot = bot
        self.workers = workers
        self.store = store
        self.adapter = adapter
        self.inbox = inbox
        if inbox is not None:
            inbox.handle("teams.activity", self.run_stored)
            inbox.handle("teams.file", self.run_stored)  # a file sent to the bot: an admin adding a document

    async def on_turn(self, turn_context: TurnContext):
        a = turn_context.activity
        if (self.inbox is not None and a.type == ActivityTypes.message and a.id
                and a.delivery_mode != "expectReplies"):
            identity = turn_context.turn_state.get(BotAdapter.BOT_IDENTITY_KEY)
            payload = {"activity": a.serialize(), "claims": dict(identity.claims) if identity else {},
                       "audience": turn_context.turn_state.get(BotAdapter.BOT_OAUTH_SCOPE_KEY)}
            kind = "teams.file" if file_attachments(a) else "teams.activity"
            await self.inbox.accept(delivery_key(a), "teams", kind, payload)  # raises: no 202
            return
        if a.type in (ActivityTypes.message, ActivityTypes.invoke) and a.id:
            conv = a.conversation.id if a.conversation else ""
            if not await first_delivery(self.store, f"teams:{conv}:{a.id}", run=self.workers.quick):
                log.info("duplicate Teams activity %s ignored", a.id)
                return
        if a.type == ActivityTypes.invoke or a.delivery_mode == "expectReplies":
            await self.bot.on_turn(turn_context)
            return
        self.workers.spawn(self._in_background(turn_context))

    async def run_stored(self, payload: dict, key: str) -> None:
        """Run a message from the inbox: the same turn, rebuilt from the stored activity and its caller's
        (already checked) identity, so replies go out through the connector as they would have."""
        activity = Activity().deserialize(payload["activity"])
        identity = ClaimsIdentity(payload.get("claims") or {}, True)
        await self.adapter.process_proactive(identity, activity, payload.get("audience"), self._turn)

    async def _turn(self, turn_context: TurnContext) -> None:
        try:
            await self.bot.on_turn(turn_context)
        except Exception as error:  # noqa: BLE001 - the same answer the adapter gives a failed inline turn
            await on_turn_error(turn_context, error)

    async def _in_background(self, turn_context: TurnContext) -> None:
        try:
            await self.bot.on_turn(turn_context)
        except Exception as error:  # noqa: BLE001 - the same answer the adapter gives a failed inline turn
            await on_turn_error(turn_context, error)


def _bad_request(request_body: bytes) -> str:
    """Why this body is not a Bot Framework activity, or "" when it is one."""
    try:
        body = json.loads(request_body)
    except ValueError:
        return "the body is not valid JSON"
    if not isinstance(body, dict):
        return "the body is not a valid activity"
    try:
        activity = Activity().deserialize(body)
    except Exception:  # noqa: BLE001 - msrest raises several kinds for malformed fields
        return "the body is not a valid activity"
    if not activity.type:
        return "the activity has no type"
    return ""


class TeamsRequestHandler:
    """The adapter and bot behind POST /api/messages; built when the routes are added, never at import."""

    def __init__(self, services, workers: Workers, inbox: Intake | None = None):
        self.services = services
        self.workers = workers
        self.adapter = build_adapter(services.settings)
        self.adapter.on_turn_error = on_turn_error
        forms = Forms(services, workers)
        self.bot = TeamsBot(services, TeamsReplies(services, self.adapter, forms), forms, workers)
        self.entry = AckFirst(self.bot, workers, services.store, self.adapter,
                              inbox if inbox is not None else Intake(services.store, workers))

    async def handle(self, request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected an application/json Bot Framework activity"}, status=415)
        problem = _bad_request(await request.read())
        if problem:
            return web.json_response({"error": problem}, status=400)
        try:
            response = await self.adapter.process(request, self.entry)
        except web.HTTPUnauthorized:
            log.warning("rejected a Bot Framework request without a valid token")
            return web.json_response({"error": "unauthorized"}, status=401)
        except (PermissionError, jwt.PyJWTError) as exc:
            log.warning("rejected a Bot Framework request without a valid token: %s", exc)
            return web.json_response({"error": "unauthorized"}, status=401)
        except web.HTTPException as exc:
            return web.json_response({"error": exc.reason}, status=exc.status)
        except Exception:  # noqa: BLE001 - e.g. the token signing keys could not be fetched
            log.exception("could not process a Bot Framework request")
            return web.json_response({"error": "the request could not be processed"}, status=503)
        if response is not None and response.status == 201:
            return web.Response(status=202)  # accepted: the turn goes on in the background
        return response or web.Response(status=202)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for activities still being handled (tests; the server drains the shared workers on shutdown)."""
        await self.workers.drain(timeout)


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


LOOPBACK = ("127.", "::1", "localhost")
NOT_CONFIGURED = ("Microsoft Teams is not configured on this server: set MICROSOFT_APP_ID and "
                  "MICROSOFT_APP_PASSWORD (see the README section 'Microsoft Teams'). For a trial on your own machine "
                  "with the Bot Framework Emulator, run `pse-bot serve --insecure-local-teams`.")


def is_loopback(remote: str | None) -> bool:
    return bool(remote) and (remote or "").startswith(LOOPBACK)


async def not_configured(request: web.Request) -> web.Response:
    """Without Bot Framework credentials nobody is let in: no activity is read, nothing is stored or sent."""
    return web.json_response({"error": NOT_CONFIGURED}, status=401)


def loopback_only(handle):
    async def guarded(request: web.Request) -> web.Response:
        if not is_loopback(request.remote):
            return web.json_response({"error": "unauthenticated Teams requests are accepted from this machine "
                                               "only (--insecure-local-teams)"}, status=403)
        return await handle(request)

    return guarded


def add_routes(app: web.Application, services, workers: Workers, inbox: Intake | None = None) -> None:
    settings = services.settings
    app.router.add_get("/teams/privacy", privacy)
    app.router.add_get("/teams/terms", terms)
    if not settings.microsoft_app_id and not settings.teams_insecure_local:
        app.router.add_post(MESSAGES_PATH, not_configured)
        return
    handler = TeamsRequestHandler(services, workers, inbox)
    app[RUNTIME] = handler
    if settings.microsoft_app_id:
        app.router.add_post(MESSAGES_PATH, handler.handle)
        return
    log.warning(
        "INSECURE: --insecure-local-teams: Bot Framework authentication is OFF. /api/messages accepts "
        "unauthenticated requests from this machine only (loopback). Never use this on a server others can reach; "
        "set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD instead."
    )
    app.router.add_post(MESSAGES_PATH, loopback_only(handler.handle))
