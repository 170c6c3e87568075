"""Reporting periods on the USAID fiscal year (October–September) and the words people use for them.

FY2027 runs from 1 October 2026 to 30 September 2027; Q1 is October–December, Q2 January–March,
Q3 April–June, Q4 July–September. `parse_period("FY2026 Q3", today)` → 1 Apr 2026 … 30 Jun 2026.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

MIN_FY = 2000
MAX_FY = 2100

EXAMPLES = ("this quarter", "last quarter", "Q2", "FY2026 Q3", "FY26", "this year", "last year",
            "year to date", "this month", "last month", "2026-10", "2026-10-01..2026-12-31")


class PeriodError(ValueError):
    """The text is not a period we understand; the message says what to type instead."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str
    as_of: date | None = None  # the day it was asked on: what lies after it is not known yet (None: no such day)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"A period cannot end ({self.end}) before it starts ({self.start}).")

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def fiscal_year(self) -> int | None:
        """The fiscal year holding the whole period, or None when it spans more than one."""
        fy = fiscal_year_of(self.start)
        return fy if fiscal_year_of(self.end) == fy else None

    @property
    def is_full_fiscal_year(self) -> bool:
        fy = self.fiscal_year
        return fy is not None and (self.start, self.end) == fy_bounds(fy)

    def fiscal_year_to_date(self) -> "Period":
        """From the start of this period's fiscal year to this period's end (needs a single fiscal year)."""
        fy = self.fiscal_year
        if fy is None:
            raise PeriodError("This period spans more than one fiscal year.")
        return Period(fy_bounds(fy)[0], self.end, f"FY{fy} to {fmt_day(self.end)}", self.as_of)

    def describe(self) -> str:
        return f"{self.label} ({fmt_day(self.start)} – {fmt_day(self.end)})"

    def iso(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def fmt_day(d: date) -> str:
    return f"{d.day} {calendar.month_abbr[d.month]} {d.year}"


def fiscal_year_of(d: date) -> int:
    """The fiscal year a day belongs to: October onwards counts toward the next calendar year's number."""
    return d.year + 1 if d.month >= 10 else d.year


def fiscal_quarter_of(d: date) -> tuple[int, int]:
    """(fiscal year, quarter 1–4) of a day."""
    return fiscal_year_of(d), (d.month - 10) % 12 // 3 + 1


def fy_bounds(fy: int) -> tuple[date, date]:
    _check_fy(fy)
    return date(fy - 1, 10, 1), date(fy, 9, 30)


def fiscal_year(fy: int) -> Period:
    start, end = fy_bounds(fy)
    return Period(start, end, f"FY{fy}")


def fiscal_quarter(fy: int, q: int) -> Period:
    _check_fy(fy)
    if q not in (1, 2, 3, 4):
        raise PeriodError(f"A fiscal year has quarters Q1 to Q4, not Q{q}.")
    first_month = (10 + 3 * (q - 1) - 1) % 12 + 1  # Q1 → 10, Q2 → 1, Q3 → 4, Q4 → 7
    year = fy - 1 if first_month >= 10 else fy
    start = date(year, first_month, 1)
    end_month = first_month + 2
    end = date(year, end_month, calendar.monthrange(year, end_month)[1])
    return Period(start, end, f"FY{fy} Q{q}")


def month(year: int, mon: int) -> Period:
    if not 1 <= mon <= 12:
        raise PeriodError(f"There is no month {mon}; months run from 01 to 12.")
    _check_fy(year)
    return Period(date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1]),
                  f"{calendar.month_name[mon]} {year}")


def current_quarter(today: date) -> Period:
    return fiscal_quarter(*fiscal_quarter_of(today))


def _check_fy(fy: int) -> None:
    if not MIN_FY <= fy <= MAX_FY:
        raise PeriodError(f"The year {fy} is out of range; use a year between {MIN_FY} and {MAX_FY}.")


