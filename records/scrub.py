"""Mask, in place, the personal details that stored free text still holds: text saved before the privacy guard
(records/privacy.py) learnt to find a kind of detail, such as a survivor's given name alone ("survivor Mai").

`scan` counts, `scrub` masks ("survivor [survivor's name] started…") in one transaction with one audit row that holds
counts only, never the text. The audit log's own texts (before-images of edited or deleted logs, drafts, feedback)
are masked too, value by value inside their JSON: the one change ever made to that append-only table, with its
guard lifted for UPDATE inside the same transaction and put back before it commits (a failure rolls both back).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from records import privacy
from storage.store import Store

COLUMNS = (("interactions", "summary"), ("interactions", "next_step"), ("outcomes", "note"),
           ("stage_history", "note"), ("log_drafts", "raw"), ("feedback", "query"),
           ("questions_unanswered", "question"), ("audit_log", "detail"))


@dataclass
class Found:
    table: str
    column: str
    rows: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


Progress = Callable[[int], None]  # called with the number of texts read since the last call


def total(store: Store) -> int:
    """How many stored texts a scan reads (for a progress bar)."""
    return sum(store.scalar(f"SELECT count(*) FROM {t} WHERE {c} != ''") for t, c in COLUMNS)


def _holding(store: Store, table: str, column: str,
             progress: Progress | None) -> list[tuple[int, str, list[privacy.Finding]]]:
    out, n = [], 0
    for n, (row_id, text) in enumerate(store.execute(f"SELECT id, {column} FROM {table} WHERE {column} != '' "
                                                     "ORDER BY id"), 1):
        found, masked = _audit_detail(text) if table == "audit_log" else (privacy.find_identifiers(text), None)
        if found:
            out.append((row_id, masked if masked is not None else privacy.redact(text), found))
        if progress is not None and n % 500 == 0:
            progress(500)
    if progress is not None and n % 500:
        progress(n % 500)
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return privacy.redact(value) if privacy.find_identifiers(value) else value
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _audit_detail(text: str) -> tuple[list[privacy.Finding], str | None]:
    """The details an audit row's JSON holds, value by value, and the row with them masked (keys never change)."""
    try:
        data = json.loads(text)
    except ValueError:
        return privacy.find_identifiers(text), None
    found = [f for s in _strings(data) for f in privacy.find_identifiers(s)]
    return found, (json.dumps(_masked(data), ensure_ascii=False) if found else None)


def _count(table: str, column: str, rows: list) -> Found:
    f = Found(table, column, len(rows))
    for _, _, found in rows:
        for d in found:
            f.kinds[d.kind] = f.kinds.get(d.kind, 0) + 1
    return f


def scan(store: Store, progress: Progress | None = None) -> list[Found]:
    """What each free-text column holds that the guard would refuse today (counts, no text)."""
    return [_count(t, c, _holding(store, t, c, progress)) for t, c in COLUMNS]


def scrub(store: Store, *, actor: str, progress: Progress | None = None) -> list[Found]:
    """Mask every such detail in place; returns what was masked."""
    done = []
    with store.transaction() as c:
        for table, column in COLUMNS:
            rows = _holding(c, table, column, progress)
            with _guard_lifted(c) if table == "audit_log" and rows else nullcontext():
                for row_id, masked, _ in rows:
                    c.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (masked, row_id))
            done.append(_count(table, column, rows))
        store.audit(actor, "privacy.scrub", "*", None,
                    {f"{f.table}.{f.column}": {"rows": f.rows, "kinds": f.kinds} for f in done if f.rows})
    return done


@contextmanager
def _guard_lifted(store: Store) -> Iterator[None]:
    """Inside the caller's transaction: let UPDATEs through the audit log's append-only guard, then put it back
    exactly as it was (SQLite: the trigger's own stored SQL). DDL is transactional on both engines, so a failure
    restores it."""
    if store.dialect == "postgresql":
        store.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
        yield
        store.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
    else:
        guard = store.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_update'")
        store.execute("DROP TRIGGER audit_log_no_update")
        yield
        store.execute(guard)
