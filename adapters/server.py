"""The one aiohttp server behind `pse-bot serve`: Slack at POST /slack/events, Teams at POST /api/messages,
and GET /healthz, which answers 200 once the knowledge index is loaded (503 before). One worker pool
(adapters.common.workers) runs the intents of both platforms after their acknowledgements."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

log = logging.getLogger("pse.server")

SERVICES = web.AppKey("services", object)
READY = web.AppKey("ready", asyncio.Event)
TASKS = web.AppKey("background_tasks", dict)
WORKERS = web.AppKey("workers", object)
INBOX = web.AppKey("inbox", object)


async def healthz(request: web.Request) -> web.Response:
    ready = request.app[READY].is_set()
    return web.json_response({"ok": ready, "index": "loaded" if ready else "loading"}, status=200 if ready else 503)


async def _warm_up(app: web.Application) -> None:
    """Load the index (and the model) off the event loop so the first question is fast."""
    services = app[SERVICES]
    if not services.settings.preload:
        app[READY].set()  # PSE_PRELOAD=0: the index and model load with the first question
        return

    async def load() -> None:
        try:
            kb = await asyncio.to_thread(lambda: services.knowledge)
            app[READY].set()
            warm = getattr(kb, "warm", None)  # the model: loaded now, not during the first user's question
            if callable(warm):
                await asyncio.to_thread(warm)
        except Exception:  # noqa: BLE001 - keep serving; /healthz stays 503 and the log says why
            log.exception("could not load the knowledge index")

    app[TASKS]["warm_up"] = asyncio.create_task(load())


async def _start_inbox(app: web.Application) -> None:
    """Redo at once what a stopped process left in the inbox, then keep sweeping every few seconds."""
    app[INBOX].start()


async def _finish_work(app: web.Application) -> None:
    await app[INBOX].stop()
    await app[WORKERS].drain(timeout=20)


async def _close_workers(app: web.Application) -> None:
    app[WORKERS].close()


def build_app(services, slack: bool = True, teams: bool = True, slack_socket_mode: bool = False) -> web.Application:
    from adapters.common.intake import Intake
    from adapters.common.workers import Workers

    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app[READY] = asyncio.Event()
    app[TASKS] = {}
    workers = app[WORKERS] = Workers()
    inbox = app[INBOX] = Intake(services.store, workers)
    app.router.add_get("/healthz", healthz)
    if slack:
        from adapters.slack import handler as slack_handler

        slack_handler.add_routes(app, services, workers, socket_mode=slack_socket_mode, inbox=inbox)
    if teams:
        from adapters.teams import handler as teams_handler

        teams_handler.add_routes(app, services, workers, inbox=inbox)
    app.on_startup.append(_warm_up)
    app.on_startup.append(_start_inbox)
    app.on_shutdown.append(_finish_work)
    app.on_cleanup.append(_close_workers)
    return app


def serve(services, host: str = "0.0.0.0", port: int | None = None, socket_mode: bool = False) -> None:
    """Run the server until interrupted (`pse-bot serve`). Slack over Socket Mode needs SLACK_APP_TOKEN."""
    settings = services.settings
    if socket_mode:
        from adapters.slack.config import configuration_problem

        problem = configuration_problem(settings, socket_mode=True)
        if problem:
            raise SystemExit(problem)
    if settings.teams_insecure_local and host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("--insecure-local-teams: listening on 127.0.0.1 only (not %s)", host)
        host = "127.0.0.1"
    app = build_app(services, slack=True, teams=True, slack_socket_mode=socket_mode)
    port = settings.port if port is None else port
    log.info("serving", extra={"host": host, "port": port, "socket_mode": socket_mode})
    web.run_app(app, host=host, port=port, print=lambda text: log.info(text.strip()), access_log=None)
