"""`pse-bot db …`: the schema version, upgrades (the Procfile's `release` step), and moving to PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import click


def _settings():
    from bot.settings import Settings

    s = Settings.from_env()
    s.ensure_home()
    return s


@click.group("db")
def db() -> None:
    """The database: SQLite in PSE_HOME by default, PostgreSQL when DATABASE_URL is set."""


@db.command("upgrade")
def upgrade() -> None:
    """Bring the schema to the newest version (safe to run from several processes at once)."""
    from storage.store import Store

    s = _settings()
    store = Store.open(s.database, migrate=False)
    try:
        applied = store.migrate()
        from storage.migrate import current

        where = "PostgreSQL" if store.dialect == "postgresql" else f"SQLite ({s.db_path})"
        if applied:
            click.echo(f"{where}: applied {', '.join(applied)}; now at {current(store.engine)}.")
        else:
            click.echo(f"{where}: already at the newest schema ({current(store.engine)}).")
    finally:
        store.close()


@db.command("current")
def current_cmd() -> None:
    """Show which database is in use, its schema version and its row counts."""
    from storage.migrate import current, head
    from storage.store import Store

    s = _settings()
    store = Store.open(s.database, migrate=False)
    try:
        rev = current(store.engine)
        click.echo(f"Database: {store.url if store.dialect == 'postgresql' else s.db_path}")
        click.echo(f"Schema: {rev or 'empty'} (newest: {head()})")
        if rev:
            for name, n in store.table_counts().items():
                click.echo(f"  {name}: {n}")
    finally:
        store.close()


@db.command("migrate-from-sqlite")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def migrate_from_sqlite(path: Path) -> None:
    """Copy the SQLite database at PATH into the (empty) PostgreSQL database of DATABASE_URL, checked table by
    table (row counts and checksums). The SQLite file is only read."""
    from bot.cli.progress import note, progress_bar
    from storage.store import Store
    from storage.transfer import TransferError, migrate_from_sqlite as move

    s = _settings()
    if not s.on_postgresql:
        raise click.ClickException("Set DATABASE_URL to the PostgreSQL database to move into (postgresql://…); "
                                   "nothing was changed.")
    target = Store.open(s.database)
    state: dict = {}  # the progress bar, made once the source is open and its row count known

    def rows(n: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = progress_bar(total, "move to PostgreSQL", "row")
        state["bar"].update(n)

    def table_done(table: str, n: int) -> None:
        line = f"  copied {table}: {n} rows"
        if "bar" in state:
            note(state["bar"], line)
        else:
            click.echo(line, err=True)

    try:
        results = move(path, target, progress=table_done, rows=rows)
    except TransferError as e:
        raise click.ClickException(f"{e} Nothing was changed.") from None
    finally:
        if "bar" in state:
            state["bar"].close()
        target.close()
    click.echo(f"{'table':<22} {'rows':>8}  checksum (SQLite = PostgreSQL)")
    for a, _b in results:
        click.echo(f"{a.table:<22} {a.rows:>8}  {a.checksum}")
    total = sum(a.rows for a, _ in results)
    click.echo(f"Moved {total} rows from {path} into PostgreSQL; every table matches. Keep the SQLite file as a "
               "backup until you have checked the bot against PostgreSQL.")


@db.command("scrub")
@click.option("--apply", "apply_", is_flag=True, help="Mask what is found (without it, only count).")
def scrub_cmd(apply_: bool) -> None:
    """Find personal details that stored texts (logs, next steps, notes, drafts, kept questions) still hold because
    they were saved before the privacy guard learnt that kind of detail; with --apply, mask them in place (audited,
    counts only). Run it after an upgrade; the counts show no text."""
    from bot.cli.progress import progress_bar
    from records import scrub
    from storage.store import Store

    s = _settings()
    store = Store.open(s.database)
    try:
        with progress_bar(scrub.total(store), "read stored texts", "text") as bar:
            found = scrub.scrub(store, actor="cli:db-scrub", progress=bar.update) if apply_ else \
                scrub.scan(store, progress=bar.update)
    finally:
        store.close()
    hits = [f for f in found if f.rows]
    for f in hits:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(f.kinds.items()))
        click.echo(f"{f.table}.{f.column}: {f.rows} row{'' if f.rows == 1 else 's'} ({kinds})")
    if not hits:
        click.echo("No stored text holds a personal detail the guard finds today; nothing to mask.")
    elif apply_:
        click.echo("Masked in place (e.g. “survivor [survivor's name] started…”); the audit log has the counts.")
    else:
        click.echo("Nothing was changed. Run `pse-bot db scrub --apply` to mask them.")
