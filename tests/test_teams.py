"""The Teams adapter over real HTTP: Bot Framework activities posted to /api/messages of the real aiohttp server,
replies captured by a local mock connector (the activity's serviceUrl). Fake intents stand in for the real ones
so that no model is loaded; the router, store, botbuilder stack and card rendering are all real."""

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
        mod.NAME, mod.SUMMARY, mod.USAGE = word, f"fake {word}", word
        mod.ACCESS = "staff" if word == "log" else "guest"
        mod.handle = getattr(rec, word)
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


async def test_channel_mention_is_stripped_and_the_answer_has_passages_and_feedback_buttons(
        server, connector, recorder, store):
    await post(server, activity("channel_mention", connector.url))
    [call] = await connector.wait_for(1)
    [msg] = recorder.messages
    assert msg.text == "how do I talk about trafficking risks with a seafood company?"
    assert msg.platform == "teams" and msg.channel_kind == "channel" and msg.channel_id == CHANNEL
    assert msg.thread_id == "1718000000200"
    assert msg.user_id == "a2b3c4d5-e6f7-4890-a1b2-c3d4e5f60718" and msg.user_name == "Nasrin Akter"
    assert msg.timezone == "Asia/Dhaka"
    assert call.conversation_id.startswith(CHANNEL)  # posted in the thread
    card = card_of(call)
    body = texts(card)
    assert "**Talk about safe migration and worker rights first.**" in body
    assert "framing-guide.md" in body and "Choosing words" in body
    submits = [a for a in json.dumps(card).split('"Action.Submit"')][1:]
    assert len(submits) == 2
    # The reference is stored for the channel itself, not the thread.
    assert conversations.get(store, CHANNEL)["conversation_type"] == "channel"


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


async def test_feedback_button_submit_is_routed_as_a_feedback_form(server, connector, recorder):
    await post(server, activity("card_submit_feedback", connector.url))
    [call] = await connector.wait_for(1)
    assert recorder.votes == [{"vote": 1, "query": "how do I approach a company about due diligence?",
                               "source": "due-diligence.md"}]
    assert recorder.messages[0].command == "feedback"
    assert "Thanks, noted." in texts(card_of(call))


