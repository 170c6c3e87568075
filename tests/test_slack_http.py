"""The Slack adapter over real HTTP: signed requests to the running aiohttp server, answers observed as calls
to a local mock of the Slack Web API (and of response_url)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from adapters.slack import modal as slack_modal
from bot.reply import Fact, Form, FormField, Reply
from records import access
from tests.mock_slack import encode, fixture

from tests.slack_support import SECRET, Harness, fake_intent, mock, slack  # noqa: F401 - fixtures
from tests.slack_support import fill as _fill, submission as _submission

# ------------------------------------------------------------------------------------------------ basics

async def test_url_verification_echoes_the_challenge(slack):
    payload = fixture("url_verification")
    status, body = await slack.send("event", payload)
    assert status == 200
    assert payload["challenge"] in body
    await slack.mock.settle(0.3)
    assert slack.mock.calls == []


async def test_slash_command_is_acked_empty_then_answered_privately(slack):
    status, body = await slack.send("command", slack.slash("help"))
    assert status == 200 and body == ""
    [call] = await slack.mock.wait_for("response_url")
    assert call.data["response_type"] == "ephemeral"
    assert "log partner work" in call.blocks_text() or "I answer questions" in call.blocks_text()
    # help is private: nothing to share
    assert "Share in channel" not in call.blocks_text()


async def test_slash_ask_answers_from_the_real_index_with_feedback_and_share(slack):
    status, _ = await slack.send("command", slack.slash("ask how do we check a company before partnering"))
    assert status == 200
    calls = await slack.mock.wait_for("response_url", timeout=60)
    text = "\n".join(c.blocks_text() for c in calls)
    assert "source:" in text
    buttons = [e for c in calls for b in c.data["blocks"] if b["type"] == "actions" for e in b["elements"]]
    ids = [b["action_id"] for b in buttons]
    assert any(i.startswith("pse:feedback:") for i in ids)
    assert any(i.startswith("pse:share:") for i in ids)
    vote = json.loads(next(b["value"] for b in buttons if b["action_id"].startswith("pse:feedback:")))
    assert vote["vote"] in (1, -1) and vote["source"]


async def test_wrong_signature_is_rejected_without_side_effects(slack):
    status, _ = await slack.send("command", slack.slash("help"), secret="not-the-secret")
    assert status == 401
    status, _ = await slack.send("event", slack.event("app_mention"), secret="not-the-secret")
    assert status == 401
    await slack.mock.settle(0.5)
    assert slack.mock.calls == []
    assert slack.rows("SELECT COUNT(*) FROM processed_events") == [(0,)]
    assert slack.rows("SELECT COUNT(*) FROM intake") == [(0,)]


async def test_ten_minute_old_timestamp_is_rejected_without_side_effects(slack):
    old = int(time.time()) - 600
    status, _ = await slack.send("command", slack.slash("help"), timestamp=old)
    assert status == 401
    status, _ = await slack.send("interaction", fixture("block_actions_feedback", trigger_id="t-old",
                                                        response_url=slack.mock.response_url(),
                                                        value=json.dumps({"vote": -1, "query": "q", "source": "s"})),
                                 timestamp=old)
    assert status == 401
    await slack.mock.settle(0.5)
    assert slack.mock.calls == []
    assert slack.rows("SELECT COUNT(*) FROM feedback") == [(0,)]
    assert slack.rows("SELECT COUNT(*) FROM processed_events") == [(0,)]
    assert slack.rows("SELECT COUNT(*) FROM intake") == [(0,)]


async def test_a_refused_request_leaves_no_message_text_in_the_log(slack, caplog):
    """slack-bolt logs a request it refuses, body and all, at INFO: a genuine request that arrives late (or a
    clock that drifted) would put what the user typed into the server log. The line stays; the body does not."""
    caplog.set_level(logging.DEBUG)
    text = "log Acme Foods meeting today: met Ms. Lan about her placement"
    for kw in ({"secret": "not-the-secret"}, {"timestamp": int(time.time()) - 600}):
        status, _ = await slack.send("command", slack.slash(text), **kw)
        assert status == 401
    refused = [r for r in caplog.records if "Invalid request signature" in r.getMessage()]
    assert len(refused) == 2
    for r in caplog.records:
        line = r.getMessage()
        assert "Ms. Lan" not in line and "Ms.+Lan" not in line and "response_url" not in line, (r.name, line)


async def test_slack_without_tokens_answers_503_and_health_still_works(services):
    assert not services.settings.slack_bot_token
    server = TestServer(build_app(services, slack=True, teams=False), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(server.make_url("/slack/events"), data="x") as r:
                assert r.status == 503
                assert "SLACK_BOT_TOKEN" in (await r.json())["error"]
            async with s.get(server.make_url("/healthz")) as r:
                assert r.status in (200, 503)  # the index warms up in the background
    finally:
        await server.close()


# ------------------------------------------------------------------------------------------------ events

async def test_app_mention_is_answered_in_the_thread(slack, monkeypatch):
    seen = fake_intent(monkeypatch, "echo", lambda m, s: Reply(text=f"echo: {m.text}"))
    status, _ = await slack.send("event", slack.event("app_mention", text="<@UBOT> echo hello &amp; welcome"))
    assert status == 200
    [post] = await slack.mock.wait_for("chat.postMessage")
    assert post.data["channel"] == "C0001"
    assert post.data["thread_ts"] == "1700000100.000100"
    assert "echo: hello &amp; welcome" in post.blocks_text()  # escaped for mrkdwn on the way out
    assert seen[0].text == "hello & welcome" and seen[0].channel_kind == "channel"
    assert seen[0].thread_id == "1700000100.000100"


async def test_private_reply_to_a_mention_is_ephemeral(slack):
    await slack.send("event", slack.event("app_mention", text="<@UBOT> help"))
    [call] = await slack.mock.wait_for("chat.postEphemeral")
    assert call.data["user"] == "U0001" and call.data["channel"] == "C0001"
    assert slack.mock.of("chat.postMessage") == []


async def test_direct_message_is_answered_in_the_dm(slack, monkeypatch):
    seen = fake_intent(monkeypatch, "echo", lambda m, s: Reply(text="pong"))
    await slack.send("event", slack.event("message_im", text="echo ping"))
    [post] = await slack.mock.wait_for("chat.postMessage")
    assert post.data["channel"] == "D0001" and "pong" in post.blocks_text()
    assert seen[0].channel_kind == "dm"


async def test_bot_messages_and_edits_in_a_dm_are_ignored(slack, monkeypatch):
    seen = fake_intent(monkeypatch, "echo", lambda m, s: Reply(text="pong"))
    await slack.send("event", slack.event("message_im", text="echo 1", subtype="message_changed"))
    await slack.send("event", slack.event("message_im", text="echo 2", bot_id="B0002"))
    await slack.mock.settle(0.5)
    assert seen == []
    assert slack.mock.of("chat.postMessage") == []


async def test_a_retried_event_is_answered_once(slack, monkeypatch):
    seen = fake_intent(monkeypatch, "echo", lambda m, s: Reply(text="once"))
    payload = slack.event("app_mention", text="<@UBOT> echo x")
    assert (await slack.send("event", payload))[0] == 200
    assert (await slack.send("event", payload, retry=1))[0] == 200
    assert (await slack.send("event", payload, retry=2))[0] == 200
    await slack.mock.wait_for("chat.postMessage")
    await slack.mock.settle(0.7)
    assert len(slack.mock.of("chat.postMessage")) == 1
    assert len(seen) == 1
    assert slack.rows("SELECT COUNT(*) FROM intake") == [(1,)]


async def test_a_repeated_slash_command_trigger_is_answered_once(slack, monkeypatch):
    seen = fake_intent(monkeypatch, "echo", lambda m, s: Reply(text="once"))
    payload = slack.slash("echo hi", trigger_id="13345224609.738474920.8088930838d88f008e0")
    await slack.send("command", payload)
    await slack.send("command", payload)
    await slack.mock.wait_for("response_url")
    await slack.mock.settle(0.7)
    assert len(slack.mock.of("response_url")) == 1 and len(seen) == 1


async def test_app_home_is_published_with_my_partners_and_logs(slack):
    from datetime import date, timedelta

    from bot.message import Message
    from bot.router import route
    from records import partner_edits

    store = slack.services.store
    access.add_user(store, "slack:U0001", "staff", ["Thailand"], actor="test")
    partner_edits.add_partner(store, "Acme Seafood", actor="slack:U0001", today=date.today(), country="Thailand",
                         owner="slack:U0001")
    due = (date.today() + timedelta(days=3)).isoformat()
    logged = route(Message(text=f"log Acme Seafood call today: agreed a pilot; next: send concept note by {due}",
                           user_id="U0001", platform="slack", channel_kind="dm"), slack.services)
    assert logged.ok, logged.text
    await slack.send("event", slack.event("app_home_opened"))
    [call] = await slack.mock.wait_for("views.publish")
    assert call.data["user_id"] == "U0001"
    view = call.data["view"]
    assert view["type"] == "home"
    text = json.dumps(view, ensure_ascii=False)
    assert "My partners" in text and "Next steps due" in text and "My recent logs" in text
    assert text.count("Acme Seafood") >= 2 and "agreed a pilot" in text


async def test_app_home_for_an_unknown_user_shows_only_the_introduction(slack):
    await slack.send("event", slack.event("app_home_opened"))
    [call] = await slack.mock.wait_for("views.publish")
    text = json.dumps(call.data["view"])
    assert "/pse help" in text and "My partners" not in text


# ------------------------------------------------------------------------------------------------ buttons

async def test_feedback_button_records_a_vote_and_confirms(slack):
    value = json.dumps({"vote": -1, "query": "how do I frame this", "source": "framing.md"})
    payload = fixture("block_actions_feedback", trigger_id=uuid.uuid4().hex,
                      response_url=slack.mock.response_url("fb"), value=value)
    status, _ = await slack.send("interaction", payload)
    assert status == 200
    [call] = await slack.mock.wait_for("response_url")
    assert "recorded" in call.blocks_text()
    assert call.data["response_type"] == "ephemeral"
    assert slack.rows("SELECT user_id, platform, query, source, vote FROM feedback") == [
        ("U0001", "slack", "", "framing.md", -1)]  # U0001 is a guest: the vote and source only, not the question


async def test_share_button_posts_the_private_answer_in_the_channel(slack, monkeypatch):
    fake_intent(monkeypatch, "echo", lambda m, s: Reply(text="Pipeline: 3 partners", facts=[Fact("Stage", "MoU")]))
    await slack.send("command", slack.slash("echo"))
    [answer] = await slack.mock.wait_for("response_url")
    share = next(e for b in answer.data["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"].startswith("pse:share:"))
    payload = fixture("block_actions_share", trigger_id=uuid.uuid4().hex, response_url=slack.mock.response_url("sh"),
                      action_id=share["action_id"], value=share["value"])
    assert (await slack.send("interaction", payload))[0] == 200
    calls = await slack.mock.wait_for("response_url", count=3)
    public = [c for c in calls if c.data.get("response_type") == "in_channel"]
    assert len(public) == 1
    assert "Pipeline: 3 partners" in public[0].blocks_text() and "Shared by <@U0001>" in public[0].blocks_text()
    assert any(c.data.get("replace_original") for c in calls[1:])


async def test_button_error_after_ack_becomes_an_apology_with_a_reference(slack, monkeypatch, caplog):
    def broken(message, services):
        return Reply(text=None)  # an intent bug the renderer trips over, after the ack

    fake_intent(monkeypatch, "echo", broken)
    caplog.set_level(logging.ERROR, logger="pse.slack")
    status, _ = await slack.send("command", slack.slash("echo"))
    assert status == 200
    [call] = await slack.mock.wait_for("response_url")
    assert "reference" in call.blocks_text()
    ref = call.blocks_text().split("reference ")[-1].split(".")[0].strip()
    logged = [r for r in caplog.records if getattr(r, "ref", None) == ref]
    assert logged and logged[0].exc_info is not None


# ------------------------------------------------------------------------------------------------ forms

def _form_intent(monkeypatch):
    form = Form(command="visit", title="Log a visit", fields=(
        FormField("partner", "Partner", kind="partner", required=True),
        FormField("kind", "Kind", kind="select", options=(("meeting", "Meeting"), ("call", "Call")), required=True),
        FormField("on", "Date", kind="date"),
        FormField("summary", "Summary", kind="long_text", required=True),
        FormField("people", "People met", kind="number"),
    ))

    def handle(message, services):
        if message.form is None:
            return Reply(text="", form=form)
        errors = {}
        if len(message.form.get("summary", "")) < 5:
            errors["summary"] = "Say a little more (at least 5 characters)."
        if errors:
            return Reply.problem("Please fix the form.", errors=errors)
        return Reply(text=f"Logged a {message.form['kind']} with {message.form['partner']}.")

    return fake_intent(monkeypatch, "visit", handle), form


async def test_slash_form_opens_a_modal_and_a_bad_submission_shows_field_errors(slack, monkeypatch):
    seen, _ = _form_intent(monkeypatch)
    await slack.send("command", slack.slash("visit"))
    [opened] = await slack.mock.wait_for("views.open")
    view = opened.data["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["partner", "kind", "on", "summary", "people"]
    assert json.loads(view["private_metadata"])["channel"] == "C0001"
    values = {
        "partner": {"pse_partner": {"type": "external_select", "selected_option": {"value": "Acme Seafood"}}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "meeting"}}},
        "on": {"value": {"type": "datepicker", "selected_date": "2024-05-02"}},
        "summary": {"value": {"type": "plain_text_input", "value": "ok"}},
        "people": {"value": {"type": "number_input", "value": "3"}},
    }
    status, body = await slack.send("interaction", _submission(view, values))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert "at least 5" in answer["errors"]["summary"]
    assert seen[-1].form == {"partner": "Acme Seafood", "kind": "meeting", "on": "2024-05-02", "summary": "ok",
                             "people": "3"}
    assert seen[-1].command == "visit" and seen[-1].channel_id == "C0001"

    values["summary"]["value"]["value"] = "Met the CSR lead about a pilot"
    status, body = await slack.send("interaction", _submission(view, values))
    assert status == 200 and body == ""
    [done] = await slack.mock.wait_for("chat.postEphemeral")
    assert "Logged a meeting with Acme Seafood" in done.blocks_text()
    assert done.data["channel"] == "C0001" and done.data["user"] == "U0001"


async def test_a_form_asked_for_in_a_dm_comes_behind_a_button(slack, monkeypatch):
    _form_intent(monkeypatch)
    await slack.send("event", slack.event("message_im", text="visit"))
    [post] = await slack.mock.wait_for("chat.postMessage")
    button = next(e for b in post.data["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"].startswith("pse:open_form:")
    payload = fixture("block_actions_share", trigger_id=uuid.uuid4().hex, response_url=slack.mock.response_url(),
                      action_id=button["action_id"], value=button["value"])
    await slack.send("interaction", payload)
    [opened] = await slack.mock.wait_for("views.open")
    assert opened.data["view"]["callback_id"] == slack_modal.CALLBACK_ID


async def test_partner_type_ahead_lists_known_partners_for_staff(slack):
    from datetime import date

    from records import partner_edits

    store = slack.services.store
    access.add_user(store, "slack:U0001", "staff", ["Thailand"], actor="test")
    partner_edits.add_partner(store, "Acme Seafood", actor="test", today=date(2024, 1, 5), country="Thailand")
    status, body = await slack.send("interaction", fixture("block_suggestion_partner", value="acme"))
    assert status == 200
    options = json.loads(body)["options"]
    assert options[0]["value"] == "Acme Seafood"
    assert options[-1] == {"text": {"type": "plain_text", "text": "acme (new partner)", "emoji": True},
                           "value": "acme"}


async def test_partner_type_ahead_shows_no_names_to_unknown_users(slack):
    status, body = await slack.send("interaction", fixture("block_suggestion_partner", value="Zed Corp"))
    assert status == 200
    assert [o["value"] for o in json.loads(body)["options"]] == ["Zed Corp"]


# ------------------------------------------------------------------------------------------------ the real log form

async def test_pse_log_modal_validates_then_stores_one_interaction(slack):
    from datetime import date

    from records import partner_edits

    store = slack.services.store
    access.add_user(store, "slack:U0001", "staff", ["Thailand"], actor="test")
    partner_edits.add_partner(store, "Acme Seafood", actor="test", today=date(2024, 1, 5), country="Thailand")
    await slack.send("command", slack.slash("log"))
    [opened] = await slack.mock.wait_for("views.open")
    view = opened.data["view"]
    ids = [b["block_id"] for b in view["blocks"]]
    assert ids[:4] == ["partner", "kind", "date", "summary"]

    status, body = await slack.send("interaction", _submission(view, _fill(view, {
        "partner": "Nobody Ltd", "kind": "meeting", "summary": "Discussed a pilot"})))
    assert status == 200
    errors = json.loads(body)
    assert errors["response_action"] == "errors" and "Nobody Ltd" in errors["errors"]["partner"]
    assert slack.rows("SELECT COUNT(*) FROM interactions") == [(0,)]

    status, body = await slack.send("interaction", _submission(view, _fill(view, {
        "partner": "Acme Seafood", "kind": "call", "summary": "Discussed a pilot with the CSR lead",
        "next_step": "send concept note"})))
    assert status == 200 and body == ""
    [done] = await slack.mock.wait_for("chat.postEphemeral")
    assert "Acme Seafood" in done.blocks_text()
    assert slack.rows("SELECT kind, summary, next_step, logged_by, platform FROM interactions") == [
        ("call", "Discussed a pilot with the CSR lead", "send concept note", "slack:U0001", "slack")]


async def test_when_the_modal_cannot_open_the_form_is_offered_behind_a_button(slack, monkeypatch):
    _form_intent(monkeypatch)
    slack.mock.fail["views.open"] = "expired_trigger_id"
    await slack.send("command", slack.slash("visit"))
    [answer] = await slack.mock.wait_for("response_url")
    ids = [e["action_id"] for b in answer.data["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(i.startswith("pse:open_form:") for i in ids)


async def test_a_slow_form_submission_is_acked_in_time_and_answered_afterwards(slack, monkeypatch):
    import time as _time

    def slow(message, services):
        if message.form is None:
            return Reply(text="", form=Form(command="slow", title="Slow", fields=(FormField("note", "Note"),)))
        _time.sleep(3.5)
        return Reply(text="Saved after a while.")

    fake_intent(monkeypatch, "slow", slow)
    await slack.send("command", slack.slash("slow"))
    [opened] = await slack.mock.wait_for("views.open")
    view = opened.data["view"]
    started = _time.monotonic()
    status, body = await slack.send("interaction", _submission(view, {"note": {"value": {"type": "plain_text_input",
                                                                                         "value": "x"}}}))
    assert status == 200 and body == ""
    assert _time.monotonic() - started < 3.0
    [done] = await slack.mock.wait_for("chat.postEphemeral")
    assert "Saved after a while." in done.blocks_text()


# ------------------------------------------------------------------------------------------------ malformed input

def _malformed_requests(n: int = 60, seed: int = 15):
    """Bodies, headers and timestamps a stranger or a broken proxy might send: random but repeatable."""
    import random
    import time as _time

    rng = random.Random(seed)
    now = str(int(_time.time()))
    bodies = [b"", b"garbage{{", b"payload=%7Bnot-json", b'{"type":"event_callback"}', b"command=/pse",
              b"\xff\xfe\x00bad", b"payload=" + b"%" * 50, b'{"type": 5, "event": []}', b"[]", b"null"]
    stamps = ["abc", "", "-1", "1e9", " 12", now, now + "0", "99999999999999999999", "１２３"]
    ctypes = ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
    for _ in range(n):
        body = rng.choice(bodies) + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12)))
        ts = rng.choice(stamps)
        headers = {"Content-Type": rng.choice(ctypes), "X-Slack-Request-Timestamp": ts}
        if rng.random() < 0.7:  # some signed correctly, so the body itself is what is malformed
            base = f"v0:{ts}:".encode() + body
            headers["X-Slack-Signature"] = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
        else:
            headers["X-Slack-Signature"] = rng.choice(["", "v0=00", "v1=" + "a" * 64])
        yield body, headers


async def test_malformed_requests_get_a_4xx_and_change_nothing(slack):
    tables = ("processed_events", "intake", "interactions", "audit_log", "feedback")
    before = [slack.rows(f"SELECT COUNT(*) FROM {t}") for t in tables]
    statuses = []
    async with aiohttp.ClientSession() as s:
        for body, headers in _malformed_requests():
            async with s.post(slack.url, data=body, headers=headers) as r:
                statuses.append(r.status)
    assert all(400 <= st < 500 for st in statuses), sorted(set(statuses))
    assert [slack.rows(f"SELECT COUNT(*) FROM {t}") for t in tables] == before
    await slack.mock.settle(0.2)
    assert [c.method for c in slack.mock.calls if c.method != "auth.test"] == []
