"""An admin adds a document by sharing a file with the bot in Slack, over real HTTP: signed Events API requests
to the running server, the file described by `files.info` and downloaded with the bot token from the local mock
Slack Web API, the real model and index. Progress is shown on one message (chat.update), then the result."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from bot.app import Services
from tests.kbfiles_support import (GARBAGE, PDF_QUESTION, audit_rows, fresh_kb, pdf_bytes, seed_users)
from tests.mock_slack import fixture
from tests.slack_support import SECRET, Harness, mock  # noqa: F401 - fixtures

ADMIN, STAFF = "U0ADMIN", "U0STAFF"
NAME = "retail-onboarding.pdf"


@pytest.fixture
async def files_slack(mock, settings, store, bundled_kb, tmp_path):  # noqa: F811 - the mock fixture
    kb = fresh_kb(tmp_path / "index", bundled_kb, store)
    seed_users(store, "slack", ADMIN, STAFF)
    s = replace(settings, slack_bot_token=mock.bot_token, slack_signing_secret=SECRET, slack_api_url=mock.api_url)
    svc = Services(s, knowledge=kb, store=store)
    server = TestServer(build_app(svc, slack=True, teams=False), host="127.0.0.1", port=0)
    await server.start_server()
    yield Harness(server, mock, svc)
    await server.close()
    kb.close()


def share(h: Harness, user: str, name: str, data: bytes, **file_kw) -> dict:
    payload = fixture("file_share_im", event_id="Ev" + uuid.uuid4().hex[:10].upper())
    payload["event"].update(user=user, channel="D" + user[1:], files=[h.mock.add_file(name, data, **file_kw)])
    return payload


def mention_share(h: Harness, user: str, name: str, data: bytes) -> dict:
    payload = h.event("app_mention", text="<@UBOT> please add this", user=user, channel="C0CURATE")
    payload["event"]["files"] = [h.mock.add_file(name, data, "application/pdf")]
    return payload


def texts(calls) -> str:
    return "\n".join(c.blocks_text() for c in calls)


async def result(h: Harness, word: str, timeout: float = 90) -> str:
    [*_, last] = await h.mock.wait_for("chat.update", timeout=timeout, where=lambda c: word in c.blocks_text())
    return last.blocks_text()


async def test_admin_shares_a_pdf_in_the_dm_and_staff_get_answers_from_it_in_a_channel(files_slack):
    h = files_slack
    status, body = await h.send("event", share(h, ADMIN, NAME, pdf_bytes(h.services.settings.home)))
    assert status == 200 and body == ""
    [first] = await h.mock.wait_for("chat.postMessage", where=lambda c: "Reading" in c.blocks_text())
    assert first.data["channel"] == "D0ADMIN" and NAME in first.blocks_text()
    done = await result(h, "passages, searchable now")
    assert "Added" in done and "Try asking" in done
    # progress went on the same message, and not too often
    updates = h.mock.of("chat.update")
    assert len({(u.data["channel"], u.data["ts"]) for u in updates}) == 1 and updates[0].data["channel"] == "D0ADMIN"
    assert len(updates) <= 8, [u.blocks_text() for u in updates]
    assert all("Reading" in u.blocks_text() for u in updates[:-1])
    # downloaded with the bot token, after files.info
    [info] = h.mock.of("files.info")
    [download] = h.mock.of("download")
    assert download.data["_auth"] == f"Bearer {h.mock.bot_token}" and info.at <= download.at
    # a staff member's question in another channel is answered from the new document, citing it
    await h.send("event", h.event("app_mention", text=f"<@UBOT> {PDF_QUESTION}", user=STAFF, channel="C0OTHER"))
    [answer] = await h.mock.wait_for("chat.postMessage", timeout=60, where=lambda c: c.data["channel"] == "C0OTHER")
    text = answer.blocks_text()
    assert NAME in text and "four-week" in text, text
    # the audit trail: who, which file, its checksum
    [(actor, action, detail)] = audit_rows(h.services.store)
    detail = json.loads(detail)
    assert actor == f"slack:{ADMIN}" and detail["file"] == NAME and len(detail["sha256"]) == 64
    assert detail["source"].endswith(NAME) and detail["passages"] >= 1


async def test_progress_of_a_long_document_is_shown_on_one_message_without_spamming(files_slack):
    h = files_slack
    sections = [f"## Topic {i}: store visit number {i}\n\n" + " ".join(
        f"Visit {i} checks shelf {j} and talks to the buddy about shift {j}." for j in range(14))
        for i in range(160)]
    data = ("# Store visit handbook\n\n" + "\n\n".join(sections)).encode()
    await h.send("event", share(h, ADMIN, "store-visits.md", data))
    [first] = await h.mock.wait_for("chat.postMessage", where=lambda c: "Reading" in c.blocks_text())
    done = await result(h, "passages, searchable now", timeout=180)
    updates = h.mock.of("chat.update")
    steps = [u.blocks_text() for u in updates[:-1]]
    assert any("embedding passages" in s and "/" in s for s in steps), steps
    took = updates[-1].at - first.at
    assert len(updates) <= took / 1.0 + 3, (len(updates), took)  # about one update a second at most
    assert "Topic" in done or "store visit" in done.lower()


async def test_a_file_shared_with_a_mention_is_read_in_its_thread(files_slack):
    h = files_slack
    payload = mention_share(h, ADMIN, "notes.pdf", pdf_bytes(h.services.settings.home))
    assert (await h.send("event", payload))[0] == 200
    [first] = await h.mock.wait_for("chat.postMessage", where=lambda c: "Reading" in c.blocks_text())
    assert first.data["channel"] == "C0CURATE" and first.data["thread_ts"] == payload["event"]["ts"]
    assert "Added" in await result(h, "passages, searchable now")


async def test_resharing_replaces_a_changed_file_and_skips_an_unchanged_one(files_slack):
    h = files_slack
    home = h.services.settings.home
    await h.send("event", share(h, ADMIN, NAME, pdf_bytes(home)))
    await result(h, "passages, searchable now")
    first = h.services.knowledge.documents()
    await h.send("event", share(h, ADMIN, NAME, pdf_bytes(home)))
    assert "already up to date" in await result(h, "already up to date")
    await h.send("event", share(h, ADMIN, NAME, pdf_bytes(home, extra="Stores also offer a paid mentor day.")))
    assert "Replaced the earlier version" in await result(h, "Replaced")
    [doc] = h.services.knowledge.documents()
    assert doc.source == first[0].source and doc.sha256 != first[0].sha256
    assert [json.loads(d)["replaced"] for _, _, d in audit_rows(h.services.store)] == [False, True]


async def test_a_staff_members_share_is_refused_and_nothing_is_downloaded(files_slack):
    h = files_slack
    await h.send("event", share(h, STAFF, NAME, pdf_bytes(h.services.settings.home)))
    [call] = await h.mock.wait_for("chat.postMessage")
    assert "only admins can add documents" in call.blocks_text()
    await h.mock.settle(0.3)
    assert h.mock.of("download") == [] and h.mock.of("files.info") == []
    assert h.services.knowledge.documents() == [] and audit_rows(h.services.store) == []


async def test_an_oversized_file_is_refused_before_and_during_the_download(files_slack):
    h = files_slack
    h.services.settings = replace(h.services.settings, max_ingest_mb=0.01)  # 10 KB
    big = ("# Big\n\n" + "word " * 5000).encode()
    await h.send("event", share(h, ADMIN, "big.md", big))
    [call] = await h.mock.wait_for("chat.postMessage")
    assert "more than the" in call.blocks_text() and "Nothing was added" in call.blocks_text()
    assert h.mock.of("download") == []
    # files.info understates the size: the download stops at the limit
    await h.send("event", share(h, ADMIN, "big2.md", big, size=100))
    text = await result(h, "more than the")
    assert "Nothing was added" in text and len(h.mock.of("download")) == 1
    assert h.services.knowledge.documents() == []
    assert [p.name for p in h.services.settings.documents_dir.rglob("*") if p.is_file()] == []


async def test_binary_garbage_named_pdf_and_an_unsupported_type_are_refused(files_slack):
    h = files_slack
    await h.send("event", share(h, ADMIN, "report.pdf", GARBAGE))
    text = await result(h, "Nothing was added")
    assert "not a PDF file" in text
    await h.send("event", share(h, ADMIN, "budget.xlsx", b"PK\x03\x04 spreadsheet"))
    [*_, call] = await h.mock.wait_for("chat.postMessage", count=2)
    assert "can't read .xlsx files" in call.blocks_text()
    assert h.services.knowledge.documents() == [] and audit_rows(h.services.store) == []
    assert [p.name for p in h.services.settings.documents_dir.rglob("*") if p.is_file()] == []


async def test_a_redone_share_of_a_document_that_was_complete_says_so(files_slack, monkeypatch):
    """What the admin hears when the sweeper redoes a share whose document had made it in before a crash."""
    from datetime import timedelta

    from storage import intake

    h = files_slack
    data = pdf_bytes(h.services.settings.home)
    await h.send("event", share(h, ADMIN, NAME, data))
    await result(h, "passages, searchable now")
    # the same share, left by a process that died after the document was stored: claimed once, lease run out
    monkeypatch.setattr(intake, "LEASE", timedelta(seconds=-1))
    payload = share(h, ADMIN, NAME, data)
    item = intake.put(h.services.store, "slack:" + payload["event_id"], "slack", "slack.file", payload)
    assert intake.claim(h.services.store, item.id, who="dead-process")
    again = await h.mock.wait_for("chat.postMessage", timeout=30, where=lambda c: "again" in c.blocks_text())
    assert "restarted" in again[0].blocks_text()
    text = await result(h, "restarted")
    assert "already up to date" in text and "fully added before I was restarted" in text
    assert len(h.services.knowledge.documents()) == 1 and len(audit_rows(h.services.store)) == 1


def test_which_slack_events_are_file_shares():
    from adapters.slack.events import inbox_kind

    def body(**event):
        return {"type": "event_callback", "event_id": "Ev1", "event": event,
                "authorizations": [{"user_id": "UBOT", "is_bot": True}]}

    f = [{"id": "F1"}]
    assert inbox_kind(body(type="message", subtype="file_share", channel_type="im", user="U1", files=f)) == "slack.file"
    assert inbox_kind(body(type="app_mention", user="U1", channel="C1", files=f)) == "slack.file"
    assert inbox_kind(body(type="app_mention", user="U1", channel="C1")) == "slack.mention"
    # the bot's own chart upload in a DM, another bot's file, a file posted in a channel without a mention
    assert inbox_kind(body(type="message", subtype="file_share", channel_type="im", user="UBOT", files=f)) is None
    assert inbox_kind(body(type="message", subtype="file_share", channel_type="im", user="U2", bot_id="B2",
                           files=f)) is None
    assert inbox_kind(body(type="message", subtype="file_share", channel_type="channel", user="U1", files=f)) is None
    assert inbox_kind(body(type="message", subtype="message_changed", channel_type="im", user="U1", files=f)) is None
