"""The Slack HTTP side (adapters/slack/handler.py): Socket Mode against the mock's websocket, and requests that
are not proper Slack requests."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from bot.app import Services
from tests.mock_slack import MockSlack, fixture


@pytest.fixture
async def mock():
    m = await MockSlack().start()
    yield m
    await m.close()


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
