"""Teams `invoke` activities get a proper invoke response: 200 with an Adaptive Card status for a handled
Action.Execute, a clean 400 for anything else; never botbuilder's 501 or a 500."""

from __future__ import annotations

import aiohttp
import pytest

from teams_support import *  # noqa: F401,F403 - helpers and fixtures shared by the Teams tests
from teams_support import activity, card_of, server  # noqa: F401


async def invoke(srv, connector, name, value, **changes):
    body = activity("personal_message", connector.url, type="invoke", value=value, text=None, **changes)
    body["name"] = name
    async with aiohttp.ClientSession() as s:
        async with s.post(srv.url + "/api/messages", json=body) as r:
            data = await r.json(content_type=None)
    await srv.runtime.drain()
    return r.status, data


def execute(data):
    return {"action": {"type": "Action.Execute", "verb": "submit", "data": data}, "trigger": "manual"}


@pytest.mark.parametrize("name,value", [
    ("task/fetch", {"data": {"x": 1}}), ("composeExtension/query", {"commandId": "search"}),
    ("signin/verifyState", {"state": "123"}), ("signin/tokenExchange", {"id": "1"}), ("", None),
    ("nonsense", [1, 2]), ("adaptiveCard/action", None), ("adaptiveCard/action", "text"),
    ("adaptiveCard/action", {"action": None}), ("adaptiveCard/action", {"action": {"type": "Action.Submit"}}),
    ("adaptiveCard/action", execute(None)), ("adaptiveCard/action", execute({"unknown": "card"})),
])
async def test_unknown_or_unreadable_invokes_get_a_clean_400(server, connector, recorder, name, value):
    status, body = await invoke(server, connector, name, value)
    assert status == 400, body
    assert body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error"
    assert body["value"]["message"]
    assert recorder.messages == [] and connector.calls == []


async def test_an_action_execute_from_one_of_our_cards_runs_and_answers_200(server, connector, recorder):
    status, body = await invoke(server, connector, "adaptiveCard/action",
                                execute({"action": "feedback", "value": '{"vote": 1, "query": "q", "source": "s"}'}))
    assert status == 200 and body == {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                      "value": "Done."}
    assert recorder.votes == [{"vote": 1, "query": "q", "source": "s"}]
    assert len(connector.calls) == 1


async def test_a_failing_action_is_told_to_the_user_not_answered_500(server, connector, recorder, monkeypatch):
    import sys
    import types

    import intents
    from intents.contract import Intent

    def broken(message, services):
        raise RuntimeError("boom")

    mod = types.ModuleType("fake_teams_broken")
    mod.INTENT = Intent(name="broken", summary="fails", usage="broken", handler=broken, access="guest")
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setitem(intents.INTENTS, "broken", mod.__name__)
    status, body = await invoke(server, connector, "adaptiveCard/action", execute({"action": "broken", "value": ""}))
    assert status == 200 and body["statusCode"] == 200
    assert connector.calls, "the user is told that something went wrong"
