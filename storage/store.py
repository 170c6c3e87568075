"""The store: SQLite (a file in PSE_HOME, the embedded default) or PostgreSQL (`DATABASE_URL`), one schema.

SQLAlchemy Core gives both engines one connection pool and one way to run SQL; the SQL written in the domain
packages is the portable subset both engines share (`ON CONFLICT`, `RETURNING`, `lower()`, `COALESCE`), with
`:name` or `?` parameters. Every write goes through `Store.transaction()`, so a crash mid-write leaves nothing
half-stored; on SQLite a write transaction is `BEGIN IMMEDIATE`, so processes queue for the write lock instead
of failing half-way. Reads outside a transaction use a pooled connection each; reads inside one see its writes.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from storage.sql import Rows, bind


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def engine_url(target: str | Path) -> str:
    """A path means a SQLite file; `postgresql://…` (or `postgres://…`) means PostgreSQL through psycopg 3."""
    s = str(target)
    if s.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return "postgresql+psycopg://" + s.split("://", 1)[1]
    if s.startswith("sqlite:"):
        return s
    return f"sqlite:///{Path(s)}"


def _sqlite_engine(url: str) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool  # one shared connection, or each checkout would see an empty database
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001 - DB-API objects
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below), so pysqlite must not
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("pse_write") else "BEGIN")

    return engine


def make_engine(target: str | Path) -> Engine:
    url = engine_url(target)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)


class Store:
    def __init__(self, engine: Engine, path: Path | None = None):
        self.engine = engine
        self.path = path  # the SQLite file, or None (memory or PostgreSQL)
        self._local = threading.local()
        # one writer at a time per process keeps SQLite from busy-waiting on itself; PostgreSQL uses row locks
        self._write_lock = threading.RLock() if self.dialect == "sqlite" else None
        self._serial = self.dialect == "sqlite" and path is None

    # --- opening ---------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, target: str | Path, migrate: bool = True) -> "Store":
        """A SQLite file path or a PostgreSQL URL; migrations run unless told not to (`pse-bot db upgrade`)."""
        url = engine_url(target)
        path = None
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            path = Path(url[len("sqlite:///"):])
            path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(make_engine(url), path)
        if migrate:
            store.migrate()
        return store

    @classmethod
    def memory(cls) -> "Store":
        store = cls(make_engine("sqlite://"), None)
        store.migrate()
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> list[str]:
        """Bring the schema to the newest version (Alembic); returns the revisions applied."""
        from storage.migrate import upgrade

        return upgrade(self.engine)

    # --- running SQL -----------------------------------------------------------------------------------------
    def _current(self) -> Connection | None:
        return getattr(self._local, "conn", None)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Rows:
        """Run one statement; inside `transaction()` it joins it, else it runs (and commits) on its own."""
        conn = self._current()
        if conn is not None:
            return Rows.of(conn.execute(*bind(sql, params)))
        if _is_write(sql):
            with self.transaction() as tx:
                return tx.execute(sql, params)
        if self._serial:  # an in-memory database is one shared connection: take turns
            with self.transaction() as tx:
                return tx.execute(sql, params)
        with self.engine.connect() as c:
            if self.dialect == "postgresql":  # one statement needs no BEGIN / ROLLBACK round trips of its own
                c = c.execution_options(isolation_level="AUTOCOMMIT")
            rows = Rows.of(c.execute(*bind(sql, params)))
            c.rollback()
            return rows

    def executemany(self, sql: str, seq: Sequence[Sequence[Any] | Mapping[str, Any]]) -> int:
        if not seq:
            return 0
        with self.transaction() as tx:
            return sum(tx.execute(sql, p).rowcount for p in seq)

    def scalar(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """One transaction, committed at the end and rolled back on any exception; re-entrant in a thread."""
        if self._current() is not None:
            yield self
            return
        lock = self._write_lock
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(pse_write=True)
                self._local.conn = conn
                try:
                    with conn.begin():
                        yield self
                finally:
                    self._local.conn = None
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """The raw SQLAlchemy connection of the current transaction (for Core constructs and locking reads)."""
        conn = self._current()
        if conn is None:
            with self.transaction():
                yield self._current()
        else:
            yield conn

    def serialize(self, name: str) -> None:
        """Inside a transaction: one writer at a time for `name` across every process until it ends.
        SQLite write transactions are already one at a time; PostgreSQL takes a transaction advisory lock."""
        if self.dialect == "postgresql":
            self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (name,))

    # --- shared helpers --------------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, table: str, row_id: int | None, detail: dict[str, Any] | None = None) -> None:
        """Append to the audit log; call inside the same transaction as the write it records."""
        self.execute(
            "INSERT INTO audit_log (at, actor, action, table_name, row_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (utcnow(), actor, action, table, row_id, json.dumps(detail or {}, ensure_ascii=False, default=str)),
        )

    def first_time(self, event_key: str) -> bool:
        """Record an inbound event id; False if it was seen before (platform retries, duplicate deliveries)."""
        cur = self.execute("INSERT INTO processed_events (event_key, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                           (event_key, utcnow()))
        return cur.rowcount == 1

    def table_counts(self) -> dict[str, int]:
        from storage.tables import metadata

        return {name: int(self.scalar(f"SELECT COUNT(*) FROM {name}")) for name in metadata.tables}

    def snapshot(self, skip: tuple[str, ...] = ()) -> str:
        """Every row of every table as text, in primary-key order: equal snapshots mean nothing changed."""
        from storage.tables import metadata

        lines = []
        for name, table in metadata.tables.items():
            if name in skip:
                continue
            keys = ", ".join(c.name for c in table.primary_key.columns)
            cols = [c.name for c in table.columns]
            for row in self.execute(f"SELECT {', '.join(cols)} FROM {name} ORDER BY {keys}"):
                lines.append(f"{name}: {tuple(row)!r}")
        return "\n".join(lines)

    def close(self) -> None:
        self.engine.dispose()


def _is_write(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in {"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "WITH"} and (
        head != "WITH" or any(w in sql.upper() for w in ("INSERT", "UPDATE", "DELETE")))
