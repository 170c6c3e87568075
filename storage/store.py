"""The SQLite store: one file in PSE_HOME, WAL mode, named migrations, and an append-only audit log.

Every write goes through `Store.transaction()`, so a crash mid-write leaves nothing half-stored.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from storage.schema import MIGRATIONS


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    def __init__(self, db: sqlite_utils.Database, path: Path | None):
        self.db = db
        self.path = path
        self._write_lock = threading.RLock()

    @classmethod
    def open(cls, path: Path | str) -> "Store":
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        store = cls(sqlite_utils.Database(conn), path)
        store._configure()
        store.migrate()
        return store

    @classmethod
    def memory(cls) -> "Store":
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        store = cls(sqlite_utils.Database(conn), None)
        store._configure()
        store.migrate()
        return store

    def _configure(self) -> None:
        c = self.db.conn
        if self.path is not None:
            c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA foreign_keys=ON")
        c.execute("PRAGMA busy_timeout=30000")

    def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied."""
        c = self.db.conn
        c.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {r[0] for r in c.execute("SELECT name FROM schema_migrations")}
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            with self.transaction():
                for stmt in _statements(sql):
                    c.execute(stmt)
                c.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, utcnow()))
            applied.append(name)
        return applied

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception. Re-entrant within one thread."""
        with self._write_lock:
            c = self.db.conn
            if c.in_transaction:
                yield c
                return
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except BaseException:
                c.execute("ROLLBACK")
                raise
            else:
                c.execute("COMMIT")

    def audit(self, actor: str, action: str, table: str, row_id: int | None, detail: dict[str, Any] | None = None) -> None:
        """Append to the audit log; call inside the same transaction as the write it records."""
        self.db.conn.execute(
            "INSERT INTO audit_log (at, actor, action, table_name, row_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (utcnow(), actor, action, table, row_id, json.dumps(detail or {}, ensure_ascii=False, default=str)),
        )

    def first_time(self, event_key: str) -> bool:
        """Record an inbound event id; False if it was seen before (platform retries, duplicate deliveries)."""
        with self.transaction() as c:
            cur = c.execute("INSERT OR IGNORE INTO processed_events (event_key, at) VALUES (?, ?)", (event_key, utcnow()))
            return cur.rowcount == 1

    def close(self) -> None:
        self.db.conn.close()


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies (BEGIN … END;) whole."""
    out, buf = [], []
    for line in sql.splitlines():
        buf.append(line)
        chunk = "\n".join(buf).strip()
        if chunk and sqlite3.complete_statement(chunk):
            out.append(chunk)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        out.append(rest)
    return out
