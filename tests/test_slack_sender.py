"""Posting to Slack: SlackSender (adapters/slack/sender.py) and Poster (adapters/slack/poster.py) against the
mock Web API."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.slack import poster, sender as slack_sender
from bot.delivery import DeliveryBlocked, DeliveryGone, Sender
from bot.reply import Fact, Reply
from tests.mock_slack import MockSlack


@pytest.fixture
async def mock():
    m = await MockSlack().start()
    yield m
    await m.close()


def test_sender_needs_a_token(settings):
    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        slack_sender.SlackSender.from_settings(settings)


async def test_sender_posts_blocks_and_uploads_the_chart(mock, settings, tmp_path):
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 2048)
    sender = slack_sender.SlackSender.from_settings(replace(settings, slack_bot_token="xoxb-1", slack_api_url=mock.api_url))
    assert isinstance(sender, Sender) and sender.platform == "slack"
    await sender.send("C0DIGEST", Reply(text="Weekly digest", facts=[Fact("Partnerships", "4")], image=chart,
                                        image_title="Indicators"))
    [post] = mock.of("chat.postMessage")
    assert post.data["channel"] == "C0DIGEST" and "Partnerships" in post.blocks_text()
    assert post.data["_auth"] == "Bearer xoxb-1"
    assert [c.method for c in mock.calls[1:]] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert mock.of("upload")[0].data["size"] == chart.stat().st_size
    done = mock.of("files.completeUploadExternal")[0].data
    assert done["channel_id"] == "C0DIGEST" and done["files"][0]["title"] == "Indicators"


@pytest.mark.parametrize("error", sorted(poster.GONE_ERRORS))
async def test_sender_reports_a_gone_channel(mock, settings, error):
    mock.fail["chat.postMessage"] = error
    sender = slack_sender.SlackSender.from_settings(replace(settings, slack_bot_token="xoxb-1", slack_api_url=mock.api_url))
    with pytest.raises(DeliveryGone, match=error):
        await sender.send("C0GONE", Reply(text="digest"))


@pytest.mark.parametrize("error", sorted(poster.BLOCKED_ERRORS))
async def test_sender_reports_a_blocked_channel_with_what_to_do(mock, settings, error):
    mock.refuse["C0PRIV"] = error
    sender = slack_sender.SlackSender.from_settings(replace(settings, slack_bot_token="xoxb-1", slack_api_url=mock.api_url))
    with pytest.raises(DeliveryBlocked, match=error) as info:
        await sender.send("C0PRIV", Reply(text="digest"))
    assert not isinstance(info.value, DeliveryGone)
    assert "/invite @PSE Assistant" in info.value.advice or "archived" in info.value.advice


async def test_a_chart_the_channel_refuses_is_explained_in_the_posted_message(mock, settings, tmp_path):
    """chat:write.public lets the bot post in a public channel it is not in, but not share a file there."""
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 512)
    mock.fail["files.completeUploadExternal"] = "not_in_channel"
    sender = slack_sender.SlackSender.from_settings(replace(settings, slack_bot_token="xoxb-1", slack_api_url=mock.api_url))
    await sender.send("C0PUBLIC", Reply(text="Weekly digest", image=chart, image_title="Indicators"))
    [post] = mock.of("chat.postMessage")
    assert "attached below" in post.blocks_text()
    [update] = mock.of("chat.update")
    assert update.data["channel"] == "C0PUBLIC" and update.data["ts"]
    text = update.blocks_text()
    assert "attached below" not in text and "/invite @PSE Assistant" in text and "Weekly digest" in text


async def test_notify_is_a_direct_message(mock, settings):
    sender = slack_sender.SlackSender.from_settings(replace(settings, slack_bot_token="xoxb-1", slack_api_url=mock.api_url))
    await sender.notify("U0LEAD", Reply(text="your digest could not be posted"))
    assert mock.of("conversations.open")[0].data["users"] == "U0LEAD"
    [dm] = mock.of("chat.postMessage")
    assert dm.data["channel"] == "D0LEAD" and "could not be posted" in dm.blocks_text()


async def test_sender_passes_other_errors_on_as_transient(mock, settings):
    from slack_sdk.errors import SlackApiError

    mock.fail["chat.postMessage"] = "fatal_error"
    sender = slack_sender.SlackSender.from_settings(replace(settings, slack_bot_token="xoxb-1", slack_api_url=mock.api_url))
    with pytest.raises(SlackApiError) as info:
        await sender.send("C0", Reply(text="digest"))
    assert not isinstance(info.value, DeliveryGone)


async def test_ephemeral_post_falls_back_to_the_dm_when_the_bot_is_not_in_the_channel(mock, settings):
    from slack_sdk.web.async_client import AsyncWebClient

    mock.fail["chat.postEphemeral"] = "not_in_channel"
    poster_ = poster.Poster(AsyncWebClient(token="xoxb-1", base_url=mock.api_url))
    await poster_.post_ephemeral("C0PRIVATE", "U0001", Reply(text="only for you"))
    [post] = mock.of("chat.postMessage")
    assert post.data["channel"] == "D0001" and "only for you" in post.blocks_text()  # the DM with the bot
