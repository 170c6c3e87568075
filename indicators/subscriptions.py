"""Weekly digest subscriptions: one per chat channel, with a weekday, an hour and a time zone.

A subscription is never deleted: `unsubscribe` (or the platform refusing the channel) sets active = 0, and
subscribing again reactivates the same row so its send history stays attached.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.store import Store, utcnow

WEEKDAYS = tuple(calendar.day_name)  # Monday … Sunday
_WEEKDAY_WORDS = {**{d.lower(): i for i, d in enumerate(calendar.day_name)},
                  **{d.lower(): i for i, d in enumerate(calendar.day_abbr)},
                  "tues": 1, "wednes": 2, "thur": 3, "thurs": 3}


class SubscriptionError(ValueError):
    """A schedule we cannot use; the message says what to type instead."""


@dataclass(frozen=True)
class Subscription:
    id: int
    platform: str
    channel_id: str
    channel_name: str
    channel_kind: str
    weekday: int
    hour: int
    tz: str
    country: str | None
    created_by: str
    created_at: str
    starts_at: str
    active: bool

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def is_shared(self) -> bool:
        return self.channel_kind == "channel"

    def describe(self) -> str:
        where = f" for {self.country}" if self.country else ""
        return f"{WEEKDAYS[self.weekday]}s at {self.hour:02d}:00 {self.tz}{where}"


_COLUMNS = ("id, platform, channel_id, channel_name, channel_kind, weekday, hour, tz, country, created_by, "
            "created_at, starts_at, active")


def _row(r) -> Subscription:
    return Subscription(*r[:12], bool(r[12]))


def parse_weekday(word: str) -> int | None:
    return _WEEKDAY_WORDS.get(word.lower().strip(",."))


def parse_hour(word: str) -> int | None:
    """'9', '09', '9:00', '09:00', '9am', '2pm', '14h' → hour 0–23; None when it is not an hour at all."""
    import re

    w = word.lower().strip(",.")
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|h)?", w)
    if not m:
        return None
    hour, minutes, suffix = int(m.group(1)), m.group(2), m.group(3)
    if minutes not in (None, "00"):
        raise SubscriptionError(f"Digests go out on the hour; use {hour}:00 rather than {w}.")
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise SubscriptionError(f"'{word}' is not a time; with am/pm use 1–12, e.g. 9am.")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not 0 <= hour <= 23:
        raise SubscriptionError(f"'{word}' is not an hour of the day; use 0–23, e.g. 9 or 14:00.")
    return hour


def check_tz(name: str) -> str:
    name = name.strip()
    if name.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    try:
        if not name or "\x00" in name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SubscriptionError(f"I don't know the time zone '{name}'. Use a name like Asia/Bangkok, "
                                "Asia/Kathmandu, Europe/London or America/New_York (or UTC).") from None
    return name


def subscribe(store: Store, platform: str, channel_id: str, weekday: int, hour: int, tz: str,
              country: str | None = None, channel_name: str = "", channel_kind: str = "channel",
              actor: str = "", now: datetime | None = None) -> tuple[Subscription, bool]:
    """Create or update this channel's subscription; returns it and whether it was new."""
    tz = check_tz(tz)
    if not 0 <= weekday <= 6 or not 0 <= hour <= 23:
        raise SubscriptionError("The weekday must be Monday–Sunday and the hour 0–23.")
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    with store.transaction() as c:
        old = c.execute("SELECT id FROM digest_subscriptions WHERE platform = ? AND channel_id = ?",
                        (platform, channel_id)).fetchone()
        if old:
            c.execute("UPDATE digest_subscriptions SET weekday = ?, hour = ?, tz = ?, country = ?, channel_name = ?, "
                      "channel_kind = ?, starts_at = ?, active = 1 WHERE id = ?",
                      (weekday, hour, tz, country, channel_name, channel_kind, stamp, old[0]))
            sub_id = old[0]
        else:
            sub_id = c.execute(
                "INSERT INTO digest_subscriptions (platform, channel_id, channel_name, channel_kind, weekday, hour, "
                "tz, country, created_by, created_at, starts_at, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
                (platform, channel_id, channel_name, channel_kind, weekday, hour, tz, country, actor, utcnow(), stamp),
            ).scalar()
        store.audit(actor, "digest.resubscribe" if old else "digest.subscribe", "digest_subscriptions", sub_id,
                    {"weekday": weekday, "hour": hour, "tz": tz, "country": country})
    return get(store, platform, channel_id), old is None


def unsubscribe(store: Store, platform: str, channel_id: str, actor: str = "", reason: str = "unsubscribe") -> bool:
    with store.transaction() as c:
        row = c.execute("SELECT id FROM digest_subscriptions WHERE platform = ? AND channel_id = ? AND active = 1",
                        (platform, channel_id)).fetchone()
        if not row:
            return False
        c.execute("UPDATE digest_subscriptions SET active = 0 WHERE id = ?", (row[0],))
        store.audit(actor, "digest.unsubscribe", "digest_subscriptions", row[0], {"reason": reason})
    return True


def deactivate(store: Store, sub_id: int, reason: str, actor: str = "scheduler") -> None:
    with store.transaction() as c:
        c.execute("UPDATE digest_subscriptions SET active = 0 WHERE id = ?", (sub_id,))
        store.audit(actor, "digest.deactivate", "digest_subscriptions", sub_id, {"reason": reason[:500]})


def get(store: Store, platform: str, channel_id: str) -> Subscription | None:
    r = store.execute(f"SELECT {_COLUMNS} FROM digest_subscriptions WHERE platform = ? AND channel_id = ?",
                              (platform, channel_id)).fetchone()
    return _row(r) if r else None


def by_id(store: Store, sub_id: int) -> Subscription | None:
    r = store.execute(f"SELECT {_COLUMNS} FROM digest_subscriptions WHERE id = ?", (sub_id,)).fetchone()
    return _row(r) if r else None


def active(store: Store) -> list[Subscription]:
    rows = store.execute(f"SELECT {_COLUMNS} FROM digest_subscriptions WHERE active = 1 ORDER BY id")
    return [_row(r) for r in rows]


def all_subscriptions(store: Store, platform: str | None = None) -> list[Subscription]:
    sql = f"SELECT {_COLUMNS} FROM digest_subscriptions"
    args: tuple = ()
    if platform:
        sql += " WHERE platform = ?"
        args = (platform,)
    return [_row(r) for r in store.execute(sql + " ORDER BY active DESC, id", args)]


def last_send(store: Store, sub_id: int) -> tuple[str, str, str | None, str] | None:
    """(week_key, status, sent_at, error) of the latest send of a subscription."""
    return store.execute(
        "SELECT week_key, status, sent_at, error FROM digest_sends WHERE subscription_id = ? "
        "ORDER BY claimed_at DESC, id DESC LIMIT 1", (sub_id,)).fetchone()


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
