"""Records people can trust: log numbers, one-line and form edits, undo, delete, history, the audit trail, drafts.

Everything goes through the real router over a real SQLite store."""

from __future__ import annotations

import json

import pytest
from registry_support import counts, dump, say, seed, submit

from bot.reply import Form
from records import access

TABLES = ("partners", "interactions", "outcomes", "stage_history", "diligence")


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    return lite_services


def records_dump(store) -> list:
    c = store
    return [c.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES]


def row(store, number):
    return store.execute("SELECT occurred_on, kind, summary, next_step, next_due, action_level FROM "
                                 "interactions WHERE id = ?", (number,)).fetchone()


def outcomes(store, number):
    return store.execute("SELECT kind, quantity, currency, recorded_on FROM outcomes WHERE interaction_id = ? "
                                 "ORDER BY kind", (number,)).fetchall()


def log(svc, text, **kw) -> int:
    r = say(svc, text, **kw)
    assert r.ok and r.data.get("interaction_id"), r.text
    assert r.text.startswith(f"Logged #{r.data['interaction_id']}:"), r.text
    return r.data["interaction_id"]


def test_every_log_gets_a_visible_number_and_numbers_are_never_reused(svc):
    a = log(svc, "log Blue Ocean meeting yesterday: first")
    b = log(svc, "log Blue Ocean call today: second")
    assert b == a + 1
    assert say(svc, "log undo").ok
    c = log(svc, "log Blue Ocean email today: third")
    assert c == b + 1  # #b was deleted; its number stays retired


@pytest.mark.parametrize("edit,expect_row,expect_outcomes", [
    ("summary: met the HR director", ("2026-11-17", "meeting", "met the HR director", "call back", "2026-11-20", "low"), None),
    ("date: 12 Nov", ("2026-11-12", "meeting", "talked", "call back", "2026-11-20", "low"), "2026-11-12"),
    ("kind: call", ("2026-11-17", "call", "talked", "call back", "2026-11-20", "low"), None),
    ("next: send concept note in two weeks", ("2026-11-17", "meeting", "talked", "send concept note in two weeks", "2026-12-02", "low"), None),
    ("level: medium", ("2026-11-17", "meeting", "talked", "call back", "2026-11-20", "medium"), None),
])
def test_one_line_edit_changes_one_field_and_is_audited_with_before_and_after(svc, edit, expect_row, expect_outcomes):
    n = log(svc, "log Blue Ocean meeting yesterday: talked; next: call back by Friday; placed: 2")
    r = say(svc, f"log edit {n} {edit}")
    assert r.ok and f"Updated log #{n}" in r.text, r.text
    assert row(svc.store, n) == expect_row
    if expect_outcomes:
        assert outcomes(svc.store, n)[0][3] == expect_outcomes  # outcomes move with the date
    at, actor, detail = svc.store.execute(
        "SELECT at, actor, detail FROM audit_log WHERE action = 'interaction.edit' AND row_id = ?", (n,)).fetchone()
    detail = json.loads(detail)
    assert actor == "console:amara" and at
    assert detail["before"]["summary"] == "talked" and detail["after"]["occurred_on"] == expect_row[0]


def test_outcomes_edit_replaces_and_a_single_outcome_edit_merges(svc):
    n = log(svc, "log Blue Ocean agreement yesterday: MoU; cash: 5000 USD; placed: 2")
    assert say(svc, f"log edit {n} cash: 2,000,000 riel").ok
    assert outcomes(svc.store, n) == [("cash", 2_000_000.0, "KHR", "2026-11-17"),
                                      ("survivors_placed", 2.0, None, "2026-11-17")]
    assert say(svc, f"log edit {n} outcomes: trained 15 survivors").ok
    assert outcomes(svc.store, n) == [("survivors_trained", 15.0, None, "2026-11-17")]