def _parse_fy(token: str) -> int:
    digits = token[2:] if token.lower().startswith("fy") else token
    digits = digits.lstrip("-_ ")
    if len(digits) == 2:
        return 2000 + int(digits)
    return int(digits)


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"'{text}' is not a date; write dates as YYYY-MM-DD, e.g. 2026-10-01.") from None


_FY = r"fy[-_ ]?(\d{2}|\d{4})"
_Q = r"q([0-9])"
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|–|—|\s+to\s+|\s+-\s+)\s*(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str | None, today: date) -> Period:
    """Read a period from words; the empty text means the current fiscal quarter. Raises PeriodError.

    The period remembers `today` (`as_of`): a measure of something still to come, such as a signing anniversary
    later in the quarter, leaves it out instead of counting it."""
    return replace(_parse_period(text, today), as_of=today)


def _parse_period(text: str | None, today: date) -> Period:
    raw = " ".join((text or "").split())
    t = raw.lower().strip(" .,")
    if not t:
        return current_quarter(today)

    fy_now, q_now = fiscal_quarter_of(today)
    if t in ("this quarter", "current quarter", "quarter", "this q", "qtd", "quarter to date"):
        return fiscal_quarter(fy_now, q_now)
    if t in ("last quarter", "previous quarter", "prev quarter", "last q"):
        return fiscal_quarter(fy_now - 1, 4) if q_now == 1 else fiscal_quarter(fy_now, q_now - 1)
    if t in ("this year", "this fy", "this fiscal year", "current year", "current fy", "fy", "year"):
        return fiscal_year(fy_now)
    if t in ("last year", "last fy", "previous year", "previous fy", "last fiscal year"):
        return fiscal_year(fy_now - 1)
    if t in ("year to date", "ytd", "fytd", "fy to date"):
        start = fy_bounds(fy_now)[0]
        return Period(start, today, f"FY{fy_now} to {fmt_day(today)}")
    if t in ("this month", "current month", "month"):
        return month(today.year, today.month)
    if t in ("last month", "previous month"):
        last = today.replace(day=1) - timedelta(days=1)
        return month(last.year, last.month)
    if t in ("all", "all time", "ever", "everything"):
        return Period(date(MIN_FY - 1, 10, 1), today, "All time")

    m = re.fullmatch(_Q, t)  # "Q2": a quarter of the current fiscal year
    if m:
        return fiscal_quarter(fy_now, int(m.group(1)))
    m = re.fullmatch(_FY + r"\s*" + _Q, t) or re.fullmatch(_Q + r"\s*" + _FY, t)
    if m:
        a, b = m.groups()
        fy, q = (_parse_fy(a), int(b)) if t.startswith("fy") else (_parse_fy(b), int(a))
        return fiscal_quarter(fy, q)
    m = re.fullmatch(_FY, t)
    if m:
        return fiscal_year(_parse_fy(m.group(1)))
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
    if m:
        return month(int(m.group(1)), int(m.group(2)))
    m = _RANGE.match(t)
    if m:
        start, end = _parse_day(m.group(1)), _parse_day(m.group(2))
        if end < start:
            raise PeriodError(f"That range ends ({end}) before it starts ({start}); put the earlier date first.")
        _check_fy(fiscal_year_of(start))
        _check_fy(fiscal_year_of(end))
        return Period(start, end, f"{start.isoformat()} to {end.isoformat()}")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        d = _parse_day(t)
        return Period(d, d, d.isoformat())
    raise PeriodError(
        f"I can't read '{raw}' as a period. Try one of: " + ", ".join(EXAMPLES) + "."
    )


def looks_like_period_word(token: str) -> bool:
    """Whether one word could start a period (used to split `report PERIOD COUNTRY`)."""
    t = token.lower()
    return bool(
        t in {"this", "last", "previous", "current", "year", "quarter", "month", "ytd", "fytd", "qtd", "all"}
        or re.fullmatch(r"q\d|fy[-_]?\d{2,4}|\d{4}-\d{1,2}(-\d{2})?(\.\.\d{4}-\d{2}-\d{2})?", t)
    )
