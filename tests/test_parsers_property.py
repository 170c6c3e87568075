"""Property-based tests (hypothesis): arbitrary text — unicode, control characters, Thai / Khmer / emoji, SQL and
search-syntax metacharacters, very long strings — through the real router and every intent's parser.

Over a real SQLite store (a throw-away PSE_HOME) with three partners and a registered Slack staff user:
- nothing raises and nothing ends in the router's "something went wrong" apology (the request log line's outcome
  is never "error", and there is exactly one request log line per request);
- every reply has text;
- a refused or rejected reply (ok=False) changed nothing: the row count of every table (audit_log included) and
  SQLite's change counter are the same before and after.
The pure parsers (dates, periods, log lines and outcomes, partner options, digest schedule words, stages, target
values) either return a sane value or raise their own friendly error type — never anything else.
"""

from __future__ import annotations

import logging
import os
import string
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import intents
from intents.contract import Intent
from bot.message import Message
from bot.router import MAX_TEXT, route
from indicators import periods
from indicators import subscriptions as subs
from records import access, dates, stages

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)  # a Wednesday
TODAY = NOW.date()
STAFF = "UPROPSTAFF"
APOLOGY = "something went wrong"

# Bounded runs: the whole file takes well under a minute on a busy 2-core machine. For a deeper hunt, multiply
# the examples: PSE_PROPERTY_SCALE=20 python -m pytest tests/test_parsers_property.py
SCALE = max(1, int(os.environ.get("PSE_PROPERTY_SCALE", "1") or 1))
FAST = settings(max_examples=120 * SCALE, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ROUTED = settings(FAST, max_examples=100 * SCALE)
SLOW = settings(FAST, max_examples=25 * SCALE)  # questions and drafts run the real model

# --- strategies -----------------------------------------------------------------------------------------------

SPICE = [
    "'; DROP TABLE partners; --", "\" OR 1=1 --", "%", "_", "*", "NEAR(", "AND", "OR", "NOT", "^", "\\", "\x00",
    "\u202e", "\ufeff", "\u200b", "\r\n", "\t", "\x1b[31m", "ประชุม", "เมื่อวาน", "កិច្ចប្រជុំ", "ម្សិលមិញ", "🙂",
    "👨‍👩‍👧", "🇹🇭", "²", "٣", "१२", "Ⅻ", "ﬁ", "İ", "ß", ":", ";", "::", "--", "=", "$", "฿", "៛", "€", "..",
    "../../etc/passwd", "/", "<script>", "{}", "[]", "null", "NaN", "inf", "-0", "1e999", "9" * 40,
]
TOKENS = [
    "Acme", "Foods", "Co.", "Blue", "Ocean", "Seafood", "Logistics", "meeting", "call", "email", "agreement",
    "training", "yesterday", "today", "Friday", "last", "next", "this", "in", "3", "days", "weeks", "ago",
    "20/11/2026", "31/02/2026", "2026-02-30", "20 Nov", "Nov 20, 2026", "13/13", "0/0", "1999-01-01", "in 99999999999 days",
    "next:", "due:", "level:", "high", "placed:", "trained:", "cash:", "in-kind:", "5,000", "USD", "$", "by",
    "--stream", "--country", "--sector", "--owner", "--confidential", "--bogus", "survivor", "innovation",
    "Thailand", "Nepal", "Cambodia", "subscribe", "unsubscribe", "preview", "list", "Monday", "9", "25", "9pm",
    "13pm", "0am", "9:30", "Asia/Bangkok", "Mars/Base", "UTC", "users", "add", "remove", "slack:U1", "teams:",
    "lead", "staff", "admin", "report", "how", "on", "off", "dd", "due diligence", "concept note", "closed",
    "FY2027", "FY26", "fy-99", "Q3", "Q0", "Q9", "2026-10", "2026-13", "2026-10-01..2026-12-31",
    "2026-12-31..2026-10-01", "this quarter", "ytd", "all", "stalled", "partners", "interactions", "partnerships",
    "10", "-5", "1e9", "50%", "report 30", "0", "4000",
]
free_text = st.text(max_size=160)  # any unicode, control characters included
word_soup = st.lists(st.one_of(st.sampled_from(TOKENS + SPICE), st.text(max_size=12)), max_size=14).map(" ".join)
long_text = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=24), st.integers(min_value=40, max_value=450))
any_text = st.one_of(free_text, word_soup, word_soup, long_text)
short_text = st.one_of(free_text, word_soup)
separators = st.sampled_from([" ", "  ", "\n", "\t", " \u00a0"])

