"""`kb list / remove / restore` in chat: admins only, the same words as `pse-bot kb …`, every change audited.

A tiny bundled corpus (three short notes) stands in for the real one, so removing and restoring is cheap and the
session's shared knowledge base is never changed. Driven through the router, over HTTP for Slack and Teams,
and through a real `pse-bot chat` with piped input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from click.testing import CliRunner

from adapters.server import build_app
from bot.app import Services
from bot.cli.main import main
from bot.message import Message
from bot.router import route
from knowledge import collections, curation
from markup.dialect import to_plain
from records import access
from tests.mock_slack import MockSlack, encode, fixture, signed_headers

SECRET = "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"
NOTES = {"alpha.md": "# Alpha note\n\nListen first when meeting a hotel chain.\n",
         "bravo.md": "# Bravo note\n\nCold storage keeps shrimp frozen before export.\n",
         "charlie.md": "# Charlie note\n\nThe finance officer reviews the budget each quarter.\n"}


@pytest.fixture
def tiny(settings, store, tmp_path, monkeypatch, bundled_kb):
    """Services whose knowledge base is three tiny bundled notes (the session's model, a fresh index)."""
    from knowledge.base import KnowledgeBase

    corpus = tmp_path / "tiny-corpus"
    corpus.mkdir()
    for name, text in NOTES.items():
        (corpus / name).write_text(text)
    monkeypatch.setattr("knowledge.base.CORPUS_DIR", corpus)
    kb = KnowledgeBase.open(store, settings.index_dir, embedder=bundled_kb.embedder, corpus_dir=corpus)
    yield Services(settings, knowledge=kb, store=store)
    kb.close()


def _msg(text: str, user: str = "UADMIN", platform: str = "slack") -> Message:
    return Message(text=text, user_id=user, platform=platform, channel_id="D1", channel_kind="dm")


def _audit(store) -> list[tuple]:
    return [(r[0], r[1], json.loads(r[2])) for r in store.execute(
        "SELECT actor, action, detail FROM audit_log WHERE table_name = 'documents' ORDER BY id")]


def test_admin_lists_removes_and_restores_with_an_audit_trail(tiny):
    store = tiny.store
    access.add_user(store, "slack:UADMIN", "admin", [], actor="test")
    listing = route(_msg("kb list"), tiny)
    assert listing.ok and "3 documents, 3 passages." in listing.text
    [table] = listing.tables
    assert [r[0] for r in table.rows] == ["corpus/alpha.md", "corpus/bravo.md", "corpus/charlie.md"]
    assert table.header[:4] == ("Source", "Type", "Passages", "Added") and len(table.rows[0][4]) == 8

    sha = tiny.knowledge.document("corpus/bravo.md").sha256
    removed = route(_msg("kb remove corpus/bravo.md"), tiny)
    assert removed.ok and "stays out when the bot restarts" in removed.text
    assert "`kb restore corpus/bravo.md`" in removed.text  # chat words: no `pse-bot` prefix
    assert "corpus/bravo.md" not in [d.source for d in tiny.knowledge.documents()]
    again = route(_msg("kb remove corpus/bravo.md"), tiny)
    assert not again.ok and "already removed; nothing changed" in again.text
    listed = route(_msg("KB LIST"), tiny)
    assert "Removed bundled guidance (kept out until restored): `corpus/bravo.md`." in listed.text

    restored = route(_msg("kb restore corpus/bravo.md"), tiny)
    assert restored.ok and to_plain(restored.text) == "Restored corpus/bravo.md (1 passages)."
    assert _audit(store) == [
        ("slack:UADMIN", "kb.remove", {"source": "corpus/bravo.md", "title": "Bravo note", "sha256": sha,
                                       "passages": 1}),
        ("slack:UADMIN", "kb.restore", {"source": "corpus/bravo.md", "title": "Bravo note", "sha256": sha,
                                        "passages": 1}),
    ]
    at = store.execute("SELECT at FROM audit_log WHERE action = 'kb.remove'").fetchone()[0]
    assert at[:4].isdigit() and "T" in at  # when


def test_bad_requests_say_what_exists_and_change_nothing(tiny):
    access.add_user(tiny.store, "slack:UADMIN", "admin", [], actor="test")
    for text, expect in (("kb remove corpus/zulu.md", "Bundled documents: `corpus/alpha.md`"),
                         ("kb remove bravo.md", "Did you mean `corpus/bravo.md`?"),
                         ("kb restore corpus/alpha.md", "already in the knowledge base; nothing changed"),
                         ("kb restore corpus/zulu.md", "No bundled document has been removed."),
                         ("kb remove", "Say which document to remove"),
                         ("kb", "kb list | kb remove DOC")):
        reply = route(_msg(text), tiny)
        assert not reply.ok and expect in reply.text, (text, reply.text)
    assert len(tiny.knowledge.documents()) == 3 and _audit(tiny.store) == []


def test_kb_adapt_in_chat_says_which_model_ranks_and_that_the_server_adapts_it(tiny):
    access.add_user(tiny.store, "slack:UADMIN", "admin", [], actor="test")
    reply = route(_msg("kb adapt"), tiny)
    assert reply.ok and reply.private and "Search ranks with the packaged model." in reply.text
    assert "`pse-bot kb adapt`" in reply.text and reply.data == {"model": None}
    access.add_user(tiny.store, "slack:USTAFF", "staff", ["Cambodia"], actor="test")
    assert not route(_msg("kb adapt", user="USTAFF"), tiny).ok  # admins only, like the rest of `kb`


@pytest.mark.parametrize("role", ["guest", "staff", "lead"])
def test_everyone_but_admins_gets_a_polite_refusal_and_nothing_changes(tiny, role):
    if role != "guest":
        access.add_user(tiny.store, "slack:UOTHER", role, ["Nepal"], actor="test")
    for text in ("kb list", "kb remove corpus/alpha.md", "kb restore corpus/alpha.md", "kb bundled",
                 "kb bundled off", "kb bundled weight 0.5"):
        reply = route(_msg(text, "UOTHER"), tiny)
        assert not reply.ok and reply.text.startswith("Sorry, `kb` needs the admin role")
    assert len(tiny.knowledge.documents()) == 3 and _audit(tiny.store) == []
    assert tiny.knowledge.bundled_setting(fresh=True).enabled


def test_admin_switches_the_bundled_guidance_off_and_down_weights_it_with_an_audit_trail(tiny):
    store = tiny.store
    access.add_user(store, "slack:UADMIN", "admin", [], actor="test")
    state = route(_msg("kb bundled"), tiny)
    assert state.ok and "The bundled guidance is **on** (3 documents, 3 passages)" in state.text
    assert state.data["bundled"] == {"enabled": True, "weight": 0.25, "default_weight": True}

    weight = route(_msg("kb bundled weight 0.5"), tiny)
    assert weight.ok and to_plain(weight.text).startswith("The bundled guidance now counts 0.5 against your "
                                                          "documents (it was 0.25).")
    off = route(_msg("kb bundled off"), tiny)
    assert off.ok and "Turned the bundled guidance **off**" in off.text
    listing = route(_msg("kb list"), tiny)
    assert {r[-1] for r in listing.tables[0].rows} == {"bundled guidance · off"}
    assert "The bundled guidance is switched off: it is listed but not searched." in listing.text
    asked = route(_msg("ask where is shrimp kept frozen?", user="USTAFF"), tiny)  # anyone: says what to do
    assert asked.data == {"answered": False, "query": "where is shrimp kept frozen?", "bundled": "off"}
    assert "switched off here" in asked.text and "`kb bundled on`" in asked.text and not asked.passages
    assert store.scalar("SELECT COUNT(*) FROM questions_unanswered") == 0  # a setting, not a gap

    on = route(_msg("kb bundled on"), tiny)
    assert on.ok and on.data["bundled"] == {"enabled": True, "weight": 0.5, "default_weight": False}
    again = route(_msg("kb bundled on"), tiny)
    assert again.ok and "already on; nothing changed" in again.text
    assert route(_msg("ask where is shrimp kept frozen?"), tiny).passages[0].source == "corpus/bravo.md"
    trail = _audit(store)
    assert [(a, act) for a, act, _ in trail] == [("slack:UADMIN", "kb.bundled")] * 3  # no-op turns: no entry
    assert [(d["before"], d["after"]) for _, _, d in trail] == [
        ({"enabled": True, "weight": 0.25, "default_weight": True},
         {"enabled": True, "weight": 0.5, "default_weight": False}),
        ({"enabled": True, "weight": 0.5, "default_weight": False},
         {"enabled": False, "weight": 0.5, "default_weight": False}),
        ({"enabled": False, "weight": 0.5, "default_weight": False},
         {"enabled": True, "weight": 0.5, "default_weight": False}),
    ]


@pytest.mark.parametrize("text, expect", [
    ("kb bundled weight 2", "“2” is not a weight I can use"),
    ("kb bundled weight 0", "To stop searching it altogether, use `kb bundled off`."),
    ("kb bundled weight -1", "must be a number above 0 and at most 1"),
    ("kb bundled weight lots", "“lots” is not a weight I can use"),
    ("kb bundled weight", "Say how much the bundled guidance should count"),
    ("kb bundled sideways", "I don't know `kb bundled sideways`"),
])
def test_bad_bundled_settings_get_a_friendly_message_and_change_nothing(tiny, text, expect):
    access.add_user(tiny.store, "slack:UADMIN", "admin", [], actor="test")
    reply = route(_msg(text), tiny)
    assert not reply.ok and expect in reply.text, reply.text
    assert tiny.knowledge.bundled_setting(fresh=True) == collections.BundledSetting(True, 0.25, weight_set=False)
    assert _audit(tiny.store) == []


def test_the_command_line_sets_the_bundled_guidance_in_the_same_words(tiny):
    runner = CliRunner()
    cli = runner.invoke(main, ["kb", "bundled", "weight", "0.5"])
    assert cli.exit_code == 0, cli.output
    assert cli.output.startswith("The bundled guidance now counts 0.5 against your documents (it was 0.25).")
    [(actor, action, detail)] = _audit(tiny.store)
    assert actor.startswith("cli:") and action == "kb.bundled" and detail["after"]["weight"] == 0.5
    bad = runner.invoke(main, ["kb", "bundled", "weight", "-1"])
    assert bad.exit_code == 1 and "Nothing changed." in bad.output
    shown = runner.invoke(main, ["kb", "bundled"])
    assert shown.exit_code == 0 and "count 0.5 (set by an admin" in shown.output, shown.output
    assert "pse-bot kb bundled off" in shown.output  # the terminal's words
    assert tiny.knowledge.bundled_setting(fresh=True).weight == 0.5 and len(_audit(tiny.store)) == 1


def test_the_command_line_says_the_same_words_and_audits_too(tiny):
    runner = CliRunner()
    cli = runner.invoke(main, ["kb", "remove", "corpus/charlie.md"])
    assert cli.exit_code == 0, cli.output
    assert cli.output.strip() == ("Removed corpus/charlie.md from the bundled guidance; it stays out when the bot "
                                  "restarts. pse-bot kb restore corpus/charlie.md brings it back.")
    [(actor, action, detail)] = _audit(tiny.store)
    assert actor.startswith("cli:") and action == "kb.remove" and detail["source"] == "corpus/charlie.md"
    # The same outcome in chat, word for word but for the command prefix.
    tiny.knowledge.index.refresh()
    chat = curation.restore_document(tiny.knowledge, "corpus/zulu.md")
    cli = runner.invoke(main, ["kb", "restore", "corpus/zulu.md"])
    assert cli.exit_code == 1 and to_plain(chat.text).replace("pse-bot ", "") in cli.output.replace("pse-bot ", "")


def test_pse_bot_chat_with_piped_input(settings, store, bundled_kb):
    from kb_support import copy_knowledge

    copy_knowledge(bundled_kb, store, settings.index_dir)  # the real guidance, nothing to embed
    env = dict(os.environ, PSE_HOME=str(settings.home), HF_HUB_OFFLINE="1")
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    exe = Path(sys.executable).with_name("pse-bot")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli.main"]
    source = "corpus/funding-conversations.md"
    out = subprocess.run(cmd + ["chat"], input=f"kb list\nkb remove {source}\nhelp kb\n", env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "corpus/pse-strategy.md" in out.stdout and f"Removed {source} from the bundled guidance" in out.stdout
    assert "kb list | kb remove DOC | kb restore DOC | kb bundled [on|off|weight W] | kb gaps [DAYS]" in out.stdout
    [(actor, action, detail)] = _audit(store)
    assert actor.startswith("console:") and action == "kb.remove" and detail["source"] == source


# ------------------------------------------------------------------------------------------- over HTTP


async def test_slack_admin_removes_in_a_dm_and_staff_is_refused(tiny):
    mock = await MockSlack().start()
    settings = replace(tiny.settings, slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                       slack_api_url=mock.api_url)
    svc = Services(settings, knowledge=tiny.knowledge, store=tiny.store)
    server = TestServer(build_app(svc, slack=True, teams=False), host="127.0.0.1", port=0)
    await server.start_server()
    access.add_user(tiny.store, "slack:UADMIN", "admin", [], actor="test")
    access.add_user(tiny.store, "slack:U0001", "staff", ["Thailand"], actor="test")
    import aiohttp

    async def dm(user: str, text: str) -> None:
        payload = fixture("message_im", event_id="Ev" + uuid.uuid4().hex[:10].upper())
        payload["event"].update(text=text, user=user)
        body, ctype = encode("event", payload)
        async with aiohttp.ClientSession() as s:
            async with s.post(str(server.make_url("/slack/events")), data=body.encode(),
                              headers=signed_headers(SECRET, body, ctype)) as r:
                assert r.status == 200

    try:
        await dm("U0001", "kb remove corpus/alpha.md")
        await dm("UADMIN", "kb remove corpus/bravo.md")
        calls = await mock.wait_for("chat.postMessage", count=2)
        texts = " ".join(c.blocks_text() for c in calls)
        assert "needs the admin role" in texts and "Removed `corpus/bravo.md`" in texts.replace("\\", "")
    finally:
        await server.close()
        await mock.close()
    assert [d.source for d in tiny.knowledge.documents()] == ["corpus/alpha.md", "corpus/charlie.md"]
    assert [(a, b) for a, b, _ in _audit(tiny.store)] == [("slack:UADMIN", "kb.remove")]


async def test_teams_admin_lists_in_the_personal_chat(tiny):
    from teams_support import DARA, activity, card_of, post, start_server, texts
    from mock_connector import MockConnector

    access.add_user(tiny.store, f"teams:{DARA}", "admin", [], actor="test")
    connector = await MockConnector().start()
    runner, srv = await start_server(Services(tiny.settings, knowledge=tiny.knowledge, store=tiny.store))
    try:
        await post(srv, activity("personal_message", connector.url, text="kb remove corpus/charlie.md", id="1718000000101"))
        await post(srv, activity("personal_message", connector.url, text="kb list", id="1718000000102"))
        await connector.wait_for(2, timeout=5)
        first, second = connector.calls[:2]
    finally:
        await runner.cleanup()
        await connector.stop()
    assert "Removed corpus/charlie.md from the bundled guidance" in texts(card_of(first)).replace("**", "")
    listing = json.dumps(card_of(second))
    assert "corpus/alpha.md" in listing and "corpus/charlie.md" in listing  # a row, and the removed note
    assert [(a, b) for a, b, _ in _audit(tiny.store)] == [(f"teams:{DARA}", "kb.remove")]


# ---------------------------------------------------------------------------------------- answer sources


def test_answers_name_the_document_version_and_the_date_it_was_added(services):
    from adapters.slack.blocks import render
    from adapters.teams.cards import reply_card

    reply = route(Message(text="ask how do I check a company before partnering?"), services)
    assert reply.data["answered"]
    kb = services.knowledge
    for p in reply.passages:
        info = kb.document(p.source)
        assert p.version == info.sha256[:8] and p.added == info.ingested_at[:10]
        assert p.collection == "bundled guidance"
        assert p.source_line() == f"{p.source} · bundled guidance · version {p.version} · added {p.added}"
    top = reply.passages[0]
    assert f"source: {top.source_line()}" in reply.as_text()
    assert f"added {top.added}" in json.dumps(render(reply), ensure_ascii=False)
    assert f"Source: {top.source_line()}" in json.dumps(reply_card(reply), ensure_ascii=False)
