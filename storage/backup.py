"""Backup and restore of the PSE database with SQLite's online backup API.

A backup is a consistent snapshot even while the bot is writing (the API copies pages under a read lock and
restarts if a writer changes them). Restore checks the file is a PSE database first, keeps a copy of the
current database beside it, and then copies the backup in through the same API, so connections that stay open
see the restored data rather than a swapped-out file.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

REQUIRED_TABLES = ("partners", "interactions", "audit_log")
SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """The backup or restore could not be done; the message says why. The live database is unchanged."""


def _copy(src: sqlite3.Connection, dest: sqlite3.Connection) -> None:
    src.backup(dest, pages=1024)


def backup(db_path: Path, out: Path) -> dict:
    """Write a consistent copy of `db_path` to `out` (replacing it only once complete)."""
    db_path, out = Path(db_path), Path(out)
    if not db_path.is_file():
        raise BackupError(f"There is no database at {db_path} yet; nothing to back up.")
    if out.resolve() == db_path.resolve():
        raise BackupError("The backup file can't be the live database itself; choose another path.")
    if out.is_dir():
        raise BackupError(f"{out} is a folder; give a file name, e.g. {out / 'pse-backup.db'}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    dest = sqlite3.connect(str(tmp))
    try:
        _copy(src, dest)
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()
        src.close()
    info = inspect(tmp)
    tmp.replace(out)
    return info


def inspect(path: Path) -> dict:
    """Check that `path` is a sound PSE database; returns its migrations and row counts. Raises BackupError."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    with path.open("rb") as f:
        head = f.read(16)
    if head != SQLITE_HEADER:
        raise BackupError(f"{path} is not an SQLite database (it doesn't start like one), so it can't be a PSE "
                          "backup. Choose a file made by `pse-bot backup`.")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise BackupError(f"{path} can't be opened as a database ({e}).") from None
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"{path} is damaged (SQLite says: {ok}); it can't be restored.")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise BackupError(f"{path} is an SQLite database but not a PSE Assistant one (no {', '.join(missing)} "
                              "table). Choose a file made by `pse-bot backup`.")
        applied = _versions(conn, tables, path)
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("partners", "interactions", "outcomes", "audit_log") if t in tables}
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path} can't be read as a database ({e}).") from None
    finally:
        conn.close()
    return {"migrations": applied, "counts": counts}


def _versions(conn: sqlite3.Connection, tables: set[str], path: Path) -> list[str]:
    """The schema versions a backup file holds: an Alembic revision, or the named steps of older releases."""
    from storage.migrate import OLD_STEPS, known_revisions

    if "alembic_version" in tables:
        applied = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        newer = [v for v in applied if v not in known_revisions()]
        if newer:
            raise BackupError(f"{path} was made by a newer version of PSE Assistant (schema {', '.join(newer)}). "
                              "Upgrade first, then restore.")
        return applied
    if "schema_migrations" in tables:
        applied = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
        if "0001_core" not in applied:
            raise BackupError(f"{path} has no recorded core migration; it is not a PSE backup I can restore.")
        newer = [m for m in applied if m not in OLD_STEPS]
        if newer:
            raise BackupError(f"{path} was made by a newer version of PSE Assistant (migrations {', '.join(newer)}). "
                              "Upgrade first, then restore.")
        return applied
    raise BackupError(f"{path} is an SQLite database but records no PSE schema version; it is not a PSE backup "
                      "I can restore. Choose a file made by `pse-bot backup`.")


def restore(db_path: Path, source: Path, keep_dir: Path | None = None) -> dict:
    """Replace the live database's content with `source` after checking it; the old content is kept first."""
    db_path, source = Path(db_path), Path(source)
    info = inspect(source)
    if db_path.exists() and source.resolve() == db_path.resolve():
        raise BackupError("That is the live database itself; choose a backup file.")
    kept = None
    if db_path.is_file():
        keep_dir = Path(keep_dir) if keep_dir else db_path.parent / "backups"
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        kept = keep_dir / f"pse-before-restore-{stamp}.db"
        backup(db_path, kept)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dest = sqlite3.connect(str(db_path), timeout=30)
    try:
        _copy(src, dest)
    finally:
        dest.close()
        src.close()
    from storage.store import Store

    st = Store.open(db_path)  # brings an older backup up to the current schema
    try:
        info["applied_now"] = st.migrate()
    finally:
        st.close()
    info["kept"] = str(kept) if kept else None
    return info
