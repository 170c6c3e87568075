"""The digest-send ledger (`digest_sends`): one row per subscription and ISO week, claimed before posting.

A send is claimed with a compare-and-set, so two schedulers or a restart never post the same week twice; a
failed send is retried after RETRY_AFTER, at most MAX_ATTEMPTS times.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone

from storage.store import Store

RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def _who() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(store: Store, sub_id: int, week: str, now: datetime) -> bool:
    """Claim this week's send for this process. True only for the one caller that may send it."""
    with store.transaction() as c:
        cur = c.execute(
            "INSERT INTO digest_sends (subscription_id, week_key, claimed_at, claimed_by, status, attempts) "
            "VALUES (?, ?, ?, ?, 'sending', 1) ON CONFLICT DO NOTHING", (sub_id, week, iso(now), _who()))
        if cur.rowcount == 1:
            return True
        # Retry a failed attempt, once the back-off has passed; the WHERE makes this a compare-and-set.
        cur = c.execute(
            "UPDATE digest_sends SET status = 'sending', claimed_at = ?, claimed_by = ?, attempts = attempts + 1 "
            "WHERE subscription_id = ? AND week_key = ? AND status = 'failed' AND attempts < ? AND claimed_at <= ?",
            (iso(now), _who(), sub_id, week, MAX_ATTEMPTS, iso(now - RETRY_AFTER)))
        return cur.rowcount == 1


def finish(store: Store, sub_id: int, week: str, status: str, now: datetime, error: str = "") -> None:
    with store.transaction() as c:
        c.execute("UPDATE digest_sends SET status = ?, sent_at = ?, error = ? WHERE subscription_id = ? AND week_key = ?",
                  (status, iso(now) if status == "sent" else None, error[:1000], sub_id, week))


def already_done(store: Store, sub_id: int, week: str, now: datetime) -> bool:
    row = store.execute("SELECT status, attempts, claimed_at FROM digest_sends WHERE subscription_id = ? "
                                "AND week_key = ?", (sub_id, week)).fetchone()
    if row is None:
        return False
    status, attempts, claimed_at = row
    if status != "failed" or attempts >= MAX_ATTEMPTS:
        return True
    return claimed_at > iso(now - RETRY_AFTER)
