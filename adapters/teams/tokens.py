"""Cheap checks on a Bot Framework `Authorization: Bearer` token before botbuilder verifies its signature, and
a safer cache of Microsoft's signing keys.

botbuilder fetches the signing keys for any token whose issuer looks right, with a blocking call, again on
every request while the fetch fails, and answers a token with an unknown key id with an error (a 5xx here). So
a stranger could make the server call out at will. Here:
- `precheck` refuses (401) anything that is not a well-formed RS256 JWT with a key id, a Bot Framework or
  Microsoft identity issuer, this bot's app id and an unexpired lifetime, before any key is fetched;
- `SigningKeys` replaces botbuilder's key cache: one fetch at a time, off the event loop, with a timeout; the
  keys are kept for a day; an unknown key id refreshes them at most once an hour; a failed fetch is not retried
  for a minute. A token that cannot be verified is refused with PermissionError (401), never a 5xx.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import jwt
import requests
from botframework.connector.auth import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger("pse.teams")

ISSUER_PREFIXES = ("https://api.botframework.com", "https://api.botframework.us", "https://sts.windows.net/",
                   "https://login.microsoftonline.com/", "https://login.microsoftonline.us/")
MAX_TOKEN_LENGTH = 16 * 1024
CLOCK_TOLERANCE = 300  # seconds, as botbuilder
KEYS_MAX_AGE = 24 * 3600
UNKNOWN_KEY_REFRESH = 3600
FAILED_FETCH_BACKOFF = 60
FETCH_TIMEOUT = 10


def precheck(auth_header: str, app_id: str, now: float | None = None) -> str:
    """Why this Authorization header cannot be a Bot Framework token for this bot, or "" when it may be one."""
    scheme, _, token = (auth_header or "").partition(" ")
    if scheme != "Bearer" or not token:
        return "no Bearer token"
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        return "the token is not a JWT"
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError):
        return "the token is not a JWT"
    if header.get("alg") != "RS256":
        return "the token is not signed with RS256"
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        return "the token names no signing key"
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer.startswith(ISSUER_PREFIXES):
        return "the token is not from Bot Framework"
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if app_id not in [*audiences, claims.get("appid"), claims.get("azp")]:
        return "the token is not for this bot"
    expires = claims.get("exp")
    now = time.time() if now is None else now
    if not isinstance(expires, (int, float)) or isinstance(expires, bool) or expires + CLOCK_TOLERANCE < now:
        return "the token has expired"
    return ""


class _Key:
    """What botbuilder's JwtTokenExtractor reads from a cached key."""

    def __init__(self, public_key, endorsements):
        self.public_key = public_key
        self.endorsements = endorsements


class SigningKeys:
    """Drop-in for botbuilder's _OpenIdMetadata (its `get(key_id)`), fetched from one OpenID metadata URL."""

    def __init__(self, url: str):
        self.url = url
        self.keys: list[dict] = []
        self.fetched_at = float("-inf")
        self.failed_at = float("-inf")
        self.fetches = 0
        self._lock: asyncio.Lock | None = None
        self._loop = None

    def _download(self) -> list[dict]:
        response = requests.get(self.url, timeout=FETCH_TIMEOUT)
        response.raise_for_status()
        keys = requests.get(response.json()["jwks_uri"], timeout=FETCH_TIMEOUT)
        keys.raise_for_status()
        return list(keys.json()["keys"])

    async def _refresh(self, reason: str) -> None:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        async with self._lock:
            now = time.monotonic()
            if now - self.failed_at < FAILED_FETCH_BACKOFF:
                raise PermissionError("the Bot Framework signing keys could not be fetched a moment ago")
            if reason == "unknown key" and now - self.fetched_at < UNKNOWN_KEY_REFRESH:
                return
            if reason == "stale" and now - self.fetched_at < KEYS_MAX_AGE:
                return  # another request refreshed them while this one waited
            self.fetches += 1
            try:
                self.keys = await asyncio.to_thread(self._download)
            except Exception as exc:  # noqa: BLE001 - network, HTTP or format errors: the token cannot be verified
                self.failed_at = time.monotonic()
                log.error("could not fetch the Bot Framework signing keys from %s: %s", self.url, exc)
                raise PermissionError("the Bot Framework signing keys could not be fetched") from exc
            self.fetched_at = time.monotonic()

    def _find(self, key_id: str) -> _Key | None:
        for key in self.keys:
            if isinstance(key, dict) and key.get("kid") == key_id:
                try:
                    return _Key(RSAAlgorithm.from_jwk(json.dumps(key)), key.get("endorsements", []))
                except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                    return None
        return None

    async def get(self, key_id: str) -> _Key:
        if time.monotonic() - self.fetched_at >= KEYS_MAX_AGE:
            await self._refresh("stale")
        key = self._find(key_id)
        if key is None:
            await self._refresh("unknown key")
            key = self._find(key_id)
        if key is None:
            raise PermissionError("the token's signing key is not one of Bot Framework's")
        return key


class _KeyCache(dict):
    """JwtTokenExtractor.metadataCache that hands out SigningKeys for every metadata URL."""

    def get(self, url, default=None):
        if url not in self:
            self[url] = SigningKeys(url)
        return dict.get(self, url)


def install_key_cache() -> None:
    """Make botbuilder use SigningKeys (once per process; existing caches are replaced)."""
    if not isinstance(JwtTokenExtractor.metadataCache, _KeyCache):
        JwtTokenExtractor.metadataCache = _KeyCache()


def signing_keys(url: str) -> SigningKeys:
    install_key_cache()
    return JwtTokenExtractor.metadataCache.get(url)
