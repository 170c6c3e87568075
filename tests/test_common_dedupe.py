"""adapters/common/dedupe.py: one delivery key is handled once; a slow database never costs the ack."""

from __future__ import annotations

import asyncio

from adapters.common.dedupe import first_delivery


async def test_first_delivery_then_repeat(store):
    assert await first_delivery(store, "slack:Ev1") is True
    assert await first_delivery(store, "slack:Ev1") is False
    assert await first_delivery(store, "teams:c:1") is True


async def test_a_slow_check_counts_as_first_within_its_budget(store):
    started = asyncio.Event()

    async def stuck(fn, *args):
        started.set()
        await asyncio.Event().wait()  # never answers

    assert await first_delivery(store, "slack:Ev2", budget=0.01, run=stuck) is True
    assert started.is_set()
