"""Masking, in place, details stored before the privacy guard learnt to find them (records/scrub.py)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from registry_support import say, seed

from records import scrub


def _old_texts(store):
    # what a database could hold from before session 11, when a given name alone was let through
    store.execute("UPDATE interactions SET summary = 'survivor Mai started in the kitchen', "
                  "next_step = 'ask worker Somchai how it goes'")


def test_scan_counts_and_scrub_masks_in_place_with_counts_only_in_the_audit_log(lite_services):
    seed(lite_services)
    store = lite_services.store
    assert say(lite_services, "log Acme Foods meeting yesterday: talked; next: call back by Friday").ok
    _old_texts(store)
    found = {f"{f.table}.{f.column}": (f.rows, f.kinds) for f in scrub.scan(store) if f.rows}
    assert found == {"interactions.summary": (1, {"survivor's name": 1}),
                     "interactions.next_step": (1, {"survivor's name": 1})}
    assert store.execute("SELECT summary FROM interactions").fetchone() == ("survivor Mai started in the kitchen",)
    scrub.scrub(store, actor="test")
    assert store.execute("SELECT summary, next_step FROM interactions").fetchone() == (
        "survivor [survivor's name] started in the kitchen", "ask worker [survivor's name] how it goes")
    detail = store.execute("SELECT detail FROM audit_log WHERE action = 'privacy.scrub'").fetchone()[0]
    assert "Mai" not in detail and json.loads(detail)["interactions.summary"]["rows"] == 1
    read: list[int] = []
    assert not any(f.rows for f in scrub.scan(store, progress=read.append))
    assert sum(read) == scrub.total(store) > 0  # the progress bar's steps add up to what a scan reads


def test_db_scrub_counts_first_and_masks_only_with_apply(home):
    from bot.app import build_services
    from bot.cli.main import main

    services = build_services()
    seed(services)
    assert say(services, "log Acme Foods meeting yesterday: talked").ok
    _old_texts(services.store)
    runner = CliRunner()
    counted = runner.invoke(main, ["db", "scrub"])
    assert counted.exit_code == 0 and "interactions.summary: 1 row (1 survivor's name)" in counted.output
    assert "Nothing was changed" in counted.output and "Mai" not in counted.output
    assert services.store.execute("SELECT summary FROM interactions").fetchone()[0].startswith("survivor Mai")
    applied = runner.invoke(main, ["db", "scrub", "--apply"])
    assert applied.exit_code == 0 and "Masked in place" in applied.output
    again = runner.invoke(main, ["db", "scrub"])
    assert "nothing to mask" in again.output
    services.store.close()


def test_the_audit_logs_texts_are_masked_value_by_value_and_it_stays_append_only(lite_services):
    import pytest

    store = lite_services.store
    # a before-image kept when a log was edited, from before the guard knew a given name alone
    with store.transaction():
        store.audit("slack:U1", "log.edit", "interactions", 7,
                    {"before": {"summary": "survivor Mai started in the kitchen", "count": 3},
                     "after": {"summary": "started in the kitchen"}, "fields": ["summary"]})
    found = {f"{f.table}.{f.column}": f.rows for f in scrub.scan(store) if f.rows}
    assert found == {"audit_log.detail": 1}

    scrub.scrub(store, actor="cli:ops")

    detail = json.loads(store.scalar("SELECT detail FROM audit_log WHERE action = 'log.edit'"))
    assert detail == {"before": {"summary": "survivor [survivor's name] started in the kitchen", "count": 3},
                      "after": {"summary": "started in the kitchen"}, "fields": ["summary"]}
    counts = json.loads(store.scalar("SELECT detail FROM audit_log WHERE action = 'privacy.scrub'"))
    assert counts == {"audit_log.detail": {"rows": 1, "kinds": {"survivor's name": 1}}}
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):  # the guard is back
        with pytest.raises(Exception, match="append-only"):
            with store.transaction():
                store.execute(sql)
    assert store.scalar("SELECT COUNT(*) FROM audit_log") == 2 and not any(f.rows for f in scrub.scan(store))
