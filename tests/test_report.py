from datetime import date, datetime, timezone

import pytest

from records import access
from bot.message import Message
from indicators.periods import fiscal_quarter
from indicators.report import bar, build_report, render_report
from bot.router import route
from bot.app import Services
from indicators.targets import set_target
from report_seed import log, move, partner

NOV_2026 = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def svc(settings, store):
    return Services(settings, store=store)


@pytest.fixture
def seeded(store):
    t1 = partner(store, "Acme Foods", country="Thailand")
    t2 = partner(store, "Gulf Seafood", country="Thailand")
    n1 = partner(store, "Kathmandu Hotels", country="Nepal", stream="survivor_employment")
    log(store, t1, date(2026, 10, 10), kind="agreement", summary="MoU", level="high",
        outcomes=[("cash", 10000, "USD")])
    move(store, t2, "agreement", date(2026, 11, 2))
    log(store, t2, date(2026, 11, 5), summary="kick-off", level="low")
    log(store, n1, date(2026, 10, 20), summary="hotel association and ministry", level="medium",
        outcomes=[("survivors_placed", 4, None)])
    log(store, n1, date(2027, 1, 20), summary="follow-up", level="low")  # Q2: outside Q1
    set_target(store, "partnerships", 4, 2027, "Thailand")
    set_target(store, "partnerships", 2, 2027, "Nepal")
    set_target(store, "placed", 8, 2027, "Nepal")
    return store


def msg(text, **kw):
    kw.setdefault("received_at", NOV_2026)
    return Message(text=text, **kw)


def test_bar_shapes():
    assert bar(0.5) == "[#####-----]   50%"
    assert bar(0) == "[----------]    0%"
    assert bar(1.3).startswith("[##########]+")
    assert bar(None) == ""


def test_report_actual_vs_target_with_progress_bars(svc, seeded):
    reply = route(msg("report this quarter"), svc)
    assert reply.ok
    text = reply.text
    assert "FY2027 Q1 (1 Oct 2026 – 31 Dec 2026)" in text
    main = reply.tables[0]  # tables are data, drawn natively by each renderer (issue 18)
    assert main.header == ("Indicator", "Period", "FY to date", "FY2027 target", "Progress")
    line = next(r for r in main.rows if r[0] == "Partnerships developed *")
    assert list(line[1:4]) == ["2", "2", "6"]        # period, FY to date, target (4 Thailand + 2 Nepal)
    assert "[###-------]" in line[4] and "33%" in line[4]
    placed = next(r for r in main.rows if r[0].startswith("Survivors placed"))
    assert "[#####-----]" in placed[4] and "50%" in placed[4]
    facts = {f.label: f.value for f in reply.facts}
    assert facts["Partnerships developed"].startswith("2 (FY to date 2 · target 6, 33%)")
    assert "PS actions, low" in facts and "Survivors trained" not in facts  # headline: mandated or targeted
    assert "```" not in text and "|" not in text and "---" not in text  # no ASCII table in the text


def test_disaggregation_adds_up(svc, seeded):
    report = build_report(seeded, fiscal_quarter(2027, 1))
    totals = {r.indicator.id: r.actual.value for r in report.rows}
    assert [s.name for s in report.by_country] == ["Nepal", "Thailand"]
    assert [s.name for s in report.by_stream] == ["Innovation", "Survivor employment"]
    for ind in [r.indicator for r in report.rows if r.indicator.additive]:
        assert sum(s.cells[ind.id][0].value for s in report.by_country) == totals[ind.id]
        assert sum(s.cells[ind.id][0].value for s in report.by_stream) == totals[ind.id]
    nepal = report.by_country[0].cells
    assert nepal["placed"][0].value == 4 and nepal["placed"][1] == 8
    assert nepal["actions_medium"][0].value == 1 and nepal["actions_low"][0].value == 0
    thai_stream = report.by_stream[0].cells
    assert thai_stream["partnerships"][0].value == 2 and thai_stream["cash"][0].value == 10000

    tables = render_report(report).tables
    [by_country] = [t for t in tables if t.title.startswith("By country project")]
    assert by_country.header[1:] == ("Nepal", "Thailand")
    cells = [c for row in by_country.rows for c in row]
    assert "4/8" in cells and "2/4" in cells


def test_report_for_one_country(svc, seeded):
    reply = route(msg("report Nepal FY2027 Q1"), svc)
    assert reply.ok and "· Nepal" in reply.text
    data = reply.data["report"]
    by_id = {i["id"]: i for i in data["indicators"]}
    assert by_id["partnerships"]["actual"]["value"] == 0 and by_id["partnerships"]["target"] == 2
    assert by_id["actions_medium"]["actual"]["value"] == 1
    assert data["by_country"] == {}  # one country: no country columns
    # Country first or last, any case, several words for the period.
    assert route(msg("report last quarter nepal"), svc).data["report"]["period"]["label"] == "FY2026 Q4"


def test_range_over_two_fiscal_years_shows_no_targets(svc, seeded):
    reply = route(msg("report 2026-09-01..2026-10-31"), svc)
    assert reply.ok and "spans more than one fiscal year" in reply.text
    assert "Progress" not in reply.text and "Progress" not in reply.tables[0].header


