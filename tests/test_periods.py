from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from indicators.periods import (Period, PeriodError, current_quarter, fiscal_quarter, fiscal_quarter_of, fiscal_year,
                         fiscal_year_of, parse_period)


def test_fiscal_year_boundary_30_sep_1_oct():
    assert fiscal_year_of(date(2026, 9, 30)) == 2026
    assert fiscal_year_of(date(2026, 10, 1)) == 2027
    assert fiscal_quarter_of(date(2026, 9, 30)) == (2026, 4)
    assert fiscal_quarter_of(date(2026, 10, 1)) == (2027, 1)
    assert fiscal_quarter_of(date(2026, 12, 31)) == (2027, 1)
    assert fiscal_quarter_of(date(2027, 1, 1)) == (2027, 2)


def test_fy2027_runs_oct_2026_to_sep_2027():
    p = fiscal_year(2027)
    assert (p.start, p.end) == (date(2026, 10, 1), date(2027, 9, 30))
    assert p.is_full_fiscal_year and p.fiscal_year == 2027


@pytest.mark.parametrize("q,start,end", [
    (1, date(2026, 10, 1), date(2026, 12, 31)),
    (2, date(2027, 1, 1), date(2027, 3, 31)),
    (3, date(2027, 4, 1), date(2027, 6, 30)),
    (4, date(2027, 7, 1), date(2027, 9, 30)),
])
def test_quarters_of_fy2027(q, start, end):
    p = fiscal_quarter(2027, q)
    assert (p.start, p.end, p.label) == (start, end, f"FY2027 Q{q}")


def test_leap_year_quarter_q2_fy2028_includes_29_feb():
    p = fiscal_quarter(2028, 2)
    assert p.end == date(2028, 3, 31)
    assert date(2028, 2, 29) in p
    assert p.days == 31 + 29 + 31
    assert fiscal_quarter(2027, 2).days == 31 + 28 + 31
    assert fiscal_year(2028).days == 366 and fiscal_year(2027).days == 365


TODAY = date(2026, 11, 15)  # FY2027 Q1


@pytest.mark.parametrize("text,start,end", [
    ("", date(2026, 10, 1), date(2026, 12, 31)),
    ("this quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("last quarter", date(2026, 7, 1), date(2026, 9, 30)),       # crosses back into FY2026
    ("Q2", date(2027, 1, 1), date(2027, 3, 31)),
    ("q4", date(2027, 7, 1), date(2027, 9, 30)),
    ("FY2026 Q3", date(2026, 4, 1), date(2026, 6, 30)),
    ("Q3 FY2026", date(2026, 4, 1), date(2026, 6, 30)),
    ("fy26 q1", date(2025, 10, 1), date(2025, 12, 31)),
    ("FY26", date(2025, 10, 1), date(2026, 9, 30)),
    ("FY2027", date(2026, 10, 1), date(2027, 9, 30)),
    ("this year", date(2026, 10, 1), date(2027, 9, 30)),
    ("this fy", date(2026, 10, 1), date(2027, 9, 30)),
    ("last year", date(2025, 10, 1), date(2026, 9, 30)),
    ("year to date", date(2026, 10, 1), TODAY),
    ("last month", date(2026, 10, 1), date(2026, 10, 31)),
    ("this month", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026-10", date(2026, 10, 1), date(2026, 10, 31)),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    ("2026-10-01..2026-12-31", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-10-01 to 2026-12-31", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_parse_period_words(text, start, end):
    p = parse_period(text, TODAY)
    assert (p.start, p.end) == (start, end)


def test_last_quarter_from_q2_stays_in_same_fiscal_year():
    p = parse_period("last quarter", date(2027, 2, 10))
    assert (p.start, p.end, p.label) == (date(2026, 10, 1), date(2026, 12, 31), "FY2027 Q1")


def test_last_month_in_january_is_december_of_previous_year():
    p = parse_period("last month", date(2027, 1, 3))
    assert (p.start, p.end) == (date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.parametrize("text,needle", [
    ("Q5", "Q1 to Q4"),
    ("2026-13", "month 13"),
    ("2026-12-31..2026-10-01", "before it starts"),
    ("2026-02-30..2026-03-01", "not a date"),
    ("banana", "can't read 'banana'"),
    ("FY1800", "out of range"),
    ("next decade", "Try one of"),
])
def test_nonsense_gets_a_clear_error(text, needle):
    with pytest.raises(PeriodError) as err:
        parse_period(text, TODAY)
    assert needle in str(err.value)


def test_fiscal_year_to_date_of_a_quarter():
    q2 = fiscal_quarter(2027, 2)
    ytd = q2.fiscal_year_to_date()
    assert (ytd.start, ytd.end) == (date(2026, 10, 1), date(2027, 3, 31))


def test_range_over_two_fiscal_years_has_no_single_fy():
    p = parse_period("2026-09-01..2026-10-31", TODAY)
    assert p.fiscal_year is None
    with pytest.raises(PeriodError):
        p.fiscal_year_to_date()


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
def test_every_day_is_in_exactly_one_quarter_of_its_fiscal_year(day):
    fy, q = fiscal_quarter_of(day)
    assert day in fiscal_quarter(fy, q)
    assert day in fiscal_year(fy)
    others = [fiscal_quarter(fy, k) for k in (1, 2, 3, 4) if k != q]
    assert not any(day in p for p in others)
    assert current_quarter(day) == fiscal_quarter(fy, q)


@given(st.integers(min_value=2001, max_value=2099))
def test_quarters_tile_the_fiscal_year(fy):
    qs = [fiscal_quarter(fy, q) for q in (1, 2, 3, 4)]
    assert qs[0].start == fiscal_year(fy).start and qs[-1].end == fiscal_year(fy).end
    for a, b in zip(qs, qs[1:]):
        assert b.start == a.end + timedelta(days=1)
    assert sum(q.days for q in qs) == fiscal_year(fy).days


def test_period_cannot_end_before_start():
    with pytest.raises(PeriodError):
        Period(date(2026, 2, 1), date(2026, 1, 1), "x")
