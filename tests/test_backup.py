import sqlite3

import pytest
from click.testing import CliRunner

from storage import backup as bk
from bot.cli.main import main
from storage.store import Store
from registry_support import counts, dump, say, seed

pytestmark = pytest.mark.sqlite_only  # about the SQLite file itself; PostgreSQL has pg_dump


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    assert say(lite_services, "log Acme Foods meeting today: intro").ok
    return lite_services


def test_backup_and_restore_round_trip(svc, tmp_path):
    saved = tmp_path / "b" / "pse-backup.db"
    info = bk.backup(svc.settings.db_path, saved)
    assert info["counts"]["partners"] == 3
    snapshot = dump(svc.store)
    assert say(svc, "log Blue Ocean call today: after the backup").ok
    assert say(svc, "partner add Later Co").ok
    after = counts(svc.store)
    result = bk.restore(svc.settings.db_path, saved)
    # the open connection of the running bot sees the restored content
    assert dump(svc.store) == snapshot
    kept = Store.open(result["kept"])
    try:
        assert counts(kept) == after
    finally:
        kept.close()


def test_backup_while_a_write_is_open_is_consistent(svc, tmp_path):
    other = sqlite3.connect(str(svc.settings.db_path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO audit_log (at, action, table_name) VALUES ('now', 'uncommitted', 'x')")
    try:
        info = bk.backup(svc.settings.db_path, tmp_path / "snap.db")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert info["counts"]["audit_log"] == counts(svc.store)["audit_log"]


@pytest.mark.parametrize("make,words", [
    (lambda p: p.write_text("hello, not a database"), "not an SQLite database"),
    (lambda p: sqlite3.connect(str(p)).execute("CREATE TABLE t (x)").connection.commit(), "not a PSE Assistant"),
    (lambda p: None, "does not exist"),
])
def test_restore_refuses_nonsense_and_changes_nothing(svc, tmp_path, make, words):
    bad = tmp_path / "bad.db"
    make(bad)
    before = dump(svc.store)
    with pytest.raises(bk.BackupError, match=words):
        bk.restore(svc.settings.db_path, bad)
    assert dump(svc.store) == before
    assert not (svc.settings.db_path.parent / "backups").exists()


def test_restore_refuses_a_backup_from_a_newer_version(svc, tmp_path):
    newer = tmp_path / "newer.db"
    bk.backup(svc.settings.db_path, newer)
    c = sqlite3.connect(str(newer))
    c.execute("UPDATE alembic_version SET version_num = '9999_future'")
    c.commit()
    c.close()
    with pytest.raises(bk.BackupError, match="newer version"):
        bk.restore(svc.settings.db_path, newer)


def test_cli_backup_restore_and_export(svc, tmp_path, home):
    runner = CliRunner()
    out = tmp_path / "cli.db"
    r = runner.invoke(main, ["backup", str(out)])
    assert r.exit_code == 0, r.output
    assert "3 partners" in r.output and out.is_file()
    assert say(svc, "partner add Later Co").ok
    r = runner.invoke(main, ["restore", str(out)])
    assert r.exit_code == 0, r.output
    assert "kept" in r.output
    assert svc.store.execute("SELECT COUNT(*) FROM partners").fetchone()[0] == 3
    junk = tmp_path / "junk.txt"
    junk.write_text("junk")
    r = runner.invoke(main, ["restore", str(junk)])
    assert r.exit_code != 0 and "not an SQLite database" in r.output and "Nothing was changed" in r.output
    csv_path = tmp_path / "m_and_e.csv"
    r = runner.invoke(main, ["export", "--out", str(csv_path)])
    assert r.exit_code == 0 and csv_path.read_text(encoding="utf-8-sig").count("\n") == 2
    r = runner.invoke(main, ["export", "--partners", "--out", "-"])
    assert r.exit_code == 0 and "Acme Logistics Ltd" in r.output