def test_edit_alone_opens_the_same_form_prefilled_and_its_submission_edits(svc):
    n = log(svc, "log Blue Ocean meeting yesterday: talked; cash: 300 USD; next: call back by Friday")
    r = say(svc, f"log edit {n}")
    assert isinstance(r.form, Form) and r.form.command == "log"
    initial = {f.name: f.initial for f in r.form.fields}
    assert initial["number"] == str(n) and initial["partner"] == "Blue Ocean Seafood"
    assert initial["summary"] == "talked" and initial["date"] == "2026-11-17" and initial["cash"] == "300 USD"
    assert initial["next_due"] == "2026-11-20"
    values = dict(initial, summary="talked about placements", survivors_placed="3", cash="")
    r = submit(svc, "log", values)
    assert r.ok, (r.text, r.errors)
    assert row(svc.store, n)[2] == "talked about placements"
    assert outcomes(svc.store, n) == [("survivors_placed", 3.0, None, "2026-11-17")]
    assert counts(svc.store)["interactions"] == 1


def partner_of_log(store, number):
    return store.execute("SELECT p.name FROM interactions i JOIN partners p ON p.id = i.partner_id WHERE i.id = ?",
                         (number,)).fetchone()[0]


def test_a_log_against_the_wrong_partner_is_moved_with_its_outcomes_and_audited(svc):
    n = log(svc, "log Acme Foods meeting yesterday: trucks for the campaign; placed: 2")
    r = say(svc, f"log edit {n} partner: Acme Logistics")
    assert r.ok and {f.label: f.value for f in r.facts}["Partner"] == "Acme Logistics Ltd (was Acme Foods Co.)"
    assert partner_of_log(svc.store, n) == "Acme Logistics Ltd"
    assert svc.store.execute("SELECT p.name FROM outcomes o JOIN partners p ON p.id = o.partner_id").fetchall() == \
        [("Acme Logistics Ltd",)]
    detail = json.loads(svc.store.execute(
        "SELECT detail FROM audit_log WHERE action = 'interaction.edit'").fetchone()[0])
    assert detail["fields"] == ["partner_id"] and detail["before"]["partner_id"] != detail["after"]["partner_id"]


def test_the_edit_form_moves_a_log_when_its_partner_field_is_changed(svc):
    # the field was shown and its change silently dropped ("already said that; nothing changed")
    n = log(svc, "log Acme Foods meeting yesterday: trucks")
    initial = {f.name: f.initial for f in say(svc, f"log edit {n}").form.fields}
    r = submit(svc, "log", dict(initial, partner="Acme Logistics Ltd"))
    assert r.ok and partner_of_log(svc.store, n) == "Acme Logistics Ltd", (r.text, r.errors)
    before = dump(svc.store)
    bad = submit(svc, "log", dict(initial, partner="Zeta Trading"))
    assert not bad.ok and "No partner called “Zeta Trading”" in bad.errors["partner"] and dump(svc.store) == before


def test_staff_move_only_their_own_logs_and_only_to_partners_they_see(svc):
    access.add_user(svc.store, "slack:S1", "staff", ["Thailand"], actor="t")
    access.add_user(svc.store, "slack:S2", "staff", ["Thailand"], actor="t")
    n = log(svc, "log Acme Foods meeting yesterday: trucks", platform="slack", user_id="S1")
    before = dump(svc.store)
    other = say(svc, f"log edit {n} partner: Acme Logistics Ltd", platform="slack", user_id="S2")
    assert not other.ok and "written by someone else" in other.text
    hidden = say(svc, f"log edit {n} partner: Acme Logistics Ltd", platform="slack", user_id="S1")  # Nepal's
    assert not hidden.ok and "Acme Logistics" not in partner_of_log(svc.store, n) and dump(svc.store) == before


@pytest.mark.parametrize("line,words", [
    ("log edit 1 date: tomorrow", "in the future"),
    ("log edit 1 date: someday", "couldn't read"),
    ("log edit 1 kind: dinner", "not a kind"),
    ("log edit 1 level: urgent", "not an action level"),
    ("log edit 1 cash: lots", "couldn't read"),
    ("log edit 1 colour: blue", "can't edit"),
    ("log edit 1 summary: phone +66 81 234 5678", "privacy"),
    ("log edit 99 summary: x", "no log #99"),
    ("log delete 99", "no log #99"),
    ("log edit", "Which log"),
])
def test_bad_edits_change_nothing(svc, line, words):
    log(svc, "log Blue Ocean meeting yesterday: talked")
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and words in r.text, r.text
    assert dump(svc.store) == before


