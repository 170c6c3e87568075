"""The Teams ActivityHandler (adapters/teams/bot.py, replies.py, forms.py) over real HTTP: messages, mentions,
card submits, installation and conversation updates, private answers; then with the real intents."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import aiohttp
import pytest

from teams_support import *  # noqa: F401,F403 - helpers and fixtures shared by the Teams tests
from teams_support import (CHANNEL, DARA, NASRIN, PERSONAL, Services, Store, activity, card_of, conversations, inputs, post,
                           replace, start_server, texts)


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




# ---------------------------------------------------------------- with the real intents (no model needed)

@pytest.fixture
async def real_server(teams_services, store):
    from datetime import date

    from records import partner_edits
    from records.access import add_user

    add_user(store, f"teams:{DARA}", "staff", ["Thailand"], actor="test")
    add_user(store, f"teams:{NASRIN}", "staff", ["Thailand"], actor="test")
    partner_edits.add_partner(store, "Andaman Seafoods", actor="test", today=date.today(), country="Thailand")
    partner_edits.add_partner(store, "Quiet Nets Co", actor="test", today=date.today(), country="Thailand",
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
    assert store.execute("SELECT COUNT(*) FROM interactions").fetchone()[0] == 0

    good = activity("card_submit_log", connector.url)
    good["value"] = {**good["value"], "field:date": when}
    await post(real_server, good)
    calls = await connector.wait_for(2)
    assert calls[1].method == "PUT" and "Andaman Seafoods" in texts(card_of(calls[1]))
    rows = store.execute(
        "SELECT p.name, i.kind, i.occurred_on, i.platform, i.logged_by FROM interactions i "
        "JOIN partners p ON p.id = i.partner_id").fetchall()
    assert len(rows) == 1
    name, kind, occurred, platform, logged_by = rows[0]
    assert (name, kind, occurred, platform) == ("Andaman Seafoods", "meeting", when, "teams")
    assert DARA in logged_by


async def test_real_partner_create_button(real_server, connector, store):
    """The Add-partner button asks for work stream and country project, then adds and saves the pending log."""
    body = activity("card_submit_feedback", connector.url, id="1718000000600")
    body["value"] = {"action": "partner_create",
                     "value": json.dumps({"name": "Mekong Garments", "log": "Mekong Garments call today: jobs talk"})}
    await post(real_server, body)
    [call] = await connector.wait_for(1)
    card = card_of(call)
    assert "Mekong Garments" in texts(card)
    form = inputs(card)
    assert {"field:name", "field:stream", "field:country"} <= set(form)
    assert store.execute("SELECT COUNT(*) FROM partners WHERE name = 'Mekong Garments'").fetchone()[0] == 0
    submit = next(a for a in card["actions"] if a["type"] == "Action.Submit")
    done = activity("card_submit_feedback", connector.url, id="1718000000601")
    done["value"] = {**submit["data"], "field:name": "Mekong Garments", "field:stream": "survivor_employment",
                     "field:country": "Thailand"}
    await post(real_server, done)
    calls = await connector.wait_for(2)
    assert "Logged #" in texts(card_of(calls[-1]))
    assert store.execute("SELECT stream, country FROM partners WHERE name = 'Mekong Garments'").fetchall() == [
        ("survivor_employment", "Thailand")]
    assert store.execute("SELECT COUNT(*) FROM interactions").fetchone()[0] == 1


async def test_real_feedback_vote_in_a_channel_is_thanked_privately(real_server, connector, store):
    body = activity("channel_mention", connector.url, id="1718000000700", text="", entities=[],
                    replyToId="1718000000650",
                    value={"action": "feedback", "value": json.dumps(
                        {"vote": -1, "query": "how do I frame this?", "source": "corpus/framing-and-business-case.md"})})
    await post(real_server, body)
    [call] = await connector.wait_for(1)
    assert call.conversation_id.startswith("a:dm-")  # nothing is posted in the channel for a vote
    rows = store.execute("SELECT user_id, platform, vote, source FROM feedback").fetchall()
    assert rows == [(NASRIN, "teams", -1, "corpus/framing-and-business-case.md")]


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
