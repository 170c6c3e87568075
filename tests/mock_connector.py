"""A local stand-in for the Bot Framework connector (the Teams service URL) that records what the bot sends.

It implements the calls the bot makes: send to a conversation, reply to an activity, update an activity, and
create a conversation (a private chat). `refuse[conversation_id] = 403` makes it reject sends there.
`add_file(name, data)` serves a file a user sends in Teams at GET /files/{id}/{name} (its `downloadUrl`, as
SharePoint would: no auth header needed) and returns the message attachment; downloads are recorded in
`downloads`.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def cards(self) -> list[dict]:
        return [a["content"] for a in self.body.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]


class MockConnector:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.created: list[dict] = []
        self.refuse: dict[str, int] = {}
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> "MockConnector":
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_get("/files/{fid}/{name}", self._file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _send(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        aid = request.match_info.get("aid")
        body = await request.json()
        self.calls.append(Call(request.method, cid, aid, body, dict(request.headers)))
        self._changed.set()
        status = self.refuse.get(cid.split(";messageid=")[0])
        if status:
            return web.json_response({"error": {"code": "BotNotInConversationRoster",
                                                "message": "The bot is not part of the conversation roster."}},
                                     status=status)
        return web.json_response({"id": aid if request.method == "PUT" else f"act-{next(self._ids)}"})

    def add_file(self, name: str, data: bytes) -> dict:
        """Serve a file and return the attachment Teams puts on the message that carries it."""
        fid = f"file{next(self._ids)}"
        self.files[fid] = data
        ext = name.rsplit(".", 1)[-1] if "." in name else ""
        return {"contentType": "application/vnd.microsoft.teams.file.download.info",
                "contentUrl": f"https://contoso.sharepoint.com/personal/dara/Documents/{name}", "name": name,
                "content": {"downloadUrl": f"{self.url}files/{fid}/{name}", "uniqueId": fid, "fileType": ext}}

    async def _file(self, request: web.Request) -> web.Response:
        fid = request.match_info["fid"]
        self.downloads.append(fid)
        if fid not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[fid], content_type="application/octet-stream")

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.created.append(body)
        member = (body.get("members") or [{}])[0].get("id", "someone")
        return web.json_response({"id": f"a:dm-{member}", "activityId": None, "serviceUrl": self.url})

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Call]:
        """Wait until at least `count` calls arrived (replies are sent before the HTTP response, but be safe)."""
        async def wait() -> None:
            while len(self.calls) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(wait(), timeout)
        return self.calls


def text_blocks(card: dict) -> list[str]:
    """The text of every TextBlock (and RichTextBlock) in an Adaptive Card, in document order."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                out.append(node["text"])
            elif node.get("type") == "RichTextBlock":  # literal text (table cells): its runs joined
                out.append("".join(r.get("text", "") for r in node.get("inlines", [])))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(card)
    return out
