"""A real, throw-away PostgreSQL server for the test suite (and bench/), from the Debian `postgresql` binaries.

The server tools refuse to run as root, so as root they run as the `postgres` user (`runuser`), in a folder
under /tmp that user owns (pytest's own temp folders are mode 700). One server per test session; each test gets
a fresh database copied from a template that was migrated once (pytest-postgresql's DatabaseJanitor).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = "pse_template"


def pg_bin() -> Path | None:
    """The folder of initdb/pg_ctl, newest version first; None when PostgreSQL is not installed."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.path.exists(os.path.join(folder, "initdb")):
            return Path(folder)
    return None


def why_not() -> str | None:
    """Why no PostgreSQL server can be started here (None when one can)."""
    if pg_bin() is None:
        return "no PostgreSQL server binaries (apt-get install postgresql; .ci/run does it)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    folder: Path
    port: int
    user: str = "postgres"
    host: str = "127.0.0.1"
    _counter: itertools.count = None  # type: ignore[assignment]

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        cmd = [str(pg_bin() / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    @classmethod
    def start(cls) -> "PgServer":
        folder = Path(tempfile.mkdtemp(prefix="pse-pg-", dir="/tmp"))
        folder.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        server = cls(folder=folder, port=0)
        server._counter = itertools.count(1)
        server._run("initdb", "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync", "--locale=C")
        for attempt in range(3):  # a port picked free can be taken before the server binds it (parallel workers)
            server.port = _free_port()
            opts = (f"-c listen_addresses=127.0.0.1 -p {server.port} -k {folder} -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
            try:
                server._run("pg_ctl", "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "-o", opts, "start")
                return server
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
        raise RuntimeError("PostgreSQL did not start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def janitor(self, dbname: str, template: str | None = TEMPLATE, as_template: bool = False):
        from pytest_postgresql.janitor import DatabaseJanitor

        return DatabaseJanitor(user=self.user, host=self.host, port=self.port, dbname=dbname,
                               template_dbname=template, as_template=as_template)

    def make_template(self) -> None:
        """The template every test database is copied from: the schema at its newest version."""
        from storage.store import Store

        self.janitor(TEMPLATE, template=None, as_template=True).init()
        store = Store.open(self.url(TEMPLATE))
        store.close()

    def new_database(self) -> tuple[str, object]:
        """A fresh, migrated database; returns its URL and the janitor that drops it."""
        name = f"pse_test_{os.getpid()}_{next(self._counter)}"
        jan = self.janitor(name)
        jan.init()
        return self.url(name), jan
