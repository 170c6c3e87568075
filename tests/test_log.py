import pytest

from records import access
from bot.reply import Form
from registry_support import counts, dump, say, seed, submit

EXAMPLE = "log Acme Foods meeting yesterday: discussed 5 placements; next: send concept note by Friday"


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    return lite_services


def rows(store, sql="SELECT occurred_on, kind, summary, next_step, next_due, action_level FROM interactions"):
    return store.execute(sql).fetchall()


def test_the_one_line_example_is_understood(svc):
    r = say(svc, EXAMPLE)
    assert r.ok, r.text
    assert rows(svc.store) == [("2026-11-17", "meeting", "discussed 5 placements", "send concept note",
                                "2026-11-20", "low")]
    assert "Acme Foods Co." in r.text and "level" in r.text


def test_a_back_filled_log_reads_its_next_steps_day_and_month_from_the_contact(svc):
    assert say(svc, "log Blue Ocean call 3 Nov: pilot talks; next: send MoU draft by 10 Nov").ok
    assert say(svc, "log Blue Ocean call 4 Nov: more talks; next: call them by Friday").ok
    assert [r[3:5] for r in rows(svc.store)] == [("send MoU draft", "2026-11-10"), ("call them", "2026-11-20")]
    assert say(svc, "log edit 1 due: 12 Nov").ok
    assert svc.store.execute("SELECT next_due FROM interactions WHERE id = 1").fetchone()[0] == "2026-11-12"


@pytest.mark.parametrize("line, row", [
    ("log Acme Foods meeting yesterday talked about the pilot",
     ("2026-11-17", "meeting", "talked about the pilot", "", None)),
    ("log Acme Foods call last Tuesday discussed 5 placements; next: send MoU by 20 Nov",
     ("2026-11-10", "call", "discussed 5 placements", "send MoU", "2026-11-20")),
    ("log Acme Foods meeting yesterday 5 survivors placed", ("2026-11-17", "meeting", "5 survivors placed", "", None)),
])
def test_the_colon_after_partner_kind_and_date_may_be_left_out(svc, line, row):
    r = say(svc, line)
    assert r.ok, r.text
    assert rows(svc.store)[0][:5] == row


def test_without_a_colon_or_a_kind_of_contact_the_bot_asks_and_saves_nothing(svc):
    before = dump(svc.store)
    r = say(svc, "log Acme Foods talked about the pilot")
    assert not r.ok and "after a colon" in r.text and dump(svc.store) == before


def test_level_outcomes_and_default_high_for_funded_agreement(svc):
    r = say(svc, "log Blue Ocean agreement 20 Nov: MoU signed; cash: 5,000 USD; placed: 3; trained: 12; "
                 "employed 3m: 2")
    assert r.ok, r.text
    assert rows(svc.store)[0][5] == "high"
    outs = svc.store.execute("SELECT kind, quantity, currency FROM outcomes ORDER BY kind").fetchall()
    assert outs == [("cash", 5000.0, "USD"), ("retained_3m", 2.0, None), ("survivors_placed", 3.0, None),
                    ("survivors_trained", 12.0, None)]
    assert "2025-11-20" == rows(svc.store)[0][0]  # 20 Nov of this year is still ahead, so last year's


def test_level_override_and_longest_known_name(svc):
    say(svc, "partner add Acme --country Laos")
    r = say(svc, "log Acme Foods Co. call last Tuesday: ministry and company met; level: medium")
    assert r.ok, r.text
    pid = svc.store.execute("SELECT partner_id FROM interactions").fetchone()[0]
    assert svc.store.execute("SELECT name FROM partners WHERE id = ?", (pid,)).fetchone()[0] == "Acme Foods Co."
    assert rows(svc.store)[0][0] == "2026-11-10" and rows(svc.store)[0][5] == "medium"  # last Tuesday: previous week


