"""A local stand-in for the Slack Web API (and response_url / file upload URLs), served over real HTTP.

Every call is recorded as (method, data); tests wait for the calls they expect. `fail` makes a method answer
with a Slack error, e.g. ``mock.fail["chat.postMessage"] = "channel_not_found"``; `refuse` makes every call
aimed at one conversation (chat.postMessage / chat.postEphemeral / chat.update `channel`,
files.completeUploadExternal `channel_id`) answer with an error, e.g. ``mock.refuse["C0PRIV"] = "not_in_channel"``.
Files upload v2 is served as Slack does it: files.getUploadURLExternal gives an upload URL on this server, the
bytes are POSTed there (recorded as method "upload" with their size), files.completeUploadExternal shares them.
Files shared with the bot: `add_file(name, data)` keeps bytes and returns the file object an event carries;
`files.info` describes it and GET /files/{id}/{name} serves it to a caller with the bot token (recorded as
method "download"; any other caller gets 403).
Also usable from the bench: ``MockSlack()`` then ``await mock.start()``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    method: str
    data: dict[str, Any]
    at: float

    def blocks_text(self) -> str:
        from adapters.slack.blocks import message_text

        blocks = self.data.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        return (self.data.get("text") or "") + "\n" + message_text(blocks)


class MockSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.fail: dict[str, str] = {}
        self.refuse: dict[str, str] = {}
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, dict[str, Any]] = {}     # shared files: id -> file object (with "_data")
        self.bot_token = "xoxb-test-token"
        self._ts = itertools.count(1)
        self.server: TestServer | None = None
        self.bot_user_id = "UBOT"
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []

    # -- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> "MockSlack":
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk calls files.info with GET
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{hook}", self._response)
        app.router.add_get("/files/{file_id}/{name}", self._download)
        app.router.add_get("/socket", self._socket)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.close_sockets()
        if self.server is not None:
            await self.server.close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/")).rstrip("/")

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def response_url(self, hook: str = "hook") -> str:
        return f"{self.base}/response/{hook}"

    # -- inspection ------------------------------------------------------------------------------------------

    def of(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (where is None or where(c))]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 20.0,
                       where: Callable[[Call], bool] | None = None) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.of(method, where)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {method} call(s) within {timeout}s; got {self.methods()}")
            await asyncio.sleep(0.02)

    async def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Wait until no new call arrived for `quiet` seconds (to show that nothing MORE happens)."""
        deadline = time.monotonic() + timeout
        seen = len(self.calls)
        last = time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if len(self.calls) != seen:
                seen, last = len(self.calls), time.monotonic()
            elif time.monotonic() - last >= quiet:
                return

    # -- handlers --------------------------------------------------------------------------------------------

    async def _data(self, request: web.Request) -> dict[str, Any]:
        data: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                data.update(body)
        elif request.can_read_body:
            form = await request.post()
            data.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in ("blocks", "view", "files"):
            if isinstance(data.get(key), str):
                try:
                    data[key] = json.loads(data[key])
                except ValueError:
                    pass
        data["_auth"] = request.headers.get("Authorization", "")
        return data

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        data = await self._data(request)
        self.calls.append(Call(method, data, time.monotonic()))
        if method in self.fail:
            return web.json_response({"ok": False, "error": self.fail[method]})
        target = data.get("channel_id") if method == "files.completeUploadExternal" else data.get("channel")
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "files.completeUploadExternal") \
                and str(target) in self.refuse:
            return web.json_response({"ok": False, "error": self.refuse[str(target)]})
        return web.json_response(self._answer(method, data))

    def _answer(self, method: str, data: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "url": "https://example.slack.com/", "team": "Test", "user": "pse",
                    "team_id": "T0001", "user_id": self.bot_user_id, "bot_id": "B0001"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": data.get("channel"), "ts": ts, "message": {"text": data.get("text")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            return {"ok": True, "view": {"id": "V0001", **(data.get("view") or {})}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(data.get("users", "USER"))[1:]}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.base.replace("http://", "ws://") + "/socket"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.info":
            f = self.files.get(str(data.get("file")))
            if f is None:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": {k: v for k, v in f.items() if k != "_data"}}
        if method == "files.completeUploadExternal":
            files = data.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        return {"ok": True}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then relay envelopes pushed by the test and record the app's acks."""
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0001"}, "debug_info": {"host": "mock"}})
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(msg.data))
        return ws

    async def push(self, envelope: dict[str, Any], timeout: float = 20.0) -> None:
        """Send one Socket Mode envelope to the connected app (waits for the connection)."""
        deadline = time.monotonic() + timeout
        while not [w for w in self.sockets if not w.closed]:
            if time.monotonic() > deadline:
                raise AssertionError("the app never opened a Socket Mode connection")
            await asyncio.sleep(0.05)
        ws = [w for w in self.sockets if not w.closed][-1]
        await ws.send_json(envelope)

    async def wait_socket_ack(self, envelope_id: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ack in self.socket_acks:
                if ack.get("envelope_id") == envelope_id:
                    return ack
            await asyncio.sleep(0.02)
        raise AssertionError(f"no Socket Mode ack for {envelope_id}; got {self.socket_acks}")

    async def close_sockets(self) -> None:
        for ws in self.sockets:
            await ws.close()

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.uploads[request.match_info["file_id"]] = body
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"], "size": len(body)},
                               time.monotonic()))
        return web.Response(text=f"OK - {len(body)}")

    def add_file(self, name: str, data: bytes, mimetype: str = "application/octet-stream",
                 size: int | None = None, stub: bool = True) -> dict[str, Any]:
        """Keep a file someone shares; returns what a message event carries for it (a stub, as Slack sends
        with file_access "check_file_info", unless `stub` is False). `size` overrides the size files.info tells."""
        file_id = f"F{next(self._ts):08d}"
        url = f"{self.base}/files/{file_id}/{name}"
        self.files[file_id] = {"id": file_id, "name": name, "title": name, "mimetype": mimetype,
                               "filetype": name.rsplit(".", 1)[-1], "size": len(data) if size is None else size,
                               "url_private": url, "url_private_download": url + "?download=1", "_data": data}
        if stub:
            return {"id": file_id, "mode": "hosted", "file_access": "check_file_info"}
        return {k: v for k, v in self.files[file_id].items() if k != "_data"}

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        auth = request.headers.get("Authorization", "")
        self.calls.append(Call("download", {"file": file_id, "_auth": auth}, time.monotonic()))
        f = self.files.get(file_id)
        if f is None:
            return web.Response(status=404, text="not found")
        if auth != f"Bearer {self.bot_token}":
            return web.Response(status=403, text="<html>sign in</html>", content_type="text/html")
        return web.Response(body=f["_data"], content_type=f["mimetype"])

    async def _response(self, request: web.Request) -> web.Response:
        data = await self._data(request)
        data["hook"] = request.match_info["hook"]
        self.calls.append(Call("response_url", data, time.monotonic()))
        if "response_url" in self.fail:
            return web.Response(status=404, text=self.fail["response_url"])
        return web.Response(text="ok")


# -- signed requests, as Slack sends them -------------------------------------------------------------------------

FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures" / "slack"


def fixture(name: str, **subs: Any) -> dict[str, Any]:
    """A stored Slack payload with `{placeholder}` string values filled in from `subs`."""
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))

    def fill(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: fill(v) for k, v in x.items()}
        if isinstance(x, list):
            return [fill(v) for v in x]
        if isinstance(x, str) and x.startswith("{") and x.endswith("}") and x[1:-1] in subs:
            return subs[x[1:-1]]
        return x

    return fill(data)


def signature(secret: str, timestamp: str, body: str) -> str:
    import hashlib
    import hmac

    base = f"v0:{timestamp}:{body}".encode("utf-8")
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: str, content_type: str, timestamp: int | None = None,
                   retry: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": signature(secret, ts, body)}
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


def encode(kind: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(body, content type) for a payload: slash commands are form-encoded, interactivity is payload=JSON,
    Events API callbacks are JSON."""
    from urllib.parse import urlencode

    if kind == "command":
        return urlencode(payload), "application/x-www-form-urlencoded"
    if kind == "interaction":
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    return json.dumps(payload), "application/json"
