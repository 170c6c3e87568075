"""The worker pool that runs intents after the acknowledgement, shared by every platform on one server.

Guidance questions (seconds of model work under load) and everything else (milliseconds of database work) run
in separate thread pools, so a `log` never waits behind a queue of questions; short database calls on the
acknowledgement path (duplicate checks) get threads of their own. Work acknowledged before it is done
(Teams activities) runs as tracked background tasks that shutdown waits for.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Coroutine

from bot.message import Message
from bot.reply import Reply
from bot.router import route, split_command

log = logging.getLogger("pse.adapters.workers")

WORKERS = 4                    # intent runs at once (more only thrash 2 CPU cores)
ACK_WORKERS = 2
GUIDANCE_INTENTS = frozenset({"ask", "frame"})  # model + index work: their own threads


class Workers:
    """Thread pools for intents plus a set of background tasks; built per server, never at import."""

    def __init__(self, workers: int = WORKERS, ack_workers: int = ACK_WORKERS):
        self.work = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pse-work")
        self.fast = ThreadPoolExecutor(max_workers=ack_workers, thread_name_prefix="pse-ack")
        self.guidance = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pse-guidance")
        self._tasks: set[asyncio.Task] = set()

    async def run(self, message: Message, services) -> Reply:
        """Route `message` in the pool its intent belongs to; never raises (the router apologises)."""
        pool = self.guidance if split_command(message)[0] in GUIDANCE_INTENTS else self.work
        return await asyncio.get_running_loop().run_in_executor(pool, route, message, services)

    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Other slow work (e.g. building the Slack Home tab) in the intent threads, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.work, fn, *args)

    async def quick(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Short database calls on the acknowledgement path."""
        return await asyncio.get_running_loop().run_in_executor(self.fast, fn, *args)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run `coro` after the acknowledgement; `drain` waits for it."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for background work still running (on shutdown, and in tests)."""
        while self._tasks:
            done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            if pending and timeout is not None:
                log.warning("%d requests were still being handled at shutdown", len(pending))
                return

    def close(self) -> None:
        self.work.shutdown(wait=False, cancel_futures=True)
        self.fast.shutdown(wait=False, cancel_futures=True)
        self.guidance.shutdown(wait=False, cancel_futures=True)