async def test_log_form_card_rejected_then_saved_updating_the_same_card(server, connector, recorder, store):
    from records.access import add_user

    # Roles are keyed by the Teams user's AAD object id, the same id the adapter puts in Message.user_id.
    add_user(store, "teams:6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "staff", ["Thailand"], actor="test")
    await post(server, activity("personal_message", connector.url, text="log"))
    [first] = await connector.wait_for(1)
    form = inputs(card_of(first))
    assert form["field:partner"]["type"] == "Input.Text"  # no partner registry in this test: free text
    assert form["field:kind"]["type"] == "Input.ChoiceSet"
    assert form["field:summary"]["isMultiline"] is True and form["field:summary"]["isRequired"] is True
    assert form["field:joint_activity"]["type"] == "Input.Number"
    assert form["field:date"]["value"] == "today"  # not an ISO date, so a text box keeps it
    assert card_of(first)["actions"][0]["data"] == {"command": "log"}

    bad = activity("card_submit_log", connector.url, id="1718000000403")
    bad["value"] = {**bad["value"], "field_new:partner": "", "field:summary": ""}
    await post(server, bad)
    calls = await connector.wait_for(2)
    retry = calls[1]
    assert retry.method == "PUT" and retry.activity_id == "1718000000399"  # the submitted card is refreshed
    refreshed = card_of(retry)
    assert "Pick a partner or type a new company name." in texts(refreshed)
    assert "Say in a sentence what happened." in texts(refreshed)
    assert inputs(refreshed)["field:kind"]["value"] == "meeting"  # what the user typed is kept
    assert inputs(refreshed)["field:date"]["value"] == "2024-06-07"
    assert recorder.saved == []

    await post(server, activity("card_submit_log", connector.url))
    calls = await connector.wait_for(3)
    assert calls[2].method == "PUT"
    assert recorder.saved == [{"partner": "Andaman Seafoods", "kind": "meeting", "date": "2024-06-07",
                               "summary": "Met the CSR manager; they want a worker-voice pilot on two vessels.",
                               "next_step": "", "cash": "2500 USD"}]
    assert "Logged a meeting with Andaman Seafoods on 2024-06-07." in texts(card_of(calls[2]))


async def test_bot_added_to_a_team_stores_the_channel_and_says_hello(server, connector, store):
    status = await post(server, activity("conversation_update_added", connector.url))
    assert status == 202
    [call] = await connector.wait_for(1)
    assert call.conversation_id == CHANNEL and "help" in texts(card_of(call))
    row = conversations.get(store, CHANNEL)
    assert row["active"] and row["reference"]["conversation"]["id"] == CHANNEL
    assert row["reference"].get("activityId") is None


async def test_installation_update_add_then_remove(server, connector, store):
    await post(server, activity("installation_update", connector.url))
    assert conversations.get(store, PERSONAL)["active"]
    await post(server, activity("installation_update", connector.url, action="remove", id="f:remove-1"))
    row = conversations.get(store, PERSONAL)
    assert row is not None and not row["active"]  # kept, but no longer used for digests
    assert connector.calls == []


async def test_private_answer_in_a_channel_goes_to_a_private_chat(server, connector, recorder, store):
    body = activity("channel_mention", connector.url, text="<at>PSE Assistant</at> secret")
    await post(server, body)
    calls = await connector.wait_for(2)
    dm = [c for c in calls if c.conversation_id.startswith("a:dm-")]
    public = [c for c in calls if c.conversation_id.startswith(CHANNEL)]
    assert len(dm) == 1 and len(public) == 1
    assert "40,000 USD" in texts(card_of(dm[0]))
    assert "40,000 USD" not in texts(card_of(public[0]))
    assert "private chat" in texts(card_of(public[0]))
    assert connector.created[0]["members"][0]["id"] == "29:1mNb4rT9uWoMiR3S8eUser"
    assert conversations.get(store, "a:dm-29:1mNb4rT9uWoMiR3S8eUser")["conversation_type"] == "personal"


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
    assert store.db.conn.execute("SELECT COUNT(*) FROM processed_events").fetchone()[0] == 0


def chart(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5), dpi=120)
    ax.bar(["Partnerships", "High", "Medium", "Low", "Placed"], [4, 1, 3, 9, 12], color="#1F6F8B")
    ax.set_title("Indicator progress, Q2")
    fig.savefig(path)
    plt.close(fig)
    return path


async def test_digest_is_delivered_proactively_after_a_restart(settings, recorder, connector, tmp_path):
    from adapters.teams.sender import TeamsSender

    first_store = Store.open(settings.db_path)
    runner, srv = await start_server(Services(settings, knowledge=object(), store=first_store))
    await post(srv, activity("conversation_update_added", connector.url))
    await connector.wait_for(1)
    await runner.cleanup()
    first_store.close()

    # A new process: new Services on the same database file, no inbound activity since.
    store = Store.open(settings.db_path)
    try:
        sender = TeamsSender.from_settings(settings, store)
        assert sender.platform == "teams"
        digest = Reply(text="Weekly digest: 2 new partnerships, 1 stalled.",
                       facts=[Fact("Partnerships developed", "4 of 10")],
                       image=chart(tmp_path / "digest.png"), image_title="Indicator progress")
        await sender.send(CHANNEL, digest)
        calls = await connector.wait_for(2)
    finally:
        store.close()
    post_call = calls[1]
    assert post_call.method == "POST" and post_call.conversation_id == CHANNEL and post_call.activity_id is None
    card = card_of(post_call)
    assert "Weekly digest" in texts(card)
    images = [el for el in card["body"] if el["type"] == "Image"]
    assert len(images) == 1 and images[0]["url"].startswith("data:image/png;base64,")


