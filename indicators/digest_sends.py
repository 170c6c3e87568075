"""The digest-send ledger (`digest_sends`): one row per subscription and ISO week, claimed before posting.

Every change of a row is a compare-and-set (an INSERT … ON CONFLICT DO NOTHING or an UPDATE whose WHERE names
the state it expects), so any number of schedulers on one database, or a restart, post each week once:

    (none) ──claim──► sending (lease_until) ──posting──► sending + posting_at ──answer──► sent (message_id)
                        │  lease ran out, posting_at unset: claimed again (the post never started)
                        │  platform error: failed, claimed again after RETRY_AFTER (at most MAX_ATTEMPTS)
                        └► lease ran out WITH posting_at set: uncertain (the post may have gone out), never
                           re-posted blindly; the subscriber is told once (with a lease of its own), and
                           `digest resend` posts it again on request.

`claimed_by` holds a token unique to one claim, so a process whose lease ran out and was taken over can no
longer mark the row. Times are ISO text in UTC; the scheduler's clock (or `--now`) is passed in.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from storage.store import Store

RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=10)  # a claim (compose + post) runs out after this; platform calls time out far sooner

UNCERTAIN = "uncertain: the scheduler stopped while the platform was being called; the digest may not have arrived"
TOLD = "uncertain: the subscriber was told and can `digest resend`"
RESENT = "posted by `digest resend`"


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def _token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Claim:
    """The right to act on one send: `post` the digest, or `notify` the subscriber that it is uncertain."""
    sub_id: int
    week: str
    token: str
    kind: Literal["post", "notify"]


_KEY = "subscription_id = :sub AND week_key = :week"


def claim(store: Store, sub_id: int, week: str, now: datetime) -> Claim | None:
    """Claim this week's send for this caller; None when there is nothing for it to do (or another won)."""
    token = _token()
    p = {"sub": sub_id, "week": week, "now": iso(now), "lease": iso(now + LEASE), "token": token,
         "max": MAX_ATTEMPTS, "backoff": iso(now - RETRY_AFTER), "uncertain": UNCERTAIN}
    with store.transaction() as c:
        cur = c.execute(
            "INSERT INTO digest_sends (subscription_id, week_key, claimed_at, claimed_by, status, attempts, "
            "lease_until) VALUES (:sub, :week, :now, :token, 'sending', 1, :lease) ON CONFLICT DO NOTHING", p)
        if cur.rowcount == 1:
            return Claim(sub_id, week, token, "post")
        # Retry: a failed attempt once the back-off has passed, or a claim that ran out before the post began.
        cur = c.execute(
            "UPDATE digest_sends SET status = 'sending', claimed_at = :now, claimed_by = :token, "
            "lease_until = :lease, posting_at = NULL, attempts = attempts + 1 "  # the last error stays until sent
            f"WHERE {_KEY} AND attempts < :max AND ((status = 'failed' AND claimed_at <= :backoff) "
            "OR (status = 'sending' AND posting_at IS NULL AND lease_until IS NOT NULL AND lease_until <= :now))", p)
        if cur.rowcount == 1:
            return Claim(sub_id, week, token, "post")
        # The process died while the platform was being called (or before leases existed): uncertain.
        # An uncertain row whose notice lease ran out (the notice was not delivered) is claimed again.
        cur = c.execute(
            "UPDATE digest_sends SET status = 'uncertain', claimed_by = :token, lease_until = :lease, "
            "error = :uncertain "
            f"WHERE {_KEY} AND ((status = 'sending' AND (lease_until IS NULL OR "
            "(posting_at IS NOT NULL AND lease_until <= :now))) "
            "OR (status = 'uncertain' AND lease_until IS NOT NULL AND lease_until <= :now))", p)
        if cur.rowcount == 1:
            return Claim(sub_id, week, token, "notify")
        # Crashed before posting MAX_ATTEMPTS times: give up, as for repeated platform errors.
        c.execute("UPDATE digest_sends SET status = 'failed', lease_until = NULL, "
                  "error = 'the scheduler stopped before posting, too many times' "
                  f"WHERE {_KEY} AND status = 'sending' AND posting_at IS NULL AND lease_until <= :now "
                  "AND attempts >= :max", p)
    return None


def mark_posting(store: Store, cl: Claim, now: datetime) -> bool:
    """Commit `posting_at` just before the platform call (and renew the lease). False: the claim was lost."""
    cur = store.execute(
        "UPDATE digest_sends SET posting_at = :now, lease_until = :lease "
        f"WHERE {_KEY} AND claimed_by = :token AND status = 'sending' AND posting_at IS NULL",
        {"sub": cl.sub_id, "week": cl.week, "token": cl.token, "now": iso(now), "lease": iso(now + LEASE)})
    return cur.rowcount == 1


