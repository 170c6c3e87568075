"""Slack, over real HTTP with signed requests: the App Home tab right after a log, and the "Add partner" button
under an unknown-partner reply (asks work stream and country project, then saves the pending log)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from records import access, partner_edits
from tests.mock_slack import fixture
from tests.slack_support import fill, mock, slack, submission  # noqa: F401 - fixtures


def home_text(call) -> str:
    return json.dumps(call.data["view"], ensure_ascii=False)


def my_partners(call) -> str:
    return next(b["text"]["text"] for b in call.data["view"]["blocks"]
                if b.get("text", {}).get("text", "").startswith("*My partners*"))


async def test_home_shows_a_partner_i_logged_with_right_after_the_log(slack):
    """The partner was added by someone else (an admin import): logging a meeting makes it one of mine."""
    store = slack.services.store
    access.add_user(store, "slack:U0001", "staff", ["Thailand"], actor="test")
    partner_edits.add_partner(store, "Acme Seafood", actor="slack:UADMIN", today=date.today() - timedelta(days=30),
                              country="Thailand", owner="slack:UADMIN")
    due = (date.today() + timedelta(days=3)).isoformat()
    await slack.send("command", slack.slash(f"log Acme Seafood meeting today: agreed a pilot; next: send concept "
                                            f"note by {due}"))
    [answer] = await slack.mock.wait_for("response_url")
    assert "Logged #" in answer.blocks_text()
    # Home is republished at once, without the user reopening the tab.
    [home] = await slack.mock.wait_for("views.publish")
    assert home.data["user_id"] == "U0001"
    assert "Acme Seafood" in my_partners(home) and "None yet" not in my_partners(home)
    assert "send concept note" in home_text(home) and "agreed a pilot" in home_text(home)


async def test_add_partner_asks_country_and_stream_then_finishes_the_log(slack):
    store = slack.services.store
    access.add_user(store, "slack:U0001", "staff", ["Thailand", "Cambodia"], actor="test")
    await slack.send("command", slack.slash("log Zenith Foods call today: talked about jobs for survivors"))
    [answer] = await slack.mock.wait_for("response_url")
    assert "nothing was saved" in answer.blocks_text()
    button = next(e for b in answer.data["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"].startswith("pse:partner_create:"))
    payload = fixture("block_actions_share", trigger_id=uuid.uuid4().hex, response_url=slack.mock.response_url("pc"),
                      action_id=button["action_id"], value=button["value"])
    assert (await slack.send("interaction", payload))[0] == 200
    [opened] = await slack.mock.wait_for("views.open")
    view = opened.data["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["name", "stream", "country"]
    country = view["blocks"][2]["element"]
    assert [o["value"] for o in country["options"]] == ["Thailand", "Cambodia"]  # only the user's own projects
    assert "initial_option" not in view["blocks"][1]["element"]  # no silent default stream
    assert slack.rows("SELECT COUNT(*) FROM partners") == [(0,)]  # nothing added by the click

    status, body = await slack.send("interaction", submission(view, fill(view, {"name": "Zenith Foods"})))
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert set(json.loads(body)["errors"]) == {"stream", "country"}
    assert slack.rows("SELECT COUNT(*) FROM partners") == [(0,)]

    status, body = await slack.send("interaction", submission(view, fill(view, {
        "name": "Zenith Foods", "stream": "survivor_employment", "country": "Cambodia"})))
    assert status == 200 and body == ""
    [done] = await slack.mock.wait_for("chat.postEphemeral")
    assert "Added Zenith Foods" in done.blocks_text() and "Logged #" in done.blocks_text()
    assert slack.rows("SELECT name, stream, country, owner FROM partners") == [
        ("Zenith Foods", "survivor_employment", "Cambodia", "slack:U0001")]
    assert slack.rows("SELECT summary, logged_by FROM interactions") == [
        ("talked about jobs for survivors", "slack:U0001")]
    [home] = await slack.mock.wait_for("views.publish")
    assert "Zenith Foods" in my_partners(home)
