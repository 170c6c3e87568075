"""Shared helpers for the Teams adapter tests: activity fixtures, fake intents that record what they receive, a
server on a free port and a mock Bot Framework connector. Fake intents stand in for the real ones so that no
model is loaded; the router, store, botbuilder stack and card rendering are all real."""

from __future__ import annotations

import copy
import json
import sys
import threading
import types
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import intents
from intents.contract import Intent
from adapters.teams import conversations
from adapters.server import build_app
from adapters.teams.cards import TEAMS_LIMIT
from bot.reply import Button, Fact, Form, FormField, Passage, Reply
from bot.app import Services
from storage.store import Store
from mock_connector import MockConnector, text_blocks

FIXTURES = Path(__file__).parent / "fixtures" / "teams"
CHANNEL = "19:3f9c1d2e7a8b4c5d9e0f1a2b3c4d5e6f@thread.tacv2"
PERSONAL = "a:1Q8fZ3pVnLhQ2R7dPersonalConversation"
DARA = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"     # aadObjectId in the personal fixtures
NASRIN = "a2b3c4d5-e6f7-4890-a1b2-c3d4e5f60718"   # aadObjectId in the channel fixture


def activity(name: str, service_url: str, **changes) -> dict:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data["serviceUrl"] = service_url
    data.update(changes)
    return data


class Recorder:
    """Fake intents registered under the real command words; they record the Messages they receive."""

    def __init__(self):
        self.messages = []
        self.saved = []
        self.votes = []
        self.release = threading.Event()

    def ask(self, message, services):
        self.messages.append(message)
        source = "framing-guide.md"
        return Reply(
            text="Here is what your guidance says:",
            passages=[Passage(text="Many companies react badly to the word trafficking. Talk about safe migration "
                                   "and worker rights first. Explain the business case.",
                              source=source, title="Framing guide", section="Choosing words",
                              highlight="Talk about safe migration and worker rights first.")],
            buttons=[Button("Helpful", "feedback", json.dumps({"vote": 1, "query": message.text, "source": source})),
                     Button("Not helpful", "feedback",
                            json.dumps({"vote": -1, "query": message.text, "source": source}))],
        )

    def feedback(self, message, services):
        self.messages.append(message)
        self.votes.append(message.form)
        return Reply(text="Thanks, noted.")

    def slow(self, message, services):
        self.messages.append(message)
        assert self.release.wait(10), "the test never released the slow intent"
        return Reply(text="Finally done.")

    def secret(self, message, services):
        self.messages.append(message)
        return Reply(text="Andaman Seafoods signed an NDA; budget details: 40,000 USD.", private=True)

    FORM = Form(command="log", title="Log an interaction", fields=(
        FormField("partner", "Partner", "partner", required=True),
        FormField("kind", "Kind", "select", options=(("meeting", "Meeting"), ("call", "Call"))),
        FormField("date", "Date", "date", initial="today"),
        FormField("summary", "What happened", "long_text", required=True),
        FormField("next_step", "Next step", "text"),
        FormField("cash", "Cash leveraged", "text"),
        FormField("joint_activity", "Joint activities", "number"),
    ))

    def log(self, message, services):
        self.messages.append(message)
        if message.form is None:
            return Reply(text="", form=self.FORM)
        f = message.form
        errors = {}
        if not f.get("partner"):
            errors["partner"] = "Pick a partner or type a new company name."
        if not f.get("summary"):
            errors["summary"] = "Say in a sentence what happened."
        if errors:
            return Reply(text="Nothing was saved yet; please fix the marked fields.", ok=False, errors=errors)
        self.saved.append(dict(f))
        return Reply(text=f"Logged a {f['kind']} with {f['partner']} on {f['date']}.",
                     facts=[Fact("Summary", f["summary"])])


@pytest.fixture
def recorder(monkeypatch):
    rec = Recorder()
    for word in ("ask", "feedback", "secret", "log", "slow"):
        mod = types.ModuleType(f"fake_teams_{word}")
        mod.INTENT = Intent(name=word, summary=f"fake {word}", usage=word, handler=getattr(rec, word),
                            access="staff" if word == "log" else "guest")
        monkeypatch.setitem(sys.modules, mod.__name__, mod)
        monkeypatch.setitem(intents.INTENTS, word, mod.__name__)
    # Keep `help` (the real intent) listing only modules that exist in this test.
    for word in list(intents.INTENTS):
        if word not in ("help", "ask", "feedback", "secret", "log", "slow"):
            monkeypatch.delitem(intents.INTENTS, word)
    return rec


@pytest.fixture
def teams_services(settings, store):
    # The knowledge base is not used by the fake intents; a placeholder keeps the server from loading the model.
    return Services(settings, knowledge=object(), store=store)


@pytest.fixture
async def connector():
    mock = await MockConnector().start()
    yield mock
    await mock.stop()


@dataclass
class Server:
    url: str
    runtime: object  # adapters.teams.handler.TeamsRequestHandler


async def start_server(services):
    from adapters.teams.handler import RUNTIME

    if not services.settings.microsoft_app_id:  # the Emulator-style local trial: unauthenticated, loopback only
        services.settings = replace(services.settings, teams_insecure_local=True)
    app = build_app(services, slack=False, teams=True)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, Server(f"http://127.0.0.1:{port}", app[RUNTIME])


@pytest.fixture
async def server(teams_services, recorder):
    runner, srv = await start_server(teams_services)
    yield srv
    await runner.cleanup()


async def post(server: Server, body: dict, headers: dict | None = None) -> int:
    """POST the activity; messages are acknowledged (202) and handled in the background, so wait for that."""
    async with aiohttp.ClientSession() as s:
        async with s.post(server.url + "/api/messages", json=body, headers=headers or {}) as r:
            await r.read()
    await server.runtime.drain()
    return r.status


def card_of(call) -> dict:
    assert call.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = call.cards[0]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    size = len(json.dumps(call.body, separators=(",", ":")).encode())
    assert size < TEAMS_LIMIT
    return card


def texts(card: dict) -> str:
    return "\n".join(text_blocks(card))


def inputs(card: dict) -> dict[str, dict]:
    return {el["id"]: el for el in card["body"] if el["type"].startswith("Input.")}