async def test_refused_delivery_marks_the_conversation_gone(settings, store, connector):
    from adapters.teams.sender import TeamsSender
    from bot.delivery import DeliveryGone

    ref = {"bot": {"id": "28:bot", "name": "PSE Assistant"}, "conversation": {"id": CHANNEL},
           "channelId": "msteams", "serviceUrl": connector.url}
    conversations.save(store, CHANNEL, ref, connector.url, "t1", "channel")
    connector.refuse[CHANNEL] = 403
    sender = TeamsSender.from_settings(settings, store)
    with pytest.raises(DeliveryGone):
        await sender.send(CHANNEL, Reply(text="Weekly digest"))
    assert len(connector.calls) == 1
    assert not conversations.get(store, CHANNEL)["active"]
    audit = store.db.conn.execute("SELECT action, detail FROM audit_log WHERE table_name = 'teams_conversations'")
    assert [(a, json.loads(d)["conversation_id"]) for a, d in audit] == [("deactivate", CHANNEL)]
    with pytest.raises(DeliveryGone):  # later digests are not even attempted
        await sender.send(CHANNEL, Reply(text="Weekly digest"))
    assert len(connector.calls) == 1
    with pytest.raises(DeliveryGone):
        await sender.send("19:never-installed@thread.tacv2", Reply(text="Weekly digest"))


# ---------------------------------------------------------------- with the real intents (no model needed)

DARA = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"     # aadObjectId in the personal fixtures
NASRIN = "a2b3c4d5-e6f7-4890-a1b2-c3d4e5f60718"   # aadObjectId in the channel fixture


@pytest.fixture
async def real_server(teams_services, store):
    from datetime import date

    from records import registry
    from records.access import add_user

    add_user(store, f"teams:{DARA}", "staff", ["Thailand"], actor="test")
    add_user(store, f"teams:{NASRIN}", "staff", ["Thailand"], actor="test")
    registry.add_partner(store, "Andaman Seafoods", actor="test", today=date.today(), country="Thailand")
    registry.add_partner(store, "Quiet Nets Co", actor="test", today=date.today(), country="Thailand",
                         confidential=True)
    runner, srv = await start_server(teams_services)
    yield srv
    await runner.cleanup()


async def test_real_log_form_lists_partners_and_hides_nda_partners_in_channels(real_server, connector):
    await post(real_server, activity("channel_mention", connector.url, text="<at>PSE Assistant</at> log"))
    await post(real_server, activity("personal_message", connector.url, text="log"))
    channel, personal = await connector.wait_for(2)
    assert channel.conversation_id.startswith(CHANNEL) and personal.conversation_id == PERSONAL
    in_channel = [c["value"] for c in inputs(card_of(channel))["field:partner"]["choices"]]
    in_private = [c["value"] for c in inputs(card_of(personal))["field:partner"]["choices"]]
    assert in_channel == ["Andaman Seafoods"]
    assert sorted(in_private) == ["Andaman Seafoods", "Quiet Nets Co"]


async def test_real_log_submission_is_validated_then_stored(real_server, connector, store):
    from datetime import date, timedelta

    when = (date.today() - timedelta(days=2)).isoformat()
    bad = activity("card_submit_log", connector.url, id="1718000000500")
    bad["value"] = {**bad["value"], "field_new:partner": "Nobody Such Ltd", "field:date": when}
    await post(real_server, bad)
    [retry] = await connector.wait_for(1)
    assert retry.method == "PUT"
    assert "Nobody Such Ltd" in texts(card_of(retry))  # the registry's message about the unknown partner
    assert store.db.conn.execute("SELECT COUNT(*) FROM interactions").fetchone()[0] == 0

    good = activity("card_submit_log", connector.url)
    good["value"] = {**good["value"], "field:date": when}
    await post(real_server, good)
    calls = await connector.wait_for(2)
    assert calls[1].method == "PUT" and "Andaman Seafoods" in texts(card_of(calls[1]))
    rows = store.db.conn.execute(
        "SELECT p.name, i.kind, i.occurred_on, i.platform, i.logged_by FROM interactions i "
        "JOIN partners p ON p.id = i.partner_id").fetchall()
    assert len(rows) == 1
    name, kind, occurred, platform, logged_by = rows[0]
    assert (name, kind, occurred, platform) == ("Andaman Seafoods", "meeting", when, "teams")
    assert DARA in logged_by


