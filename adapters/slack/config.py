"""Slack settings: the Web API base URL, the Web API client, and what is missing to run."""

from __future__ import annotations

DEFAULT_API_URL = "https://slack.com/api/"


def api_url(settings) -> str:
    url = (getattr(settings, "slack_api_url", "") or DEFAULT_API_URL).strip()
    return url if url.endswith("/") else url + "/"


def make_web_client(settings):
    from slack_sdk.web.async_client import AsyncWebClient

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
