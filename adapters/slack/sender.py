"""The Slack side of bot.delivery's Sender protocol: posts a Reply (and its chart) to a channel unprompted."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from adapters.common.proactive import send_or_gone
from adapters.slack.config import make_web_client
from adapters.slack.poster import GONE_ERRORS, Poster, error_code
from bot.reply import Reply


class SlackSender:
    platform = "slack"

    def __init__(self, client):
        self.poster = Poster(client)

    @classmethod
    def from_settings(cls, settings) -> "SlackSender":
        if not settings.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN is not set, so nothing can be posted to Slack. "
                             "Add it to the environment or .env (see the README section 'Slack').")
        return cls(make_web_client(settings))

    async def send(self, channel_id: str, reply: Reply) -> str | None:
        """Post into the channel; returns the `ts` of chat.postMessage (Slack's id of the message)."""
        def gone(exc: Exception) -> str | None:
            if isinstance(exc, SlackApiError) and error_code(exc) in GONE_ERRORS:
                return f"Slack channel {channel_id} can no longer receive posts ({error_code(exc)})"
            return None

        return await send_or_gone(channel_id, lambda: self.poster.post(channel_id, reply), gone)
