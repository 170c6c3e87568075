"""Teams is closed unless Bot Framework credentials are set, or `--insecure-local-teams` is given for a local trial."""

import json
from dataclasses import replace

from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from adapters.server import build_app
from adapters.teams.handler import is_loopback
from bot.app import Services
from mock_connector import MockConnector

ACTIVITY = {"type": "message", "id": "a1", "text": "partner Acme", "serviceUrl": "http://127.0.0.1:9/evil",
            "channelId": "msteams", "from": {"id": "29:attacker", "aadObjectId": "AAD-ADMIN"},
            "conversation": {"id": "a:conv"}, "recipient": {"id": "28:bot"}}


def counts(store):
    c = store
    return [c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("processed_events", "intake", "teams_conversations", "audit_log")]


async def post(services, body=ACTIVITY):
    client = TestClient(TestServer(build_app(services, slack=False, teams=True), host="127.0.0.1"))
    await client.start_server()
    try:
        resp = await client.post("/api/messages", data=json.dumps(body), headers={"Content-Type": "application/json"})
        return resp.status, await resp.text()
    finally:
        await client.close()


async def test_without_credentials_every_request_is_refused_and_nothing_is_stored(settings, store):
    before = counts(store)
    status, text = await post(Services(settings, knowledge=object(), store=store))
    assert status == 401 and "MICROSOFT_APP_ID" in text and "--insecure-local-teams" in text
    assert counts(store) == before


async def test_the_local_trial_flag_accepts_loopback_requests(settings, store):
    connector = await MockConnector().start()  # the reply goes somewhere that answers (port 9 made the SDK retry ~10 s)
    try:
        body = {**ACTIVITY, "serviceUrl": connector.url}
        status, _ = await post(Services(replace(settings, teams_insecure_local=True), knowledge=object(), store=store),
                               body)
        assert status in (200, 202)
        [reply] = await connector.wait_for(1)
        assert reply.conversation_id == "a:conv"
    finally:
        await connector.stop()


def test_only_loopback_addresses_count_as_local():
    assert is_loopback("127.0.0.1") and is_loopback("::1")
    assert not is_loopback("10.0.0.5") and not is_loopback("192.168.1.2") and not is_loopback(None)


def test_serve_with_the_flag_listens_on_loopback_only(monkeypatch):
    import adapters.server as server
    from bot.cli.main import main

    seen = {}
    monkeypatch.setattr(server.web, "run_app", lambda app, host, port, **kw: seen.update(host=host))
    monkeypatch.setattr(server, "build_app", lambda *a, **k: object())
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "0", "--insecure-local-teams"])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1"
