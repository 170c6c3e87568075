"""The duplicate-delivery check: platforms retry (Slack after 3 s, Bot Framework on errors) and sometimes
deliver twice; each delivery key is recorded once in the database and a repeat is dropped."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

log = logging.getLogger("pse.adapters.dedupe")


async def first_delivery(store, key: str, *, budget: float | None = None,
                         run: Callable[..., Awaitable[Any]] | None = None) -> bool:
    """True the first time `key` is seen, False for a repeat.

    The database call runs off the event loop (`run`, default a thread). With a `budget` (seconds) a slow
    database never costs the acknowledgement: when it runs out the delivery is treated as new, since answering
    twice is better than not answering at all.
    """
    call = run or asyncio.to_thread
    if budget is None:
        return bool(await call(store.first_time, key))
    try:
        return bool(await asyncio.wait_for(call(store.first_time, key), budget))
    except asyncio.TimeoutError:
        log.warning("duplicate check timed out; handling the request", extra={"key": key})
        return True
