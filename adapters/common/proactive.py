"""Proactive sends (bot.delivery's Sender protocol): one place that turns a platform's "this channel is gone"
answer into `DeliveryGone`, so the scheduler deactivates that subscription; any other error passes through as
transient and the scheduler retries later."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable, TypeVar

from bot.delivery import DeliveryGone

log = logging.getLogger("pse.adapters.proactive")

T = TypeVar("T")


async def send_or_gone(channel_id: str, attempt: Callable[[], Awaitable[T]],
                       gone: Callable[[Exception], str | None],
                       on_gone: Callable[[str], Awaitable[None]] | None = None) -> T:
    """Run `attempt()` and return what it returns (the platform's id for the post). If it fails and
    `gone(error)` names a reason, record it (`on_gone`) and raise DeliveryGone with that reason; otherwise
    re-raise the error unchanged."""
    try:
        return await attempt()
    except DeliveryGone:
        raise
    except Exception as exc:
        reason = gone(exc)
        if reason is None:
            raise
        log.info("delivery to %s refused for good: %s", channel_id, reason)
        if on_gone is not None:
            await on_gone(reason)
        raise DeliveryGone(reason) from exc
