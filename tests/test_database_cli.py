"""`pse-bot db …` and the move from SQLite to PostgreSQL, against real databases."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from registry_support import say, seed
from storage.store import Store


def test_db_upgrade_is_idempotent_and_current_reports_the_schema(home):
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "applied" in first.output or "already" in first.output
    again = runner.invoke(main, ["db", "upgrade"])
    assert again.exit_code == 0 and "already at the newest schema" in again.output
    shown = runner.invoke(main, ["db", "current"])
    assert shown.exit_code == 0 and "partners: 0" in shown.output


def test_a_database_made_before_alembic_is_stamped_and_upgraded(tmp_path):
    """A SQLite file of the previous release (six named steps in schema_migrations) keeps its rows."""
    import sqlite3

    from storage import migrate
    from storage.schema import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS:
        conn.executescript(sql)
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'then')", (name,))
    conn.execute("INSERT INTO partners (name, stage, stage_since, created_at) VALUES ('Old Co', 'identified', "
                 "'2026-01-01', 'then')")
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        assert migrate.current(store.engine) == migrate.head()
        assert store.scalar("SELECT name FROM partners") == "Old Co"
        assert store.scalar("SELECT COUNT(*) FROM intake") == 0
    finally:
        store.close()


@pytest.mark.postgresql_only
def test_migrate_from_sqlite_moves_every_row_and_checks_it(lite_services, tmp_path):
    """A SQLite deployment with partners, logs, outcomes and an audit trail moves into PostgreSQL intact."""
    sqlite_path = tmp_path / "old-home" / "pse.db"
    old = Store.open(sqlite_path)
    from bot.app import Services

    svc = Services(lite_services.settings, store=old)
    seed(svc)
    assert say(svc, "log Acme Foods meeting yesterday: intro; cash: 2,000,000 riel").ok
    assert say(svc, "log Blue Ocean call today: follow-up").ok
    before = old.snapshot()
    old.close()

    result = CliRunner().invoke(main, ["db", "migrate-from-sqlite", str(sqlite_path)])
    assert result.exit_code == 0, result.output
    assert "every table matches" in result.output
    moved = lite_services.store
    assert moved.dialect == "postgresql"
    assert moved.snapshot() == before  # row for row
    # new rows get fresh ids after the copied ones
    assert say(lite_services, "log Acme Foods call today: next round").ok
    ids = [r[0] for r in moved.execute("SELECT id FROM interactions ORDER BY id")]
    assert ids == sorted(set(ids)) and len(ids) == 3

    again = CliRunner().invoke(main, ["db", "migrate-from-sqlite", str(sqlite_path)])
    assert again.exit_code != 0 and "already holds records" in again.output


@pytest.mark.sqlite_only
def test_migrate_from_sqlite_needs_a_postgresql_target(home, tmp_path):
    result = CliRunner().invoke(main, ["db", "migrate-from-sqlite", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "DATABASE_URL" in result.output