CHEAP_INTENTS = sorted(w for w in [*intents.INTENTS, *intents.ALIASES]
                       if intents.resolve(w) not in ("ask", "frame"))


def command_text(words):
    """`WORD TEXT` with the word in any case or slash-prefixed, and any whitespace between."""
    return st.builds(lambda w, case, sep, t: case(w) + sep + t, st.sampled_from(words),
                     st.sampled_from([str, str.upper, str.title, lambda w: "/" + w]), separators, any_text)


# --- a world: store with partners, a staff user, and the real knowledge base --------------------------------------

class World:
    def __init__(self, services):
        self.services = services
        self.store = services.store
        self.records: list[logging.LogRecord] = []

    def state(self) -> str:
        return self.store.snapshot()

    def say(self, text: str = "", who: str = "console", **kw):
        if who == "console":
            msg = Message(text=text, received_at=NOW, **kw)
        else:
            msg = Message(text=text, user_id=STAFF, user_name="prop", platform="slack", channel_id="CPROP",
                          channel_kind="channel", received_at=NOW, timezone="Asia/Bangkok", **kw)
        return route(msg, self.services)

    def check(self, text: str = "", who: str = "console", **kw):
        """Route one message and check every property; returns the reply."""
        before = self.state()
        self.records.clear()
        reply = self.say(text, who, **kw)
        requests = [r for r in self.records if r.name == "pse.router" and r.getMessage() == "request"]
        assert len(requests) == 1, f"one request log line per request, got {len(requests)}"
        assert requests[0].outcome != "error", [r.getMessage() for r in self.records]
        assert not any(r.levelno >= logging.ERROR for r in self.records), [r.getMessage() for r in self.records]
        assert APOLOGY not in reply.text
        assert isinstance(reply.text, str) and reply.text.strip(), "every reply says something"
        if not reply.ok:
            assert self.state() == before, f"a rejected request changed the database: {reply.text[:200]}"
        return reply


