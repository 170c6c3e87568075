"""Mask, in place, the personal details that stored free text still holds: text saved before the privacy guard
(records/privacy.py) learnt to find a kind of detail, such as a survivor's given name alone ("survivor Mai").

`scan` counts, `scrub` masks ("survivor [survivor's name] started…") in one transaction with one audit row that holds
counts only, never the text. The append-only audit log itself is not rewritten: before-images of edited or deleted
logs keep their text there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from records import privacy
from storage.store import Store

COLUMNS = (("interactions", "summary"), ("interactions", "next_step"), ("outcomes", "note"),
           ("stage_history", "note"), ("log_drafts", "raw"), ("feedback", "query"),
           ("questions_unanswered", "question"))


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
        found = privacy.find_identifiers(text)
        if found:
            out.append((row_id, text, found))
        if progress is not None and n % 500 == 0:
            progress(500)
    if progress is not None and n % 500:
        progress(n % 500)
    return out


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
            for row_id, text, _ in rows:
                c.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (privacy.redact(text), row_id))
            done.append(_count(table, column, rows))
        store.audit(actor, "privacy.scrub", "*", None,
                    {f"{f.table}.{f.column}": {"rows": f.rows, "kinds": f.kinds} for f in done if f.rows})
    return done
