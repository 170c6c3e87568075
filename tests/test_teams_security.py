"""Teams security (issue 15): replies and digests go only to Bot Framework's own service URLs, and a stranger's
request makes the server call nobody (beyond one cached refresh of the signing keys) and gets a 401."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.teams import conversations, service_urls
from adapters.teams.sender import TeamsSender
from bot.app import Services
from bot.delivery import DeliveryGone
from bot.reply import Reply
from bot.settings import TEAMS_SERVICE_URL_HOSTS, Settings
from teams_auth_support import (APP_ID, ATTACKER_KEY, KID, TEAMS_URL, counts, key_server, outbound,  # noqa: F401
                                token)
from teams_support import CHANNEL, activity, connector, recorder  # noqa: F401 - fixtures


@pytest.fixture
def secured(settings):
    return replace(settings, microsoft_app_id=APP_ID, microsoft_app_password="client-secret")


async def post(services, body, headers=None):
    client = TestClient(TestServer(build_app(services, slack=False, teams=True), host="127.0.0.1"))
    await client.start_server()
    try:
        resp = await client.post("/api/messages", data=json.dumps(body) if not isinstance(body, bytes) else body,
                                 headers={"Content-Type": "application/json", **(headers or {})})
        text = await resp.text()
        runtime = client.app.get(__import__("adapters.teams.handler", fromlist=["RUNTIME"]).RUNTIME)
        if runtime is not None:
            await runtime.drain(5)
        return resp.status, text
    finally:
        await client.close()


# ------------------------------------------------------------------------------------------- service URL allow-list

@pytest.mark.parametrize("url", [
    "https://smba.trafficmanager.net/amer/", "https://smba.trafficmanager.net/emea/",
    "https://smba.infra.gcc.teams.microsoft.com/teams", "https://smba.infra.gov.teams.microsoft.us/teams",
    "https://smba.infra.dod.teams.microsoft.us/teams", "https://europe.webchat.botframework.com/",
    "https://directline.botframework.com/",
])
def test_official_bot_framework_hosts_are_allowed(settings, url):
    assert service_urls.allowed(url, settings)


@pytest.mark.parametrize("url", [
    "https://evil.example/", "http://smba.trafficmanager.net/amer/", "https://smba.trafficmanager.net.evil.example/",
    "https://smba.trafficmanager.net@evil.example/", "https://user:pw@smba.trafficmanager.net/",
    "https://evilbotframework.com/", "https://botframework.com.evil.example/", "ftp://smba.trafficmanager.net/",
    "http://127.0.0.1:9/", "http://localhost:3978/", "http://[::1]:80/", "https://169.254.169.254/latest/",
    "", None, 42, "https://smba.trafficmanager.net:notaport/", "//smba.trafficmanager.net/", "smba.trafficmanager.net",
])
def test_other_service_urls_are_refused(settings, url):
    assert not service_urls.allowed(url, settings)


def test_loopback_is_allowed_only_for_the_local_trial(settings):
    local = replace(settings, teams_insecure_local=True)
    for url in ("http://127.0.0.1:9/", "http://localhost:3978/", "http://[::1]:80/"):
        assert service_urls.allowed(url, local) and not service_urls.allowed(url, settings)
    assert not service_urls.allowed("https://evil.example/", local)


def test_the_allow_list_is_a_documented_setting(tmp_path):
    assert Settings.from_env({"PSE_HOME": str(tmp_path)}).teams_service_url_hosts == TEAMS_SERVICE_URL_HOSTS
    custom = Settings.from_env({"PSE_HOME": str(tmp_path), "TEAMS_SERVICE_URL_HOSTS": " Bots.Example.org, *.ex.net"})
    assert custom.teams_service_url_hosts == ("bots.example.org", "*.ex.net")
    assert service_urls.allowed("https://a.ex.net/", custom) and not service_urls.allowed(TEAMS_URL, custom)
    for bad in ("127.0.0.1", "localhost", "*", "a.example/path"):
        with pytest.raises(SystemExit, match="TEAMS_SERVICE_URL_HOSTS"):
            Settings.from_env({"PSE_HOME": str(tmp_path), "TEAMS_SERVICE_URL_HOSTS": bad})


async def test_an_activity_naming_another_service_url_is_refused_and_changes_nothing(settings, store, recorder,
                                                                                   connector, outbound):
    services = Services(replace(settings, teams_insecure_local=True), knowledge=object(), store=store)
    before = counts(store)
    for url in ("https://evil.example/", "http://10.0.0.5:8080/", "https://smba.trafficmanager.net.evil.example/"):
        for name in ("personal_message", "conversation_update_added", "installation_update"):
            status, text = await post(services, activity(name, url))
            assert status == 403 and "serviceUrl" in text
    assert counts(store) == before and connector.calls == [] and recorder.messages == []
    assert outbound == []


async def test_a_stored_conversation_is_not_redirected(settings, store, recorder, connector):
    services = Services(replace(settings, teams_insecure_local=True), knowledge=object(), store=store)
    assert (await post(services, activity("conversation_update_added", connector.url)))[0] in (200, 202)
    stored = conversations.get(store, CHANNEL)
    status, _ = await post(services, activity("conversation_update_added", "https://evil.example/",
                                              id="f:another"))
    assert status == 403
    assert conversations.get(store, CHANNEL) == stored


async def test_a_stored_reference_to_another_host_is_never_used_for_digests(settings, store, outbound, connector):
    for url in ("https://evil.example/", connector.url):  # the loopback connector: only in the local trial
        ref = {"bot": {"id": "28:bot"}, "conversation": {"id": CHANNEL}, "channelId": "msteams", "serviceUrl": url}
        conversations.save(store, CHANNEL, ref, url, "t1", "channel")
        with pytest.raises(DeliveryGone, match="not an allowed Bot Framework host"):
            await TeamsSender.from_settings(settings, store).send(CHANNEL, Reply(text="Weekly digest"))
        assert conversations.get(store, CHANNEL)["active"]
    assert outbound == [] and connector.calls == []


async def test_outgoing_calls_are_refused_at_the_connector_too(settings, store, outbound):
    """Even a caller that skips the sender's check cannot make the adapter call another host."""
    from botbuilder.schema import ConversationReference

    sender = TeamsSender.from_settings(settings, store)
    ref = ConversationReference(service_url="https://evil.example/", channel_id="msteams",
                                conversation={"id": CHANNEL}, bot={"id": "28:bot"})
    with pytest.raises(service_urls.ServiceUrlRefused):
        await sender.adapter.continue_conversation(ref, lambda ctx: None, APP_ID)
    assert outbound == []


