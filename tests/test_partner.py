import json
from datetime import timedelta

import pytest

from records import access
from registry_support import NOW, counts, dump, say, seed


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    return lite_services


def test_card_shows_stage_time_contact_next_step_and_recent(svc):
    assert say(svc, "log Acme Foods meeting yesterday: discussed 5 placements; next: send concept note by Friday").ok
    assert say(svc, "stage Acme Foods dd").ok
    r = say(svc, "partner acme foods", now=NOW + timedelta(days=1))
    assert r.ok
    facts = {f.label: f.value for f in r.facts}
    assert facts["Stage"].startswith("Due diligence")
    assert facts["Time in stage"].startswith("1 day,")
    assert facts["Last contact"] == "17 Nov 2026 (2 days ago)"
    same_day = {f.label: f.value for f in say(svc, "partner acme foods", now=NOW - timedelta(days=1)).facts}
    assert same_day["Last contact"] == "today"  # not "today (0 days ago)"
    assert facts["Next step"] == "send concept note — due tomorrow"
    overdue = say(svc, "partner acme foods", now=NOW + timedelta(days=5))
    assert "overdue" in {f.label: f.value for f in overdue.facts}["Next step"]
    assert facts["Confidential"] == "no"
    assert "discussed 5 placements" in r.text


def test_confidential_partner_is_marked_everywhere(svc):
    r = say(svc, "partner blue ocean")
    assert r.text.startswith("🔒") and r.data["confidential"] is True and r.private
    assert {f.label: f.value for f in r.facts}["Confidential"].startswith("🔒 yes")
    shared = say(svc, "partner blue ocean", channel_kind="channel")  # issue 8: no name or details where others read
    assert shared.ok and shared.private and "Blue Ocean" not in shared.as_text() and not shared.facts
    assert "confidential partner" in shared.text and "direct message" in shared.text


def test_add_with_options_and_alias(svc):
    r = say(svc, "partner add Mekong Garments --stream survivor_employment --country Cambodia --sector garments")
    assert r.ok, r.text
    row = svc.store.execute("SELECT stream, stage, country, sector FROM partners WHERE name = ?",
                                    ("Mekong Garments",)).fetchone()
    assert row == ("survivor_employment", "mapping", "Cambodia", "garments")
    assert say(svc, "partner alias Mekong Garments = MG").ok
    assert say(svc, "partner mg").data["partner"]["name"] == "Mekong Garments"


@pytest.mark.parametrize("line,words", [
    ("partner Zeta", "don't know a partner"),
    ("partner acme", "more than one partner"),
    ("partner", "Which partner"),
    ("partner add", "empty"),
    ("partner add Acme Foods Co.", "already exists"),
    ("partner add '; DROP TABLE partners;--", "characters I don't keep"),
    ("partner add 🐟🐟", "no letters"),
    ("partner add Foo --stream fishing", "work stream"),
    ("partner add Foo --colour blue", "--colour"),
    ("partner add Somchai 081 234 5678", "personal identifiers"),
    ("partner add " + "x" * 200, "under 120"),
    ("partner alias Acme Foods", "partner alias NAME = ALIAS"),
    ("partner alias Acme Foods = Blue Ocean Seafood", "another partner"),
    ("partner confidential Acme Foods maybe", "on"),
    ("partner ស្រី", "don't know a partner"),
    ("partner บริษัท", "don't know a partner"),
])
def test_bad_partner_commands_change_nothing(svc, line, words):
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and words in r.text, r.text
    assert dump(svc.store) == before


def test_confidential_flag_needs_a_lead(svc):
    access.add_user(svc.store, "slack:S1", "staff", ["Thailand"], actor="t")
    access.add_user(svc.store, "slack:L1", "lead", ["Thailand"], actor="t")
    before = counts(svc.store)
    r = say(svc, "partner confidential Acme Foods on", platform="slack", user_id="S1")
    assert not r.ok and "lead" in r.text and counts(svc.store) == before
    r = say(svc, "partner confidential Acme Foods on", platform="slack", user_id="L1")
    assert r.ok and "🔒" in r.text
    assert svc.store.execute("SELECT confidential FROM partners WHERE name = 'Acme Foods Co.'").fetchone() == (1,)
    assert "already" in say(svc, "partner confidential Acme Foods on").text
    assert say(svc, "partner confidential Acme Foods off").ok


