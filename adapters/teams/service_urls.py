"""Where the bot may call: an activity's serviceUrl is where its replies (and later the digests) are POSTed, so
only Bot Framework's own hosts are accepted (Settings.teams_service_url_hosts, TEAMS_SERVICE_URL_HOSTS), over
https. Loopback service URLs (the Bot Framework Emulator, local tests) are accepted only in
`--insecure-local-teams` mode. Anything else is refused before a request is processed, before a reference is
stored, and before any outgoing call."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bot.settings import Settings


class ServiceUrlRefused(PermissionError):
    """An outgoing call to a service URL that is not an allowed Bot Framework host."""


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed(service_url: str | None, settings: Settings, hosts: tuple[str, ...] | None = None) -> bool:
    """True if the bot may send to this service URL (or, with `hosts`, call this URL on one of those hosts)."""
    if not isinstance(service_url, str) or not service_url or len(service_url) > 2048:
        return False
    try:
        parts = urlsplit(service_url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    if _is_loopback(host):
        return settings.teams_insecure_local and parts.scheme in ("http", "https")
    if parts.scheme != "https":
        return False
    return any(_host_matches(host, p) for p in (hosts if hosts is not None else settings.teams_service_url_hosts))


def file_url_allowed(url: str | None, settings: Settings) -> bool:
    """May the bot download a file a user sent from this URL? SharePoint / OneDrive hosts over https
    (Settings.teams_file_hosts, TEAMS_FILE_HOSTS); loopback only in `--insecure-local-teams` mode."""
    return allowed(url, settings, settings.teams_file_hosts)


def refusal(service_url: str | None) -> str:
    return (f"the service URL {str(service_url)[:200]!r} is not an allowed Bot Framework host "
            "(see TEAMS_SERVICE_URL_HOSTS)")
