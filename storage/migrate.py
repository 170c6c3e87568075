"""Schema versions with Alembic, run on start (and by `pse-bot db upgrade`) for SQLite and PostgreSQL alike.

A SQLite database made before Alembic (it has the old `schema_migrations` table with all six named steps) is
the baseline revision exactly, so it is stamped at the baseline and then upgraded like any other.
Several processes starting at once are safe: on PostgreSQL an advisory lock lets one migrate at a time; on
SQLite the migration runs in one immediate (write-locked) transaction.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

BASELINE = "0001"
OLD_STEPS = {"0001_core", "0002_registry", "0003_reports", "0004_teams", "0005_roles", "0006_log_trust"}
_LOCK_KEY = 7_150_1337  # advisory lock id for migrations on PostgreSQL


# engine-specific keyword search lives beside the schema (FTS5 tables on SQLite, a tsvector column on PostgreSQL)
_OUTSIDE_TABLES = ("kb_chunks_fts", "schema_migrations")


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001 - Alembic's hook signature
    """What Alembic compares with storage/tables.py: everything but the engine-specific keyword index."""
    if type_ == "table" and name and name.startswith(_OUTSIDE_TABLES):
        return False
    if type_ == "column" and name == "tsv":
        return False
    if type_ == "index" and name in ("kb_chunks_tsv",):
        return False
    return True


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(config()).walk_revisions()}


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> list[str]:
    """Apply pending revisions; returns the ones applied (empty when already current)."""
    cfg = config()
    script = ScriptDirectory.from_config(cfg)
    with engine.connect() as conn:
        conn = conn.execution_options(pse_write=True)
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
        try:
            with conn.begin():
                before = MigrationContext.configure(conn).get_current_revision()
                if before is None and _is_pre_alembic(conn):
                    before = BASELINE
                    cfg.attributes["connection"] = conn
                    command.stamp(cfg, BASELINE)
                target = script.get_current_head() if revision == "head" else revision
                if before == target:
                    return []
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
            applied = [s.revision for s in script.iterate_revisions(target, before)]
            return list(reversed(applied))
        finally:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()


def _is_pre_alembic(conn) -> bool:  # noqa: ANN001
    names = set(inspect(conn).get_table_names())
    if "schema_migrations" not in names:
        return False
    done = {r[0] for r in conn.execute(text("SELECT name FROM schema_migrations"))}
    if not OLD_STEPS <= done:
        raise RuntimeError("This database was made by an older PSE Assistant that never finished its own set-up "
                           f"(it has {sorted(done)}); open it with that version once, then try again.")
    return True