@pytest.mark.parametrize("text,needle", [
    ("report Atlantis", "I don't know the country project 'Atlantis'"),
    ("report Q9", "Q1 to Q4"),
    ("report 2026-14 Nepal", "no month 14"),
])
def test_bad_report_requests(svc, seeded, text, needle):
    reply = route(msg(text), svc)
    assert not reply.ok and needle in reply.text


@pytest.mark.parametrize("text, needle", [
    ("report this quarter Thialand", "I don't know the country project 'Thialand'; did you mean Thailand? Try "
                                     "`report this quarter Thailand`."),
    ("report Thialand", "did you mean Thailand? Try `report Thailand`."),
])
def test_a_misspelt_country_project_is_named_with_the_one_meant(svc, text, needle):
    reply = route(msg(text), svc)
    assert not reply.ok and needle in reply.text, reply.text


def test_report_how_lists_every_definition(svc):
    reply = route(msg("report how"), svc)
    assert "agreement" in reply.text and "Median days in stage" in reply.text and "no target" in reply.text
    # the periods a report takes, not the command's own examples
    assert "Periods: this quarter, last quarter, Q2" in reply.text and "report how" not in reply.text


def test_report_needs_staff_role(svc, store):
    reply = route(msg("report", platform="slack", user_id="UGUEST", channel_id="C1", channel_kind="channel"), svc)
    assert not reply.ok and "staff" in reply.text


# --- the target intent -------------------------------------------------------------------------------------

def slack(text, user):
    return msg(text, platform="slack", user_id=user, channel_id="C1", channel_kind="channel")


def test_lead_sets_target_for_own_country_and_default_country(svc, store):
    access.add_user(store, "slack:ULEAD", "lead", ["Thailand"], actor="test")
    r = route(slack("target partnerships 7 FY2027", "ULEAD"), svc)
    assert r.ok and "for Thailand, FY2027" in r.text
    r = route(slack("target placed 30 Thailand", "ULEAD"), svc)  # FY defaults to the current one (Nov 2026)
    assert r.ok and "FY2027" in r.text
    rows = store.execute("SELECT indicator, country, fiscal_year, value, set_by FROM targets "
                                 "ORDER BY indicator").fetchall()
    assert rows == [("partnerships", "Thailand", 2027, 7.0, "slack:ULEAD"), ("placed", "Thailand", 2027, 30.0,
                                                                             "slack:ULEAD")]


def test_lead_cannot_set_another_countrys_target(svc, store):
    access.add_user(store, "slack:ULEAD", "lead", ["Thailand"], actor="test")
    r = route(slack("target partnerships 7 Nepal FY2027", "ULEAD"), svc)
    assert not r.ok and "your own country projects" in r.text
    assert store.execute("SELECT COUNT(*) FROM targets").fetchone()[0] == 0


def test_staff_cannot_set_targets_but_can_list(svc, store):
    access.add_user(store, "slack:USTAFF", "staff", ["Thailand"], actor="test")
    r = route(slack("target partnerships 7", "USTAFF"), svc)
    assert not r.ok and "lead" in r.text
    assert route(slack("target list", "USTAFF"), svc).ok


@pytest.mark.parametrize("text,needle", [
    ("target", "No targets are set"),
    ("target happiness 3", "I don't know the indicator 'happiness'"),
    ("target partnerships many", "'many' is not a number"),
    ("target partnerships 3 Narnia", "I don't know the country project or year 'Narnia'"),
    ("target partnerships 3 Thialand", "'Thialand'; did you mean Thailand? Nothing changed."),
    ("target stage_days 30 Nepal", "without a target"),
    ("target partnerships -2 Nepal", "zero or more"),
])
def test_bad_target_commands_change_nothing(svc, store, text, needle):
    r = route(msg(text), svc)
    assert needle in r.text
    assert store.execute("SELECT COUNT(*) FROM targets").fetchone()[0] == 0


def test_admin_in_terminal_sets_programme_target_and_lists(svc, store):
    assert route(msg("target cash 50,000 FY27"), svc).ok
    r = route(msg("target list FY2027"), svc)
    assert r.ok and any("programme" in f.label and "50,000" in f.value for f in r.facts)


def test_programme_share_counts_only_countries_that_have_a_target(store):
    """Cambodia's placements have no target: they must not be set against Thailand's target (issue 14)."""
    from indicators.periods import Period, fy_bounds

    period = Period(*fy_bounds(2027), "FY2027")
    th = partner(store, "Siam Jobs", country="Thailand", stream="survivor_employment", added=date(2026, 10, 2))
    kh = partner(store, "Mekong Jobs", country="Cambodia", stream="survivor_employment", added=date(2026, 10, 2))
    log(store, th, date(2026, 11, 3), summary="placements", outcomes=[("survivors_placed", 3, None)])
    log(store, kh, date(2026, 11, 3), summary="placements", outcomes=[("survivors_placed", 4, None)])
    set_target(store, "placed", 20, 2027, "Thailand")
    report = build_report(store, period)
    row = next(r for r in report.rows if r.indicator.id == "placed")
    assert row.actual.value == 7 and row.target == 20
    assert abs(row.progress - 3 / 20) < 1e-9 and row.untargeted == {"Cambodia": 4}   # not 7/20
    text = render_report(report).text
    assert "Cambodia 4" in text and "only the country projects that have a target" in text
