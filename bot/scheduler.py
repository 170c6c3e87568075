"""Send weekly digests when they are due, once per subscription and ISO week, however many schedulers run.

The due moment is the subscription's weekday and hour in ITS time zone (zoneinfo, so DST is handled); the week
is the ISO week of the local date ("2026-W41"). Each step is a compare-and-set on the send's `digest_sends` row
(see indicators/digest_sends.py): claim with a lease and compose; commit `posting_at`; call the platform; commit
`sent` with its message id. A claim that ran out before `posting_at` is posted by a later tick; a platform error
is `failed` and retried after RETRY_AFTER (at most MAX_ATTEMPTS, within the week); a claim that ran out AFTER
`posting_at` may have been posted, so it is never re-posted blindly: it becomes `uncertain` and the channel is
told how to get it (`digest resend`). DeliveryGone deactivates the subscription.

DeliveryBlocked (e.g. Slack `not_in_channel`) keeps the subscription: the send counts as failed (so it is
retried) and the person who subscribed is told what to do, once per week.

`PSE_FAILPOINT=digest.before_post` / `digest.after_post` ends the process at that point (exit code 70; with a
`:kill9` suffix by SIGKILL), for crash tests; it is never set in a deployment.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import signal
import time as _time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, Mapping

from bot.delivery import BLOCKED_PREFIX, DeliveryBlocked, DeliveryGone, Sender, notify_blocked
from bot.reply import Reply
from indicators import digest_sends, subscriptions as subs
from indicators.digest import uncertain_notice
from indicators.subscriptions import Subscription, due_at, week_key
from storage.store import Store

__all__ = ["SendResult", "due_at", "week_key", "run_due", "run_forever"]

log = logging.getLogger("pse.scheduler")


Compose = Callable[[Subscription, datetime], "Reply | Awaitable[Reply]"]
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SendResult:
    subscription_id: int
    week_key: str
    status: str  # sent / failed / blocked / gone / skipped / uncertain
    detail: str = ""
    message_id: str | None = None


def _failpoint(name: str) -> None:
    point, _, how = os.environ.get("PSE_FAILPOINT", "").partition(":")
    if point == name:
        log.error("PSE_FAILPOINT=%s: ending the process here, as a crash would", name)
        if how == "kill9":
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(70)


async def run_due(store: Store, compose: Compose, senders: Mapping[str, Sender], now: datetime) -> list[SendResult]:
    """Send every digest that is due at `now` (an aware datetime) and not yet sent this week; tell subscribers
    about sends left uncertain by a process that stopped mid-post."""
    if now.tzinfo is None:
        raise ValueError("run_due needs an aware datetime (e.g. datetime.now(timezone.utc))")
    started = _time.monotonic()

    def clock() -> datetime:  # `now`, moving on as real time passes during this tick (leases stay honest)
        return now + timedelta(seconds=_time.monotonic() - started)

    results: list[SendResult] = []
    for sub in subs.active(store):
        try:
            week, due = due_at(sub, now)
        except Exception as err:  # noqa: BLE001 - a broken zone must not stop the other subscriptions
            log.error("subscription %s has an unusable time zone %r: %s", sub.id, sub.tz, err)
            continue
        if now < due or digest_sends.iso(due) < sub.starts_at or digest_sends.already_done(store, sub.id, week, clock()):
            continue
        sender = senders.get(sub.platform)
        if sender is None:
            results.append(SendResult(sub.id, week, "skipped", f"no sender configured for {sub.platform}"))
            continue
        claim = digest_sends.claim(store, sub.id, week, clock())
        if claim is None:
            continue
        if claim.kind == "notify":
            results.append(await _tell(store, sender, sub, claim, clock))
        else:
            results.append(await _deliver(store, compose, sender, sub, claim, now, clock))
    return results


async def _deliver(store: Store, compose: Compose, sender: Sender, sub: Subscription, claim: digest_sends.Claim,
                   now: datetime, clock: Clock) -> SendResult:
    week = claim.week
    try:
        reply = compose(sub, now)
        if inspect.isawaitable(reply):
            reply = await reply
    except Exception as err:  # noqa: BLE001 - recorded, retried on a later tick
        digest_sends.mark_failed(store, claim, "failed", f"{type(err).__name__}: {err}")
        log.warning("digest %s for %s:%s could not be composed: %s", week, sub.platform, sub.channel_id, err)
        return SendResult(sub.id, week, "failed", f"{type(err).__name__}: {err}")
    _failpoint("digest.before_post")
    if not digest_sends.mark_posting(store, claim, clock()):
        log.warning("digest %s for %s:%s: the claim ran out and another scheduler took it over",
                    week, sub.platform, sub.channel_id)
        return SendResult(sub.id, week, "skipped", "another scheduler took this send over")
    try:
        message_id = await sender.send(sub.channel_id, reply)
    except DeliveryGone as err:
        digest_sends.mark_failed(store, claim, "gone", str(err) or "gone")
        subs.deactivate(store, sub.id, f"platform refused delivery: {err}")
        log.warning("digest %s for %s:%s: channel gone, subscription deactivated (%s)",
                    week, sub.platform, sub.channel_id, err)
        return SendResult(sub.id, week, "gone", str(err))
    except DeliveryBlocked as err:
        last = subs.last_send(store, sub.id)  # this week's row still holds the previous attempt's error
        told = bool(last and last[0] == week and str(last[3] or "").startswith(BLOCKED_PREFIX))
        digest_sends.mark_failed(store, claim, "failed", BLOCKED_PREFIX + str(err))
        if not told:
            await notify_blocked(sender, sub, err)
        log.warning("digest %s for %s:%s blocked, will retry: %s", week, sub.platform, sub.channel_id, err)
        return SendResult(sub.id, week, "blocked", str(err))
    except Exception as err:  # noqa: BLE001 - recorded, retried on a later tick
        digest_sends.mark_failed(store, claim, "failed", f"{type(err).__name__}: {err}")
        log.warning("digest %s for %s:%s failed: %s", week, sub.platform, sub.channel_id, err)
        return SendResult(sub.id, week, "failed", f"{type(err).__name__}: {err}")
    _failpoint("digest.after_post")
    message_id = None if message_id is None else str(message_id)
    if not digest_sends.mark_sent(store, claim, clock(), message_id):
        log.warning("digest %s for %s:%s was posted (%s) after its claim ran out", week, sub.platform,
                    sub.channel_id, message_id)
    log.info("digest %s sent to %s:%s (message %s)", week, sub.platform, sub.channel_id, message_id)
    return SendResult(sub.id, week, "sent", message_id=message_id)


async def _tell(store: Store, sender: Sender, sub: Subscription, claim: digest_sends.Claim,
                clock: Clock) -> SendResult:
    """The send of this week may or may not have gone out: say so in the channel, once."""
    week = claim.week
    try:
        message_id = await sender.send(sub.channel_id, uncertain_notice(sub.platform, week))
    except DeliveryGone as err:
        digest_sends.mark_told(store, claim, f"uncertain, and the subscriber could not be told: {err}")
        subs.deactivate(store, sub.id, f"platform refused delivery: {err}")
        return SendResult(sub.id, week, "gone", str(err))
    except Exception as err:  # noqa: BLE001 - told on a later tick
        digest_sends.tell_later(store, claim, clock())
        log.warning("digest %s for %s:%s is uncertain and the notice failed: %s", week, sub.platform,
                    sub.channel_id, err)
        return SendResult(sub.id, week, "uncertain", f"notice failed, retried later: {type(err).__name__}: {err}")
    digest_sends.mark_told(store, claim)
    log.warning("digest %s for %s:%s is uncertain (a scheduler stopped mid-post); the subscriber was told",
                week, sub.platform, sub.channel_id)
    return SendResult(sub.id, week, "uncertain", "may not have arrived; the subscriber was told",
                      None if message_id is None else str(message_id))


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
