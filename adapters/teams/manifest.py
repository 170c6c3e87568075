"""The Teams app package behind `pse-bot teams-manifest`: manifest.json plus two generated icons, zipped.

Upload the zip in Teams (Apps → Manage your apps → Upload an app) or in the Teams Developer Portal.
The icons are drawn here as tiny hand-written PNGs, so nothing binary has to live in the repository.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable

SCHEMA_URL = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.16/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.16"
ACCENT = (0x1F, 0x6F, 0x8B)
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z0-9-]{2,63}(:\d{1,5})?$")

# The words Teams suggests in the compose box (max 10 per list; title ≤ 32, description ≤ 128 characters),
# generated from the intent registry so they always say what the commands do. Most used first; admin-only
# intents are left out (admins type them anyway), and so is anything past the tenth.
MAX_COMMANDS, MAX_TITLE, MAX_DESCRIPTION = 10, 32, 128
PRIORITY = ("help", "ask", "log", "partner", "pipeline", "stage", "report", "digest", "frame", "diligence")


def describe(summary: str, limit: int = MAX_DESCRIPTION) -> str:
    """An intent's one-line summary as a Teams command description: plain text, capitalised, within `limit`
    (cut at a clause boundary when possible, else at a word, with an ellipsis)."""
    text = " ".join(summary.replace("`", "").split())
    text = text[:1].upper() + text[1:]
    if len(text) <= limit:
        return text
    for mark in ("; ", ": ", " (", ", "):
        cut = text.rfind(mark, 0, limit)
        if cut >= limit // 3:
            return text[:cut].rstrip(" ,;:")
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def command_list() -> tuple[tuple[str, str], ...]:
    """(title, description) for the Teams command menu, from intents.REGISTRY and each INTENT's summary."""
    import intents
    from bot.message import Message

    probe = Message(text="", user_id="", platform="teams")
    chosen = []
    for name, _module, _words in intents.REGISTRY:
        intent = intents.load(name)
        if intent.required_role(probe) == "admin" or len(name) > MAX_TITLE:
            continue
        chosen.append((name, describe(intent.summary)))
    rank = {n: i for i, n in enumerate(PRIORITY)}
    chosen.sort(key=lambda c: rank.get(c[0], len(rank)))
    return tuple(chosen[:MAX_COMMANDS])


class ManifestError(ValueError):
    """The package cannot be built as asked; the message says what to give instead."""


def manifest(app_id: str, host: str, version: str = "1.0.0") -> dict:
    app_id = (app_id or "").strip()
    if not app_id:
        raise ManifestError("No bot app id: pass --app-id (the Microsoft App ID of your Azure Bot, a GUID) or set "
                            "MICROSOFT_APP_ID.")
    if not GUID.match(app_id):
        raise ManifestError(f"{app_id!r} is not a Microsoft App ID: it should look like "
                            "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (Azure Bot → Configuration → Microsoft App ID).")
    host = (host or "").strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not HOST.match(host):
        raise ManifestError("Give --host: the public name of the server running `pse-bot serve`, e.g. "
                            "pse.example.org (Teams calls https://HOST/api/messages).")
    site = f"https://{host}"
    commands = [{"title": t, "description": d} for t, d in command_list()]
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id.lower(),
        "packageName": "org.pse.assistant",
        "developer": {
            "name": "PSE Assistant",
            "websiteUrl": site,
            "privacyUrl": f"{site}/teams/privacy",
            "termsOfUseUrl": f"{site}/teams/terms",
        },
        "name": {"short": "PSE Assistant", "full": "PSE Assistant for counter-trafficking partnerships"},
        "description": {
            "short": "PSE guidance answers, partner logs and indicator reports",
            "full": ("PSE Assistant helps private-sector-engagement staff of counter-trafficking programmes: "
                     "it answers how-to questions from the team's own guidance with the passage and its source, "
                     "records meetings and agreements with companies in under a minute, tracks each "
                     "partnership's stage, and reports indicator progress on demand and in a weekly digest."),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#%02X%02X%02X" % ACCENT,
        "bots": [{
            "botId": app_id.lower(),
            "scopes": ["personal", "team", "groupChat"],
            "supportsFiles": True,  # admins add documents by sending the file in the personal chat
            "isNotificationOnly": False,
            "commandLists": [{"scopes": ["personal", "team", "groupChat"], "commands": commands}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def write_package(out: Path | str, app_id: str, host: str) -> Path:
    """Write the zip (manifest.json, color.png, outline.png) and return its path."""
    data = manifest(app_id, host)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False))
        zf.writestr("color.png", color_icon())
        zf.writestr("outline.png", outline_icon())
    return out


# ---------------------------------------------------------------- icons


def png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    """A minimal RGBA PNG encoder (IHDR, one IDAT, IEND)."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        for x in range(width):
            raw.extend(pixel(x, y))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + chunk(b"IEND", b""))


def _in_rounded_rect(x: float, y: float, x0: float, y0: float, x1: float, y1: float, r: float) -> bool:
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _in_triangle(x: float, y: float, a, b, c) -> bool:
    def side(p, q):
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])

    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


def _bubble(x: float, y: float, s: float, inset: float = 0.0) -> bool:
    """A speech bubble in a unit square scaled by `s`, shrunk by `inset` pixels."""
    body = _in_rounded_rect(x, y, 0.12 * s + inset, 0.16 * s + inset, 0.88 * s - inset, 0.70 * s - inset,
                            max(0.12 * s - inset, 1.0))
    tail = _in_triangle(x, y, (0.26 * s, 0.62 * s), (0.46 * s, 0.66 * s), (0.22 * s, 0.88 * s)) if not inset else False
    return body or tail


def color_icon(size: int = 192) -> bytes:
    """Full-colour icon: a white speech bubble with three dots on the accent colour."""
    dots = [(0.34 * size, 0.43 * size), (0.50 * size, 0.43 * size), (0.66 * size, 0.43 * size)]
    r2 = (0.055 * size) ** 2

    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        px, py = x + 0.5, y + 0.5
        if _bubble(px, py, size):
            if any((px - dx) ** 2 + (py - dy) ** 2 <= r2 for dx, dy in dots):
                return (*ACCENT, 255)
            return (255, 255, 255, 255)
        return (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """Outline icon: white bubble outline on a transparent background (Teams requires exactly that)."""
    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        px, py = x + 0.5, y + 0.5
        if _bubble(px, py, size) and not _bubble(px, py, size, inset=2.0):
            return (255, 255, 255, 255)
        return (255, 255, 255, 0)

    return png(size, size, pixel)