class _Capture(logging.Handler):
    def __init__(self, sink: list):
        super().__init__(logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


@pytest.fixture(scope="module")
def world(tmp_path_factory, bundled_kb):
    from bot.app import Services
    from bot.settings import Settings
    from storage.store import Store

    home = tmp_path_factory.mktemp("prop-home")
    cfg = replace(Settings.from_env({"PSE_HOME": str(home)}, dotenv=False),
                  rate_per_minute=1_000_000, rate_burst=1_000_000)
    cfg.ensure_home()
    store = Store.open(cfg.database)
    w = World(Services(cfg, knowledge=bundled_kb, store=store))
    for line in ("partner add Acme Foods Co. --stream innovation --country Thailand --sector seafood",
                 "partner add Acme Logistics Ltd --country Nepal",
                 "partner add Blue Ocean Seafood --stream survivor --country Thailand --confidential"):
        assert w.say(line).ok
    access.add_user(store, f"slack:{STAFF}", "staff", ["Thailand"], actor="test")
    handler = _Capture(w.records)
    logger = logging.getLogger("pse")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield w
    logger.removeHandler(handler)
    logger.setLevel(old_level)
    store.close()


# --- the checks themselves can fail ------------------------------------------------------------------------------

def _fake_intent(monkeypatch, handle):
    import sys
    import types

    mod = types.ModuleType("pse_prop_fake_intent")
    mod.INTENT = Intent(name="zzfake", summary="fake", usage="zzfake", handler=handle, access="guest")
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setitem(intents.INTENTS, "zzfake", mod.__name__)


def test_the_check_catches_a_crash(world, monkeypatch):
    def boom(message, services):
        raise RuntimeError("kaput")

    _fake_intent(monkeypatch, boom)
    with pytest.raises(AssertionError):
        world.check("zzfake anything", "slack")


def test_the_check_catches_a_write_behind_a_rejection(world, monkeypatch):
    from bot.reply import Reply

    def sneaky(message, services):
        with services.store.transaction():
            services.store.audit("test", "sneaky.write", "none", None)
        return Reply.problem("No.")

    _fake_intent(monkeypatch, sneaky)
    with pytest.raises(AssertionError, match="changed the database"):
        world.check("zzfake anything", "console")


# --- the router, for every intent -------------------------------------------------------------------------------

@ROUTED
@given(text=command_text(CHEAP_INTENTS))
def test_every_intent_word_with_any_text_from_the_console_admin(world, text):
    world.check(text, "console")


@ROUTED
@given(text=command_text(CHEAP_INTENTS))
def test_every_intent_word_with_any_text_from_slack_staff_in_a_channel(world, text):
    world.check(text, "slack")


@FAST
@given(text=st.one_of(any_text, st.text(alphabet=string.printable, min_size=MAX_TEXT - 5, max_size=MAX_TEXT + 5)))
def test_texts_over_the_limit_are_refused_and_change_nothing(world, text):
    reply = world.check(text, "slack")
    if len(text) > MAX_TEXT:
        assert not reply.ok and f"{MAX_TEXT:,}" in reply.text


@SLOW
@given(text=st.one_of(free_text, word_soup), who=st.sampled_from(["console", "slack"]))
def test_free_text_questions_never_crash(world, text, who):
    """Text that is not a command word is a question for the real knowledge base."""
    assume(intents.resolve((text.split() or [""])[0].lstrip("/")) is None)
    reply = world.check(text, who)
    if reply.ok and reply.data.get("answered"):
        assert reply.passages and all(p.source for p in reply.passages)


@SLOW
@given(text=command_text(["ask", "question", "frame"]), who=st.sampled_from(["console", "slack"]))
def test_ask_and_frame_with_any_text_never_crash(world, text, who):
    world.check(text, who)


FORM_FIELDS = {
    "log": ["partner", "kind", "occurred_on", "summary", "next_step", "next_due", "level", *[
        "survivors_trained", "survivors_placed", "cash", "in_kind", "joint_activity", "policy_change"]],
    "diligence": ["partner", "_state", "forced_labour", "recruitment_fees", "grievance", "audits", "notes"],
    "feedback": ["vote", "query", "source"],
}


@FAST
@given(data=st.data(), command=st.sampled_from(sorted(FORM_FIELDS)), who=st.sampled_from(["console", "slack"]))
def test_form_submissions_with_any_values_never_crash(world, data, command, who):
    fields = FORM_FIELDS[command]
    if command == "diligence":
        from intents.diligence import checklist_form

        fields = [f.name for f in checklist_form("Acme Foods Co.").fields] + ["_state"]
    value = st.one_of(short_text, st.sampled_from(["Acme Foods Co.", "Blue Ocean Seafood", "meeting", "yesterday",
                                                   "2026-11-17", "high", "5", "-1", "1", "yes", "no", ""]))
    form = data.draw(st.dictionaries(st.sampled_from(fields), value, max_size=len(fields)))
    world.check("", who, command=command, form=form)


@FAST
@given(action=st.sampled_from(["partner_create", "partner_show", "feedback", "log", "nonsense_action"]),
       text=short_text, who=st.sampled_from(["console", "slack"]))
def test_button_actions_with_any_value_never_crash(world, action, text, who):
    command = action.split("_")[0]
    world.check(text, who, command=command if intents.resolve(command) else None, action=action)


# --- the pure parsers -------------------------------------------------------------------------------------------

day = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))
date_words = st.one_of(short_text, st.builds(" ".join, st.lists(st.sampled_from(TOKENS + SPICE + [
    "tomorrow", "the day before yesterday", "on", "last week", "a", "week", "two", "twelve", "Nov", "November",
    "31st", "2nd", "2100", "1999", "00", "99", "12/31", "31/12/99"]), max_size=4)))


@FAST
@given(text=date_words, today=day, future=st.booleans())
@example(text="in 3000000 days", today=TODAY, future=False)  # was an OverflowError
@example(text="99999999 weeks ago", today=TODAY, future=True)
@example(text="in ² days", today=TODAY, future=False)  # "²".isdigit() but int("²") fails
def test_parse_date_returns_a_date_or_a_friendly_error(text, today, future):
    try:
        d = dates.parse_date(text, today, future)
    except dates.DateError as e:
        assert str(e)
        return
    assert isinstance(d, date)
    assert dates.is_date(text, today, future)
    assert dates.human(d, today)


