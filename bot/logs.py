"""Structured JSON log lines (one object per line) with request ids; message bodies are never logged."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import datetime, timezone

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # Type and stack frames only: an exception's message can quote what a user typed.
            etype, _, tb = record.exc_info
            out["error_type"] = etype.__name__
            out["where"] = "".join(traceback.format_tb(tb))
        return json.dumps(out, ensure_ascii=False, default=str)


def setup(level: str = "INFO", json_lines: bool = True, stream=None) -> None:
    """Configure the root logger once for a long-running process (`serve`, `scheduler`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in SDK_LOGGERS:  # even when debugging the bot, the SDKs' request/response dumps stay off
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


# Platform SDK loggers that write whole request and response bodies (message text, partner names) at DEBUG.
SDK_LOGGERS = ("slack_sdk", "slack_bolt", "pse.slack.bolt", "botbuilder", "botframework", "msrest", "aiohttp.client")


class NoRequestBodies(logging.Filter):
    """slack-bolt logs a request it refuses (bad signature, stale timestamp) at INFO with the whole request body:
    "Invalid request signature detected (signature: …, timestamp: …, body: …)". A genuine request that arrives
    late would put what the user typed into the log; the line is kept, the body is cut off."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cut = message.find("body:")
        if cut >= 0:
            record.msg, record.args = message[:cut] + "body: not logged)", ()
        return True


NO_REQUEST_BODIES = NoRequestBodies()


def keep_request_bodies_out(*names: str) -> None:
    """Attach NoRequestBodies to these loggers (once each). slack-bolt copies the filters of the logger it is given
    to the loggers of its middleware, so filtering the app's base logger covers request verification."""
    for name in names:
        logger = logging.getLogger(name)
        if NO_REQUEST_BODIES not in logger.filters:
            logger.addFilter(NO_REQUEST_BODIES)