def test_undo_removes_only_your_own_latest_log_and_the_counts_follow(svc):
    mine = log(svc, "log Blue Ocean meeting yesterday: mine; placed: 2")
    log(svc, "log Blue Ocean call today: theirs", user_id="someone-else")
    r = say(svc, "log undo")
    assert r.ok and f"#{mine}" in r.text
    assert svc.store.execute("SELECT logged_by FROM interactions").fetchall() == [("console:someone-else",)]
    assert counts(svc.store)["outcomes"] == 0
    before = dump(svc.store)
    r = say(svc, "log undo")
    assert not r.ok and "no log to undo" in r.text
    assert dump(svc.store) == before
    detail = json.loads(svc.store.execute(
        "SELECT detail FROM audit_log WHERE action = 'interaction.delete'").fetchone()[0])
    assert detail["before"]["summary"] == "mine" and detail["before"]["outcomes"][0]["quantity"] == 2


def test_indicator_counts_follow_edits_and_deletes(svc):
    from datetime import date

    from indicators import definitions, periods

    def placed_and_low_actions():
        p = periods.parse_period("this month", date(2026, 11, 18))
        inds = {i.id: i for i in definitions.load_indicators()}
        return (definitions.measure(svc.store, inds["placed"], p).value,
                definitions.measure(svc.store, inds["actions_low"], p).value)

    a = log(svc, "log Acme Foods meeting yesterday: a; placed: 2")
    log(svc, "log Acme Foods meeting yesterday: b; placed: 3")
    assert placed_and_low_actions() == (5, 2)
    assert say(svc, f"log edit {a} placed: 4").ok
    assert placed_and_low_actions() == (7, 2)
    assert say(svc, f"log delete {a}").ok
    assert placed_and_low_actions() == (3, 1)


def slack(user):
    return {"platform": "slack", "user_id": user, "channel_kind": "dm", "channel_id": "D1"}


def test_delete_by_author_or_a_lead_of_the_partners_project_only(svc):
    for key, role, countries in (("slack:UA", "staff", ["Thailand"]), ("slack:UB", "staff", ["Thailand"]),
                                 ("slack:ULEAD", "lead", ["Thailand"]), ("slack:UNEP", "lead", ["Nepal"])):
        access.add_user(svc.store, key, role, countries, actor="test")
    n = log(svc, "log Acme Foods meeting yesterday: talked", **slack("UA"))
    before = dump(svc.store)
    r = say(svc, f"log delete {n}", **slack("UB"))
    assert not r.ok and "someone else" in r.text
    r = say(svc, f"log edit {n} summary: hijacked", **slack("UB"))
    assert not r.ok and "someone else" in r.text
    r = say(svc, f"log delete {n}", **slack("UNEP"))  # a lead of another project does not even see it
    assert not r.ok and f"no log #{n}" in r.text
    assert dump(svc.store) == before
    r = say(svc, f"log delete {n}", **slack("ULEAD"))
    assert r.ok and r.data["deleted"]
    assert counts(svc.store)["interactions"] == 0
    r = say(svc, f"log delete {n}", **slack("ULEAD"))
    assert not r.ok and "already deleted" in r.text


def test_history_lists_a_partners_logs_with_their_numbers(svc):
    a = log(svc, "log Acme Foods meeting 10 Nov: first")
    b = log(svc, "log Acme Foods call yesterday: second; cash: 2,000,000 riel")
    log(svc, "log Blue Ocean call yesterday: other partner")
    r = say(svc, "log history Acme Foods")
    assert r.ok and r.data["numbers"] == [b, a]
    assert f"#{a}" in r.text and f"#{b}" in r.text and "2,000,000 KHR" in r.text and "other partner" not in r.text
    for other in ("log list Acme Foods", "log show acme foods", "log logs Acme Foods Co."):  # other words for it
        again = say(svc, other)
        assert again.ok and again.data["numbers"] == [b, a], (other, again.text)
    before = counts(svc.store)  # words that name no partner stay what they were: a log line missing its colon
    r = say(svc, "log show Zeta Foods")
    assert not r.ok and "colon" in r.text and counts(svc.store) == before, r.text


# --- drafts: nothing typed is thrown away -----------------------------------------------------------------------

