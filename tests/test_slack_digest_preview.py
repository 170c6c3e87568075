"""`/pse digest preview` in Slack, over real HTTP: the chart line says the truth about where the chart is.

In a channel the preview is ephemeral; a file cannot be, so no chart goes anywhere (before, it went to the
user's DM while the text said "attached below") and the preview offers Share in channel, which posts the
digest and uploads its chart to the channel itself (files upload v2). In the DM with the bot the chart is
uploaded right under the preview."""

from __future__ import annotations

import uuid

from records import access
from tests.mock_slack import fixture
from tests.slack_support import SECRET, Harness, mock, slack  # noqa: F401 - fixtures

assert SECRET and Harness


def lead(slack) -> None:
    access.add_user(slack.services.store, "slack:U0001", "lead", ["Thailand"], actor="test")


def buttons(call) -> list[dict]:
    return [e for b in call.data["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_preview_in_a_channel_sends_no_chart_to_a_dm_and_says_so(slack):
    lead(slack)
    await slack.send("command", slack.slash("digest preview"))
    [answer] = await slack.mock.wait_for("response_url")
    await slack.mock.settle(0.3)
    text = answer.blocks_text()
    assert answer.data["response_type"] == "ephemeral" and "Digest preview" in text
    assert "attached below" not in text and "only you see this message" in text
    assert not slack.mock.of("files.getUploadURLExternal") and not slack.mock.of("conversations.open")
    assert any(b["action_id"].startswith("pse:share:") for b in buttons(answer))


async def test_sharing_the_preview_posts_it_with_its_chart_in_the_channel(slack):
    lead(slack)
    await slack.send("command", slack.slash("digest preview"))
    [answer] = await slack.mock.wait_for("response_url")
    share = next(b for b in buttons(answer) if b["action_id"].startswith("pse:share:"))
    payload = fixture("block_actions_share", trigger_id=uuid.uuid4().hex, response_url=slack.mock.response_url("sh"),
                      action_id=share["action_id"], value=share["value"])
    assert (await slack.send("interaction", payload))[0] == 200
    [done] = await slack.mock.wait_for("files.completeUploadExternal")
    assert done.data["channel_id"] == "C0001"
    [post] = slack.mock.of("chat.postMessage")
    assert post.data["channel"] == "C0001" and "Shared by <@U0001>" in post.blocks_text()
    assert "attached below" in post.blocks_text()
    assert [c.method for c in slack.mock.calls if c.method not in ("response_url", "auth.test")] == [
        "chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert slack.mock.uploads[slack.mock.of("upload")[0].data["file_id"]][:4] == b"\x89PNG"
    confirm = await slack.mock.wait_for("response_url", count=2)
    assert "Shared in the channel." in confirm[-1].blocks_text()


async def test_sharing_in_a_private_channel_the_bot_is_not_in_says_how_to_get_the_chart(slack):
    lead(slack)
    slack.mock.refuse["C0001"] = "not_in_channel"
    await slack.send("command", slack.slash("digest preview"))
    [answer] = await slack.mock.wait_for("response_url")
    share = next(b for b in buttons(answer) if b["action_id"].startswith("pse:share:"))
    payload = fixture("block_actions_share", trigger_id=uuid.uuid4().hex, response_url=slack.mock.response_url("sh"),
                      action_id=share["action_id"], value=share["value"])
    await slack.send("interaction", payload)
    calls = await slack.mock.wait_for("response_url", count=3)
    [public] = [c for c in calls if c.data.get("response_type") == "in_channel"]
    assert "/invite @PSE Assistant" in public.blocks_text() and "attached below" not in public.blocks_text()
    assert not slack.mock.of("files.getUploadURLExternal")


async def test_preview_in_the_dm_with_the_bot_has_its_chart_right_below(slack):
    lead(slack)
    await slack.send("command", slack.slash("digest preview", channel_id="D0001", channel_name="directmessage"))
    [answer] = await slack.mock.wait_for("response_url")
    [done] = await slack.mock.wait_for("files.completeUploadExternal")
    assert "attached below" in answer.blocks_text() and done.data["channel_id"] == "D0001"