def test_kind_defaults_to_meeting_and_date_to_today(svc):
    r = say(svc, "log Blue Ocean: intro chat; ; thanks")
    assert r.ok and "recorded a meeting" in r.text
    assert rows(svc.store)[0][:3] == ("2026-11-18", "meeting", "intro chat; thanks")


def test_thai_and_khmer_summaries_are_kept(svc):
    r = say(svc, "log Acme Foods email today: หารือเรื่องการจ้างงาน ៥ កន្លែង 🎉")
    assert r.ok, r.text
    assert rows(svc.store)[0][2] == "หารือเรื่องการจ้างงาน ៥ កន្លែង 🎉"


def test_same_log_twice_within_a_minute_is_stored_once(svc):
    assert say(svc, EXAMPLE).ok
    r = say(svc, EXAMPLE)
    assert r.ok and "didn't store it twice" in r.text and r.data["duplicate"]
    assert counts(svc.store)["interactions"] == 1
    assert say(svc, EXAMPLE, user_id="someone-else").ok
    assert counts(svc.store)["interactions"] == 2


@pytest.mark.parametrize("line,words", [
    ("log Zeta Corp meeting today: hi", "don't know a partner called “Zeta Corp”"),
    ("log acme meeting today: hi", "could mean more than one partner"),
    ("log Blue Ocean call yestrday: x", "“yestrday”"),
    ("log Blue Ocean call tomorrow: x", "in the future"),
    ("log Blue Ocean meeting 31/02/2026: x", "not a real calendar date"),
    ("log Blue Ocean meeting today", "after a colon"),
    ("log Blue Ocean meating yesterday: talked", "“meating” is not a kind of contact; did you mean meeting?"),
    ("log Blue Ocean cal: talked", "did you mean call?"),
    ("log Blue Ocean meeting today:   ", "after a colon"),
    ("log Blue Ocean meeting today: talked; placed: 2; placed: 3", "given twice"),
    ("log Blue Ocean meeting today: survivor phone +66 81 234 5678", "privacy"),
    ("log Blue Ocean meeting today: contact nok@example.org", "email address"),
    ("log Blue Ocean meeting today: passport AB1234567", "passport"),
    ("log '; DROP TABLE partners;-- meeting today: x", "don't know a partner"),
    ("log 🐟🐟 meeting today: x", "don't know a partner"),
    ("log บริษัทใหม่ meeting today: x", "don't know a partner"),
    ("log ក្រុមហ៊ុនថ្មី meeting today: x", "don't know a partner"),
    ("log Blue Ocean meeting today: " + "x" * 2100, "keep it under 2,000"),
    ("log Blue Ocean meeting today: " + "x" * 10_240, "8,000"),
    ("log " + "Blue Ocean " * 300 + "meeting today: x", "before the colon has 602 words"),
])
def test_bad_input_gets_a_clear_message_and_changes_nothing(svc, line, words):
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and words in r.text, r.text
    assert dump(svc.store) == before


def test_unknown_partner_offers_to_create_with_a_button_and_a_command(svc):
    import json

    r = say(svc, "log Zeta Corp meeting today: hi")
    assert r.buttons[0].action == "partner_create"
    assert json.loads(r.buttons[0].value) == {"name": "Zeta Corp", "log": "Zeta Corp meeting today: hi"}
    assert "`partner add Zeta Corp" in r.text
    before = dump(svc.store)
    # The button asks first (work stream, country project) and adds nothing yet.
    asked = say(svc, "", action="partner_create", command="partner", form=json.loads(r.buttons[0].value))
    assert asked.form is not None and [f.name for f in asked.form.fields] == ["name", "stream", "country"]
    assert all(f.required for f in asked.form.fields) and not asked.form.fields[1].initial
    assert dump(svc.store) == before
    # The submitted form adds the partner where it was asked to, then saves the log that was being written.
    done = submit(svc, "partner", {"name": "Zeta Corp", "stream": "survivor_employment", "country": "Nepal",
                                   "_state": asked.form.state})
    assert done.ok, done.text
    assert "Added Zeta Corp (Survivor employment, Nepal)" in done.text and "Logged #" in done.text
    assert svc.store.execute("SELECT stream, country FROM partners WHERE name = 'Zeta Corp'").fetchall() == [
        ("survivor_employment", "Nepal")]
    assert svc.store.execute("SELECT i.summary FROM interactions i JOIN partners p ON p.id = i.partner_id "
                                     "WHERE p.name = 'Zeta Corp'").fetchall() == [("hi",)]