def test_show_button_action_opens_the_card(svc):
    r = say(svc, "Acme Foods Co.", command="partner", action="partner_show")
    assert r.ok and r.data["partner"]["name"] == "Acme Foods Co."
    assert NOW  # the fixed clock the helpers use


@pytest.mark.parametrize("line", ["partner add Late Entry Co since 2026-03-02 --country Thailand",
                                  "partner add Late Entry Co --country Thailand since 2 March 2026"])
def test_partner_add_since_back_fills_the_stage_start_and_allows_earlier_moves(lite_services, line):
    from bot.message import Message
    from bot.router import route

    r = route(Message(text=line), lite_services)
    assert r.ok, r.text
    row = lite_services.store.execute(
        "SELECT p.stage_since, h.moved_on, p.country FROM partners p JOIN stage_history h ON h.partner_id = p.id "
        "WHERE p.name = 'Late Entry Co'").fetchone()
    assert row == ("2026-03-02", "2026-03-02", "Thailand")  # the start day, never a country "Thailand since …"
    moved = route(Message(text="stage Late Entry Co first meetings on 2026-04-10"), lite_services)
    assert moved.ok, moved.text                        # dated before the day it was typed in


def test_a_partner_entered_late_gets_its_start_back_dated_then_earlier_moves(svc):
    assert say(svc, "partner add Late Entry Co --country Thailand").ok  # typed in on 18 Nov
    refused = say(svc, "stage Late Entry Co first meetings on 2026-11-02")
    assert not refused.ok and "`partner Late Entry Co since 2026-11-02`" in refused.text
    r = say(svc, "partner Late Entry Co since 28 Oct")
    assert r.ok and r.text == "Work with Late Entry Co now counts from 28 Oct 2026, at Landscape assessment since then."
    start = "SELECT p.stage_since, h.moved_on FROM partners p JOIN stage_history h ON h.partner_id = p.id " \
            "WHERE p.name = 'Late Entry Co' AND h.from_stage IS NULL"
    assert svc.store.execute(start).fetchone() == ("2026-10-28", "2026-10-28")
    assert say(svc, "stage Late Entry Co first meetings on 2026-11-02").ok
    # after a move the start can go earlier, never past the move; the stage keeps its own date
    assert say(svc, "partner Late Entry Co since 20 Oct").ok
    assert svc.store.execute(start).fetchone() == ("2026-11-02", "2026-10-20")
    before = dump(svc.store)
    for text, words in (("partner Late Entry Co since 5 Nov", "moved on from Landscape assessment on 2026-11-02"),
                        ("partner Late Entry Co since tomorrow", "in the future")):
        bad = say(svc, text)
        assert not bad.ok and words in bad.text and "Nothing changed" in bad.text, bad.text
    assert dump(svc.store) == before
    audited = svc.store.execute("SELECT detail FROM audit_log WHERE action = 'partner.since' ORDER BY id").fetchall()
    assert [r[0] for r in audited] == ['{"from": "2026-11-18", "to": "2026-10-28"}',
                                       '{"from": "2026-10-28", "to": "2026-10-20"}']


def test_a_misspelt_country_project_is_refused_with_the_one_meant_and_a_new_one_is_allowed(lite_services):
    from bot.message import Message
    from bot.router import route

    r = route(Message(text="partner add Typo Co --country Thialand"), lite_services)  # the terminal: an admin
    assert not r.ok and "“Thialand” is no country project; did you mean Thailand? Nothing was added." in r.text
    assert lite_services.store.execute("SELECT COUNT(*) FROM partners").fetchone()[0] == 0
    assert route(Message(text="partner add Case Co --country thailand"), lite_services).ok
    assert route(Message(text="partner add New Co --country Vietnam"), lite_services).ok
    assert sorted(r[0] for r in lite_services.store.execute("SELECT country FROM partners")) == ["Thailand", "Vietnam"]


