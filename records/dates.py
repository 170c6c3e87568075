"""Date words → dates, relative to a given `today` (in the user's time zone).

Understood: today, yesterday, tomorrow; weekday names ("Friday": the next one for due dates, the last one for
past events; never today — say "today" for that); "last Tuesday" (the Tuesday of the previous week, as people
mean it: on a Friday, "last Thursday" is 8 days back, not yesterday), "next Tuesday", "this Friday" (the Friday of
this week), "last week Thursday"; "end of month", "end of next month", "end of week", "end of December"; "next week",
"last week" (± 7 days); "in 3 days", "3 days ago", "in 2 weeks", "a week ago"; ISO 2026-11-20; 20/11/2026 and
20-11-2026 (day first); "20 Nov", "Nov 20", "20 November 2026", "Nov 20, 2026". A day and month without a year
is the nearest one in the right direction (past for events, future for due dates). Anything else that looks like
a date ("next month", "3rd of December", "in 2 months") goes to dateparser, a well-kept library.
`find_date` finds such an expression anywhere in a sentence ("call them next Friday").
"""

from __future__ import annotations

import calendar
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
NUMBER_WORDS = {"a": 1, "an": 1, **{w: n for n, w in enumerate(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split(), 1)}}
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
    m = re.fullmatch(r"(?:the )?end of (?:the )?(this |next )?(month|week)", t)
    if m:
        return _end_of(today, m.group(2), m.group(1) == "next ")
    m = re.fullmatch(r"(?:the )?end of ([a-z]+)", t)  # "end of December": its last day, the nearest one
    if m and m.group(1) in MONTHS:
        return _month_end(MONTHS[m.group(1)], today, future)
    # a due date "by / in December": the whole month is allowed, so it is due on the month's last day
    m = re.fullmatch(r"(?:in|by|during|until|till|before) ([a-z]+)(?: (\d{4}))?", t)
    if future and m and m.group(1) in MONTHS:
        year = int(m.group(2)) if m.group(2) else None
        end = _month_end(MONTHS[m.group(1)], today, True) if year is None else \
            _make(year, MONTHS[m.group(1)], calendar.monthrange(year, MONTHS[m.group(1)])[1], original)
        return end
    m = re.fullmatch(r"(last|next|this) week('s)? (?:on )?([a-z]+)", t)
    if m and m.group(3) in WEEKDAYS:
        monday = today - timedelta(days=today.weekday()) + timedelta(days={"last": -7, "next": 7, "this": 0}[m.group(1)])
        return monday + timedelta(days=WEEKDAYS[m.group(3)])
    # weekday names, optionally with last / next / this
    if len(words) <= 2 and words[-1] in WEEKDAYS and (len(words) == 1 or words[0] in ("last", "next", "this", "on")):
        target = WEEKDAYS[words[-1]]
        mode = words[0] if len(words) == 2 else ("next" if future else "last")
        monday = today - timedelta(days=today.weekday())
        if mode == "this":
            return monday + timedelta(days=target)
        if mode == "next" or (mode == "on" and future):
            return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
        if mode == "last" and len(words) == 2:  # "last Thursday": the Thursday of the previous week
            return monday - timedelta(days=7) + timedelta(days=target)
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
    found = _library(t, today, future)
    if found is not None:
        return found
    raise DateError(f"I couldn't read “{original}” as a date. Try e.g. {EXAMPLES}.")


def _month_end(month: int, today: date, future: bool) -> date:
    """The last day of `month`: the next one on or after today for due dates, the last one before for events."""
    year = today.year
    if future and date(year, month, calendar.monthrange(year, month)[1]) < today:
        year += 1
    elif not future and date(year, month, calendar.monthrange(year, month)[1]) > today:
        year -= 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _end_of(today: date, unit: str, following: bool) -> date:
    if unit == "week":
        return today + timedelta(days=6 - today.weekday() + (7 if following else 0))
    y, m = (today.year + (today.month == 12), today.month % 12 + 1) if following else (today.year, today.month)
    y2, m2 = (y + (m == 12), m % 12 + 1)
    return date(y2, m2, 1) - timedelta(days=1)


