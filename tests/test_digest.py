import json
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import pytest
from report_seed import log, move, partner

from bot.app import Services
from bot.message import Message
from bot.router import route
from indicators import subscriptions as subs
from indicators.digest import compose_digest
from indicators.targets import set_target
from records import access, names, partner_edits

SECRET_NAME = "Zephyr Holdings"
SECRET_ALIAS = "ZephyrCo"
SECRET_SUMMARY = "pilot on vessel tracking under the NDA"
SECRET_STEP = "send the draft MoU to their counsel"


@pytest.fixture
def svc(settings, store):
    return Services(settings, store=store)


@pytest.fixture
def world(store):
    now = datetime.now(timezone.utc)
    today = now.date()
    acme = partner(store, "Acme Foods", country="Thailand", added=today - timedelta(days=200))
    log(store, acme, today - timedelta(days=2), summary="discussed five placements", level="low",
        next_step="share the concept note", next_due=today + timedelta(days=3))
    move(store, acme, "first_meetings", today - timedelta(days=1))
    quiet = partner(store, "Quiet Partners", country="Thailand", added=today - timedelta(days=300))
    log(store, quiet, today - timedelta(days=90), summary="old chat", now=now - timedelta(days=90))
    secret = partner(store, SECRET_NAME, country="Thailand", confidential=True, added=today - timedelta(days=400))
    partner_edits.add_alias(store, secret, SECRET_ALIAS, actor="test")
    log(store, secret, today - timedelta(days=1), summary=SECRET_SUMMARY, level="medium",
        next_step=SECRET_STEP, next_due=today + timedelta(days=2))
    nepal = partner(store, "Himal Jobs", country="Nepal", stream="survivor_employment",
                    added=today - timedelta(days=10))
    log(store, nepal, today, summary="placement talks", outcomes=[("survivors_placed", 3, None)])
    set_target(store, "partnerships", 5, __import__("indicators.periods", fromlist=["x"]).fiscal_year_of(today), "Thailand")
    return {"now": now, "today": today}


def everything(reply) -> str:
    """Every piece of the reply a reader or an adapter could show."""
    return "\n".join([reply.text, reply.image_title, reply.as_text(), json.dumps([asdict(f) for f in reply.facts]),
                      json.dumps(reply.data, default=str), str(reply.image or "")])


def assert_secret_absent(reply):
    blob = everything(reply).casefold()
    for needle in (SECRET_NAME, SECRET_ALIAS, "zephyr", SECRET_SUMMARY, SECRET_STEP, "vessel tracking", "counsel"):
        assert needle.casefold() not in blob, needle


def test_digest_sections(store, settings, world):
    reply = compose_digest(store, settings.charts_dir, world["now"])
    text = reply.text
    # by the date things happened: partners typed in this week but added long ago are not new, nor stage moves
    assert "**This week** (by the date things happened): 3 interactions, 1 stage move, 0 new partners." in text
    assert "Acme Foods — meeting" in text and "discussed five placements" in text
    assert "Acme Foods moved Landscape assessment → First meetings" in text
    assert "**Stalled partnerships**" in text and "Quiet Partners" in text and "no contact for 90 days" in text
    assert "Acme Foods — share the concept note" in text
    [table] = reply.tables  # indicator progress is a Table, drawn natively by each renderer
    assert table.title.startswith("Indicators, FY") and "```" not in text
    row = next(r for r in table.rows if r[0] == "Partnerships developed")
    assert row[1].endswith("/ 5")
    assert reply.image is not None and reply.image.is_file() and reply.image.parent == settings.charts_dir
    assert reply.image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    facts = {f.label: f.value for f in reply.facts}
    assert facts["Stalled partnerships"] == "2"  # Quiet Partners, and the confidential one (400 days in stage)
    assert "1 confidential partnership is stalled." in text


def test_confidential_partner_is_only_a_count(store, settings, world):
    reply = compose_digest(store, settings.charts_dir, world["now"])
    assert_secret_absent(reply)
    assert "1 confidential partnership had activity." in reply.text
    assert "1 confidential partnership has a next step due." in reply.text


def test_confidential_partner_stalled_is_counted_not_named(store, settings):
    today = datetime.now(timezone.utc).date()
    secret = partner(store, SECRET_NAME, confidential=True, added=today - timedelta(days=200))
    log(store, secret, today - timedelta(days=100), summary=SECRET_SUMMARY, now=datetime.now(timezone.utc)
        - timedelta(days=100))
    reply = compose_digest(store, settings.charts_dir, datetime.now(timezone.utc))
    assert_secret_absent(reply)
    assert "1 confidential partnership is stalled." in reply.text


def test_country_digest_leaves_other_countries_out(store, settings, world):
    reply = compose_digest(store, settings.charts_dir, world["now"], country="Nepal")
    assert "Himal Jobs" in reply.text and "Acme Foods" not in reply.text and "confidential" not in reply.text
    assert "Nepal" in reply.image_title


def test_chart_changes_when_the_data_changes(store, settings, world):
    first = compose_digest(store, settings.charts_dir, world["now"])
    again = compose_digest(store, settings.charts_dir, world["now"])
    assert first.image == again.image
    move(store, names.exact_partner(store, "Quiet Partners"), "due_diligence", world["today"])
    changed = compose_digest(store, settings.charts_dir, world["now"])
    assert changed.image != first.image
    assert changed.image.read_bytes() != first.image.read_bytes()


def test_preview_in_a_shared_channel_by_a_lead(svc, store, world):
    access.add_user(store, "slack:ULEAD", "lead", ["Thailand"], actor="test")
    reply = route(Message(text="digest preview", platform="slack", user_id="ULEAD", channel_id="C9",
                          channel_kind="channel"), svc)
    assert reply.ok and reply.private and "Thailand" in reply.text
    assert "Himal Jobs" not in reply.text  # the lead's own country project only
    assert_secret_absent(reply)