def test_partner_add_since_refuses_a_future_or_bad_date_and_adds_nothing(lite_services):
    from bot.message import Message
    from bot.router import route

    for text in ("partner add Future Co since 2099-01-01 --country Thailand",
                 "partner add Fuzzy Co --since whenever --country Thailand"):
        r = route(Message(text=text), lite_services)
        assert not r.ok and "Nothing was added" in r.text, r.text
    assert lite_services.store.execute("SELECT COUNT(*) FROM partners").fetchone()[0] == 0


# --- corrections: what a partner was entered with (session 11) ---------------------------------------------------

def test_a_partner_entered_in_the_wrong_country_project_is_moved_and_reports_follow(svc):
    assert say(svc, "log Acme Foods meeting yesterday: talked about a pilot; placed: 2").ok
    r = say(svc, "partner Acme Foods --country Cambodia")
    assert r.ok and r.text.startswith("Corrected Acme Foods Co.: country project: Thailand → Cambodia."), r.text
    assert svc.store.execute("SELECT country FROM partners WHERE name = 'Acme Foods Co.'").fetchone() == ("Cambodia",)
    cambodia = say(svc, "report this quarter Cambodia").data
    thailand = say(svc, "report this quarter Thailand").data
    assert _placed(cambodia) == 2 and _placed(thailand) == 0
    audited = svc.store.execute("SELECT detail FROM audit_log WHERE action = 'partner.country'").fetchall()
    assert audited == [('{"from": "Thailand", "to": "Cambodia"}',)]


def _placed(data):
    return next(r["actual"]["value"] for r in data["report"]["indicators"] if r["id"] == "placed")


def test_sector_and_stream_are_corrected_and_the_stream_only_before_the_first_stage_move(svc):
    assert say(svc, "partner Acme Foods --sector none").ok
    assert svc.store.execute("SELECT sector FROM partners WHERE name = 'Acme Foods Co.'").fetchone() == ("",)
    assert say(svc, "partner Acme Foods sector: seafood processing").ok
    r = say(svc, "partner Acme Foods --stream survivor")
    assert r.ok and "work stream: Innovation / prevention → Survivor employment" in r.text
    assert "Private-sector mapping, the first stage of that stream" in r.text
    row = "SELECT p.sector, p.stream, p.stage, h.to_stage FROM partners p " \
          "JOIN stage_history h ON h.partner_id = p.id WHERE p.name = 'Acme Foods Co.'"
    assert svc.store.execute(row).fetchall() == [("seafood processing", "survivor_employment", "mapping", "mapping")]
    assert say(svc, "stage Acme Foods government").ok
    before = dump(svc.store)
    refused = say(svc, "partner Acme Foods --stream innovation")
    assert not refused.ok and "before the first stage move" in refused.text and "Nothing changed" in refused.text
    assert dump(svc.store) == before
    assert "`stage Acme Foods Co. undo`, once" in refused.text  # the way there, and it works
    assert say(svc, "stage Acme Foods Co. undo").ok and say(svc, "partner Acme Foods --stream innovation").ok
    assert svc.store.execute(row).fetchall()[0][1:] == ("innovation", "landscape", "landscape")


@pytest.mark.parametrize("line,words", [
    ("partner Acme Foods --country Thialand", "did you mean Thailand? Nothing changed."),
    ("partner Acme Foods --stream fishing", "work stream"),
    ("partner Acme Foods --confidential", "partner confidential Acme Foods on|off"),
    ("partner Acme Foods --owner me", "can't be changed this way"),
    ("partner Acme Foods sector: Somchai 081 234 5678", "personal identifiers"),
    ("partner Zeta --country Nepal", "don't know a partner"),
    # an admin's bare `--country` had moved the partner out of every country project, seen by all staff
    ("partner Acme Foods --country", "Give the new country project after `--country`"),
    ("partner Acme Foods country:", "Give the new country project"),
    ("partner Acme Foods --sector", "`--sector none` clears it"),
])
def test_bad_corrections_change_nothing(svc, line, words):
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and words in r.text, r.text
    assert dump(svc.store) == before


