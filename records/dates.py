"""Date words → dates, relative to a given `today` (in the user's time zone).

Understood: today, yesterday, tomorrow; weekday names ("Friday": the next one for due dates, the last one for
past events; never today — say "today" for that); "last Tuesday", "next Tuesday", "this Friday"; "next week",
"last week" (± 7 days); "in 3 days", "3 days ago", "in 2 weeks", "a week ago"; ISO 2026-11-20; 20/11/2026 and
20-11-2026 (day first); "20 Nov", "Nov 20", "20 November 2026", "Nov 20, 2026". A day and month without a year
is the nearest one in the right direction (past for events, future for due dates).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EXAMPLES = "today, yesterday, Friday, last Tuesday, 3 days ago, in 2 weeks, 2026-11-20, 20/11/2026, 20 Nov"

WEEKDAYS = {name: i for i, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
    ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun"))) for name in names}
MONTHS = {name: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), start=1) for name in names}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7}
MIN_YEAR, MAX_YEAR = 2000, 2100


class DateError(ValueError):
    """The words are not a date we understand; the message names them and gives examples."""


def today_for(tz: str | None = None, now: datetime | None = None) -> date:
    """The calendar date in time zone `tz` (an IANA name such as Asia/Bangkok; UTC when empty or unknown)."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    try:
        zone = ZoneInfo(tz) if tz else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return now.astimezone(zone).date()


def _clean(text: str) -> str:
    text = text.strip().lower().rstrip(".,;!")
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    text = text.replace(",", " ")
    return re.sub(r"\s+", " ", text).strip()


def _count(word: str) -> int | None:
    if word.isdecimal() and len(word) <= 6:  # isdigit() would also take "²", which int() refuses
        return int(word)
    return NUMBER_WORDS.get(word)


def _shift(today: date, days: int, original: str) -> date:
    """`today` moved by `days`, kept within the years we take ("in 3000000 days" is refused, not a crash)."""
    try:
        day = today + timedelta(days=days)
    except OverflowError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        raise DateError(f"“{original}” is too far from today; I take dates from {MIN_YEAR} to {MAX_YEAR}.")
    return day


def _make(y: int, m: int, d: int, original: str) -> date:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise DateError(f"“{original}” has the year {y}; I take years from {MIN_YEAR} to {MAX_YEAR}.")
    try:
        return date(y, m, d)
    except ValueError:
        raise DateError(f"“{original}” is not a real calendar date (day {d}, month {m}). "
                        "Dates with slashes are day first: 20/11/2026.") from None


def _nearest(m: int, d: int, today: date, future: bool, original: str) -> date:
    """Day and month without a year: this year's, or the next / previous year's to point the right way."""
    for year in (today.year, today.year + (1 if future else -1)):
        try:
            candidate = date(year, m, d)
        except ValueError:
            continue
        if (candidate >= today) if future else (candidate <= today):
            return candidate
    return _make(today.year, m, d, original)


def parse_date(text: str, today: date, future: bool = False) -> date:
    """The date `text` names. `future` says which way bare weekdays and year-less dates point.

    Raises DateError naming the words that were not understood.
    """
    original = text.strip()
    t = _clean(text)
    if t.startswith("on "):
        t = t[3:]
    if not t:
        raise DateError(f"I expected a date but got nothing. Try e.g. {EXAMPLES}.")
    if t in ("today", "now", "tonight", "this morning", "this afternoon"):
        return today
    if t in ("yesterday", "last night"):
        return today - timedelta(days=1)
    if t in ("tomorrow", "tmr", "tmrw"):
        return today + timedelta(days=1)
    if t in ("next week",):
        return today + timedelta(days=7)
    if t in ("last week",):
        return today - timedelta(days=7)
    if t in ("day before yesterday", "the day before yesterday"):
        return today - timedelta(days=2)
    if t in ("day after tomorrow", "the day after tomorrow"):
        return today + timedelta(days=2)

    words = t.split()
    # weekday names, optionally with last / next / this
    if len(words) <= 2 and words[-1] in WEEKDAYS and (len(words) == 1 or words[0] in ("last", "next", "this", "on")):
        target = WEEKDAYS[words[-1]]
        mode = words[0] if len(words) == 2 else ("next" if future else "last")
        if mode == "this":
            return today + timedelta(days=(target - today.weekday()) % 7)
        if mode == "next" or (mode == "on" and future):
            return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
        return today - timedelta(days=(today.weekday() - target - 1) % 7 + 1)
    # in N days / weeks, N days / weeks ago
    m = re.fullmatch(r"in (\w+) (days?|weeks?|wks?)", t)
    if m and _count(m.group(1)) is not None:
        return _shift(today, _count(m.group(1)) * UNITS[m.group(2)], original)
    m = re.fullmatch(r"(\w+) (days?|weeks?|wks?) ago", t)
    if m and _count(m.group(1)) is not None:
        return _shift(today, -_count(m.group(1)) * UNITS[m.group(2)], original)
    # ISO 2026-11-20 (also 2026/11/20)
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", t)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), original)
    # day first: 20/11/2026, 20-11-26, 20/11
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?", t)
    if m:
        d, mo = int(m.group(1)), int(m.group(2))
        if m.group(3):
            y = int(m.group(3))
            return _make(y + 2000 if y < 100 else y, mo, d, original)
        if not 1 <= mo <= 12:
            raise DateError(f"“{original}” has no month {mo}. Dates with slashes are day first: 20/11/2026.")
        return _nearest(mo, d, today, future, original)
    # 20 Nov [2026] / Nov 20 [2026]
    m = re.fullmatch(r"(\d{1,2}) ([a-z]+)(?: (\d{4}))?", t) or None
    if m and m.group(2) in MONTHS:
        d, mo, y = int(m.group(1)), MONTHS[m.group(2)], m.group(3)
        return _make(int(y), mo, d, original) if y else _nearest(mo, d, today, future, original)
    m = re.fullmatch(r"([a-z]+) (\d{1,2})(?: (\d{4}))?", t)
    if m and m.group(1) in MONTHS:
        mo, d, y = MONTHS[m.group(1)], int(m.group(2)), m.group(3)
        return _make(int(y), mo, d, original) if y else _nearest(mo, d, today, future, original)
    raise DateError(f"I couldn't read “{original}” as a date. Try e.g. {EXAMPLES}.")


def is_date(text: str, today: date, future: bool = False) -> bool:
    try:
        parse_date(text, today, future)
    except DateError:
        return False
    return True


def human(day: date | str | None, today: date | None = None) -> str:
    """A short readable date: "20 Nov 2026", with "today" / "yesterday" / "tomorrow" where it helps."""
    if day is None or day == "":
        return "—"
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    if today is not None:
        delta = (day - today).days
        if delta == 0:
            return "today"
        if delta == -1:
            return "yesterday"
        if delta == 1:
            return "tomorrow"
    return f"{day.day} {day.strftime('%b %Y')}"
