"""adapters/common/proactive.py: "gone" answers become DeliveryGone (recorded once); others pass through."""

from __future__ import annotations

import pytest

from adapters.common.proactive import send_or_gone
from bot.delivery import DeliveryGone


class Refused(Exception):
    pass


async def test_gone_becomes_delivery_gone_and_is_recorded():
    recorded = []

    async def attempt():
        raise Refused("403")

    async def on_gone(reason):
        recorded.append(reason)

    with pytest.raises(DeliveryGone, match="removed"):
        await send_or_gone("C1", attempt, lambda e: "bot removed" if isinstance(e, Refused) else None, on_gone)
    assert recorded == ["bot removed"]


async def test_other_errors_are_transient_and_success_is_silent():
    async def attempt():
        raise TimeoutError("slow")

    with pytest.raises(TimeoutError):
        await send_or_gone("C1", attempt, lambda e: None)
    sent = []

    async def ok():
        sent.append(1)

    await send_or_gone("C1", ok, lambda e: "never")
    assert sent == [1]
