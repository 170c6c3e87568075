"""Teams `invoke` activities, which want their answer in the HTTP response (an InvokeResponse).

The bot's own cards use Action.Submit (a message activity), so the only invoke it handles is
`adaptiveCard/action` (Action.Execute, from a Universal Actions card) carrying one of its cards' data: that
runs like a card submit and is answered 200 with an Adaptive Card invoke status. Everything else gets a clean 4xx
invoke response (an unknown invoke name, an Action.Execute that is malformed or not from one of the bot's
cards), never botbuilder's default 501, and a failure while handling is told to the user and answered 200 with
an error status, never a 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from botbuilder.core import TurnContext
from botbuilder.schema import InvokeResponse
from msrest.serialization import Model

from adapters.teams.cards import parse_submit

log = logging.getLogger("pse.teams")

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
ERROR_TYPE = "application/vnd.microsoft.error"


class _Status(Model):
    """An Adaptive Card invoke response body; `value` a message (string) or an error ({code, message})."""

    _attribute_map = {"status_code": {"key": "statusCode", "type": "int"}, "type": {"key": "type", "type": "str"},
                      "value": {"key": "value", "type": "object"}}

    def __init__(self, *, status_code: int, type: str, value, **kwargs):  # noqa: A002 - the wire name
        super().__init__(**kwargs)
        self.status_code = status_code
        self.type = type
        self.value = value


def _error(status: HTTPStatus, code: str, message: str) -> InvokeResponse:
    return InvokeResponse(status=int(status), body=_Status(
        status_code=int(status), type=ERROR_TYPE, value={"code": code, "message": message}))


def _done(message: str) -> InvokeResponse:
    return InvokeResponse(status=int(HTTPStatus.OK), body=_Status(
        status_code=int(HTTPStatus.OK), type=MESSAGE_TYPE, value=message))


def _submission(value):
    """The card submission inside an Action.Execute invoke's value, or None."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    return parse_submit(action.get("data"))


async def handle(bot, turn_context: TurnContext, on_error) -> InvokeResponse:
    """Answer an invoke activity; `bot.on_card_submit` runs the submissions, `on_error` tells the user of a failure."""
    name = turn_context.activity.name
    if not isinstance(name, str) or name != ADAPTIVE_CARD_ACTION:
        log.info("unsupported Teams invoke %r answered 400", str(name)[:80])
        return _error(HTTPStatus.BAD_REQUEST, "NotSupported",
                      f"PSE Assistant does not handle {str(name)[:80]!r} invokes.")
    submission = _submission(turn_context.activity.value)
    if submission is None:
        return _error(HTTPStatus.BAD_REQUEST, "BadRequest",
                      "This card action is not one PSE Assistant can read. Type your request instead.")
    try:
        await bot.on_card_submit(turn_context, submission)
    except Exception as error:  # noqa: BLE001 - the user gets an apology with a reference, the log the traceback
        await on_error(turn_context, error)
        return _done("Something went wrong; PSE Assistant sent you a message about it.")
    return _done("Done.")