DATEISH = re.compile(r"\d|\b(?:" + "|".join(sorted(set(WEEKDAYS) | set(MONTHS) | {
    "day", "days", "week", "weeks", "month", "months", "year", "years", "fortnight", "ago", "now", "tomorrow",
    "yesterday", "today"}, key=len, reverse=True)) + r")\b")


def _library(t: str, today: date, future: bool) -> date | None:
    """dateparser for expressions the rules above don't cover ("next month", "3rd of December")."""
    if len(t) > 40 or len(t.split()) < 2 or not DATEISH.search(t):
        return None
    words = t.split()
    if not re.search(r"\d", t) and any(w in MONTHS and (i == 0 or words[i - 1] not in MONTH_LEADS)
                                       for i, w in enumerate(words)):
        return None  # "we may call them" is no date in May, nor "they march in": a month alone needs "in", "by"…
    try:
        import dateparser

        found = dateparser.parse(t, languages=["en"], settings={
            "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12),
            "PREFER_DATES_FROM": "future" if future else "past", "DATE_ORDER": "DMY", "STRICT_PARSING": False})
    except Exception:  # noqa: BLE001 - a library hiccup on odd text means "not a date", never a crash
        return None
    if found is None or not MIN_YEAR <= found.year <= MAX_YEAR:
        return None
    return found.date()


LEADS = ("by", "before", "due", "on", "until", "till")
MONTH_LEADS = ("in", "by", "before", "until", "till", "during", "of", "since", "from", "early", "mid", "late", "next",
               "last", "this")


def find_date(text: str, today: date, future: bool = True, max_words: int = 5) -> tuple[date, str, str] | None:
    """The date named anywhere in `text`: (date, the text without "by/on DATE" — or all of it when the date has no
    such lead word, "call them next Friday" — and the words of the date).

    The longest run of words that reads as a date wins, the latest in the sentence on ties; None if none does.
    """
    words = text.split()
    best = None
    for n in range(min(max_words, len(words)), 0, -1):
        for i in range(len(words) - n, -1, -1):
            chunk = " ".join(words[i:i + n]).strip(".,;:!?()")
            if not chunk or not DATEISH.search(chunk.lower()) or chunk.lower() in ("now", "day", "week", "month"):
                continue
            try:
                day = parse_date(chunk, today, future)
            except DateError:
                continue
            while n > 1:  # "check in by 30 Nov": "in by 30 Nov" reads as 30 Nov, so does "30 Nov"
                shorter = " ".join(words[i + 1:i + n]).strip(".,;:!?()")
                try:
                    if not shorter or parse_date(shorter, today, future) != day:
                        break
                except DateError:
                    break
                i, n, chunk = i + 1, n - 1, shorter
            led = chunk.split()[0].lower() in LEADS or (i > 0 and words[i - 1].lower() in LEADS)
            start = i - 1 if i > 0 and words[i - 1].lower() in LEADS else i
            rest = " ".join(words[:start] + words[i + n:]).strip(" ,;") if led else text.strip()
            best = (day, rest, chunk)
            break
        if best:
            return best
    return None


def due_date(text: str, today: date, contact_day: date | None = None) -> date:
    """The due date of a next step agreed at a contact on `contact_day`: read from today ("by Friday", "in two
    weeks" are the writer's own), except a day and month without a year, which is the first such day on or after
    the contact: a log back-filled for 3 Nov with "by 20 Nov" is due that 20 Nov, not next year's."""
    due = parse_date(text, today, future=True)
    if contact_day is not None and contact_day < today:
        then = parse_date(text, contact_day, future=True)
        if (then.month, then.day) == (due.month, due.day) and then.year < due.year:
            return then
    return due


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
