"""The durable inbox: a platform request is acknowledged only once its work item is committed here.

`put` stores the item and its delivery key in one statement (a repeat delivery of the same key stores nothing);
`claim` takes an item for one worker with a lease; `finish` marks it done. A worker that dies leaves its item
`working` with a lease that runs out, and any process's sweeper claims it again (`claim_due`), so a crash at any
point either finished the work or leaves it to be redone. Claims are compare-and-set updates; on PostgreSQL the
sweeper picks rows with `FOR UPDATE SKIP LOCKED`, so many processes never wait on or take the same item.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from storage.store import Store

LEASE = timedelta(seconds=45)        # a worker's claim runs out after this unless finished (or renewed)
STALE_PENDING = timedelta(seconds=5)  # a pending item nobody claimed for this long is swept up
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Item:
    id: int
    event_key: str
    platform: str
    kind: str
    payload: dict[str, Any]
    attempts: int


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def lease() -> timedelta:
    """LEASE, or PSE_INTAKE_LEASE_S seconds (a shorter lease lets the crash tests see a redo quickly)."""
    try:
        seconds = float(os.environ.get("PSE_INTAKE_LEASE_S", ""))
    except ValueError:
        return LEASE
    return timedelta(seconds=seconds) if seconds > 0 else LEASE


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def put(store: Store, event_key: str, platform: str, kind: str, payload: dict[str, Any]) -> Item | None:
    """Commit a new work item; None when this delivery key was stored before (a retry or a duplicate)."""
    row = store.execute(
        "INSERT INTO intake (event_key, platform, kind, payload, status, attempts, received_at) "
        "VALUES (?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (event_key) DO NOTHING RETURNING id",
        (event_key, platform, kind, json.dumps(payload, ensure_ascii=False, default=str), _iso(_now())),
    ).fetchone()
    if row is None:
        return None
    return Item(row[0], event_key, platform, kind, payload, 0)


def status(store: Store, event_key: str) -> str | None:
    return store.scalar("SELECT status FROM intake WHERE event_key = ?", (event_key,))


def claim(store: Store, item_id: int, who: str | None = None) -> bool:
    """Take one item (pending, or working with a lease that ran out). True for the one caller that got it."""
    now = _now()
    cur = store.execute(
        "UPDATE intake SET status = 'working', attempts = attempts + 1, lease_until = ?, claimed_by = ? "
        "WHERE id = ? AND (status = 'pending' OR (status = 'working' AND lease_until < ?))",
        (_iso(now + lease()), who or worker_id(), item_id, _iso(now)))
    return cur.rowcount == 1


def claim_due(store: Store, limit: int = 10, who: str | None = None) -> list[Item]:
    """Items owed by nobody: pending for a while (their receiver died before starting) or working with an
    expired lease (their worker died). Each returned item is claimed for this caller."""
    now = _now()
    who = who or worker_id()
    lock = " FOR UPDATE SKIP LOCKED" if store.dialect == "postgresql" else ""
    out: list[Item] = []
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT id, event_key, platform, kind, payload, attempts FROM intake "
            "WHERE (status = 'pending' AND received_at < ?) OR (status = 'working' AND lease_until < ?) "
            f"ORDER BY id LIMIT ?{lock}",
            (_iso(now - STALE_PENDING), _iso(now), limit)).fetchall()
        for r in rows:
            if r[5] >= MAX_ATTEMPTS:
                tx.execute("UPDATE intake SET status = 'failed', error = 'gave up after repeated attempts', "
                           "done_at = ? WHERE id = ?", (_iso(now), r[0]))
                continue
            tx.execute("UPDATE intake SET status = 'working', attempts = attempts + 1, lease_until = ?, "
                       "claimed_by = ? WHERE id = ?", (_iso(now + lease()), who, r[0]))
            out.append(Item(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5] + 1))
    return out


def renew(store: Store, event_key: str) -> bool:
    """Extend the lease of a working item (long work such as reading a shared document), so no sweeper takes
    it while its worker is alive. False when the item is not working any more."""
    return store.execute("UPDATE intake SET lease_until = ? WHERE event_key = ? AND status = 'working'",
                         (_iso(_now() + lease()), event_key)).rowcount == 1


def attempts(store: Store, event_key: str) -> int:
    """How many times the item was claimed (2 or more: an earlier worker stopped part-way); 0 if unknown."""
    return int(store.scalar("SELECT attempts FROM intake WHERE event_key = ?", (event_key,)) or 0)


def finish(store: Store, item_id: int, error: str = "") -> None:
    """Done (its reply was sent, or the person was told it failed): never redone."""
    # the payload (what the person typed) is not kept once handled: the key alone guards against late retries
    store.execute("UPDATE intake SET status = 'done', done_at = ?, error = ?, lease_until = NULL, payload = '{}' "
                  "WHERE id = ?",
                  (_iso(_now()), error[:200], item_id))


def counts(store: Store) -> dict[str, int]:
    return {s: n for s, n in store.execute("SELECT status, COUNT(*) FROM intake GROUP BY status")}


def prune(store: Store, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget finished items (their keys still guard against late retries for a week)."""
    return store.execute("DELETE FROM intake WHERE status IN ('done', 'failed') AND done_at < ?",
                         (_iso(_now() - older_than),)).rowcount