def test_a_move_to_a_project_that_already_engages_the_company_is_refused(svc):
    assert say(svc, "partner add Acme Foods Co. --country Nepal").ok
    before = dump(svc.store)
    r = say(svc, "partner Acme Foods Co. (Thailand) --country Nepal")
    assert not r.ok and "Nepal already has an engagement with this company" in r.text, r.text
    assert "`partner Acme Foods Co. (Nepal)`" in r.text and dump(svc.store) == before


def test_staff_move_partners_only_between_their_own_country_projects(svc):
    access.add_user(svc.store, "slack:S1", "staff", ["Thailand", "Laos"], actor="t")
    before = dump(svc.store)
    r = say(svc, "partner Acme Foods --country Nepal", platform="slack", user_id="S1")
    assert not r.ok and "You can move partners only to your own country projects (Thailand, Laos)" in r.text
    assert dump(svc.store) == before
    hidden = say(svc, "partner Blue Ocean --country Thailand", platform="slack", user_id="S1")  # Cambodia's partner
    assert not hidden.ok and "don't know" in hidden.text and dump(svc.store) == before
    assert say(svc, "partner Acme Foods --country Laos", platform="slack", user_id="S1").ok


@pytest.mark.parametrize("dash", ["—", "–"])
def test_a_double_hyphen_turned_into_a_dash_by_the_chat_app_still_reads_as_an_option(svc, dash):
    # "partner add Mekong Garments —country Cambodia" added a partner of that whole name, seen by every project
    r = say(svc, f"partner add Mekong Garments {dash}country Cambodia {dash}sector garments")
    assert r.ok, r.text
    row = "SELECT name, country, sector FROM partners WHERE name LIKE 'Mekong%'"
    assert svc.store.execute(row).fetchall() == [("Mekong Garments", "Cambodia", "garments")]
    assert say(svc, f"partner Mekong Garments {dash}country Thailand").ok
    assert svc.store.execute(row).fetchall() == [("Mekong Garments", "Thailand", "garments")]


def test_rename_corrects_the_company_for_every_project_and_keeps_the_old_name_as_an_alias(svc):
    assert say(svc, "partner add Acme Foods Co. --country Nepal").ok  # a second project's engagement
    r = say(svc, "partner rename Acme Foods Co. (Thailand) = Acme Food Company")
    assert r.ok and "“Acme Foods Co.” still finds it" in r.text, r.text
    rows = svc.store.execute("SELECT p.name, p.aliases, c.name FROM partners p JOIN companies c ON c.id = p.company_id "
                             "WHERE p.name LIKE 'Acme Food%' ORDER BY p.id").fetchall()
    assert rows == [("Acme Food Company", '["Acme Foods Co."]', "Acme Food Company")] * 2
    assert say(svc, "partner Acme Foods Co. (Nepal)").data["partner"]["name"] == "Acme Food Company"
    assert svc.store.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'partner.rename'").fetchone() == (1,)


@pytest.mark.parametrize("line,words", [
    ("partner rename Acme Foods", "partner rename NAME = NEW NAME"),
    ("partner rename Acme Foods = Acme Logistics Ltd", "already names another partner"),
    ("partner rename Acme Foods = Acme Foods Co.", "already called that"),
    ("partner rename Acme Foods = Somchai 081 234 5678", "personal identifiers"),
    ("partner rename Zeta = Zeta Ltd", "don't know a partner"),
])
def test_bad_renames_change_nothing(svc, line, words):
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and words in r.text, r.text
    assert dump(svc.store) == before


def test_staff_cannot_rename_another_projects_partner(svc):
    access.add_user(svc.store, "slack:S1", "staff", ["Thailand"], actor="t")
    before = dump(svc.store)
    r = say(svc, "partner rename Blue Ocean Seafood = Blue Sea", platform="slack", user_id="S1")
    assert not r.ok and "not one of your country project's partners" in r.text and dump(svc.store) == before


