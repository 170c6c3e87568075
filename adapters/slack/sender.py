"""The Slack side of bot.delivery's Sender protocol: posts a Reply (and its chart) to a channel unprompted."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from adapters.common.proactive import send_or_gone
from adapters.slack.config import make_web_client
from adapters.slack.poster import BLOCKED_ERRORS, GONE_ERRORS, Poster, error_code
from bot.delivery import DeliveryBlocked
from bot.reply import Reply

ADVICE = {
    "not_in_channel": "I am not a member of that channel. Invite me there with `/invite @PSE Assistant` "
                      "(or ask a Slack admin to grant the app the chat:write.public permission, for public channels).",
    "channel_not_found": "I cannot see that channel: it is private and I am not in it, or it was deleted. Invite me "
                         "there with `/invite @PSE Assistant`, or subscribe again in another channel.",
    "is_archived": "The channel is archived. Unarchive it, or run `digest subscribe` in the channel that should "
                   "get the digest now.",
}


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
        try:
            return await self._send(channel_id, reply)
        except SlackApiError as e:
            code = error_code(e)
            if code not in BLOCKED_ERRORS:
                raise
            raise DeliveryBlocked(f"Slack answered {code}", ADVICE.get(code, "")) from e

    async def notify(self, user_id: str, reply: Reply) -> None:
        """A direct message to one person (e.g. the subscriber of a digest that could not be posted)."""
        await self.poster.post(await self.poster.dm_with(user_id), reply)

    async def _send(self, channel_id: str, reply: Reply) -> str | None:
        def gone(exc: Exception) -> str | None:
            if isinstance(exc, SlackApiError) and error_code(exc) in GONE_ERRORS:
                return f"Slack channel {channel_id} can no longer receive posts ({error_code(exc)})"
            return None

        return await send_or_gone(channel_id, lambda: self.poster.post(channel_id, reply), gone)
