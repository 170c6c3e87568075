"""Real `pse-bot serve` / `pse-bot scheduler` processes for the crash and scale-out tests.

Each process gets the environment a deployment would: PSE_HOME, DATABASE_URL (PostgreSQL runs), a Slack
signing secret and bot token with SLACK_API_URL pointing at the in-process mock Slack Web API, and Teams in
`--insecure-local-teams` mode (loopback) answering through the mock Bot Framework connector.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp

from mock_slack import encode, fixture, signed_headers
from teams_support import activity

ROOT = Path(__file__).resolve().parents[1]
SECRET = "crash-test-signing-secret"
COUNTRY = "Thailand"
PARTNERS = ("Acme Foods Co.", "Blue Ocean Seafood")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(settings) -> None:
    """Two Thailand partners and the staff users the requests come from (Slack U1…, Teams Dara)."""
    from bot.app import Services
    from bot.message import Message
    from bot.router import route
    from records import access
    from storage.store import Store

    store = Store.open(settings.database)
    try:
        services = Services(settings, store=store)
        for name in PARTNERS:
            reply = route(Message(text=f"partner add {name} --stream innovation --country {COUNTRY}"), services)
            assert reply.ok, reply.text
        for i in range(1, 6):
            access.add_user(store, f"slack:U{i}", "staff", [COUNTRY], actor="test")
        access.add_user(store, "teams:6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "staff", [COUNTRY], actor="test")
    finally:
        store.close()


class Proc:
    def __init__(self, popen: subprocess.Popen, port: int | None, log: Path):
        self.popen = popen
        self.port = port
        self.log = log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill9(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()


def env_for(home: Path, slack_api: str, database_url: str = "") -> dict[str, str]:
    env = dict(os.environ, PSE_HOME=str(home), SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-test",
               SLACK_API_URL=slack_api, PSE_PRELOAD="0", PSE_RATE_PER_MINUTE="10000", PSE_RATE_BURST="10000",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    for var in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "DATABASE_URL"):
        env.pop(var, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


async def start_serve(env: dict[str, str], log: Path, port: int | None = None) -> Proc:
    port = port or free_port()
    out = log.open("ab")
    popen = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--host", "127.0.0.1", "--port",
                              str(port), "--insecure-local-teams"], env=env, cwd=str(ROOT), stdout=out, stderr=out)
    proc = Proc(popen, port, log)
    async with aiohttp.ClientSession() as session:
        for _ in range(600):  # up to a minute on a busy machine, in 0.1 s steps
            if popen.poll() is not None:
                raise RuntimeError(f"pse-bot serve exited ({popen.returncode}):\n{log.read_text()[-3000:]}")
            try:
                async with session.get(proc.url + "/healthz") as r:
                    if r.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    proc.kill9()
    raise RuntimeError("pse-bot serve did not start")


def start_clock(env: dict[str, str], log: Path, *args: str) -> Proc:
    out = log.open("ab")
    popen = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "scheduler", *args], env=env, cwd=str(ROOT),
                             stdout=out, stderr=out)
    return Proc(popen, None, log)


def slash(mock, text: str, user: str = "U1", trigger: str | None = None) -> dict:
    payload = fixture("slash_command", response_url=mock.response_url(uuid.uuid4().hex),
                      trigger_id=trigger or uuid.uuid4().hex)
    payload.update(text=text, user_id=user, user_name=user.lower(), channel_id="C0CRASH", channel_name="pse-th")
    return payload


def dm(text: str, user: str = "U2") -> dict:
    payload = fixture("message_im", event_id="Ev" + uuid.uuid4().hex[:12].upper())
    payload["event"].update(text=text, user=user)
    return payload


def mention(text: str, user: str = "U3") -> dict:
    payload = fixture("app_mention", event_id="Ev" + uuid.uuid4().hex[:12].upper())
    payload["event"].update(text="<@UBOT> " + text, user=user)
    return payload


async def post_slack(session: aiohttp.ClientSession, url: str, kind: str, payload: dict,
                     retry: int | None = None) -> int:
    body, ctype = encode(kind, payload)
    try:
        async with session.post(url + "/slack/events", data=body.encode(),
                                headers=signed_headers(SECRET, body, ctype, retry=retry)) as r:
            await r.read()
            return r.status
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError):
        return 0  # no answer: the server died with the request in flight


async def post_teams(session: aiohttp.ClientSession, url: str, activity: dict) -> int:
    try:
        async with session.post(url + "/api/messages", json=activity) as r:
            await r.read()
            return r.status
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError):
        return 0


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def tag(n: int) -> str:
    """A number as letters: summaries carry no digits, so the privacy check never stops them."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = LETTERS[r] + out
        if n == 0:
            return out


class Burst:
    def __init__(self, mock: MockSlack, connector: MockConnector):
        self.mock = mock
        self.connector = connector
        self.n = 0
        self.acked: dict[str, tuple[str, dict]] = {}    # summary -> (kind, payload)
        self.unacked: dict[str, tuple[str, dict]] = {}

    def requests(self, size: int) -> list[tuple[str, str, dict]]:
        out = []
        for i in range(size):
            self.n += 1
            summary = f"crash check {tag(self.n)}"
            text = f"log {PARTNERS[i % 2]} meeting today: {summary}"
            kind = ("command", "dm", "mention", "teams")[i % 4]
            if kind == "command":
                payload = slash(self.mock, text, user=f"U{1 + i % 5}")
            elif kind == "dm":
                payload = dm(text, user=f"U{1 + i % 5}")
            elif kind == "mention":
                payload = mention(text, user=f"U{1 + i % 5}")
            else:
                payload = activity("personal_message", self.connector.url, text=text,
                                   id=f"1718{uuid.uuid4().int % 10**9:09d}")
            out.append((summary, kind, payload))
        return out

    async def send(self, session, url: str, summary: str, kind: str, payload: dict, retry: int | None = None) -> int:
        if kind == "teams":
            status = await post_teams(session, url, payload)
        else:
            status = await post_slack(session, url, "command" if kind == "command" else "event", payload, retry)
        if status in (200, 202):
            self.acked[summary] = (kind, payload)
            self.unacked.pop(summary, None)
        elif summary not in self.acked:
            self.unacked[summary] = (kind, payload)
        return status


def stored(database, summaries) -> dict[str, int]:
    from storage.store import Store

    store = Store.open(database)
    try:
        rows = store.execute("SELECT summary, COUNT(*) FROM interactions GROUP BY summary").fetchall()
        return {s: n for s, n in rows if s in summaries}
    finally:
        store.close()


def unfinished(database) -> int:
    from storage.store import Store

    store = Store.open(database)
    try:
        return int(store.scalar("SELECT COUNT(*) FROM intake WHERE status != 'done'"))
    finally:
        store.close()
