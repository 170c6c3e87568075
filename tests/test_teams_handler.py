"""POST /api/messages (adapters/teams/handler.py): CloudAdapter request processing and authentication, the 202
acknowledgement with the turn run in the background, duplicate deliveries, malformed requests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import aiohttp
import pytest

from teams_support import *  # noqa: F401,F403 - helpers and fixtures shared by the Teams tests
from teams_support import (CHANNEL, DARA, NASRIN, PERSONAL, Services, Store, activity, card_of, conversations, inputs, post,
                           replace, start_server, texts)


async def test_personal_message_is_answered_with_a_card_and_the_conversation_is_remembered(
        server, connector, recorder, store):
    status = await post(server, activity("personal_message", connector.url))
    assert status == 202
    [call] = await connector.wait_for(1)
    assert call.method == "POST" and call.conversation_id == PERSONAL
    assert call.activity_id == "1718000000001"  # a reply to the user's message
    card = card_of(call)
    assert "fake ask" in texts(card)  # the real `help` intent listed the commands
    row = conversations.get(store, PERSONAL)
    assert row["active"] and row["conversation_type"] == "personal"
    assert row["reference"]["serviceUrl"] == connector.url
    assert row["tenant_id"] == "72f988bf-86f1-41af-91ab-2d7cd011db47"


async def test_a_slow_answer_is_acknowledged_at_once_and_delivered_later(server, connector, recorder):
    async with aiohttp.ClientSession() as s:
        async with s.post(server.url + "/api/messages",
                          json=activity("personal_message", connector.url, text="slow")) as r:
            assert r.status == 202  # Teams got its answer while the intent is still working
    assert connector.calls == []
    recorder.release.set()
    await server.runtime.drain()
    [call] = await connector.wait_for(1)
    assert "Finally done." in texts(card_of(call))


async def test_duplicate_activity_is_answered_once(server, connector, recorder):
    body = activity("channel_mention", connector.url)
    assert await post(server, body) == 202
    await connector.wait_for(1)
    assert await post(server, copy.deepcopy(body)) == 202
    await post(server, activity("personal_message", connector.url))  # a different activity still gets through
    await connector.wait_for(2)
    assert len(connector.calls) == 2
    assert len(recorder.messages) == 1


async def test_malformed_requests_are_refused_without_side_effects(server, connector, store):
    async with aiohttp.ClientSession() as s:
        async with s.post(server.url + "/api/messages", data="not json",
                          headers={"Content-Type": "application/json"}) as r:
            assert r.status == 400
        async with s.post(server.url + "/api/messages", data="hello", headers={"Content-Type": "text/plain"}) as r:
            assert r.status == 415
        async with s.post(server.url + "/api/messages", json={"text": "no type"}) as r:
            assert r.status == 400
    assert connector.calls == []
    assert conversations.active(store) == []


async def test_with_an_app_id_an_unauthenticated_request_is_rejected_and_nothing_is_stored(
        settings, store, recorder, connector):
    secured = replace(settings, microsoft_app_id="0d6a2f1e-3b4c-4d5e-8f90-a1b2c3d4e5f6",
                      microsoft_app_password="not-a-real-secret")
    runner, srv = await start_server(Services(secured, knowledge=object(), store=store))
    try:
        assert await post(srv, activity("personal_message", connector.url)) == 401
        assert await post(srv, activity("conversation_update_added", connector.url),
                          headers={"Authorization": "Basic dXNlcjpwYXNz"}) == 401
        assert await post(srv, activity("channel_mention", connector.url),
                          headers={"Authorization": "Bearer not-a-jwt"}) == 401
    finally:
        await runner.cleanup()
    assert connector.calls == [] and recorder.messages == []
    assert conversations.active(store) == []
    assert store.execute("SELECT COUNT(*) FROM processed_events").fetchone()[0] == 0
    assert store.execute("SELECT COUNT(*) FROM intake").fetchone()[0] == 0