async def test_real_partner_create_button(real_server, connector, store):
    body = activity("card_submit_feedback", connector.url, id="1718000000600")
    body["value"] = {"action": "partner_create", "value": "Mekong Garments"}
    await post(real_server, body)
    [call] = await connector.wait_for(1)
    assert "Mekong Garments" in texts(card_of(call))
    assert store.db.conn.execute("SELECT COUNT(*) FROM partners WHERE name = 'Mekong Garments'").fetchone()[0] == 1


async def test_real_feedback_vote_in_a_channel_is_thanked_privately(real_server, connector, store):
    body = activity("channel_mention", connector.url, id="1718000000700", text="", entities=[],
                    replyToId="1718000000650",
                    value={"action": "feedback", "value": json.dumps(
                        {"vote": -1, "query": "how do I frame this?", "source": "corpus/framing-and-business-case.md"})})
    await post(real_server, body)
    [call] = await connector.wait_for(1)
    assert call.conversation_id.startswith("a:dm-")  # nothing is posted in the channel for a vote
    rows = store.db.conn.execute("SELECT user_id, platform, vote, source FROM feedback").fetchall()
    assert rows == [(NASRIN, "teams", -1, "corpus/framing-and-business-case.md")]


async def test_digest_subscribed_in_a_channel_is_sent_by_the_scheduler_after_a_restart(
        settings, connector, teams_services, store):
    from datetime import datetime, timedelta, timezone

    from adapters.teams.sender import TeamsSender
    from indicators import subscriptions
    from records.access import add_user
    from indicators.digest import composer
    from bot.scheduler import run_due

    add_user(store, f"teams:{NASRIN}", "lead", ["Thailand"], actor="test")
    runner, srv = await start_server(teams_services)
    try:
        await post(srv, activity("channel_mention", connector.url,
                                 text="<at>PSE Assistant</at> digest subscribe Monday 9 Asia/Bangkok"))
        [confirm] = await connector.wait_for(1)
    finally:
        await runner.cleanup()
    assert "weekly PSE digest" in texts(card_of(confirm))

    # Another process (the scheduler) with its own store on the same file, and no inbound activity since.
    clock_store = Store.open(settings.db_path)
    try:
        [sub] = subscriptions.active(clock_store)
        assert (sub.platform, sub.channel_id) == ("teams", CHANNEL)
        senders = {"teams": TeamsSender.from_settings(settings, clock_store)}
        compose = composer(clock_store, settings.charts_dir)
        today = datetime.now(timezone.utc)
        monday = (today + timedelta(days=7 - today.weekday() + 7)).replace(hour=3, minute=0, second=0)  # 10:00 BKK
        [result] = await run_due(clock_store, compose, senders, monday)
        assert result.status == "sent", result
        digest = connector.calls[-1]
        assert digest.conversation_id == CHANNEL and digest.activity_id is None
        card = card_of(digest)
        assert any(el["type"] == "Image" and el["url"].startswith("data:image/png;base64,") for el in card["body"])

        # The bot is removed from the team: Teams answers 403, and the subscription stops.
        connector.refuse[CHANNEL] = 403
        [result] = await run_due(clock_store, compose, senders, monday + timedelta(days=7))
        assert result.status == "gone"
        assert subscriptions.active(clock_store) == []
        assert not conversations.get(clock_store, CHANNEL)["active"]
    finally:
        clock_store.close()


async def test_a_question_is_answered_from_the_real_bundled_index(settings, store, bundled_kb, connector):
    services = Services(settings, knowledge=bundled_kb, store=store)
    runner, srv = await start_server(services)
    try:
        text = "how do I frame this for a company?"
        assert await post(srv, activity("personal_message", connector.url, text=text)) in (200, 202)
        (call,) = await connector.wait_for(1)
    finally:
        await runner.cleanup()
    card = card_of(call)
    body = texts(card)
    assert "corpus/" in json.dumps(card) and "framing" in body.lower()
    assert '"action": "feedback"' in json.dumps(card)  # 👍 / 👎 buttons carry the vote back to the bot
