"""Error replies with a reference id: the user gets a short apology naming the reference, the log gets the
traceback under the same reference, so an admin can find one from the other."""

from __future__ import annotations

import logging
import uuid

from bot.reply import Reply


def new_ref() -> str:
    """A short id that ties an apology to its log line."""
    return uuid.uuid4().hex[:8]


def apology(ref: str) -> str:
    return (f"Sorry, something went wrong on my side and I could not finish that. Please try again; if it "
            f"keeps happening, tell your admin the reference {ref}.")


def failure_reply(log: logging.Logger, what: str, error: BaseException | None = None) -> Reply:
    """Log `what` failed (with the traceback) under a new reference and return the apology to send."""
    ref = new_ref()
    if error is None:
        log.exception("%s failed", what, extra={"ref": ref})
    else:
        log.error("%s failed (%s)", what, type(error).__name__, exc_info=error, extra={"ref": ref})
    return Reply.problem(apology(ref))
