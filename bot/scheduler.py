"""Send weekly digests when they are due, exactly once per subscription and ISO week, across processes.

For each active subscription, the due moment of the current week is its weekday and hour in ITS time zone
(zoneinfo, so daylight-saving changes are handled); the week is the ISO week of the local date ("2026-W41").
A send is CLAIMED by inserting (subscription, week) into `digest_sends` inside a write transaction with
INSERT OR IGNORE: when two schedulers (two processes, two hosts on one database file, a restart) race, the
UNIQUE constraint lets exactly one win. The winner composes and sends, then marks the row `sent`.

- A failed send is marked `failed` and retried by a later tick (after digest_sends.RETRY_AFTER, at most MAX_ATTEMPTS times,
  and only while it is still that week).
- A successful send is never repeated.
- A row left `sending` (the process died mid-send) is NOT retried: the message may have gone out, and a lost
  digest is better than a double one. `digest list` shows it as "outcome unknown".
- DeliveryGone from a sender deactivates the subscription (the bot was removed or blocked).
- DeliveryBlocked (e.g. Slack `not_in_channel`) keeps it: the send counts as failed (so it is retried) and the
  person who subscribed is told what to do, once per week.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, Awaitable, Callable, Mapping

from bot.delivery import BLOCKED_PREFIX, DeliveryBlocked, DeliveryGone, Sender, notify_blocked
from bot.reply import Reply
from indicators import digest_sends
from indicators import subscriptions as subs
from indicators.subscriptions import Subscription
from storage.store import Store

log = logging.getLogger("pse.scheduler")


Compose = Callable[[Subscription, datetime], "Reply | Awaitable[Reply]"]


@dataclass(frozen=True)
class SendResult:
    subscription_id: int
    week_key: str
    status: str  # sent / failed / blocked / gone / skipped
    detail: str = ""


def week_key(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def due_at(sub: Subscription, now: datetime) -> tuple[str, datetime]:
    """The ISO week (in the subscription's zone) holding `now`, and this week's due moment in UTC."""
    zone = sub.zone
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=sub.weekday)
    # A wall-clock time that does not exist (spring forward) resolves to the same instant one hour later on
    # the clock; an ambiguous one (fall back) to its first occurrence (fold=0).
    wall = datetime.combine(day, time(sub.hour), tzinfo=zone)
    return week_key(local), wall.astimezone(timezone.utc)


async def run_due(store: Store, compose: Compose, senders: Mapping[str, Sender], now: datetime) -> list[SendResult]:
    """Send every digest that is due at `now` (an aware datetime) and not yet sent this week."""
    if now.tzinfo is None:
        raise ValueError("run_due needs an aware datetime (e.g. datetime.now(timezone.utc))")
    results: list[SendResult] = []
    for sub in subs.active(store):
        try:
            week, due = due_at(sub, now)
        except Exception as err:  # noqa: BLE001 - a broken zone must not stop the other subscriptions
            log.error("subscription %s has an unusable time zone %r: %s", sub.id, sub.tz, err)
            continue
        if now < due or digest_sends.iso(due) < sub.starts_at or digest_sends.already_done(store, sub.id, week, now):
            continue
        sender = senders.get(sub.platform)
        if sender is None:
            results.append(SendResult(sub.id, week, "skipped", f"no sender configured for {sub.platform}"))
            continue
        if not digest_sends.claim(store, sub.id, week, now):
            continue
        results.append(await _deliver(store, compose, sender, sub, week, now))
    return results


async def _deliver(store: Store, compose: Compose, sender: Sender, sub: Subscription, week: str,
                   now: datetime) -> SendResult:
    try:
        reply = compose(sub, now)
        if inspect.isawaitable(reply):
            reply = await reply
        await sender.send(sub.channel_id, reply)
    except DeliveryGone as err:
        digest_sends.finish(store, sub.id, week, "gone", now, str(err) or "gone")
        subs.deactivate(store, sub.id, f"platform refused delivery: {err}")
        log.warning("digest %s for %s:%s: channel gone, subscription deactivated (%s)",
                    week, sub.platform, sub.channel_id, err)
        return SendResult(sub.id, week, "gone", str(err))
    except DeliveryBlocked as err:
        last = subs.last_send(store, sub.id)  # this week's row still holds the previous attempt's error
        told = bool(last and last[0] == week and str(last[3] or "").startswith(BLOCKED_PREFIX))
        digest_sends.finish(store, sub.id, week, "failed", now, BLOCKED_PREFIX + str(err))
        if not told:
            await notify_blocked(sender, sub, err)
        log.warning("digest %s for %s:%s blocked, will retry: %s", week, sub.platform, sub.channel_id, err)
        return SendResult(sub.id, week, "blocked", str(err))
    except Exception as err:  # noqa: BLE001 - recorded, retried on a later tick
        digest_sends.finish(store, sub.id, week, "failed", now, f"{type(err).__name__}: {err}")
        log.warning("digest %s for %s:%s failed: %s", week, sub.platform, sub.channel_id, err)
        return SendResult(sub.id, week, "failed", f"{type(err).__name__}: {err}")
    digest_sends.finish(store, sub.id, week, "sent", now)
    log.info("digest %s sent to %s:%s", week, sub.platform, sub.channel_id)
    return SendResult(sub.id, week, "sent")


async def run_forever(store: Store, compose: Compose, senders: Mapping[str, Sender], interval: float = 60.0,
                      stop: asyncio.Event | None = None,
                      clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                      on_results: Callable[[list[SendResult]], Any] | None = None) -> None:
    """Tick every `interval` seconds until `stop` is set; one tick's failure never ends the loop."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            results = await run_due(store, compose, senders, clock())
            if on_results and results:
                on_results(results)
        except Exception:  # noqa: BLE001 - e.g. the database is locked for longer than the busy timeout
            log.exception("scheduler tick failed; trying again in %ss", interval)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except asyncio.TimeoutError:
            pass
