"""Digest sends survive a crashing scheduler and many racing ones, with real processes (`pse-bot scheduler --once
--now …`), on both engines: killed before the post → posted once after a restart; killed after the platform
accepted the post but before `sent` was committed → not posted again, and the channel is told.

The crash points are the scheduler's `PSE_FAILPOINT` hook (os._exit, or SIGKILL with `:kill9`)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from indicators import subscriptions as subs
from indicators.digest_sends import LEASE
from storage.store import Store
from tests.mock_slack import MockSlack

UTC = timezone.utc
MONDAY_9 = datetime(2026, 10, 5, 9, tzinfo=UTC)  # week 2026-W41
CLI = "from bot.cli.main import main; main()"


def at(moment: datetime) -> str:
    return moment.isoformat()


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ)  # PSE_HOME and DATABASE_URL from the `home` fixture; PYTHONPATH as the suite runs
    e.pop("PSE_FAILPOINT", None)
    e.update(extra)
    return e


def scheduler(now: datetime, failpoint: str = "", **extra: str) -> subprocess.CompletedProcess:
    extra = {**extra, **({"PSE_FAILPOINT": failpoint} if failpoint else {})}
    return subprocess.run([sys.executable, "-c", CLI, "scheduler", "--once", "--now", at(now)], env=env(**extra),
                          capture_output=True, text=True, timeout=120)


def subscribe(settings, channels=("console",), platform="console"):
    st = Store.open(settings.database)
    try:
        for ch in channels:
            subs.subscribe(st, platform, ch, 0, 9, "UTC", country="Thailand", actor="test",
                           now=datetime(2026, 1, 1, tzinfo=UTC))
    finally:
        st.close()


def outbox(settings) -> str:
    path = settings.home / "outbox" / "console-digests.txt"
    return path.read_text() if path.exists() else ""


def sends(settings):
    st = Store.open(settings.database)
    try:
        return [tuple(r) for r in st.execute("SELECT week_key, status, message_id IS NOT NULL FROM digest_sends "
                                             "ORDER BY subscription_id, week_key")]
    finally:
        st.close()


@pytest.mark.parametrize("how", ["", ":kill9"])
def test_a_scheduler_killed_before_the_post_posts_it_once_after_a_restart(settings, how):
    subscribe(settings)
    crashed = scheduler(MONDAY_9 + timedelta(minutes=1), failpoint="digest.before_post" + how)
    assert crashed.returncode == (-9 if how else 70), crashed.stderr[-2000:]
    assert "Weekly PSE digest" not in outbox(settings)

    soon = scheduler(MONDAY_9 + timedelta(minutes=2))  # a restart while the dead claim's lease holds
    assert soon.returncode == 0 and "Nothing due." in soon.stdout

    later = scheduler(MONDAY_9 + LEASE + timedelta(minutes=2))
    assert later.returncode == 0 and "2026-W41: sent (message console-" in later.stdout, later.stdout
    again = scheduler(MONDAY_9 + LEASE + timedelta(hours=1))
    assert "Nothing due." in again.stdout
    assert outbox(settings).count("Weekly PSE digest") == 1 and "may not have arrived" not in outbox(settings)
    assert sends(settings) == [("2026-W41", "sent", True)]


def test_a_scheduler_killed_after_the_post_does_not_post_again_and_tells_the_channel(settings):
    subscribe(settings)
    crashed = scheduler(MONDAY_9 + timedelta(minutes=1), failpoint="digest.after_post:kill9")
    assert crashed.returncode == -9
    assert outbox(settings).count("Weekly PSE digest") == 1  # the platform (here the outbox) took it

    later = scheduler(MONDAY_9 + LEASE + timedelta(minutes=2))
    assert later.returncode == 0 and "2026-W41: uncertain" in later.stdout, later.stdout
    for hours in (1, 24):
        assert "Nothing due." in scheduler(MONDAY_9 + timedelta(hours=hours)).stdout
    text = outbox(settings)
    assert text.count("Weekly PSE digest") == 1 and text.count("may not have arrived") == 1
    assert "type digest resend" in text
    assert sends(settings) == [("2026-W41", "uncertain", False)]

    # The next week is posted as usual.
    assert "2026-W42: sent" in scheduler(MONDAY_9 + timedelta(days=7)).stdout
    assert outbox(settings).count("Weekly PSE digest") == 2


@pytest.mark.parametrize("processes", [2, 3])
def test_racing_scheduler_processes_post_each_digest_once(settings, processes):
    channels = [f"C{i}" for i in range(8)]
    subscribe(settings, channels)
    cmd = [sys.executable, "-c", CLI, "scheduler", "--once", "--now", at(MONDAY_9 + timedelta(minutes=5))]
    procs = [subprocess.Popen(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(processes)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    assert sum(o[0].count(": sent") for o in outs) == len(channels)
    text = outbox(settings)
    assert sorted(line for line in text.splitlines() if line.startswith("=== digest for ")) == \
        sorted(f"=== digest for {ch} ===" for ch in channels)
    assert sends(settings) == [("2026-W41", "sent", True)] * len(channels)


async def test_slack_digest_killed_after_chat_post_message_is_not_posted_again(settings):
    """The real SlackSender against the mock Web API: the message id (`ts`) is kept; a crash right after
    chat.postMessage answered leaves one digest and one notice in the channel."""
    subscribe(settings, ["C0DIGEST"], platform="slack")
    mock = await MockSlack().start()
    slack = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": mock.api_url}

    async def run(now: datetime, failpoint: str = "") -> tuple[int, str]:
        extra = {**slack, **({"PSE_FAILPOINT": failpoint} if failpoint else {})}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CLI, "scheduler", "--once", "--now", at(now), env=env(**extra),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        return proc.returncode, out.decode() + err.decode()[-2000:]

    try:
        code, out = await run(MONDAY_9, "digest.after_post:kill9")
        assert code == -9, out
        posts = mock.of("chat.postMessage")
        assert len(posts) == 1 and "Weekly PSE digest" in posts[0].blocks_text()

        code, out = await run(MONDAY_9 + LEASE + timedelta(minutes=1))
        assert code == 0 and "uncertain" in out, out
        code, out = await run(MONDAY_9 + timedelta(hours=2))
        assert "Nothing due." in out
        posts = mock.of("chat.postMessage")
        assert len(posts) == 2 and "/pse digest resend" in posts[1].blocks_text()
        assert sum("Weekly PSE digest" in p.blocks_text() for p in posts) == 1

        code, out = await run(MONDAY_9 + timedelta(days=7))
        assert code == 0 and "2026-W42: sent" in out, out
    finally:
        await mock.close()
    st = Store.open(settings.database)
    try:
        ts = st.scalar("SELECT message_id FROM digest_sends WHERE week_key = '2026-W42'")
    finally:
        st.close()
    assert ts and ts in out  # the `ts` chat.postMessage answered with, kept as the send's message id