# ------------------------------------------------------------------------------ unauthenticated requests call nobody

def _forged() -> list[dict]:
    none = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIn0."
    return [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Bearer abc"},
            {"Authorization": "Bearer a.b.c"}, {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer " + none}, {"Authorization": "Bearer  " + token()},
            {"Authorization": "Bearer " + token(kid=None)},
            {"Authorization": "Bearer " + token(iss=None)}, {"Authorization": "Bearer " + token(iss="https://evil.example")},
            {"Authorization": "Bearer " + token(aud="someone-else")},
            {"Authorization": "Bearer " + token(exp=1_000_000_000)},
            {"Authorization": "Bearer " + "x" * 8000}]


async def test_a_forged_authorization_header_gets_401_before_any_key_fetch(secured, store, key_server, outbound):
    services = Services(secured, knowledge=object(), store=store)
    before = counts(store)
    for headers in _forged():
        status, _ = await post(services, activity("personal_message", TEAMS_URL), headers)
        assert status == 401, headers
    assert key_server.fetches == 0 and outbound == [] and counts(store) == before


async def test_a_well_formed_forged_token_costs_at_most_one_cached_key_fetch(secured, store, key_server, outbound):
    services = Services(secured, knowledge=object(), store=store)
    before = counts(store)
    forged = [token(key=ATTACKER_KEY), token(key=ATTACKER_KEY, kid="unknown-key"), token(kid="another-unknown")]
    for bearer in forged * 3:
        status, _ = await post(services, activity("personal_message", TEAMS_URL), {"Authorization": "Bearer " + bearer})
        assert status == 401
    assert key_server.fetches == 1 and outbound == [] and counts(store) == before


async def test_when_the_keys_cannot_be_fetched_strangers_get_401_and_no_retry_storm(secured, store, key_server,
                                                                                    outbound):
    key_server.fail = True
    services = Services(secured, knowledge=object(), store=store)
    for _ in range(5):
        status, _ = await post(services, activity("personal_message", TEAMS_URL),
                               {"Authorization": "Bearer " + token(key=ATTACKER_KEY)})
        assert status == 401
    assert key_server.fetches == 1 and outbound == [] and counts(store) == [0, 0, 0]


async def test_a_genuine_token_is_accepted(secured, store, key_server, outbound, recorder):
    """The real botbuilder verification still runs: a token signed with Bot Framework's (mocked) key gets in."""
    services = Services(secured, knowledge=object(), store=store)
    body = activity("conversation_update_added", TEAMS_URL, membersAdded=[{"id": "29:someone"}])
    status, _ = await post(services, body, {"Authorization": "Bearer " + token()})
    assert status in (200, 202)
    assert conversations.get(store, CHANNEL)["service_url"] == TEAMS_URL
    assert key_server.fetches == 1 and outbound == []


async def test_a_genuine_token_naming_another_service_url_is_refused(secured, store, key_server, outbound):
    services = Services(secured, knowledge=object(), store=store)
    evil = "https://evil.example/"
    status, _ = await post(services, activity("personal_message", evil),
                           {"Authorization": "Bearer " + token(service_url=evil)})
    assert status == 403 and counts(store) == [0, 0, 0] and outbound == []
