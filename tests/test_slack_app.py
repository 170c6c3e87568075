"""adapters/slack.py pieces: text cleaning, dedupe keys, settings checks, SlackSender against the mock Web API,
and Socket Mode against the mock's websocket."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestServer

from adapters.slack import config, messages, poster, sender as slack_sender
from adapters.server import build_app
from bot.delivery import DeliveryGone, Sender
from bot.reply import Fact, Reply
from bot.app import Services
from tests.mock_slack import MockSlack, fixture


@pytest.fixture
async def mock():
    m = await MockSlack().start()
    yield m
    await m.close()


def test_clean_text_removes_mentions_and_decodes_entities():
    assert messages.clean_text("<@UBOT> ask what is  due diligence?") == "ask what is due diligence?"
    assert messages.clean_text("<@UBOT|pse> log Acme &amp; Sons &lt;call&gt;") == "log Acme & Sons <call>"
    assert messages.clean_text("see <https://example.org|the guide>") == "see the guide"


def test_event_key_uses_event_id_then_trigger_id():
    assert messages.event_key({"event_id": "Ev1", "type": "event_callback"}) == "slack:Ev1"
    assert messages.event_key({"command": "/pse", "trigger_id": "t1"}) == "slack:trigger:t1"
    assert messages.event_key({"type": "block_actions", "trigger_id": "t2"}) == "slack:trigger:t2"
    assert messages.event_key({"type": "block_suggestion", "value": "ac"}) is None


def test_configuration_problem_names_what_is_missing(settings):
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in config.configuration_problem(settings)
    socket = config.configuration_problem(replace(settings, slack_bot_token="xoxb-1"), socket_mode=True)
    assert "SLACK_APP_TOKEN" in socket and "SLACK_BOT_TOKEN" not in socket
    ok = replace(settings, slack_bot_token="xoxb-1", slack_signing_secret="s")
    assert config.configuration_problem(ok) == ""
    assert config.api_url(ok) == "https://slack.com/api/"
    assert config.api_url(replace(ok, slack_api_url="http://127.0.0.1:9/api")) == "http://127.0.0.1:9/api/"


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
    assert post.data["channel"] == "U0001" and "only for you" in post.blocks_text()


async def test_socket_mode_receives_a_slash_command_and_answers(mock, services):
    settings = replace(services.settings, slack_bot_token="xoxb-1", slack_app_token="xapp-1",
                       slack_signing_secret="", slack_api_url=mock.api_url)
    svc = Services(settings, knowledge=services.knowledge, store=services.store)
    server = TestServer(build_app(svc, slack=True, teams=False, slack_socket_mode=True), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        assert mock.of("apps.connections.open")[0].data["_auth"] == "Bearer xapp-1"
        payload = fixture("slash_command", response_url=mock.response_url("sock"), trigger_id=uuid.uuid4().hex)
        await mock.push({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                         "payload": payload})
        ack = await mock.wait_socket_ack("env-1")  # acked over the socket (it may arrive after the answer)
        assert ack["envelope_id"] == "env-1"
        [answer] = await mock.wait_for("response_url")
        assert "I answer questions" in answer.blocks_text()
        # HTTP events are refused with an explanation when only Socket Mode is configured
        import aiohttp

        async with aiohttp.ClientSession() as s:
            async with s.post(server.make_url("/slack/events"), data="{}") as r:
                assert r.status == 503 and "Socket Mode" in (await r.json())["error"]
    finally:
        await server.close()
