"""Configuration from the environment (and a `.env` file when present). Read on demand, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Where Bot Framework channels call from and expect replies to go (the activity's serviceUrl): Microsoft Teams
# in the public cloud, GCC, GCC High and DoD, and the other Bot Framework channels (*.botframework.com).
# `*.` matches any sub-domain. Override with TEAMS_SERVICE_URL_HOSTS (comma-separated).
TEAMS_SERVICE_URL_HOSTS = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
    "*.botframework.com",
)
# Where Teams lets a bot download a file sent in a personal chat (the attachment's downloadUrl): SharePoint and
# OneDrive. Override with TEAMS_FILE_HOSTS (comma-separated, `*.` for any sub-domain).
TEAMS_FILE_HOSTS = ("*.sharepoint.com", "*.sharepoint.us", "*.sharepoint-mil.us", "*.sharepoint.de",
                    "*.sharepoint.cn", "*.onedrive.com")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_INGEST_MB = 50


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pse-assistant"


@dataclass(frozen=True)
class Settings:
    home: Path
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = ""
    microsoft_app_id: str = ""
    microsoft_app_password: str = ""
    microsoft_app_tenant_id: str = ""
    port: int = 3978
    log_level: str = "INFO"
    rate_per_minute: int = 30
    rate_burst: int = 10
    search_timeout: float = 10.0
    teams_insecure_local: bool = False  # `pse-bot serve --insecure-local-teams`: unauthenticated Teams on loopback
    preload: bool = True  # PSE_PRELOAD=0: load the guidance index and model on the first question, not at start
    database_url: str = ""  # DATABASE_URL: postgresql://… shares one database between processes; unset = SQLite
    teams_service_url_hosts: tuple[str, ...] = TEAMS_SERVICE_URL_HOSTS  # TEAMS_SERVICE_URL_HOSTS
    max_ingest_mb: float = MAX_INGEST_MB  # PSE_MAX_INGEST_MB: larger files are refused by `pse-bot ingest`
    teams_file_hosts: tuple[str, ...] = TEAMS_FILE_HOSTS  # TEAMS_FILE_HOSTS: where shared Teams files come from

    @property
    def max_ingest_bytes(self) -> int:
        return int(self.max_ingest_mb * 1024 * 1024)

    @property
    def documents_dir(self) -> Path:
        """Where documents shared with the bot in chat are kept (each is ingested from its file here)."""
        return self.home / "documents"

    @property
    def db_path(self) -> Path:
        return self.home / "pse.db"

    @property
    def database(self) -> str | Path:
        """What the store opens: the PostgreSQL URL when DATABASE_URL is set, else the SQLite file."""
        return self.database_url or self.db_path

    @property
    def on_postgresql(self) -> bool:
        return bool(self.database_url)

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def charts_dir(self) -> Path:
        return self.home / "charts"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, dotenv: bool = True) -> "Settings":
        if env is None:
            if dotenv:
                _load_dotenv()
            env = dict(os.environ)
        home = Path(env.get("PSE_HOME") or default_home()).expanduser()
        port_text = env.get("PORT", "") or "3978"
        try:
            port = int(port_text)
        except ValueError:
            raise SystemExit(f"PORT must be a number, got {port_text!r}") from None
        return cls(
            home=home,
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_api_url=env.get("SLACK_API_URL", ""),
            microsoft_app_id=env.get("MICROSOFT_APP_ID", ""),
            microsoft_app_password=env.get("MICROSOFT_APP_PASSWORD", ""),
            microsoft_app_tenant_id=env.get("MICROSOFT_APP_TENANT_ID", ""),
            port=port,
            log_level=env.get("PSE_LOG_LEVEL", "INFO"),
            rate_per_minute=_int(env, "PSE_RATE_PER_MINUTE", 30),
            rate_burst=_int(env, "PSE_RATE_BURST", 10),
            search_timeout=_seconds(env, "PSE_SEARCH_TIMEOUT", 10.0),
            database_url=_database_url(env.get("DATABASE_URL", "")),
            preload=env.get("PSE_PRELOAD", "1").strip().lower() not in ("0", "no", "false", "off"),
            teams_service_url_hosts=_hosts(env.get("TEAMS_SERVICE_URL_HOSTS", "")),
            teams_file_hosts=_hosts(env.get("TEAMS_FILE_HOSTS", ""), TEAMS_FILE_HOSTS, "TEAMS_FILE_HOSTS"),
            max_ingest_mb=_megabytes(env.get("PSE_MAX_INGEST_MB", "")),
        )

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


def _database_url(value: str) -> str:
    value = value.strip()
    if not value or value.startswith("sqlite"):
        return ""  # the embedded default (a sqlite: URL here would only name the same kind of file)
    if not value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise SystemExit("DATABASE_URL must be a PostgreSQL URL such as postgresql://user:password@host:5432/pse, "
                         f"or unset for the SQLite file in PSE_HOME; got {value.split('://', 1)[0]}://…")
    return value


def _int(env: dict[str, str], name: str, default: int) -> int:
    text = env.get(name, "") or str(default)
    try:
        value = int(text)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {text!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, got {value}")
    return value


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    text = env.get(name, "") or str(default)
    try:
        value = float(text)
    except ValueError:
        raise SystemExit(f"{name} must be a number of seconds, got {text!r}") from None
    if not 0 < value <= 3600:
        raise SystemExit(f"{name} must be more than 0 and at most 3600 seconds, got {text}")
    return value


def _hosts(text: str, default: tuple[str, ...] = TEAMS_SERVICE_URL_HOSTS,
           name: str = "TEAMS_SERVICE_URL_HOSTS") -> tuple[str, ...]:
    """Comma-separated host names, `*.example.com` for any sub-domain of it."""
    hosts = tuple(h.strip().lower().rstrip(".") for h in text.split(",") if h.strip())
    if not hosts:
        return default
    for host in hosts:
        bare = host[2:] if host.startswith("*.") else host
        if host in LOOPBACK_HOSTS or host.startswith("127.") or not bare or "*" in bare or "/" in host:
            raise SystemExit(f"{name}: {host!r} is not allowed. List host names such as "
                             f"{default[0]}; loopback addresses are allowed only "
                             "with `pse-bot serve --insecure-local-teams`.")
    return hosts


def _megabytes(text: str) -> float:
    if not text:
        return MAX_INGEST_MB
    try:
        value = float(text)
    except ValueError:
        raise SystemExit(f"PSE_MAX_INGEST_MB must be a number of megabytes, got {text!r}") from None
    if not value > 0:
        raise SystemExit(f"PSE_MAX_INGEST_MB must be more than 0, got {text}")
    return value


def _load_dotenv() -> None:
    path = Path.cwd() / ".env"
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
