from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from records.dates import DateError, due_date, find_date, human, parse_date, today_for

WED = date(2026, 11, 18)  # a Wednesday


@pytest.mark.parametrize("text,past,future", [
    ("today", WED, WED),
    ("yesterday", date(2026, 11, 17), date(2026, 11, 17)),
    ("tomorrow", date(2026, 11, 19), date(2026, 11, 19)),
    ("Friday", date(2026, 11, 13), date(2026, 11, 20)),
    ("wednesday", date(2026, 11, 11), date(2026, 11, 25)),
    ("last Tuesday", date(2026, 11, 10), date(2026, 11, 10)),  # the Tuesday of the previous week
    ("next Tuesday", date(2026, 11, 24), date(2026, 11, 24)),
    ("this Friday", date(2026, 11, 20), date(2026, 11, 20)),
    ("next week", date(2026, 11, 25), date(2026, 11, 25)),
    ("in 3 days", date(2026, 11, 21), date(2026, 11, 21)),
    ("3 days ago", date(2026, 11, 15), date(2026, 11, 15)),
    ("in two weeks", date(2026, 12, 2), date(2026, 12, 2)),
    ("a week ago", date(2026, 11, 11), date(2026, 11, 11)),
    ("2026-11-20", date(2026, 11, 20), date(2026, 11, 20)),
    ("20/11/2026", date(2026, 11, 20), date(2026, 11, 20)),
    ("1/2/2026", date(2026, 2, 1), date(2026, 2, 1)),
    ("20 Nov", date(2025, 11, 20), date(2026, 11, 20)),
    ("Nov 20", date(2025, 11, 20), date(2026, 11, 20)),
    ("10 Nov", date(2026, 11, 10), date(2027, 11, 10)),
    ("20th November 2026", date(2026, 11, 20), date(2026, 11, 20)),
    ("Nov 20, 2026", date(2026, 11, 20), date(2026, 11, 20)),
    ("on 3 Nov", date(2026, 11, 3), date(2027, 11, 3)),
])
def test_date_words(text, past, future):
    assert parse_date(text, WED) == past
    assert parse_date(text, WED, future=True) == future


@pytest.mark.parametrize("text, contact, due", [
    ("10 Nov", date(2026, 11, 3), date(2026, 11, 10)),    # a back-filled contact's "by 10 Nov": that 10 Nov
    ("10 Nov", WED, date(2027, 11, 10)),                  # agreed today: the next 10 Nov
    ("Friday", date(2026, 11, 3), date(2026, 11, 20)),    # the writer's words: this coming Friday
    ("in two weeks", date(2026, 11, 3), date(2026, 12, 2)),
    ("2026-11-12", date(2026, 11, 3), date(2026, 11, 12)),
])
def test_a_due_date_reads_a_bare_day_and_month_from_the_contact(text, contact, due):
    assert due_date(text, WED, contact) == due


@pytest.mark.parametrize("text,words", [("yestrday", "yestrday"), ("31/02/2026", "not a real calendar date"),
                                        ("2026-13-01", "not a real"), ("", "nothing"), ("20 Foo", "20 Foo"),
                                        ("1/1/1850", "1850"), ("in many days", "in many days")])
def test_bad_dates_name_what_was_not_understood(text, words):
    with pytest.raises(DateError) as e:
        parse_date(text, WED)
    assert words in str(e.value)


def test_today_depends_on_time_zone():
    late_utc = datetime(2026, 11, 18, 20, 0, tzinfo=timezone.utc)
    assert today_for("UTC", late_utc) == date(2026, 11, 18)
    assert today_for("Asia/Bangkok", late_utc) == date(2026, 11, 19)
    assert today_for("Not/AZone", late_utc) == date(2026, 11, 18)


def test_human():
    assert human(date(2026, 11, 17), WED) == "yesterday"
    assert human("2026-11-20") == "20 Nov 2026"
    assert human(None) == "—"


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
def test_iso_and_day_first_round_trip(d):
    assert parse_date(d.isoformat(), WED) == d
    assert parse_date(d.strftime("%d/%m/%Y"), WED) == d


@given(st.text(max_size=30))
def test_any_text_either_parses_or_raises_date_error(text):
    try:
        parse_date(text, WED)
    except DateError as e:
        assert str(e)


TODAY = date(2026, 11, 18)


@pytest.mark.parametrize("step,kept,due", [
    # "check in by 30 Nov" kept "by 30 Nov" in the step: "in by 30 Nov" was the longest run read as a date
    ("check in by 30 Nov", "check in", date(2026, 11, 30)),
    ("check in by 30/11", "check in", date(2026, 11, 30)),
    # "we may call them" was due 18 May 2027: dateparser read "we may" as the month
    ("we may call them", "we may call them", None),
    ("call them if they may be open", "call them if they may be open", None),
    # a month as a due date allows the whole month: due on its last day, not on today's day of that month
    ("meet again in December", "meet again in December", date(2026, 12, 31)),
    ("send the MoU by March", "send the MoU", date(2027, 3, 31)),
    ("send report by end of March", "send report", date(2027, 3, 31)),
    ("they may sign in may", "they may sign in may", date(2027, 5, 31)),
    ("follow up in 2 weeks", "follow up in 2 weeks", date(2026, 12, 2)),
])
def test_a_date_in_a_next_step(step, kept, due):
    found = find_date(step, TODAY, future=True)
    assert (found[:2] if found else (None, step)) == (due, kept)


def test_the_end_of_a_named_month_is_its_last_day_in_the_right_direction():
    assert parse_date("end of February", TODAY, future=True) == date(2027, 2, 28)
    assert parse_date("end of October", TODAY, future=False) == date(2026, 10, 31)
    assert parse_date("the end of November", TODAY, future=True) == date(2026, 11, 30)
