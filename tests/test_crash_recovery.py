"""Nothing acknowledged is lost: a real `pse-bot serve` is killed with SIGKILL while logs are in flight.

Over three kill points (right after every acknowledgement, and half-way through a burst), signed Slack slash
commands, DMs and mentions and Teams messages each carry a `log`. After the last kill the server restarts;
requests that never got a 200/202 are delivered again as the platforms would (Slack retries with
X-Slack-Retry-Num), and some acknowledged ones are retried too. Every acknowledged log must then be stored
exactly once, within 60 s of the restart, and the recovery path must really have been needed (some items were
unfinished when the process died).
"""

from __future__ import annotations

import asyncio
import copy
import json
import time

import aiohttp
import pytest

from mock_connector import MockConnector
from mock_slack import MockSlack
from serve_support import Burst, env_for, seed, start_serve, stored, unfinished

pytestmark = pytest.mark.slow
LEASE_S = "8"  # seconds; logs take well under a second, and a redo of a slow one must still store it only once

async def test_every_acknowledged_log_is_stored_exactly_once_after_kill_9(settings, tmp_path):
    seed(settings)
    mock = await MockSlack().start()
    connector = await MockConnector().start()
    # the killed process's claims run out after LEASE_S instead of 45 s: recovery is timed from the restart, and a
    # 45 s lease plus server start left little of the 60 s when another test ran beside this one (pytest-xdist)
    env = env_for(settings.home, mock.api_url, settings.database_url) | {"PSE_INTAKE_LEASE_S": LEASE_S}
    log = tmp_path / "serve.log"
    burst = Burst(mock, connector)
    left_unfinished = 0
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            for point in ("after_all_acks", "half_way", "after_all_acks"):
                server = await start_serve(env, log)
                batch = burst.requests(16)
                tasks = [asyncio.ensure_future(burst.send(session, server.url, *r)) for r in batch]
                if point == "half_way":
                    done = 0
                    for fut in asyncio.as_completed(tasks):
                        await fut
                        done += 1
                        if done == len(tasks) // 2:
                            break
                else:
                    await asyncio.gather(*tasks)
                server.kill9()
                await asyncio.gather(*tasks, return_exceptions=True)
                left_unfinished += unfinished(settings.database)

            server = await start_serve(env, log)
            restarted = time.monotonic()
            # the platforms deliver again what was never acknowledged; a few acknowledged ones are retried too
            for summary, (kind, payload) in list(burst.unacked.items()):
                await burst.send(session, server.url, summary, kind, payload, retry=1)
            for summary, (kind, payload) in list(burst.acked.items())[:4]:
                if kind != "teams":
                    assert await burst.send(session, server.url, summary, kind, copy.deepcopy(payload), retry=2) \
                        == 200
            assert not burst.unacked, f"still not acknowledged after the restart: {list(burst.unacked)}"

            want = set(burst.acked)
            while time.monotonic() - restarted < 60:
                got = stored(settings.database, want)
                if set(got) == want:
                    break
                await asyncio.sleep(0.25)
            got = stored(settings.database, want)
            missing = want - set(got)
            assert not missing, f"{len(missing)} acknowledged logs lost: {sorted(missing)[:5]}"
            assert all(n == 1 for n in got.values()), {s: n for s, n in got.items() if n != 1}
            assert time.monotonic() - restarted < 60
            assert left_unfinished > 0, "no item was unfinished at any kill: the recovery path was never tested"
            server.stop()
    finally:
        await mock.close()
        await connector.stop()
    print(json.dumps({"acked": len(burst.acked), "unfinished_at_kills": left_unfinished}))
