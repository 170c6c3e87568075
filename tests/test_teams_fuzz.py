"""Fuzzing POST /api/messages (issue 15): random bodies, headers, tokens and activity shapes sent to a running
server. A malformed request gets a 4xx and changes nothing; no request gets a 5xx or a dropped connection; a
stranger's request makes no outbound call (one refresh of the signing keys at most)."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import threading
from contextlib import contextmanager
from dataclasses import replace

from aiohttp import web
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from adapters.server import build_app
from adapters.teams.handler import RUNTIME
from bot.app import Services
from teams_auth_support import APP_ID, ATTACKER_KEY, TEAMS_URL, counts, key_server, outbound, token  # noqa: F401
from teams_support import recorder  # noqa: F401 - fixture

FUZZ = hsettings(max_examples=120, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextmanager
def running(services):
    """`build_app` served on a free loopback port by an event loop in a thread (hypothesis drives it from here)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        app = build_app(services, slack=False, teams=True)
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        state.update(port=site._server.sockets[0].getsockname()[1], runtime=app.get(RUNTIME))
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10), "the server did not start"

    def send(body: bytes, headers: dict[str, str]) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", state["port"], timeout=10)
        try:
            conn.request("POST", "/api/messages", body=body, headers=headers)
            status = conn.getresponse().status
        finally:
            conn.close()
        if state["runtime"] is not None:
            asyncio.run_coroutine_threadsafe(state["runtime"].drain(5), loop).result(10)
        return status

    try:
        yield send
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
service_urls = st.sampled_from(["https://evil.example/", "http://127.0.0.1:9/", TEAMS_URL, "", "not a url",
                                "http://[::1/", "https://smba.trafficmanager.net@evil.example/"]) | json_values
accounts = st.fixed_dictionaries({}, optional={"id": json_values | st.text(max_size=12),
                                               "name": json_values, "aadObjectId": json_values})
activities = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "invoke", "conversationUpdate", "installationUpdate", "event", "typing",
                              "messageReaction", "endOfConversation", "", "MESSAGE"]) | json_values},
    optional={"id": st.text(max_size=12) | json_values, "serviceUrl": service_urls, "channelId": json_values,
              "conversation": st.fixed_dictionaries({}, optional={"id": json_values | st.text(max_size=12),
                                                                   "conversationType": json_values,
                                                                   "tenantId": json_values}) | json_values,
              "from": accounts | json_values, "recipient": accounts | json_values, "text": json_values,
              "value": json_values, "name": json_values, "membersAdded": st.lists(accounts) | json_values,
              "membersRemoved": st.lists(accounts) | json_values, "entities": json_values,
              "attachments": json_values, "channelData": json_values, "action": json_values,
              "timestamp": json_values, "localTimezone": json_values, "replyToId": json_values})


def _encode(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


bodies = (st.binary(max_size=200) | json_values.map(_encode) | activities.map(_encode)
          | st.sampled_from([b"", b"{", b"null", b"[]", b'{"type":"message"', b"\xff\xfe{}", b'"message"']))
def _raw_jwt(header, claims, signature: bytes) -> str:
    """A JWT-shaped string with any header and claims (PyJWT would refuse to encode malformed ones)."""
    part = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()  # noqa: E731
    return ".".join((part(_encode(header)), part(_encode(claims)), part(signature)))


forged_tokens = st.one_of(
    st.text(max_size=60),
    st.builds(_raw_jwt, st.dictionaries(st.sampled_from(["alg", "kid", "typ"]), json_values, max_size=3),
              st.dictionaries(st.sampled_from(["iss", "aud", "exp", "serviceurl", "appid"]), json_values, max_size=5),
              st.binary(max_size=40)),
    st.builds(lambda kid, aud: token(key=ATTACKER_KEY, kid=kid, aud=aud),
              st.text(min_size=1, max_size=8), st.sampled_from([APP_ID, "someone-else"])),
)
header_sets = st.fixed_dictionaries(
    {"Content-Type": st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", "",
                                      "application/x-www-form-urlencoded", "application/jsonx"])},
    optional={"Authorization": st.one_of(forged_tokens.map(lambda t: "Bearer " + t), st.text(max_size=40)),
              "X-Ms-Conversation-Id": st.text(max_size=20), "channelid": st.text(max_size=10)})


def _printable(headers: dict[str, str]) -> dict[str, str]:
    """http.client refuses header values with control characters or non-Latin-1 letters; keep the rest."""
    out = {}
    for key, value in headers.items():
        value = "".join(ch for ch in value if 32 <= ord(ch) < 127)
        out[key] = value.strip()
    return out


def test_strangers_get_4xx_change_nothing_and_call_nobody(settings, store, key_server, outbound, recorder):
    services = Services(replace(settings, microsoft_app_id=APP_ID, microsoft_app_password="secret"),
                        knowledge=object(), store=store)
    before = counts(store)
    statuses = []
    with running(services) as send:
        @FUZZ
        @given(body=bodies, headers=header_sets)
        def check(body, headers):
            status = send(body, _printable(headers))
            statuses.append(status)
            assert 400 <= status < 500, (status, body[:200], headers)

        check()
    assert counts(store) == before and recorder.messages == []
    assert key_server.fetches <= 1 and outbound == []
    assert {401, 415} <= set(statuses)


local_activities = activities.map(lambda a: _encode({**a, "serviceUrl": "http://127.0.0.1:9/"}))


def test_the_local_trial_never_answers_5xx_and_refusals_change_nothing(settings, store, outbound, recorder):
    services = Services(replace(settings, teams_insecure_local=True), knowledge=object(), store=store)
    seen = []
    with running(services) as send:
        @FUZZ
        @given(body=bodies | local_activities, content_type=st.sampled_from(["application/json", "text/plain"]))
        def check(body, content_type):
            before = counts(store)
            status = send(body, {"Content-Type": content_type})
            seen.append(status)
            assert status < 500, (status, body[:300])
            if status >= 400:
                assert counts(store) == before, (status, body[:300])

        check()
    assert outbound == []
    assert any(s >= 400 for s in seen) and any(s < 300 for s in seen)
