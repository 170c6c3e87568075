"""`pse-bot backup FILE`, `pse-bot restore FILE`, `pse-bot export [--out FILE]` (attached in bot/cli.py)."""

from __future__ import annotations

from pathlib import Path

import click


def _settings():
    from bot.settings import Settings

    s = Settings.from_env()
    s.ensure_home()
    return s


def _sqlite_only(s, what: str) -> None:
    if s.on_postgresql:
        raise click.ClickException(
            f"`pse-bot {what}` copies the SQLite file; with DATABASE_URL set the records are in PostgreSQL, so use "
            "its own tools (pg_dump / pg_restore, or your provider's backups). Nothing was changed.")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write a consistent copy of the database to FILE (safe while the bot runs)."""
    from storage.backup import BackupError, backup as do_backup

    s = _settings()
    _sqlite_only(s, "backup")
    try:
        info = do_backup(s.db_path, file)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    c = info["counts"]
    click.echo(f"Backed up {s.db_path} to {file}: {c.get('partners', 0)} partners, {c.get('interactions', 0)} "
               f"interactions, {c.get('audit_log', 0)} audit entries.")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Replace the database with backup FILE (checked first; the current one is kept under PSE_HOME/backups)."""
    from storage.backup import BackupError, restore as do_restore

    s = _settings()
    _sqlite_only(s, "restore")
    try:
        info = do_restore(s.db_path, file)
    except BackupError as e:
        raise click.ClickException(f"{e} Nothing was changed.") from None
    c = info["counts"]
    kept = f" The previous database was kept at {info['kept']}." if info["kept"] else ""
    click.echo(f"Restored {file} into {s.db_path}: {c.get('partners', 0)} partners, {c.get('interactions', 0)} "
               f"interactions.{kept}")


@click.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file to write (default: PSE_HOME/exports/pse-KIND-TIMESTAMP.csv); `-` for standard output.")
@click.option("--partners", "kind", flag_value="partners", help="One row per partner instead of per interaction.")
@click.option("--interactions", "kind", flag_value="interactions", default=True, help="One row per interaction.")
def export(out: Path | None, kind: str) -> None:
    """Export a CSV for M&E (confidential partners are marked)."""
    import sys

    from bot.cli.progress import progress_bar
    from records import export as csv_export
    from storage.store import Store

    s = _settings()
    store = Store.open(s.database)
    try:
        if out is not None and str(out) == "-":
            csv_export.write_csv(store, sys.stdout, kind)
            return
        path = out or csv_export.default_path(s.home / "exports", kind)
        with progress_bar(csv_export.row_estimate(store, kind), f"export {kind}", "row") as bar:
            n = csv_export.write_csv(store, path, kind, progress=bar.update)
    finally:
        store.close()
    click.echo(f"Exported {n} {kind} to {path}.")
