"""A real deployment in miniature: two `pse-bot serve` processes (each with its own PSE_HOME, as separate
containers would have) and clocks sharing one PostgreSQL.

Signed Slack commands, DMs and mentions and Teams messages are spread over both web processes; one is killed with
SIGKILL half-way. Every acknowledged log must be stored exactly once, the survivor finishing what the dead one
left, and requests the dead one never acknowledged are delivered again to the survivor, as Slack would.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from mock_connector import MockConnector
from mock_slack import MockSlack
from serve_support import Burst, env_for, seed, start_serve, stored

pytestmark = [pytest.mark.slow, pytest.mark.postgresql_only]


async def test_two_web_processes_on_one_postgresql_lose_and_double_nothing(settings, tmp_path):
    assert settings.on_postgresql
    seed(settings)
    mock = await MockSlack().start()
    connector = await MockConnector().start()
    homes = [tmp_path / "web-a", tmp_path / "web-b"]
    envs = [env_for(h, mock.api_url, settings.database_url) for h in homes]
    burst = Burst(mock, connector)
    try:
        web_a = await start_serve(envs[0], tmp_path / "web-a.log")
        web_b = await start_serve(envs[1], tmp_path / "web-b.log")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            batch = burst.requests(32)
            tasks = [asyncio.ensure_future(burst.send(session, (web_a, web_b)[i % 2].url, *r))
                     for i, r in enumerate(batch)]
            done = 0
            for fut in asyncio.as_completed(tasks):
                await fut
                done += 1
                if done == len(tasks) // 2:
                    web_a.kill9()  # half-way: some of its requests acknowledged, some in flight
            await asyncio.gather(*tasks, return_exceptions=True)
            served_by_a = sum(1 for i in range(len(batch)) if i % 2 == 0)
            assert 0 < len(burst.acked) < len(batch) or burst.unacked or served_by_a

            for summary, (kind, payload) in list(burst.unacked.items()):  # the platforms deliver again
                await burst.send(session, web_b.url, summary, kind, payload, retry=1)
            assert not burst.unacked

            want = set(burst.acked)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 90:
                got = stored(settings.database, want)
                if set(got) == want:
                    break
                await asyncio.sleep(0.25)
            got = stored(settings.database, want)
            assert want - set(got) == set(), "acknowledged logs lost"
            assert {s: n for s, n in got.items() if n != 1} == {}, "logs stored twice"
        web_b.stop()
    finally:
        await mock.close()
        await connector.stop()
