"""The Slack HTTP side: slack-bolt's AsyncApp with our listeners, served at POST /slack/events through
slack-bolt's own aiohttp converters (`to_bolt_request` / `to_aiohttp_response`), or over Socket Mode.

Every Slack request is acknowledged first (well inside Slack's 3 s) and the work runs afterwards in the shared
worker pool; the answer then goes out through `response_url`, `chat.postEphemeral` or `chat.postMessage`.
Retries and duplicate deliveries (same event_id, same trigger_id) are acknowledged and dropped.
Without SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET the server still starts (health checks, Teams) and
/slack/events answers 503 with an explanation.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from adapters.common.dedupe import first_delivery
from adapters.common.errors import new_ref
from adapters.common.file_share import FileShares
from adapters.common.intake import Intake
from adapters.common.workers import Workers
from adapters.slack import blocks as slack_blocks
from adapters.slack import modal as slack_modal
from adapters.slack.actions import SlackActions
from adapters.slack.config import configuration_problem, make_web_client
from adapters.slack.events import SlackEvents, inbox_kind
from adapters.slack.files import SlackFiles
from adapters.slack.messages import event_key
from adapters.slack.replies import Replier
from bot import logs

log = logging.getLogger("pse.slack")

EVENTS_PATH = "/slack/events"
BOLT_APP = web.AppKey("slack_bolt_app", object)
SOCKET_HANDLER = web.AppKey("slack_socket_handler", dict)
DEDUPE_BUDGET_S = 1.0          # the duplicate check must never cost the ack


def make_app(services, workers: Workers, socket_mode: bool = False, inbox: Intake | None = None) -> AsyncApp:
    """A new AsyncApp wired to the router. Built on demand (never at import time)."""
    settings = services.settings
    client = make_web_client(settings)
    # before AsyncApp(): bolt hands the base logger's filters to its middleware loggers as it builds them
    logs.keep_request_bodies_out("pse.slack.bolt", "slack_bolt.RequestVerification")
    app = AsyncApp(
        name="pse-assistant",
        client=client,
        signing_secret=settings.slack_signing_secret or ("socket-mode" if socket_mode else ""),
        logger=logging.getLogger("pse.slack.bolt"),
    )
    replier = Replier(client)
    events = SlackEvents(services, replier, workers)
    replier.on_logged = events.publish_home
    actions = SlackActions(services, replier, workers)
    inbox = inbox or Intake(services.store, workers)
    events.register(inbox)
    inbox.handle("slack.action", actions.run_action)
    inbox.handle("slack.file", SlackFiles(services, replier, FileShares(services, workers)).run)

    @app.middleware
    async def drop_duplicates(body, resp, next, request):  # noqa: A002 - bolt injects by name
        key = event_key(body) if isinstance(body, dict) else None
        kind = inbox_kind(body) if isinstance(body, dict) else None
        if key is not None and kind is not None:
            # acknowledged only once the work is committed; a retry of a stored delivery is safe to drop
            try:
                await inbox.accept(key, "slack", kind, body)
            except Exception:  # noqa: BLE001 - not acknowledged, so Slack delivers it again
                log.exception("could not store a Slack request; not acknowledging it", extra={"ref": new_ref()})
                return BoltResponse(status=503, body="")
            return BoltResponse(status=200, body="")
        if key is not None and not await first_delivery(services.store, key, budget=DEDUPE_BUDGET_S,
                                                        run=workers.quick):
            retry = (request.headers.get("x-slack-retry-num") or [""])[0]
            log.info("duplicate Slack delivery dropped", extra={"key": key, "retry": retry})
            return BoltResponse(status=200, body="")
        await next()
        return resp

    @app.error
    async def on_error(error, body):
        log.error("slack-bolt error", exc_info=error, extra={"ref": new_ref()})

    app.command(re.compile(r"^/"))(events.on_command)
    app.event("app_mention")(events.on_mention)
    app.event("message")(events.on_message)
    app.event("app_home_opened")(events.on_home)
    app.action(re.compile(r"^" + re.escape(slack_blocks.ACTION_PREFIX)))(actions.on_action)
    app.view(slack_modal.CALLBACK_ID)(actions.on_submit)
    app.options(slack_modal.PARTNER_ACTION)(actions.on_options)
    return app


class SlackRequestHandler:
    """slack-bolt's adapter style for aiohttp: convert the request, dispatch, convert the response."""

    def __init__(self, app: AsyncApp):
        self.app = app

    async def handle(self, request: web.Request) -> web.Response:
        # Malformed requests get a 4xx and touch nothing: a timestamp that is not a number can't be signed
        # (slack-bolt would raise on it), and a body that is not what its content type says can't be read.
        if not request.headers.get("X-Slack-Request-Timestamp", "").strip().isdigit():
            return web.json_response({"ok": False, "error": "invalid request timestamp or signature"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "error": "the request body could not be read"}, status=400)
        bolt_resp = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_resp)


def _refuse(problem: str):
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error": problem}, status=503)

    return refuse


def add_routes(app: web.Application, services, workers: Workers, socket_mode: bool = False,
               inbox: Intake | None = None) -> None:
    """Mount POST /slack/events. Without Slack settings it answers 503 and says what to set."""
    settings = services.settings
    problem = configuration_problem(settings, socket_mode=socket_mode)
    if problem:
        log.warning(problem)
        app.router.add_post(EVENTS_PATH, _refuse(problem))
        return
    bolt = make_app(services, workers, socket_mode=socket_mode, inbox=inbox)
    app[BOLT_APP] = bolt
    if socket_mode and not settings.slack_signing_secret:
        app.router.add_post(EVENTS_PATH, _refuse("This server receives Slack events over Socket Mode; "
                                                 "set SLACK_SIGNING_SECRET to accept them over HTTP as well."))
    else:
        app.router.add_post(EVENTS_PATH, SlackRequestHandler(bolt).handle)
    if socket_mode:
        app[SOCKET_HANDLER] = {"app_token": settings.slack_app_token}
        app.on_startup.append(_start_socket_mode)
        app.on_cleanup.append(_stop_socket_mode)


async def _start_socket_mode(app: web.Application) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    state = app[SOCKET_HANDLER]
    handler = AsyncSocketModeHandler(app[BOLT_APP], app_token=state["app_token"])
    state["handler"] = handler
    await handler.connect_async()
    log.info("connected to Slack over Socket Mode")


async def _stop_socket_mode(app: web.Application) -> None:
    handler = app.get(SOCKET_HANDLER, {}).get("handler")
    if handler is not None:
        await handler.close_async()