@pytest.mark.parametrize("line,words,fix", [
    ("log Blue Ocean meeting today: talked; next: call back by someday soon", "“someday soon”",
     "log next: call back by Friday"),
    ("log Blue Ocean meeting today: talked; level: urgent", "not an action level", "log level: medium"),
    ("log Blue Ocean meeting today: talked; cash: lots", "“lots”", "log cash: 5,000 USD"),
    ("log Blue Ocean meeting today: talked; cash: 500", "no currency", "log cash: 500 USD"),
    ("log Blue Ocean meeting today: talked; placed: 2; cash: 2 milion riel", "“milion”: did you mean million?",
     "log cash: 2 million riel"),
])
def test_a_part_not_understood_keeps_a_draft_and_asks_only_about_it(svc, line, words, fix):
    before = records_dump(svc.store)
    r = say(svc, line)
    assert r.data.get("draft") and "Not saved yet" in r.text and words in r.text, r.text
    assert "talked" in {f.value for f in r.facts}  # what was understood is shown
    assert records_dump(svc.store) == before  # nothing saved yet
    r = say(svc, fix)
    assert r.ok and r.data.get("interaction_id"), r.text
    assert counts(svc.store)["interactions"] == 1
    assert svc.store.execute("SELECT COUNT(*) FROM log_drafts").fetchone()[0] == 0
    assert row(svc.store, r.data["interaction_id"])[2] == "talked"


def test_confirm_saves_a_draft_keeping_the_unread_part_and_cancel_drops_it(svc):
    say(svc, "log Blue Ocean meeting today: talked; placed: 2; cash: lots")
    r = say(svc, "log confirm")
    assert r.ok, r.text
    n = r.data["interaction_id"]
    assert row(svc.store, n)[2] == "talked; cash: lots"
    assert outcomes(svc.store, n) == [("survivors_placed", 2.0, None, "2026-11-18")]
    say(svc, "log Blue Ocean call today: again; level: urgent")
    before = records_dump(svc.store)
    assert say(svc, "log cancel").ok
    assert records_dump(svc.store) == before
    assert not say(svc, "log confirm").ok


def test_drafts_work_through_the_router_for_slack_users_too(svc):
    access.add_user(svc.store, "slack:UA", "staff", ["Cambodia"], actor="test")
    r = say(svc, "log Blue Ocean meeting today: talked; cash: 2 lakh riel", **slack("UA"))
    assert r.data.get("draft")
    assert not say(svc, "log confirm").ok  # another user's draft is not yours
    r = say(svc, "log cash: 200,000 riel", **slack("UA"))
    assert r.ok and r.data.get("interaction_id")


def test_next_step_without_a_date_is_saved_with_a_warning(svc):
    r = say(svc, "log Blue Ocean meeting today: talked; next: send the concept note")
    assert r.ok and "No due date" in r.text
    r = say(svc, "log Blue Ocean call today: talked again; next: call them next Friday")
    assert r.ok and "No due date" not in r.text
    assert row(svc.store, r.data["interaction_id"])[3:5] == ("call them next Friday", "2026-11-20")


def test_outcomes_without_a_colon_are_recorded_not_left_in_the_summary(svc):
    r = say(svc, "log Blue Ocean training today: job fair; placed 2; trained 15 survivors; cash 300 USD")
    assert r.ok, r.text
    n = r.data["interaction_id"]
    assert row(svc.store, n)[2] == "job fair"
    assert outcomes(svc.store, n) == [("cash", 300.0, "USD", "2026-11-18"), ("survivors_placed", 2.0, None, "2026-11-18"),
                                      ("survivors_trained", 15.0, None, "2026-11-18")]


def test_a_count_after_a_colon_may_be_a_word(svc):
    r = say(svc, "log Blue Ocean training today: job fair; placed: two; trained: twelve survivors")
    assert r.ok and r.data.get("interaction_id"), r.text
    assert outcomes(svc.store, r.data["interaction_id"]) == [("survivors_placed", 2.0, None, "2026-11-18"),
                                                             ("survivors_trained", 12.0, None, "2026-11-18")]
    asked = say(svc, "log Blue Ocean training today: job fair; placed: a few")
    assert not asked.data.get("interaction_id") and "“a few”" in asked.text, asked.text
    half = say(svc, "log Blue Ocean training today: job fair; placed: 2.5")  # kept as a draft, asked about
    assert not half.data.get("interaction_id") and "whole number" in half.text and "log cancel" in half.text, half.text
    fixed = say(svc, "log placed: 2")
    assert fixed.ok and outcomes(svc.store, fixed.data["interaction_id"]) == [("survivors_placed", 2.0, None,
                                                                                 "2026-11-18")]


