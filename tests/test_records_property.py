"""Property tests (hypothesis) for the money, outcome and date parsers: whatever they accept round-trips (format →
parse gives the same value, and a log stores exactly it); whatever they refuse changes nothing in the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.message import Message
from bot.router import route
from intents.log_parse import LogError, format_outcome, outcome_segment, parse_outcome
from records import dates, money
from records.checks import COUNT_KINDS, MONEY_KINDS

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)  # a Wednesday
TODAY = NOW.date()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUTED = settings(FAST, max_examples=60)

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
currency_words = st.sampled_from(sorted(money.WORDS.items()))
junk = st.text(alphabet=st.sampled_from(list("0123456789,. $€฿៛৳₭abcdekmnoprsuyKHRUSDTB-")), max_size=20)  # no ; or : (they split a log line)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from bot.app import Services
    from bot.settings import Settings
    from storage.store import Store

    home = tmp_path_factory.mktemp("records-prop")
    cfg = replace(Settings.from_env({"PSE_HOME": str(home)}, dotenv=False), rate_per_minute=10**6, rate_burst=10**6)
    cfg.ensure_home()
    store = Store.open(cfg.database)
    svc = Services(cfg, store=store)
    assert say(svc, "partner add Blue Ocean Seafood --country Cambodia").ok
    yield svc
    store.close()


def say(svc, text):
    return route(Message(text=text, user_id="prop", received_at=NOW), svc)


def records(store):
    c = store
    return [c.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("interactions", "outcomes", "partners")]


@FAST
@given(amount=amounts, word=currency_words, sign_first=st.booleans(), commas=st.booleans())
def test_money_round_trips_in_every_spelling(amount, word, sign_first, commas):
    alias, code = word
    number = f"{amount:,f}" if commas else f"{amount:f}"
    text = f"{alias}{number}" if sign_first and not alias[0].isalpha() else f"{number} {alias}"
    assert money.parse_money(text) == (float(amount), code)
    q, c = money.parse_money(text)
    assert money.parse_money(money.format_amount(q, c)) == (q, c)


@FAST
@given(text=junk)
def test_money_parser_either_reads_a_currency_amount_or_says_why(text):
    try:
        q, c = money.parse_money(text)
    except money.MoneyError as e:
        assert str(e)
        return
    assert q >= 0 and len(c) == 3 and c.isupper()
    assert money.parse_money(money.format_amount(q, c)) == (q, c)


@FAST
@given(kind=st.sampled_from(COUNT_KINDS + MONEY_KINDS), n=st.integers(0, 10**6), word=currency_words)
def test_outcomes_round_trip_with_and_without_a_colon(kind, n, word):
    value = f"{n:,} {word[0]}" if kind in MONEY_KINDS else str(n)
    o = parse_outcome(kind, value)
    assert (o.kind, o.quantity, o.currency) == (kind, float(n), word[1] if kind in MONEY_KINDS else None)
    typed = format_outcome(o)                      # `cash: 2,000,000 KHR`, `placed: 3`
    key, _, rest = typed.partition(":")
    again = parse_outcome(kind, rest)
    assert (again.quantity, again.currency) == (o.quantity, o.currency)
    bare = outcome_segment(f"{key} {rest.strip()}")  # the same without the colon
    assert bare is not None and bare[0] == kind and parse_outcome(*bare).quantity == o.quantity


@FAST
@given(day=days, today=days)
def test_dates_round_trip_through_their_written_forms(day, today):
    assert dates.parse_date(day.isoformat(), today) == day
    assert dates.parse_date(day.strftime("%d/%m/%Y"), today) == day
    assert dates.parse_date(dates.human(day, today), today, future=day > today) == day


@FAST
@given(today=st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 1, 1)), n=st.integers(0, 300),
       weekday=st.sampled_from(list(dates.WEEKDAYS)))
def test_relative_dates(today, n, weekday):
    assert dates.parse_date(f"in {n} days", today) == today + timedelta(days=n)
    assert dates.parse_date(f"{n} days ago", today) == today - timedelta(days=n)
    last = dates.parse_date(f"last {weekday}", today)
    monday = today - timedelta(days=today.weekday())
    assert last.weekday() == dates.WEEKDAYS[weekday] and monday - timedelta(days=7) <= last < monday
    bare = dates.parse_date(weekday, today)  # the most recent one before today
    assert bare.weekday() == dates.WEEKDAYS[weekday] and 1 <= (today - bare).days <= 7
    nxt = dates.parse_date(f"next {weekday}", today, future=True)
    assert nxt.weekday() == dates.WEEKDAYS[weekday] and 1 <= (nxt - today).days <= 7
    end = dates.parse_date("end of month", today)
    assert end.month == today.month and (end + timedelta(days=1)).day == 1


@ROUTED
@given(value=st.one_of(junk, st.builds(lambda a, w: f"{a:,f} {w[0]}", amounts, currency_words)))
def test_a_logged_amount_is_stored_exactly_or_nothing_is_saved(world, value):
    before = records(world.store)
    r = say(world, f"log Blue Ocean meeting today: talked; cash: {value}")
    if r.ok and r.data.get("interaction_id"):
        q, c = money.parse_money(value)
        stored = world.store.execute("SELECT quantity, currency FROM outcomes WHERE interaction_id = ?",
                                             (r.data["interaction_id"],)).fetchall()
        assert stored == [(q, c)]
        assert say(world, "log undo").ok
    else:
        assert records(world.store) == before
        say(world, "log cancel")
    assert records(world.store) == before


@ROUTED
@given(text=st.one_of(st.text(max_size=20), st.sampled_from(["tomorrow", "someday", "31/02/2026", "1999-01-01",
                                                              "last Friday", "in 3 days", "end of month"])))
def test_a_date_edit_is_stored_as_parsed_or_changes_nothing(world, text):
    r = say(world, "log Blue Ocean meeting 1 Nov: base")
    n = r.data["interaction_id"]
    before = records(world.store)
    r = say(world, f"log edit {n} date: {text}")
    got = world.store.execute("SELECT occurred_on FROM interactions WHERE id = ?", (n,)).fetchone()[0]
    if r.ok:
        assert got == dates.parse_date(text, TODAY).isoformat()
    else:
        assert records(world.store) == before
    assert say(world, f"log delete {n}").ok
