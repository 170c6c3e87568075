"""Bot Framework authentication: the CloudAdapter for the configured bot (MICROSOFT_APP_ID / _PASSWORD /
_TENANT_ID). Without an app id Bot Framework authentication is off, which the HTTP handler allows only in
`--insecure-local-teams` mode."""

from __future__ import annotations

import logging

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.settings import Settings

log = logging.getLogger("pse.teams")


class _AuthConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings):
        self.APP_ID = settings.microsoft_app_id or None
        self.APP_PASSWORD = settings.microsoft_app_password or None
        self.APP_TENANTID = settings.microsoft_app_tenant_id or None
        self.APP_TYPE = "SingleTenant" if settings.microsoft_app_tenant_id else "MultiTenant"


def build_adapter(settings: Settings) -> CloudAdapter:
    """A CloudAdapter authenticating as the configured bot; authentication is off only when no app id is set."""
    if settings.microsoft_app_id and not settings.microsoft_app_password:
        log.error("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is empty: requests will be authenticated, "
                  "but replies to Teams will fail. Set MICROSOFT_APP_PASSWORD to the bot's client secret.")
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(_AuthConfig(settings)))
