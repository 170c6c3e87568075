"""Bot Framework authentication: the CloudAdapter for the configured bot (MICROSOFT_APP_ID / _PASSWORD /
_TENANT_ID). Without an app id Bot Framework authentication is off, which the HTTP handler allows only in
`--insecure-local-teams` mode.

The adapter is guarded on both sides:
- in: a request whose Authorization header cannot be a Bot Framework token for this bot is refused (401) before
  any signing key is fetched (adapters.teams.tokens), and an activity whose serviceUrl is not an allowed Bot
  Framework host is refused (403) before the bot sees it, so nothing is stored and nothing is sent;
- out: every connector client (replies, proactive digests, new conversations) is created through a factory that
  refuses service URLs outside the allow-list (adapters.teams.service_urls).
"""

from __future__ import annotations

import logging

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from adapters.teams import service_urls, tokens
from bot.settings import Settings

log = logging.getLogger("pse.teams")


class _AuthConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings):
        self.APP_ID = settings.microsoft_app_id or None
        self.APP_PASSWORD = settings.microsoft_app_password or None
        self.APP_TENANTID = settings.microsoft_app_tenant_id or None
        self.APP_TYPE = "SingleTenant" if settings.microsoft_app_tenant_id else "MultiTenant"


class _GuardedFactory:
    """A ConnectorFactory that creates clients only for allowed service URLs."""

    def __init__(self, inner, settings: Settings):
        self.inner = inner
        self.settings = settings

    async def create(self, service_url: str, audience: str):
        if not service_urls.allowed(service_url, self.settings):
            log.warning("refused an outgoing Bot Framework call: %s", service_urls.refusal(service_url))
            raise service_urls.ServiceUrlRefused(service_urls.refusal(service_url))
        return await self.inner.create(service_url, audience)


class _GuardedAuthentication:
    """Wraps the BotFrameworkAuthentication so that every connector factory it hands out is guarded."""

    def __init__(self, inner, settings: Settings):
        self.inner = inner
        self.settings = settings

    async def authenticate_request(self, activity, auth_header: str):
        result = await self.inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _GuardedFactory(result.connector_factory, self.settings)
        return result

    def create_connector_factory(self, claims_identity):
        return _GuardedFactory(self.inner.create_connector_factory(claims_identity), self.settings)

    def __getattr__(self, name):
        return getattr(self.inner, name)


class GuardedAdapter(CloudAdapter):
    def __init__(self, settings: Settings):
        tokens.install_key_cache()
        self.settings = settings
        inner = ConfigurationBotFrameworkAuthentication(_AuthConfig(settings))
        super().__init__(_GuardedAuthentication(inner, settings))

    async def process(self, request: web.Request, bot, ws_response=None):
        if request.method == "POST":
            if self.settings.microsoft_app_id:
                problem = tokens.precheck(request.headers.get("Authorization", ""), self.settings.microsoft_app_id)
                if problem:
                    log.warning("rejected a Bot Framework request: %s", problem)
                    raise web.HTTPUnauthorized()
            try:
                body = await request.json()
            except ValueError:
                raise web.HTTPBadRequest() from None
            service_url = body.get("serviceUrl") if isinstance(body, dict) else None
            if not service_urls.allowed(service_url, self.settings):
                log.warning("refused a Bot Framework activity: %s", service_urls.refusal(service_url))
                return web.json_response({"error": "the activity's serviceUrl is not an allowed Bot Framework "
                                                   "host"}, status=403)
        return await super().process(request, bot, ws_response)


def build_adapter(settings: Settings) -> CloudAdapter:
    """A CloudAdapter authenticating as the configured bot; authentication is off only when no app id is set."""
    if settings.microsoft_app_id and not settings.microsoft_app_password:
        log.error("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is empty: requests will be authenticated, "
                  "but replies to Teams will fail. Set MICROSOFT_APP_PASSWORD to the bot's client secret.")
    return GuardedAdapter(settings)
