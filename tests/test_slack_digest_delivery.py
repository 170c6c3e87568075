"""A channel digest the bot cannot post (Slack `not_in_channel`, `channel_not_found`, `is_archived`), end to
end: the real scheduler, the real digest and chart, SlackSender, and the local mock of the Slack Web API.
The subscription survives, the subscriber is told once what to do, and the send is retried."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from adapters.slack.sender import SlackSender
from bot.scheduler import run_due
from indicators import subscriptions as subs
from indicators.digest import composer
from indicators.digest_sends import RETRY_AFTER
from tests.mock_slack import MockSlack

UTC = timezone.utc
DUE = datetime(2026, 10, 5, 9, tzinfo=UTC)  # Monday 09:00 UTC, week 2026-W41


@pytest.fixture
async def mock():
    m = await MockSlack().start()
    yield m
    await m.close()


def setup(store, settings, mock):
    sub, _ = subs.subscribe(store, "slack", "C0PRIV", 0, 9, "UTC", channel_name="pse-thailand",
                            actor="slack:U0LEAD", now=datetime(2026, 10, 1, tzinfo=UTC))
    sender = SlackSender.from_settings(replace(settings, slack_bot_token="xoxb-1", slack_api_url=mock.api_url))
    return sub, sender


def dms(mock):
    return mock.of("chat.postMessage", lambda c: c.data["channel"] == "D0LEAD")


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
async def test_subscription_survives_and_the_subscriber_is_told_once(store, settings, mock, error):
    sub, sender = setup(store, settings, mock)
    compose = composer(store, settings.charts_dir)
    mock.refuse["C0PRIV"] = error

    [result] = await run_due(store, compose, {"slack": sender}, DUE)
    assert result.status == "blocked" and error in result.detail
    assert subs.by_id(store, sub.id).active  # not switched off
    [dm] = dms(mock)
    text = dm.blocks_text()
    assert "pse-thailand" in text and error in text and "digest unsubscribe" in text
    if error == "not_in_channel":
        assert "/invite @PSE Assistant" in text and "chat:write.public" in text
    assert not mock.of("files.getUploadURLExternal")  # nothing half-posted

    # Retried a few minutes later, still refused: nobody is told twice.
    [again] = await run_due(store, compose, {"slack": sender}, DUE + RETRY_AFTER)
    assert again.status == "blocked" and len(dms(mock)) == 1

    # Someone invites the bot: the next retry posts the digest with its chart, in the channel itself.
    del mock.refuse["C0PRIV"]
    [done] = await run_due(store, compose, {"slack": sender}, DUE + 2 * RETRY_AFTER)
    assert done.status == "sent"
    posted = mock.of("chat.postMessage", lambda c: c.data["channel"] == "C0PRIV")
    assert posted and "Weekly PSE digest" in posted[0].blocks_text() and "attached below" in posted[-1].blocks_text()
    [complete] = mock.of("files.completeUploadExternal")
    assert complete.data["channel_id"] == "C0PRIV"
    [upload] = mock.of("upload")
    assert mock.uploads[upload.data["file_id"]][:8] == b"\x89PNG\r\n\x1a\n"
    assert subs.last_send(store, sub.id)[:2] == ("2026-W41", "sent")
    assert await run_due(store, compose, {"slack": sender}, DUE + 3 * RETRY_AFTER) == []  # never twice


async def test_a_deactivated_account_still_switches_the_subscription_off(store, settings, mock):
    sub, sender = setup(store, settings, mock)
    mock.refuse["C0PRIV"] = "account_inactive"
    [result] = await run_due(store, composer(store, settings.charts_dir), {"slack": sender}, DUE)
    assert result.status == "gone" and not subs.by_id(store, sub.id).active