def test_an_opening_that_states_an_outcome_given_again_after_a_colon_is_the_summary(svc):
    r = say(svc, "log Blue Ocean training today: trained 12 survivors in food safety; trained: 12")
    assert r.ok and r.data.get("interaction_id"), r.text
    n = r.data["interaction_id"]
    assert row(svc.store, n)[2] == "trained 12 survivors in food safety"
    assert outcomes(svc.store, n) == [("survivors_trained", 12.0, None, "2026-11-18")]
    # a count that only a number followed by other words states is asked about, and the line kept as a draft
    asked = say(svc, "log Blue Ocean training today: trained about 12 in food safety")
    assert not asked.data.get("interaction_id") and "about 12 in food safety" in asked.text


@pytest.mark.parametrize("said,kind,n", [
    ("trained 12 survivors in food safety", "survivors_trained", 12.0),
    ("placed 3 survivors at the Riverside hotel", "survivors_placed", 3.0),
    ("2 survivors were placed in the kitchen", "survivors_placed", 2.0),
    ("placed two survivors in housekeeping", "survivors_placed", 2.0),  # a count in words (session 14)
    ("Twelve survivors were trained in food safety", "survivors_trained", 12.0),
    ("placed three survivors", "survivors_placed", 3.0),
])
def test_a_count_of_survivors_told_in_a_sentence_is_read_and_the_sentence_kept(svc, said, kind, n):
    r = say(svc, f"log Blue Ocean training today: {said}")
    assert r.ok and r.data.get("interaction_id"), r.text
    assert row(svc.store, r.data["interaction_id"])[2] == said
    assert outcomes(svc.store, r.data["interaction_id"]) == [(kind, n, None, "2026-11-18")]


@pytest.mark.parametrize("said", ["met two survivors at the shelter", "placed two HR staff in the kitchen",
                                  "trained a survivor group leader"])
def test_number_words_that_count_no_survivors_outcome_stay_words(svc, said):
    r = say(svc, f"log Blue Ocean training today: {said}")
    assert r.ok and row(svc.store, r.data["interaction_id"])[2] == said
    assert outcomes(svc.store, r.data["interaction_id"]) == []


@pytest.mark.parametrize("said,tip", [
    ("placed twenty-five survivors in the kitchen", "No number of survivors placed was recorded"),
    ("trained some survivors in housekeeping", "No number of survivors trained was recorded"),
    ("placed 3 survivors at the Riverside hotel", None),
    ("met the HR team about a pilot", None),
])
def test_a_survivor_count_the_words_speak_of_but_no_number_gives_is_said_not_guessed(svc, said, tip):
    r = say(svc, f"log Blue Ocean training today: {said}")
    assert r.ok and row(svc.store, r.data["interaction_id"])[2] == said
    if tip:
        assert tip in r.text and f"log edit {r.data['interaction_id']}" in r.text, r.text
    else:
        assert "No number of" not in r.text, r.text


def test_a_count_of_people_who_are_not_survivors_is_summary_not_an_outcome(svc):
    # it was read as survivors trained and refused, and the draft's summary showed "cash: $500" (session 11)
    r = say(svc, "log Blue Ocean training today: trained 20 HR staff; cash: $500")
    assert r.ok and r.data.get("interaction_id"), r.text
    assert row(svc.store, r.data["interaction_id"])[2] == "trained 20 HR staff"
    assert outcomes(svc.store, r.data["interaction_id"]) == [("cash", 500.0, "USD", "2026-11-18")]


def test_an_unread_opening_is_not_replaced_by_the_outcomes_in_the_draft_or_when_confirmed(svc):
    asked = say(svc, "log Blue Ocean training today: trained about 20; cash: $500")
    assert not asked.data.get("interaction_id") and "Summary" not in asked.text, asked.text
    saved = say(svc, "log confirm")
    assert row(svc.store, saved.data["interaction_id"])[2] == "trained about 20"


