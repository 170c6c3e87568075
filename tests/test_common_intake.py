"""The durable inbox on the request path: a request is acknowledged only once its work is committed."""

from __future__ import annotations

import asyncio

from adapters.server import INBOX
from bot.reply import Reply
from storage import intake
from tests.slack_support import Harness, fake_intent, mock, slack  # noqa: F401 - fixtures


async def test_a_request_the_database_could_not_take_is_not_acknowledged_and_its_retry_is_run(
        slack: Harness, monkeypatch):
    seen = fake_intent(monkeypatch, "echo", lambda m, s: Reply(text="done"))
    payload = slack.event("app_mention", text="<@UBOT> echo x")
    real_put = intake.put

    def down(*args, **kwargs):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(intake, "put", down)
    status, _ = await slack.send("event", payload)
    assert status == 503  # Slack keeps the delivery and tries again
    assert seen == [] and slack.rows("SELECT COUNT(*) FROM intake") == [(0,)]

    monkeypatch.setattr(intake, "put", real_put)
    status, _ = await slack.send("event", payload, retry=1)
    assert status == 200
    await slack.mock.wait_for("chat.postMessage")
    assert len(seen) == 1
    assert slack.rows("SELECT status, payload FROM intake") == [("done", "{}")]


async def test_work_left_by_a_dead_process_is_run_by_the_sweeper(slack: Harness, monkeypatch):
    """An item committed by a process that died before running it (its lease ran out) is run here, once."""
    seen = fake_intent(monkeypatch, "echo", lambda m, s: Reply(text="finished for you"))
    store = slack.services.store
    body = slack.event("message_im", text="echo left behind")
    item = intake.put(store, "slack:" + body["event_id"], "slack", "slack.dm", body)
    assert intake.claim(store, item.id, who="a-process-that-died")
    store.execute("UPDATE intake SET lease_until = '2000-01-01T00:00:00.000+00:00'")
    inbox = slack.server.app[INBOX]
    assert await inbox.sweep_once() == 1
    await slack.mock.wait_for("chat.postMessage")
    for _ in range(100):  # the item is marked done right after its reply
        if slack.rows("SELECT status FROM intake") == [("done",)]:
            break
        await asyncio.sleep(0.02)
    assert [m.text for m in seen] == ["left behind"]
    assert await inbox.sweep_once() == 0
    assert slack.rows("SELECT status, attempts FROM intake") == [("done", 2)]