@FAST
@given(text=st.one_of(short_text, st.builds(" ".join, st.lists(st.sampled_from(TOKENS + SPICE + [
    "quarter", "year", "month", "last year", "FY2100", "FY2000", "fy_2027", "q4fy27", "Q2 FY2027", "2026-10-01",
    "2026-10-01 to 2026-11-01", "2026-10-01 – 2026-11-01", "9999-12-31..9999-12-31", "0001-01-01..2026-01-01"]),
    max_size=3))), today=day)
def test_parse_period_returns_a_sane_period_or_a_friendly_error(text, today):
    try:
        p = periods.parse_period(text, today)
    except periods.PeriodError as e:
        assert str(e)
        return
    assert p.start <= p.end and p.days >= 1 and p.label
    assert p.describe()
    periods.looks_like_period_word(text)


@FAST
@given(kind=st.sampled_from(["survivors_placed", "survivors_trained", "cash", "in_kind", "joint_activity",
                             "policy_change"]), value=st.one_of(short_text, st.sampled_from(TOKENS + SPICE)))
def test_log_outcome_parser(kind, value):
    from intents.log import LogError, parse_outcome

    try:
        o = parse_outcome(kind, value)
    except LogError as e:
        assert str(e) and e.field == kind
        return
    assert o.kind == kind and o.quantity >= 0
    assert o.currency is None or (len(o.currency) == 3 and o.currency.isupper())


@FAST
@given(head=short_text, tail=short_text)
def test_log_line_parser(world, head, tail):
    from intents.log import LogError, parse

    try:
        p = parse(world.store, head, tail, TODAY)
    except (LogError, dates.DateError) as e:
        assert str(e)
        return
    assert isinstance(p.occurred_on, date) and p.kind


@FAST
@given(text=st.one_of(short_text, word_soup))
def test_partner_option_parser(text):
    from intents.partner_fix import OPTIONS, parse_add
    from records.checks import RegistryError

    try:
        name, opts = parse_add(text)
    except RegistryError as e:
        assert "--" in str(e)
        return
    assert isinstance(name, str) and set(opts) <= set(OPTIONS)


@FAST
@given(word=st.one_of(short_text, st.sampled_from(TOKENS + SPICE + ["12am", "12pm", "00:00", "23h", "24", "9:00pm"])))
def test_digest_schedule_word_parsers(word):
    wd = subs.parse_weekday(word)
    assert wd is None or 0 <= wd <= 6
    try:
        hour = subs.parse_hour(word)
    except subs.SubscriptionError as e:
        assert str(e)
    else:
        assert hour is None or 0 <= hour <= 23
    try:
        tz = subs.check_tz(word)
    except subs.SubscriptionError as e:
        assert "time zone" in str(e)
    else:
        assert tz == "UTC" or tz == word.strip()


@FAST
@given(text=st.one_of(short_text, st.sampled_from(stages.all_stage_words() + TOKENS)),
       stream=st.sampled_from(sorted(stages.PIPELINES)))
def test_stage_names(text, stream):
    found = stages.find(text)
    assert found is None or found.key
    try:
        st_ = stages.resolve(text, stream)
    except stages.StageError as e:
        assert str(e)
    else:
        assert st_ in stages.stages(stream)
    try:
        s = stages.resolve_stream(text)
    except stages.StageError as e:
        assert "work stream" in str(e)
    else:
        assert s in stages.PIPELINES


@FAST
@given(word=st.one_of(short_text, st.sampled_from(TOKENS + SPICE)))
def test_target_value_and_year_words(word):
    from intents.target import _fy, _value

    fy = _fy(word)
    assert fy is None or 2000 <= fy <= 9999
    v = _value(word)
    assert v is None or isinstance(v, float)


@FAST
@given(key=st.one_of(short_text, st.sampled_from(["slack:U1", "teams:29:x", "console:me", "slack:", ":U1", "x:y"])))
def test_user_keys(key):
    try:
        platform, user_id = access.parse_user_key(key)
    except access.AccessError as e:
        assert "PLATFORM:USER_ID" in str(e)
    else:
        assert platform in ("slack", "teams", "console") and user_id
