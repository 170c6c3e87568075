"""A shared document is never half-added: a real `pse-bot serve` is killed with SIGKILL while it embeds a
document an admin shared in Slack. Right after the kill the document is either absent or complete (the index
writes a document in one transaction); after the restart the intake sweeper redoes the share once its lease ran
out, the document is then complete, and the admin is told which it was (added now, or already complete)."""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp
import pytest

from mock_slack import MockSlack, fixture
from records import access
from serve_support import env_for, post_slack, start_serve, unfinished
from storage.store import Store

pytestmark = pytest.mark.slow

ADMIN = "U9ADMIN"
NAME = "store-visits.md"
LEASE_S = "4"  # the sweeper may take the item over 4 s after the killed process last renewed it


def long_document() -> bytes:
    sections = [f"## Visit {i}: what the buddy checks\n\n" + " ".join(
        f"On visit {i} the case worker checks shelf {j} and asks the buddy about shift {j}." for j in range(14))
        for i in range(200)]
    return ("# Store visit handbook\n\n" + "\n\n".join(sections)).encode()


def document_state(settings) -> tuple[int, str] | None:
    """(passages, checksum) of the shared document in the database, or None when it is not there."""
    store = Store.open(settings.database)
    try:
        row = store.execute("SELECT chunks, sha256 FROM kb_documents WHERE source = ?",
                            (str((settings.home / "documents" / NAME).resolve()),)).fetchone()
        return (row[0], row[1]) if row else None
    finally:
        store.close()


async def wait_update(mock: MockSlack, word: str, timeout: float) -> str:
    [*_, call] = await mock.wait_for("chat.update", timeout=timeout, where=lambda c: word in c.blocks_text())
    return call.blocks_text()


async def test_a_share_killed_mid_ingest_is_complete_or_absent_and_the_admin_is_told(settings, bundled_kb, tmp_path):
    from kb_support import copy_knowledge

    store = Store.open(settings.database)
    try:
        access.add_user(store, f"slack:{ADMIN}", "admin", ["Thailand"], actor="test")
        # the bundled guidance already indexed (copied from the session's index), so the server starts at once
        copy_knowledge(bundled_kb, store, settings.index_dir)
    finally:
        store.close()
    mock = await MockSlack().start()
    mock.bot_token = "xoxb-test"
    env = env_for(settings.home, mock.api_url, settings.database_url) | {"PSE_INTAKE_LEASE_S": LEASE_S}
    log = tmp_path / "serve.log"
    payload = fixture("file_share_im", event_id="Ev" + uuid.uuid4().hex[:12].upper())
    shared = mock.add_file(NAME, long_document(), "text/markdown")
    payload["event"].update(user=ADMIN, channel="D9ADMIN", files=[shared])
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            server = await start_serve(env, log)
            assert await post_slack(session, server.url, "event", payload) == 200
            await wait_update(mock, "embedding passages", timeout=120)
            server.kill9()
            at_kill = document_state(settings)
            assert unfinished(settings.database) == 1, "the share was not left in the inbox"
            seen = len(mock.calls)

            server = await start_serve(env, log)
            restarted = time.monotonic()
            [again] = await mock.wait_for("chat.postMessage", timeout=60,
                                          where=lambda c: mock.calls.index(c) >= seen and "again" in c.blocks_text())
            assert "restarted" in again.blocks_text()
            final = await wait_update(mock, "restart", timeout=120)
            after = document_state(settings)
            assert after is not None and after[0] > 100, after
            if at_kill is None:
                assert "nothing of it had been stored" in final and "Added" in final, final
            else:  # it had made it in whole before the kill: the same version, nothing redone
                assert at_kill == after and "already up to date" in final and "restarted" in final, final
            while unfinished(settings.database) and time.monotonic() - restarted < 30:
                await asyncio.sleep(0.1)
            assert unfinished(settings.database) == 0
            print({"present_at_kill": at_kill is not None, "told": final.splitlines()[0][:200]})
            server.stop()
    finally:
        await mock.close()
