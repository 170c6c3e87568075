"""The store on both engines: one schema that the migrations build exactly, transactions, the append-only audit
log, portable parameters, and the durable inbox's claims."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import intake
from storage.migrate import include_object
from storage.sql import bind
from storage.store import Store
from storage.tables import metadata


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_the_migrations_build_exactly_the_schema_in_tables_py(store):
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
        diffs = compare_metadata(ctx, metadata)
    assert diffs == []


def test_question_marks_inside_quotes_are_text_and_counts_must_match():
    clause, params = bind("SELECT '?' || ? AS x", ("a",))
    assert str(clause) == "SELECT '?' || :p0 AS x" and params == {"p0": "a"}
    with pytest.raises(ValueError):
        bind("SELECT ?, ?", (1,))


def test_a_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.execute("INSERT INTO feedback (at, vote) VALUES ('now', 1)")
            raise RuntimeError("crash mid-write")
    assert store.scalar("SELECT COUNT(*) FROM feedback") == 0


def test_the_audit_log_refuses_updates_and_deletes(store):
    with store.transaction():
        store.audit("me", "test", "x", 1, {"a": 1})
    for sql in ("UPDATE audit_log SET actor = 'other'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            store.execute(sql)
    assert store.scalar("SELECT actor FROM audit_log") == "me"


def test_a_repeat_delivery_stores_nothing_and_a_finished_item_keeps_no_text(store):
    item = intake.put(store, "slack:Ev1", "slack", "slack.dm", {"text": "log Acme meeting today: met"})
    assert item is not None
    assert intake.put(store, "slack:Ev1", "slack", "slack.dm", {"text": "again"}) is None
    assert intake.claim(store, item.id)
    assert not intake.claim(store, item.id)  # taken, lease running
    intake.finish(store, item.id)
    assert store.execute("SELECT status, payload FROM intake").fetchall() == [("done", "{}")]
    assert intake.claim_due(store) == []


def test_an_item_whose_worker_died_is_claimed_again_by_exactly_one_sweeper(store, monkeypatch):
    item = intake.put(store, "teams:c:1", "teams", "teams.activity", {"activity": {}})
    assert intake.claim(store, item.id, who="dead-process")
    assert intake.claim_due(store) == []  # its lease has not run out
    store.execute("UPDATE intake SET lease_until = '2000-01-01T00:00:00.000+00:00'")  # its process died long ago
    got: list = []

    def sweep() -> None:
        got.extend(intake.claim_due(store, who=threading.current_thread().name))

    threads = [threading.Thread(target=sweep, name=f"sweeper-{i}") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [i.id for i in got] == [item.id]
    assert got[0].attempts == 2


def test_an_item_that_keeps_failing_is_given_up_after_five_attempts(store, monkeypatch):
    monkeypatch.setattr(intake, "LEASE", timedelta(seconds=-1))
    monkeypatch.setattr(intake, "STALE_PENDING", timedelta(seconds=-1))
    item = intake.put(store, "slack:Ev9", "slack", "slack.dm", {})
    for _ in range(intake.MAX_ATTEMPTS):
        assert [i.id for i in intake.claim_due(store)] == [item.id]
    assert intake.claim_due(store) == []
    assert store.scalar("SELECT status FROM intake") == "failed"


def test_many_stores_on_one_database_see_each_others_writes(settings):
    one, two = Store.open(settings.database), Store.open(settings.database)
    try:
        with one.transaction():
            one.execute("INSERT INTO feedback (at, vote) VALUES ('now', 1)")
        assert two.scalar("SELECT COUNT(*) FROM feedback") == 1
    finally:
        one.close()
        two.close()