def test_add_partner_form_refuses_a_missing_country_or_stream(svc):
    before = dump(svc.store)
    r = submit(svc, "partner", {"name": "Zeta Corp", "stream": "", "country": ""})
    assert not r.ok and set(r.errors) == {"stream", "country"}
    assert dump(svc.store) == before


def test_no_text_returns_the_form(svc):
    r = say(svc, "log")
    assert isinstance(r.form, Form) and r.form.command == "log"
    names = [f.name for f in r.form.fields]
    assert names[:4] == ["partner", "kind", "date", "summary"] and "level" in names and "survivors_placed" in names
    assert r.form.fields[0].kind == "partner" and r.form.fields[1].kind == "select"


def test_form_submission_is_stored(svc):
    r = submit(svc, "log", {"partner": "Blue Ocean Seafood", "kind": "training", "date": "2026-11-16",
                            "summary": "trained HR staff", "level": "", "next_step": "follow up",
                            "next_due": "next week", "survivors_trained": "12", "cash": "", "in_kind": "800 THB"})
    assert r.ok, (r.text, r.errors)
    assert rows(svc.store) == [("2026-11-16", "training", "trained HR staff", "follow up", "2026-11-25", "low")]
    assert counts(svc.store)["outcomes"] == 2


def test_form_errors_are_per_field_and_nothing_is_stored(svc):
    before = dump(svc.store)
    r = submit(svc, "log", {"partner": "Nobody Ltd", "kind": "meeting", "date": "someday", "summary": "",
                            "next_due": "soonish", "survivors_placed": "many", "cash": "100"})
    assert not r.ok
    assert set(r.errors) >= {"partner", "date", "summary", "next_due", "survivors_placed", "cash"}
    assert "partner add Nobody Ltd" in r.errors["partner"]
    r = submit(svc, "log", {"partner": "Blue Ocean", "kind": "meeting", "date": "today", "summary": "x" * 10_240})
    assert not r.ok and "summary" in r.errors
    r = submit(svc, "log", {"partner": "Blue Ocean", "kind": "meeting", "date": "today",
                            "summary": "met survivor, phone 081 234 5678"})
    assert not r.ok and "privacy" in r.errors["summary"]
    assert dump(svc.store) == before


def test_same_form_submitted_twice_is_stored_once(svc):
    form = {"partner": "Blue Ocean Seafood", "kind": "call", "date": "today", "summary": "quick call"}
    assert submit(svc, "log", form).ok
    assert "didn't store it twice" in submit(svc, "log", form).text
    assert counts(svc.store)["interactions"] == 1


def test_time_zone_decides_what_today_is(svc):
    from datetime import datetime, timezone

    late = datetime(2026, 11, 18, 20, 0, tzinfo=timezone.utc)
    assert say(svc, "log Blue Ocean call today: late call", now=late, timezone="Asia/Bangkok").ok
    assert rows(svc.store)[0][0] == "2026-11-19"


def test_guests_on_slack_may_not_log(svc):
    before = dump(svc.store)
    r = say(svc, EXAMPLE, platform="slack", user_id="U999")
    assert not r.ok and "staff" in r.text
    assert dump(svc.store) == before
    access.add_user(svc.store, "slack:U1", "staff", ["Thailand"], actor="test")
    assert say(svc, EXAMPLE, platform="slack", user_id="U1").ok
