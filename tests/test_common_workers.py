"""adapters/common/workers.py: guidance questions and other intents run in separate pools; background work is
drained."""

from __future__ import annotations

import asyncio
import sys
import threading
import types

import intents
from intents.contract import Intent
from adapters.common.workers import Workers
from bot.message import Message
from bot.reply import Reply


def _intent(monkeypatch, name):
    seen = []
    mod = types.ModuleType(f"pse_test_workers_{name}")

    def handle(message, services):
        seen.append(threading.current_thread().name)
        return Reply(text=name)

    mod.INTENT = Intent(name=name, summary=name, usage=name, handler=handle, access="guest")
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setitem(intents.INTENTS, name, mod.__name__)
    return seen


async def test_guidance_and_other_intents_use_their_own_threads(monkeypatch, lite_services):
    asked = _intent(monkeypatch, "ask")
    echoed = _intent(monkeypatch, "echo")
    workers = Workers()
    try:
        reply = await workers.run(Message(text="ask what now", user_id="U1", platform="slack"), lite_services)
        assert reply.text == "ask"
        await workers.run(Message(text="echo hi", user_id="U1", platform="slack"), lite_services)
        assert asked[0].startswith("pse-guidance") and echoed[0].startswith("pse-work")
        assert (await workers.quick(threading.current_thread)).name.startswith("pse-ack")
    finally:
        workers.close()


async def test_spawned_work_is_drained():
    workers = Workers()
    done = []

    async def later():
        await asyncio.sleep(0)
        done.append(1)

    workers.spawn(later())
    await workers.drain()
    assert done == [1]
    workers.close()
