"""Progress bars of the long commands (ingest, export, db migrate-from-sqlite): shown on a terminal, silent
otherwise, and fed by the real work."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.cli.progress import note, progress_bar
from records import export as csv_export
from registry_support import say, seed


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_is_drawn_on_a_terminal_and_nothing_elsewhere():
    tty, pipe = Terminal(), io.StringIO()
    for stream in (tty, pipe):
        with progress_bar(3, "export interactions", "row", stream=stream) as bar:
            for _ in range(3):
                bar.update(1)
    assert "export interactions" in tty.getvalue() and "100%" in tty.getvalue() and "3/3" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_a_bar_with_nothing_to_do_stays_quiet():
    tty = Terminal()
    with progress_bar(0, "ingest", "file", stream=tty) as bar:
        assert bar.disable
    assert tty.getvalue() == ""


def test_notes_keep_the_bar_intact(capsys):
    tty = Terminal()
    with progress_bar(2, "move to PostgreSQL", "row", stream=tty) as bar:
        note(bar, "  copied partners: 2 rows")
        bar.update(2)
    assert "copied partners: 2 rows" in tty.getvalue()
    off = progress_bar(2, "move", "row", stream=io.StringIO())
    note(off, "  copied audit_log: 5 rows")  # bar off: the line still reaches standard error
    assert "copied audit_log: 5 rows" in capsys.readouterr().err


def test_export_reports_every_row_written(lite_services, monkeypatch):
    seed(lite_services)
    for i in range(3):
        assert say(lite_services, f"log Acme Foods meeting today: round {i}").ok
    monkeypatch.setattr(csv_export, "PROGRESS_EVERY", 2)
    steps: list[int] = []
    n = csv_export.write_csv(lite_services.store, io.StringIO(), "interactions", progress=steps.append)
    assert n == 3 and steps == [2, 1]
    assert csv_export.row_estimate(lite_services.store, "interactions") == 3
    assert csv_export.row_estimate(lite_services.store, "partners") == 3


def test_export_command_prints_no_bar_when_not_on_a_terminal(lite_services, tmp_path):
    seed(lite_services)
    assert say(lite_services, "log Acme Foods meeting today: intro").ok
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(main, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Exported 1 interactions to {out}."
    assert out.read_text(encoding="utf-8-sig").count("\n") == 2


@pytest.mark.postgresql_only
def test_migration_reports_rows_as_they_are_copied(lite_services, tmp_path):
    from bot.app import Services
    from storage.store import Store
    from storage.transfer import migrate_from_sqlite

    sqlite_path = tmp_path / "old" / "pse.db"
    old = Store.open(sqlite_path)
    seed(Services(lite_services.settings, store=old))
    expected = sum(old.table_counts().values())
    old.close()
    seen: list[tuple[int, int]] = []
    migrate_from_sqlite(Path(sqlite_path), lite_services.store, rows=lambda n, total: seen.append((n, total)))
    assert sum(n for n, _ in seen) == expected and {t for _, t in seen} == {expected}