# --- money in the programme currencies --------------------------------------------------------------------------

@pytest.mark.parametrize("typed,stored", [
    ("2,000,000 riel", (2_000_000.0, "KHR")), ("KHR 2000000", (2_000_000.0, "KHR")), ("฿15,000", (15_000.0, "THB")),
    ("15000 baht", (15_000.0, "THB")), ("$5,000", (5_000.0, "USD")), ("300 dollars", (300.0, "USD")),
    ("50,000 taka", (50_000.0, "BDT")), ("৳500", (500.0, "BDT")), ("1,000,000 kip", (1_000_000.0, "LAK")),
    ("20000 rupees", (20_000.0, "NPR")), ("NPR 500", (500.0, "NPR")), ("10000 som", (10_000.0, "KGS")),
    ("€300", (300.0, "EUR")), ("5000usd", (5_000.0, "USD")),
    ("2 million riel", (2_000_000.0, "KHR")), ("1.5 million baht", (1_500_000.0, "THB")),
    ("300k USD", (300_000.0, "USD")),
    ("$1.5m", (1_500_000.0, "USD")), ("USD 2 million", (2_000_000.0, "USD")),
])
def test_cash_in_programme_currencies_is_stored_with_its_currency(svc, typed, stored):
    r = say(svc, f"log Blue Ocean agreement today: MoU; cash: {typed}")
    assert r.ok and r.data.get("interaction_id"), r.text
    assert svc.store.execute("SELECT quantity, currency FROM outcomes").fetchall() == [stored]


def test_exports_and_the_partner_card_keep_currencies_apart(svc):
    import csv
    import io

    from records import export

    log(svc, "log Blue Ocean agreement 10 Nov: MoU; cash: 4,000,000 KHR; in-kind: 300 USD")
    log(svc, "log Blue Ocean event yesterday: fair; cash: 15,000 baht")
    log(svc, "log Acme Foods meeting yesterday: pledge; cash: 500 USD")
    rows = list(csv.DictReader(io.StringIO(export.as_text(svc.store, "interactions"))))
    mou = next(r for r in rows if r["summary"] == "MoU")
    assert (mou["cash"], mou["cash_currency"], mou["in_kind"], mou["in_kind_currency"]) == ("4000000", "KHR", "300", "USD")
    partners = {r["partner"]: r for r in csv.DictReader(io.StringIO(export.as_text(svc.store, "partners")))}
    blue = partners["Blue Ocean Seafood"]
    assert (blue["cash_KHR"], blue["cash_THB"], blue["cash_USD"], blue["in_kind_USD"]) == ("4000000", "15000", "", "300")
    assert partners["Acme Foods Co."]["cash_USD"] == "500" and "total_cash" not in blue
    card = say(svc, "partner Blue Ocean Seafood")
    outcomes_fact = {f.label: f.value for f in card.facts}["Outcomes"]
    assert "4,000,000 KHR" in outcomes_fact and "15,000 THB" in outcomes_fact


def test_a_contact_from_before_the_partner_was_added_tips_how_to_back_date_it(svc):
    r = say(svc, "log Acme Foods meeting 2026-11-10: first talk about a pilot")
    assert r.ok and "Work with Acme Foods Co. counts from today, after this contact: " \
                    "`partner Acme Foods Co. since 2026-11-10` back-dates it." in r.text, r.text
    assert say(svc, "partner Acme Foods since 2026-11-10").ok
    later = say(svc, "log Acme Foods call 2026-11-12: follow-up")
    assert later.ok and "back-dates" not in later.text


def test_a_back_filled_signing_suggests_the_stage_move_on_its_own_day(svc):
    r = say(svc, "log Acme Foods agreement 2026-11-16: MoU signed")
    assert "`stage Acme Foods Co. Agreement signed on 2026-11-16`" in r.text, r.text
    assert say(svc, "partner Acme Foods since 2026-11-01").ok
    assert say(svc, "stage Acme Foods Agreement signed on 2026-11-16").ok
    today = say(svc, "log Acme Logistics agreement today: MoU signed")
    assert "`stage Acme Logistics Ltd Agreement signed`" in today.text, today.text
