"""A real deployment in miniature: two `pse-bot serve` processes (each with its own PSE_HOME, as separate
containers would have) and two clocks sharing one PostgreSQL.

Signed Slack commands, DMs and mentions and Teams messages are spread over both web processes; one is killed with
SIGKILL half-way. Every acknowledged log must be stored exactly once, the survivor finishing what the dead one
left, and requests the dead one never acknowledged are delivered again to the survivor, as Slack would. Two
`pse-bot scheduler` processes tick at the same moment: each subscription's digest is posted once. A document
ingested through one process (its own PSE_HOME) is then found by a question to the other web process.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import aiohttp
import pytest

from mock_connector import MockConnector
from mock_slack import MockSlack
from serve_support import ROOT, Burst, env_for, post_slack, seed, slash, start_serve, stored

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
            await two_clocks_post_each_digest_once(settings, mock, envs)
            await an_ingest_through_one_process_is_answered_by_the_other(tmp_path, mock, envs[0], web_b, session)
        web_b.stop()
    finally:
        await mock.close()
        await connector.stop()


MONDAY_9 = datetime(2026, 10, 5, 9, 1, tzinfo=timezone.utc)


async def two_clocks_post_each_digest_once(settings, mock, envs) -> None:
    from indicators import subscriptions as subs
    from storage.store import Store

    store = Store.open(settings.database)
    try:
        for channel in ("C0DIGA", "C0DIGB"):
            subs.subscribe(store, "slack", channel, 0, 9, "UTC", country="Thailand", actor="test",
                           now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    finally:
        store.close()
    clocks = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "scheduler", "--once", "--now", MONDAY_9.isoformat(), env=env,
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for env in envs]
    outputs = [(await c.communicate())[0].decode() for c in clocks]
    assert all(c.returncode == 0 for c in clocks), outputs
    for channel in ("C0DIGA", "C0DIGB"):
        posts = mock.of("chat.postMessage", lambda c, ch=channel: c.data.get("channel") == ch)
        digests = [c for c in posts if "Weekly PSE digest" in c.blocks_text()]
        assert len(digests) == 1, (channel, outputs)


async def an_ingest_through_one_process_is_answered_by_the_other(tmp_path, mock, env_a, web_b, session) -> None:
    doc = tmp_path / "cold-chain-hiring.md"
    doc.write_text("# Cold-chain warehouse hiring\n\n## Night-shift pilot with the Lotus cold store\n\n"
                   "The Lotus cold store agreed to a night-shift pilot: four survivors join the forklift team "
                   "after a two-week induction run with the shelter's job coach.\n", encoding="utf-8")
    ingest = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "ingest", str(doc), env=env_a, cwd=str(ROOT),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = (await ingest.communicate())[0].decode()
    assert ingest.returncode == 0, out
    hook = uuid.uuid4().hex
    payload = slash(mock, "ask what did the Lotus cold store agree to for the night shift?", user="U4")
    payload["response_url"] = mock.response_url(hook)
    assert await post_slack(session, web_b.url, "command", payload) == 200
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120:  # the first question loads the model in that process
        answers = [c for c in mock.of("response_url") if c.data.get("hook") == hook]
        if answers:
            break
        await asyncio.sleep(0.25)
    assert answers, "no answer from the other web process"
    assert "cold-chain-hiring.md" in answers[-1].blocks_text()