def mark_sent(store: Store, cl: Claim, now: datetime, message_id: str | None) -> bool:
    """The platform answered: the post is done, with the platform's id for it."""
    cur = store.execute(
        "UPDATE digest_sends SET status = 'sent', sent_at = :now, message_id = :mid, lease_until = NULL, "
        f"error = '' WHERE {_KEY} AND claimed_by = :token AND status IN ('sending', 'uncertain')",
        {"sub": cl.sub_id, "week": cl.week, "token": cl.token, "now": iso(now),
         "mid": None if message_id is None else str(message_id)[:200]})
    return cur.rowcount == 1


def mark_failed(store: Store, cl: Claim, status: Literal["failed", "gone"], error: str) -> None:
    """The platform refused the post (or composing failed): nothing went out."""
    store.execute(
        f"UPDATE digest_sends SET status = :status, lease_until = NULL, posting_at = NULL, error = :error "
        f"WHERE {_KEY} AND claimed_by = :token AND status = 'sending'",
        {"sub": cl.sub_id, "week": cl.week, "token": cl.token, "status": status, "error": error[:1000]})


def mark_told(store: Store, cl: Claim, error: str = TOLD) -> None:
    """The subscriber was told that the send is uncertain (or cannot be told, with why): nothing more to do."""
    store.execute(f"UPDATE digest_sends SET lease_until = NULL, error = :error WHERE {_KEY} "
                  "AND claimed_by = :token AND status = 'uncertain'",
                  {"sub": cl.sub_id, "week": cl.week, "token": cl.token, "error": error[:1000]})


def tell_later(store: Store, cl: Claim, now: datetime) -> None:
    """The notice could not be delivered now: try again after RETRY_AFTER."""
    store.execute(f"UPDATE digest_sends SET lease_until = :at WHERE {_KEY} AND claimed_by = :token "
                  "AND status = 'uncertain'",
                  {"sub": cl.sub_id, "week": cl.week, "token": cl.token, "at": iso(now + RETRY_AFTER)})


def already_done(store: Store, sub_id: int, week: str, now: datetime) -> bool:
    """A read-only pre-check: True when a claim now would certainly find nothing to do."""
    row = store.execute("SELECT status, attempts, claimed_at, lease_until FROM digest_sends "
                        f"WHERE {_KEY}", {"sub": sub_id, "week": week}).fetchone()
    if row is None:
        return False
    status, attempts, claimed_at, lease_until = row
    if status in ("sent", "gone"):
        return True
    if status == "failed":
        return attempts >= MAX_ATTEMPTS or claimed_at > iso(now - RETRY_AFTER)
    if lease_until is None:
        return status == "uncertain"  # a told uncertain row is done; a 'sending' row without a lease is not
    return lease_until > iso(now)


def record_resend(store: Store, sub_id: int, week: str, now: datetime, actor: str, channel: str = "") -> bool:
    """Before `digest resend` posts this week's digest: make sure no scheduler posts it too, and audit it.

    False (and nothing changed) only while a scheduler holds a live claim on this week's send."""
    p = {"sub": sub_id, "week": week, "now": iso(now), "actor": actor[:200], "resent": RESENT}
    with store.transaction() as c:
        before = c.execute(f"SELECT status FROM digest_sends WHERE {_KEY}", p).scalar()
        if before is None:
            cur = c.execute(
                "INSERT INTO digest_sends (subscription_id, week_key, claimed_at, claimed_by, status, attempts, "
                "sent_at, error) VALUES (:sub, :week, :now, :actor, 'sent', 0, :now, :resent) ON CONFLICT DO NOTHING",
                p)
            if cur.rowcount != 1:  # a scheduler claimed it a moment ago
                return False
        elif before not in ("sent", "gone"):
            cur = c.execute(
                "UPDATE digest_sends SET status = 'sent', sent_at = COALESCE(sent_at, :now), lease_until = NULL, "
                f"claimed_by = :actor, error = :resent WHERE {_KEY} AND status IN ('failed', 'uncertain', 'sending') "
                "AND NOT (status = 'sending' AND lease_until IS NOT NULL AND lease_until > :now)", p)
            if cur.rowcount != 1:
                return False
        store.audit(actor, "digest.resend", "digest_subscriptions", sub_id,
                    {"week": week, "status_before": before, "channel": channel})
    return True
