"""A document shared with the bot, the same way on every platform: refuse early, answer at once, download,
show progress on that same message, then say what was added.

The platform gives three things: who shared what (`describe`, called only once the sharer is known to be an
admin, so nothing about a refused share is fetched), how to download it (`download`), and a `Surface` that can
post a message, update it and say a one-off reply. The work item stays in the durable inbox until done; its
lease is renewed while the file is read, so no sweeper redoes a long but healthy ingest, and a redo after a
crash says so (intents/kb_files.py words it).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Protocol

import aiohttp

from adapters.common.errors import failure_reply, new_ref
from adapters.common.workers import Workers
from bot.message import Message
from bot.reply import Reply
from intents import kb_files
from knowledge.shared_files import safe_name
from storage import intake

log = logging.getLogger("pse.adapters.files")

UPDATE_EVERY_S = 1.0     # at most one progress update a second (Slack's chat.update limit is about 1/s)
RENEW_EVERY_S = 10.0     # extend the inbox lease this often while the file is read (a third of it at most)
DOWNLOAD_TIMEOUT_S = 120.0
INCOMING = ".incoming"


@dataclass(frozen=True)
class SharedFile:
    name: str
    size: int | None
    url: str


class TooLarge(Exception):
    def __init__(self, size: int | None):
        super().__init__(f"{size} bytes")
        self.size = size


class DownloadFailed(Exception):
    """The file could not be fetched; the message says why, for the person."""


class Surface(Protocol):
    async def post(self, reply: Reply) -> Any: ...            # returns a handle for `update`

    async def update(self, handle: Any, reply: Reply) -> None: ...

    async def say(self, reply: Reply) -> None: ...


Download = Callable[[SharedFile, Path, int], Awaitable[None]]


async def fetch(url: str, dest: Path, max_bytes: int, headers: dict[str, str] | None = None,
                follow_redirects: bool = True) -> int:
    """Stream `url` into `dest`; TooLarge as soon as it passes `max_bytes`. Returns the size."""
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_S)
    size = 0
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(url, headers=headers or {}, allow_redirects=follow_redirects) as r:
                if r.status != 200:
                    raise DownloadFailed(f"the server answered {r.status}")
                if r.content_length is not None and r.content_length > max_bytes:
                    raise TooLarge(r.content_length)
                with dest.open("wb") as out:
                    async for chunk in r.content.iter_chunked(64 * 1024):
                        size += len(chunk)
                        if size > max_bytes:
                            raise TooLarge(None)
                        out.write(chunk)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise DownloadFailed(type(exc).__name__) from exc
    return size


class Progress:
    """Stage reports from the ingest thread, shown on the message at most once per UPDATE_EVERY_S."""

    def __init__(self, loop: asyncio.AbstractEventLoop, show: Callable[[str], Awaitable[None]],
                 renew: Callable[[], Awaitable[None]] | None = None, renew_every: float = RENEW_EVERY_S):
        self.loop = loop
        self.renew_every = renew_every
        self.show = show
        self.renew = renew
        self.latest = ""
        self.shown = ""
        self.changed = asyncio.Event()
        self.done = False

    def report(self, text: str) -> None:
        """Thread-safe: remember the newest text and wake the pump."""
        self.loop.call_soon_threadsafe(self._set, text)

    def _set(self, text: str) -> None:
        self.latest = text
        self.changed.set()

    async def pump(self) -> None:
        last_renew = time.monotonic()
        last = last_renew - UPDATE_EVERY_S  # the first step shows at once
        while not self.done:
            try:
                await asyncio.wait_for(self.changed.wait(), self.renew_every)
            except asyncio.TimeoutError:
                pass
            if self.done:
                return
            if self.renew is not None and time.monotonic() - last_renew >= self.renew_every:
                last_renew = time.monotonic()
                try:
                    await self.renew()
                except Exception:  # noqa: BLE001 - a database hiccup; the next renewal may work
                    log.warning("could not renew the inbox lease of a shared file", exc_info=True)
            wait = UPDATE_EVERY_S - (time.monotonic() - last)
            if wait > 0:
                await asyncio.sleep(wait)
            self.changed.clear()
            if self.done or self.latest == self.shown:
                continue
            self.shown = self.latest
            last = time.monotonic()
            try:
                await self.show(self.shown)
            except Exception:  # noqa: BLE001 - progress is a courtesy; the final answer still comes
                log.warning("could not update the progress message", exc_info=True)


class FileShares:
    """One per server: runs every shared file, whatever the platform."""

    def __init__(self, services, workers: Workers):
        self.services = services
        self.workers = workers

    async def run(self, message: Message, name: str, describe: Callable[[], Awaitable[SharedFile]],
                  download: Download, surface: Surface) -> None:
        services = self.services
        refused = await self.workers.in_thread(kb_files.not_admin, services, message, name)
        if refused is not None:
            await surface.say(refused)
            return
        file = await describe()
        refused = kb_files.unsuitable(services, file.name, file.size)
        if refused is not None:
            await surface.say(refused)
            return
        redo = bool(message.delivery_key) and \
            await self.workers.quick(intake.attempts, services.store, message.delivery_key) > 1
        handle = await surface.post(Reply(text=kb_files.reading(file.name, redo)))
        try:
            reply = await self._read(message, file, download, surface, handle, redo)
        except Exception:  # noqa: BLE001 - the person is told, with a reference; the file was not half-added
            reply = failure_reply(log, "reading a shared file")
        try:
            await surface.update(handle, reply)
        except Exception:  # noqa: BLE001 - the message may be gone: say the result anew
            log.warning("could not update the message with the result; posting it", exc_info=True)
            await surface.say(reply)

    async def _read(self, message: Message, file: SharedFile, download: Download, surface: Surface, handle: Any,
                    redo: bool) -> Reply:
        settings = self.services.settings
        folder = settings.documents_dir / INCOMING
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f"{uuid.uuid4().hex[:12]}-{safe_name(file.name)}"

        async def show(text: str) -> None:
            await surface.update(handle, Reply(text=text))

        async def renew() -> None:
            if message.delivery_key:
                await self.workers.quick(intake.renew, self.services.store, message.delivery_key)

        every = min(RENEW_EVERY_S, intake.lease().total_seconds() / 3)
        progress = Progress(asyncio.get_running_loop(), show, renew, every)
        pump = asyncio.ensure_future(progress.pump())
        try:
            progress.report(kb_files.progress(file.name, "downloading"))
            try:
                await download(file, staged, settings.max_ingest_bytes)
            except TooLarge as exc:
                return kb_files.too_large(file.name, exc.size or file.size, settings.max_ingest_bytes)
            except DownloadFailed as exc:
                log.warning("could not download a shared file: %s", exc, extra={"ref": new_ref()})
                return kb_files.download_failed(file.name, str(exc))

            def stage(what: str, done: int, total: int) -> None:
                progress.report(kb_files.progress(file.name, what, done, total))

            return await self.workers.in_thread(kb_files.add, self.services, message, staged, file.name, stage,
                                                redo)
        finally:
            progress.done = True
            progress.changed.set()
            await pump
            staged.unlink(missing_ok=True)
