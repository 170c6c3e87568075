"""Helpers for the Teams security tests: a Bot Framework-style signing key and tokens, a stand-in for the
download of Microsoft's signing keys (counted, never on the network), and a guard that records every attempt
to resolve a host other than this machine (an outbound call)."""

from __future__ import annotations

import json
import socket
import time

import jwt
import pytest
from botframework.connector.auth import AuthenticationConstants, JwtTokenExtractor
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.teams import tokens

APP_ID = "0d6a2f1e-3b4c-4d5e-8f90-a1b2c3d4e5f6"
TEAMS_URL = "https://smba.trafficmanager.net/amer/"
KID = "bf-key-1"
BOT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks() -> list[dict]:
    key = json.loads(RSAAlgorithm.to_jwk(BOT_KEY.public_key()))
    key.update(kid=KID, endorsements=["msteams"])
    return [key]


def token(key=BOT_KEY, kid: str | None = KID, service_url: str = TEAMS_URL, **claims) -> str:
    body = {"iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER, "aud": APP_ID,
            "exp": int(time.time()) + 600, "nbf": int(time.time()) - 10, "serviceurl": service_url, **claims}
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256", headers=headers)


class KeyServer:
    """Replaces SigningKeys._download: counts the fetches; answers with jwks() or fails like a network error."""

    def __init__(self):
        self.fetches = 0
        self.fail = False

    def download(self, keys_self) -> list[dict]:
        self.fetches += 1
        if self.fail:
            raise OSError("network is unreachable")
        return jwks()


@pytest.fixture
def key_server(monkeypatch):
    server = KeyServer()
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})  # a fresh cache for this test
    monkeypatch.setattr(tokens.SigningKeys, "_download", lambda self: server.download(self))
    return server


@pytest.fixture
def outbound(monkeypatch):
    """Every host name resolved for a connection that is not this machine; such lookups fail (offline)."""
    attempts: list[str] = []
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("127.0.0.1", "localhost", "::1", "0.0.0.0"):
            attempts.append(name)
            raise socket.gaierror(f"test: no outbound connections ({name})")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    return attempts


def counts(store) -> list[int]:
    c = store
    return [c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("processed_events", "teams_conversations", "audit_log")]
