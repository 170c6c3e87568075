"""An admin adds a document by sending the file in the personal chat with the bot in Teams, over real HTTP: the
botbuilder stack in `--insecure-local-teams` mode, the file served by the mock Bot Framework connector at its
`downloadUrl`, the real model and index. The answer is one card, updated in place."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest

from adapters.teams.service_urls import file_url_allowed
from bot.app import Services
from tests.kbfiles_support import DOCX_QUESTION, GARBAGE, audit_rows, docx_bytes, fresh_kb, seed_users
from teams_support import DARA, NASRIN, activity, connector, post, start_server, texts  # noqa: F401 - fixtures

NAME = "retail-partner.docx"


@pytest.fixture
async def files_teams(settings, store, bundled_kb, tmp_path):
    kb = fresh_kb(tmp_path / "index", bundled_kb, store)
    seed_users(store, "teams", DARA, NASRIN)
    svc = Services(settings, knowledge=kb, store=store)
    runner, srv = await start_server(svc)
    yield srv, svc
    await runner.cleanup()
    kb.close()


def file_message(connector, name: str, data: bytes, **changes) -> dict:
    return activity("personal_message", connector.url, text="", attachments=[connector.add_file(name, data)],
                    id=f"1718{uuid.uuid4().int % 10**9:09d}", **changes)


def card_texts(call) -> str:
    return "\n".join(texts(card) for card in call.cards)


async def test_admin_sends_a_docx_and_staff_get_answers_from_it_in_a_channel(files_teams, connector):
    server, svc = files_teams
    assert await post(server, file_message(connector, NAME, docx_bytes(svc.settings.home))) in (200, 202)
    first, *updates = connector.calls
    assert first.method == "POST" and "Reading" in card_texts(first)
    assert updates and all(u.method == "PUT" for u in updates)
    assert len({u.activity_id for u in updates}) == 1  # the same card, updated in place
    done = card_texts(updates[-1])
    assert "Added" in done and "passages" in done and "Try asking" in done
    assert connector.downloads == ["file1"]
    # the staff member's question in a channel is answered from the new document, citing it
    connector.calls.clear()
    question = activity("channel_mention", connector.url, text=f"<at>PSE Assistant</at> {DOCX_QUESTION}",
                        id=f"1718{uuid.uuid4().int % 10**9:09d}")
    await post(server, question)
    answer = "\n".join(card_texts(c) for c in connector.calls)
    assert NAME in answer and "four-week" in answer, answer
    [(actor, _, detail)] = audit_rows(svc.store)
    assert actor == f"teams:{DARA}" and json.loads(detail)["file"] == NAME


def _from_staff(body: dict) -> dict:
    body["from"] = {"id": "29:staffUser", "name": "Nasrin", "aadObjectId": NASRIN}
    return body


async def test_a_staff_members_file_is_refused_and_nothing_is_downloaded(files_teams, connector):
    server, svc = files_teams
    await post(server, _from_staff(file_message(connector, NAME, docx_bytes(svc.settings.home))))
    [call] = connector.calls
    assert "only admins can add documents" in card_texts(call)
    assert connector.downloads == [] and svc.knowledge.documents() == [] and audit_rows(svc.store) == []


async def test_a_binary_file_named_pdf_and_a_foreign_download_link_are_refused(files_teams, connector):
    server, svc = files_teams
    await post(server, file_message(connector, "report.pdf", GARBAGE))
    assert "not a PDF file" in card_texts(connector.calls[-1])
    body = file_message(connector, NAME, b"x")
    body["attachments"][0]["content"]["downloadUrl"] = "https://files.example.com/retail-partner.docx"
    connector.calls.clear()
    await post(server, body)
    assert "not on SharePoint or OneDrive" in card_texts(connector.calls[-1])
    assert connector.downloads == ["file1"]  # only the garbage one was fetched
    assert svc.knowledge.documents() == []


async def test_oversized_file_is_refused_while_downloading(files_teams, connector):
    server, svc = files_teams
    svc.settings = replace(svc.settings, max_ingest_mb=0.01)
    await post(server, file_message(connector, "big.md", ("# Big\n\n" + "word " * 5000).encode()))
    text = card_texts(connector.calls[-1])
    assert "more than the" in text and "Nothing was added" in text
    assert svc.knowledge.documents() == []


def test_only_sharepoint_and_onedrive_links_are_followed(settings):
    secure = replace(settings, teams_insecure_local=False)
    assert file_url_allowed("https://contoso.sharepoint.com/personal/x/file.docx?tempauth=abc", secure)
    assert file_url_allowed("https://contoso-my.sharepoint.com/a.pdf", secure)
    assert not file_url_allowed("http://contoso.sharepoint.com/a.pdf", secure)          # not https
    assert not file_url_allowed("https://sharepoint.com.evil.example/a.pdf", secure)
    assert not file_url_allowed("http://127.0.0.1:8080/files/a.pdf", secure)          # loopback: local trials only
    assert file_url_allowed("http://127.0.0.1:8080/files/a.pdf", replace(secure, teams_insecure_local=True))
    custom = replace(secure, teams_file_hosts=("files.example.org",))
    assert file_url_allowed("https://files.example.org/a.pdf", custom)
    assert not file_url_allowed("https://contoso.sharepoint.com/a.pdf", custom)
