"""Acknowledge after commit: every platform's conversational requests go through the durable inbox.

`accept` commits the work item (and its delivery key) before the platform is answered; a repeat delivery of a
stored key is answered and dropped, because its work is already safe in the inbox. The item then runs at once
in this process; if the process dies first, the sweeper of any process (this one after a restart, or another
web process on the same database) claims it when its lease runs out and runs it again. Handlers are
idempotent where it matters: a log carries its delivery key, so a redone log is stored once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from adapters.common.workers import Workers
from storage import intake

log = logging.getLogger("pse.adapters.intake")

SWEEP_EVERY_S = 5.0
Handler = Callable[[dict[str, Any], str], Awaitable[None]]  # (payload, delivery key)


class Intake:
    """One per server process: the handlers by kind, and the sweeper task."""

    def __init__(self, store, workers: Workers):
        self.store = store
        self.workers = workers
        self.handlers: dict[str, Handler] = {}
        self._sweeper: asyncio.Task | None = None

    def handle(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    async def accept(self, key: str, platform: str, kind: str, payload: dict[str, Any]) -> bool:
        """Commit the item, then start it; False for a repeat delivery. Raises when the database is down, so
        the caller answers with an error and the platform delivers again later."""
        item = await self.workers.quick(intake.put, self.store, key, platform, kind, payload)
        if item is None:
            log.info("repeat delivery: its work is already in the inbox", extra={"key": key})
            return False
        self.workers.spawn(self._run_claimed(item, claim=True))
        return True

    async def _run_claimed(self, item: intake.Item, claim: bool) -> None:
        if claim and not await self.workers.quick(intake.claim, self.store, item.id):
            return  # a sweeper got there first
        handler = self.handlers.get(item.kind)
        error = ""
        if handler is None:
            error = f"no handler for {item.kind}"
            log.error("inbox item of an unknown kind", extra={"kind": item.kind, "key": item.event_key})
        else:
            try:
                await handler(item.payload, item.event_key)
            except Exception as exc:  # noqa: BLE001 - handlers tell the person themselves; never redo a told error
                error = type(exc).__name__
                log.exception("inbox item failed", extra={"kind": item.kind, "key": item.event_key})
        await self.workers.quick(intake.finish, self.store, item.id, error)

    async def sweep_once(self) -> int:
        """Run what nobody owes any more (a crashed process's items); returns how many were started."""
        items = await self.workers.quick(intake.claim_due, self.store)
        for item in items:
            log.info("redoing an inbox item left by a stopped process", extra={"kind": item.kind,
                                                                              "attempt": item.attempts})
            self.workers.spawn(self._run_claimed(item, claim=False))
        return len(items)

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup must not end the sweeper
                log.exception("inbox sweep failed; trying again shortly")
            await asyncio.sleep(SWEEP_EVERY_S)

    def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.ensure_future(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            try:
                await self._sweeper
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
            self._sweeper = None