def test_preview_in_a_dm_still_keeps_confidential_partners_as_counts(svc, store, world):
    access.add_user(store, "slack:ULEAD", "lead", ["Thailand"], actor="test")
    reply = route(Message(text="digest preview", platform="slack", user_id="ULEAD", channel_id="D1",
                          channel_kind="dm"), svc)
    assert reply.ok
    assert_secret_absent(reply)


# --- subscriptions through the intent ----------------------------------------------------------------------

def lead_msg(text, **kw):
    base = dict(platform="slack", user_id="ULEAD", channel_id="C1", channel_kind="channel")
    base.update(kw)
    return Message(text=text, **base)


@pytest.fixture
def lead(store):
    access.add_user(store, "slack:ULEAD", "lead", ["Thailand"], actor="test")


def rows(store):
    return store.execute("SELECT id, weekday, hour, tz, country, active FROM digest_subscriptions").fetchall()


def test_subscribe_defaults_monday_9_and_message_timezone(svc, store, lead):
    r = route(lead_msg("digest subscribe", timezone="Asia/Bangkok"), svc)
    assert r.ok and "Mondays at 09:00 Asia/Bangkok for Thailand" in r.text
    assert rows(store) == [(1, 0, 9, "Asia/Bangkok", "Thailand", 1)]


def test_subscribe_with_words_then_unsubscribe_and_back(svc, store, lead):
    r = route(lead_msg("digest subscribe friday 2pm Asia/Kathmandu"), svc)
    assert r.ok and "Fridays at 14:00 Asia/Kathmandu" in r.text
    assert route(lead_msg("digest unsubscribe"), svc).ok
    assert rows(store)[0][-1] == 0
    assert not route(lead_msg("digest unsubscribe"), svc).ok  # nothing left to stop
    r = route(lead_msg("digest subscribe tue 7 UTC"), svc)
    assert r.ok and rows(store) == [(1, 1, 7, "UTC", "Thailand", 1)]  # same row, reactivated


@pytest.mark.parametrize("text,needle", [
    ("digest subscribe Monday 9 Mars/Olympus", "I don't know the time zone 'Mars/Olympus'"),
    ("digest subscribe Monday 9:30", "on the hour"),
    ("digest subscribe Monday 25", "not an hour"),
    ("digest subscribe someday", "I couldn't read 'someday'"),
    ("digest subscribe Monday 9 Thialand", "'Thialand'; did you mean Thailand?"),
    ("digest preview Thialand", "'Thialand'; did you mean Thailand?"),
    ("digest subscribe Nepal", "only for your own country projects"),
    ("digest frobnicate", "not something I can do"),
])
def test_bad_subscriptions_change_nothing(svc, store, lead, text, needle):
    r = route(lead_msg(text), svc)
    assert not r.ok and needle in r.text
    assert rows(store) == []


def test_staff_may_preview_and_list_but_not_subscribe(svc, store):
    access.add_user(store, "slack:USTAFF", "staff", ["Thailand"], actor="test")
    r = route(lead_msg("digest subscribe", user_id="USTAFF"), svc)
    assert not r.ok and "lead" in r.text and rows(store) == []
    assert route(lead_msg("digest list", user_id="USTAFF"), svc).ok


def test_list_shows_schedule_and_last_send(svc, store, lead):
    route(lead_msg("digest subscribe Wednesday 8 Europe/London"), svc)
    store.execute("INSERT INTO digest_sends (subscription_id, week_key, claimed_at, status, sent_at) "
                          "VALUES (1, '2026-W48', '2026-11-25T08:00:00+00:00', 'sent', '2026-11-25T08:00:01+00:00')")
    r = route(lead_msg("digest list"), svc)
    assert r.ok and r.facts[0].label == "▶ C1"
    assert "Wednesdays at 08:00 Europe/London" in r.facts[0].value and "2026-W48 sent" in r.facts[0].value
    assert route(lead_msg("digest subscriptions"), svc).facts == r.facts  # the word people try first


def test_check_tz_rejects_paths():
    for bad in ("../../etc/passwd", "/etc/localtime", "", "Not A Zone"):
        with pytest.raises(subs.SubscriptionError):
            subs.check_tz(bad)
    assert subs.check_tz("Asia/Kathmandu") == "Asia/Kathmandu" and subs.check_tz("utc") == "UTC"


def test_digest_files_logs_by_event_date_and_lists_late_entries_apart(store, settings, world):
    today = world["today"]
    acme = __import__("records.names", fromlist=["x"]).exact_partner(store, "Acme Foods")
    log(store, acme, today - timedelta(days=24), summary="back-filled factory visit")  # typed now, happened earlier
    fresh = partner(store, "Brand New Co", country="Thailand", added=today)
    reply = compose_digest(store, settings.charts_dir, world["now"])
    head, _, late = reply.text.partition("**Also logged this week for earlier dates** (1)")
    assert "3 interactions, 1 stage move, 1 new partner." in head and "back-filled factory visit" not in head
    assert "back-filled factory visit" in late and "Brand New Co added at" in head and fresh.name


def test_digest_titles_are_date_ranges_and_the_chart_is_wide(store, settings):
    from PIL import Image

    now = datetime(2026, 12, 6, 12, tzinfo=timezone.utc)
    reply = compose_digest(store, settings.charts_dir, now)
    assert reply.image_title == "PSE digest · all country projects · Week of 30 Nov – 6 Dec 2026"
    assert "week of 30 Nov – 6 Dec 2026" in reply.text.splitlines()[0] and "W49" not in reply.text
    with Image.open(reply.image) as im:
        assert im.size[0] >= 1200