def test_a_partner_added_by_mistake_is_removed_with_its_history_and_audited(svc):
    r = say(svc, "partner add Acme Fods --country Thailand")
    assert r.ok and "A partner with a close name exists: Acme Foods Co. (Thailand)" in r.text, r.text
    assert "`partner remove Acme Fods` takes this one out again" in r.text and r.data["similar"]
    removed = say(svc, "partner remove Acme Fods")
    assert removed.ok and "Removed Acme Fods" in removed.text
    assert svc.store.execute("SELECT COUNT(*) FROM partners WHERE name = 'Acme Fods'").fetchone() == (0,)
    assert svc.store.execute("SELECT COUNT(*) FROM companies WHERE name = 'Acme Fods'").fetchone() == (0,)
    detail = json.loads(svc.store.execute("SELECT detail FROM audit_log WHERE action = 'partner.remove'").fetchone()[0])
    assert detail["before"]["name"] == "Acme Fods" and detail["stage_history"][0][2] == "landscape"
    plain = say(svc, "partner add Mekong Garments --country Cambodia")
    assert plain.ok and "close name" not in plain.text and not plain.data["similar"]


def test_a_partner_with_logs_is_not_removed_and_only_its_creator_or_a_lead_may_remove_one(svc):
    assert say(svc, "log Acme Foods meeting yesterday: talked").ok
    before = dump(svc.store)
    r = say(svc, "partner remove Acme Foods")
    assert not r.ok and "has 1 log;" in r.text and "`partner merge Acme Foods Co. into NAME`" in r.text
    assert dump(svc.store) == before
    access.add_user(svc.store, "slack:S1", "staff", ["Nepal"], actor="t")
    before = dump(svc.store)
    other = say(svc, "partner remove Acme Logistics", platform="slack", user_id="S1")  # added by console:amara
    assert not other.ok and "Only the person who added" in other.text and dump(svc.store) == before


def test_one_company_entered_twice_is_merged_with_its_logs_outcomes_and_reviews(svc):
    assert say(svc, "partner add Acme Fods --country Thailand").ok
    assert say(svc, "log Acme Fods meeting yesterday: talked; placed: 2").ok
    assert say(svc, "diligence Acme Fods csr: yes").ok
    r = say(svc, "partner merge Acme Fods into Acme Foods Co.")
    assert r.ok and "moved 1 log, 1 outcome, 1 diligence review" in r.text, r.text
    ids = svc.store.execute("SELECT id FROM partners WHERE name = 'Acme Foods Co.'").fetchone()
    for table in ("interactions", "outcomes", "diligence"):
        assert svc.store.execute(f"SELECT DISTINCT partner_id FROM {table}").fetchall() == [ids], table
    assert svc.store.execute("SELECT COUNT(*) FROM partners WHERE name = 'Acme Fods'").fetchone() == (0,)
    assert say(svc, "partner Acme Fods").data["partner"]["name"] == "Acme Foods Co."  # the old name still finds it
    detail = json.loads(svc.store.execute("SELECT detail FROM audit_log WHERE action = 'partner.merge'").fetchone()[0])
    assert detail["moved"] == {"interactions": 1, "outcomes": 1, "diligence": 1} and detail["into"] == ids[0]


@pytest.mark.parametrize("line,words", [
    ("partner merge Acme Foods", "partner merge DUPLICATE into PARTNER"),
    ("partner merge Acme Foods into Acme Foods Co.", "itself"),
    ("partner merge Acme Logistics into Acme Foods", "different country projects (Nepal, Thailand)"),
    ("partner merge Blue Ocean into Acme Foods", "confidential (NDA)"),
])
def test_bad_merges_change_nothing(svc, line, words):
    if "Blue Ocean" in line:
        assert say(svc, "partner Blue Ocean --country Thailand").ok
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and words in r.text, r.text
    assert dump(svc.store) == before


def test_the_card_shows_when_work_began_once_the_partner_has_moved_on(svc):
    later = NOW + timedelta(days=10)
    facts = {f.label: f.value for f in say(svc, "partner Acme Foods", now=later).facts}
    assert "Work began" not in facts  # still at its first stage: "Time in stage" says it
    assert say(svc, "stage Acme Foods dd on 2026-11-20", now=later).ok
    facts = {f.label: f.value for f in say(svc, "partner Acme Foods", now=later).facts}
    assert facts["Work began"] == "18 Nov 2026" and facts["Time in stage"].startswith("8 days, since 20 Nov 2026")
