"""Shared by the Slack-over-HTTP tests: a harness that sends signed requests to the running app server, the
local mock of the Slack Web API, and throw-away intents that record what they receive."""

from __future__ import annotations

import sys
import types
import uuid
from dataclasses import replace

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import intents
from adapters.server import build_app
from bot.app import Services
from intents.contract import Intent
from tests.mock_slack import MockSlack, encode, fixture, signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class Harness:
    def __init__(self, server: TestServer, mock: MockSlack, services: Services):
        self.server = server
        self.mock = mock
        self.services = services

    @property
    def url(self) -> str:
        return str(self.server.make_url("/slack/events"))

    async def send(self, kind: str, payload: dict, secret: str = SECRET, timestamp: int | None = None,
                   retry: int | None = None) -> tuple[int, str]:
        body, ctype = encode(kind, payload)
        headers = signed_headers(secret, body, ctype, timestamp=timestamp, retry=retry)
        async with aiohttp.ClientSession() as s:
            async with s.post(self.url, data=body.encode("utf-8"), headers=headers) as r:
                return r.status, await r.text()

    def slash(self, text: str, **kw) -> dict:
        return fixture("slash_command", response_url=self.mock.response_url(kw.pop("hook", "cmd")),
                       trigger_id=kw.pop("trigger_id", uuid.uuid4().hex), **kw) | {"text": text, **kw}

    def event(self, name: str, text: str | None = None, **event_fields) -> dict:
        payload = fixture(name, event_id="Ev" + uuid.uuid4().hex[:10].upper())
        if text is not None:
            payload["event"]["text"] = text
        payload["event"].update(event_fields)
        return payload

    def rows(self, sql: str) -> list[tuple]:
        return self.services.store.execute(sql).fetchall()


@pytest.fixture
async def mock():
    m = await MockSlack().start()
    yield m
    await m.close()


@pytest.fixture
async def slack(mock, services):
    settings = replace(services.settings, slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                       slack_api_url=mock.api_url)
    svc = Services(settings, knowledge=services.knowledge, store=services.store)
    server = TestServer(build_app(svc, slack=True, teams=False), host="127.0.0.1", port=0)
    await server.start_server()
    yield Harness(server, mock, svc)
    await server.close()


def fake_intent(monkeypatch, name: str, handle, access_level: str = "guest") -> list:
    """Register a throw-away intent `name`; returns the list of messages it received."""
    seen: list = []
    mod = types.ModuleType(f"pse_test_intent_{name}")

    def wrapped(message, services):
        seen.append(message)
        return handle(message, services)

    mod.INTENT = Intent(name=name, summary=f"test intent {name}", usage=name, handler=wrapped, access=access_level)
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setitem(intents.INTENTS, name, mod.__name__)
    return seen


def submission(view: dict, values: dict[str, dict]) -> dict:
    payload = fixture("view_submission", trigger_id=uuid.uuid4().hex, private_metadata=view["private_metadata"])
    payload["view"]["blocks"] = view["blocks"]
    payload["view"]["state"] = {"values": values}
    return payload


def fill(view: dict, answers: dict[str, str]) -> dict:
    """State values for a modal built from a real Form, as Slack would send them."""
    values = {}
    for b in view["blocks"]:
        el = b["element"]
        v = answers.get(b["block_id"], "")
        if el["type"] in ("static_select", "external_select"):
            state = {"type": el["type"], "selected_option": ({"value": v} if v else None)}
        elif el["type"] == "datepicker":
            state = {"type": "datepicker", "selected_date": v or el.get("initial_date")}
        else:
            state = {"type": el["type"], "value": v or None}
        values[b["block_id"]] = {el["action_id"]: state}
    return values
