from datetime import date

import pytest
import yaml

from indicators.definitions import (DEFINITIONS, IndicatorError, find_indicator, load_indicators, measure)
from indicators.periods import fiscal_quarter, fiscal_year, parse_period
from report_seed import log, move, partner


def value(store, ind_id, period, country=None, stream=None):
    return measure(store, find_indicator(ind_id), period, country, stream)


def test_definitions_are_data_with_every_field():
    raw = yaml.safe_load(DEFINITIONS.read_text())
    inds = load_indicators()
    assert [i["id"] for i in raw] == [i.id for i in inds]
    ids = {i.id for i in inds}
    assert {"partnerships", "actions_high", "actions_medium", "actions_low", "cash", "in_kind", "trained", "placed",
            "retained_6m", "joint_activities", "stage_days", "active_12m"} <= ids
    for i in inds:
        assert i.label and i.unit and i.how and i.measure
    assert [i.id for i in inds if i.mandated] == ["partnerships", "actions_high", "actions_medium", "actions_low"]
    assert not find_indicator("stage_days").has_target


def test_a_broken_definition_file_is_refused(tmp_path):
    bad = tmp_path / "ind.yml"
    bad.write_text("- {id: x, label: X, unit: u, measure: guesswork, how: h}\n")
    with pytest.raises(IndicatorError, match="unknown measure"):
        load_indicators(bad)
    dup = tmp_path / "dup.yml"
    dup.write_text("- {id: x, label: X, unit: u, measure: interactions, how: h}\n"
                   "- {id: y, label: Y, unit: u, measure: interactions, how: h, aliases: [x]}\n")
    with pytest.raises(IndicatorError, match="used by two"):
        load_indicators(dup)


def test_unknown_indicator_lists_the_known_ones():
    with pytest.raises(IndicatorError, match="partnerships"):
        find_indicator("happiness")
    assert find_indicator("Agreements").id == "partnerships"


def test_partnership_counted_once_at_its_first_signature(store):
    a = partner(store, "Acme Foods")
    log(store, a, date(2026, 10, 20), kind="agreement", summary="MoU signed")
    move(store, a, "agreement", date(2026, 10, 25))          # same signing, recorded twice: still one
    b = partner(store, "Blue Ocean")
    log(store, b, date(2026, 9, 30), kind="agreement", summary="signed")   # last day of FY2026
    log(store, b, date(2027, 1, 15), kind="agreement", summary="renewal")  # renewal: not a new partnership
    c = partner(store, "Coral Net")
    move(store, c, "agreement", date(2026, 10, 1))            # first day of FY2027, by stage move only
    partner(store, "Dawn Ltd")                                 # never signed

    assert value(store, "partnerships", fiscal_quarter(2027, 1)).value == 2
    assert value(store, "partnerships", fiscal_quarter(2027, 2)).value == 0
    assert value(store, "partnerships", fiscal_year(2026)).value == 1
    assert value(store, "partnerships", fiscal_year(2027)).value == 2


def test_actions_by_level_in_period(store):
    a = partner(store, "Acme Foods")
    log(store, a, date(2026, 10, 2), level="high", kind="agreement", summary="contract with funds")
    log(store, a, date(2026, 11, 2), level="medium", summary="ministry meeting")
    log(store, a, date(2026, 11, 3), level="low", summary="training")
    log(store, a, date(2026, 12, 31), level="low", summary="event")
    log(store, a, date(2027, 1, 1), level="low", summary="next quarter")
    q1 = fiscal_quarter(2027, 1)
    assert [value(store, f"actions_{lvl}", q1).value for lvl in ("high", "medium", "low")] == [1, 1, 2]


def test_money_by_currency_is_never_mixed(store):
    a = partner(store, "Acme Foods")
    log(store, a, date(2026, 10, 5), kind="agreement", summary="funds",
        outcomes=[("cash", 5000, "USD"), ("cash", 200000, "THB"), ("in_kind", 1500, "USD")])
    m = value(store, "cash", fiscal_quarter(2027, 1))
    assert m.value == 5000 and m.extra["other_currencies"] == {"THB": 200000}
    assert value(store, "in_kind", fiscal_quarter(2027, 1)).value == 1500


def test_money_is_converted_to_us_dollars_only_once_every_currency_has_its_rate(store):
    from records.rates import set_rate

    a = partner(store, "Acme Foods")
    log(store, a, date(2026, 10, 5), kind="agreement", summary="funds",
        outcomes=[("cash", 500, "USD"), ("cash", 35000, "THB"), ("cash", 4_100_000, "KHR")])
    q1 = fiscal_quarter(2027, 1)
    set_rate(store, 2027, "THB", 35, actor="t")
    m = value(store, "cash", q1)  # no KHR rate: the amount recorded in US dollars only, the rest apart
    assert m.value == 500 and m.extra["converted_usd"] is None and m.extra["other_currencies"]["KHR"] == 4_100_000
    set_rate(store, 2027, "KHR", 4100, actor="t")
    m = value(store, "cash", q1)
    assert m.value == 500 + 1000 + 1000 and "35 THB" in m.extra["rates_used"]


def test_survivor_outcomes_and_joint_activities(store):
    a = partner(store, "Jobs Co", country="Nepal", stream="survivor_employment")
    log(store, a, date(2026, 10, 5), summary="cohort",
        outcomes=[("survivors_trained", 12, None), ("survivors_placed", 5, None), ("joint_activity", 2, None)])
    log(store, a, date(2027, 4, 5), summary="check", outcomes=[("retained_6m", 4, None), ("retained_3m", 5, None)])
    fy = fiscal_year(2027)
    assert [value(store, i, fy).value for i in ("trained", "placed", "retained_6m", "joint_activities")] == \
        [12, 5, 4, 2]
    assert value(store, "retained_6m", fiscal_quarter(2027, 1)).value == 0


def test_median_days_per_stage_from_stage_history(store):
    a = partner(store, "Acme", added=date(2026, 1, 1))
    move(store, a, "first_meetings", date(2026, 1, 31))   # landscape 30 days
    move(store, a, "due_diligence", date(2026, 3, 2))     # first meetings 30 days
    b = partner(store, "Bravo", added=date(2026, 2, 1))
    move(store, b, "first_meetings", date(2026, 2, 11))   # landscape 10 days
    c = partner(store, "Charlie", added=date(2026, 2, 1))
    move(store, c, "closed", date(2026, 2, 2))             # landscape 1 day; 'closed' itself never ends
    m = value(store, "stage_days", parse_period("2026-01-01..2026-03-31", date(2026, 4, 1)))
    assert m.extra["stages"]["landscape"] == {"median": 10.0, "stays": 3}
    assert m.extra["stages"]["first_meetings"] == {"median": 30.0, "stays": 1}
    assert "closed" not in m.extra["stages"]
    # Only stays that ended in the period count.
    m2 = value(store, "stage_days", parse_period("2026-03", date(2026, 4, 1)))
    assert set(m2.extra["stages"]) == {"first_meetings"}


def test_share_active_12_months_after_signing(store):
    a = partner(store, "Acme", added=date(2025, 1, 1))
    move(store, a, "agreement", date(2025, 11, 1))
    move(store, a, "closed", date(2026, 6, 1))       # closed before its anniversary
    b = partner(store, "Bravo", added=date(2025, 1, 1))
    move(store, b, "agreement", date(2025, 11, 10))
    move(store, b, "co_creation", date(2026, 2, 1))  # still going
    c = partner(store, "Charlie", added=date(2025, 1, 1))
    move(store, c, "agreement", date(2025, 11, 20))
    move(store, c, "paused", date(2026, 12, 1))      # paused only after the anniversary: active on the day
    m = value(store, "active_12m", fiscal_quarter(2027, 1))
    assert m.extra == {"cohort": 3, "active": 2}
    assert m.value == pytest.approx(200 / 3)
    assert value(store, "active_12m", fiscal_quarter(2027, 2)).value is None  # nobody to count


def test_an_anniversary_still_to_come_is_not_counted(store):
    # signed in September 2026: "this fiscal year" (FY2027) holds its anniversary, which on 6 Dec 2026 has not come
    a = partner(store, "Acme", added=date(2026, 1, 1))
    move(store, a, "agreement", date(2026, 9, 28))
    assert value(store, "active_12m", parse_period("this fiscal year", date(2026, 12, 6))).value is None
    assert value(store, "active_12m", parse_period("this fiscal year", date(2026, 12, 6)).fiscal_year_to_date()
                 ).value is None
    later = value(store, "active_12m", parse_period("FY2027", date(2027, 10, 2)))
    assert later.extra == {"cohort": 1, "active": 1} and later.value == 100.0


def test_leap_day_signing_anniversary(store):
    a = partner(store, "Leap", added=date(2027, 1, 1))
    move(store, a, "agreement", date(2028, 2, 29))
    assert value(store, "active_12m", parse_period("2029-02", date(2029, 3, 1))).extra["cohort"] == 1


def test_filters_by_country_and_stream(store):
    t = partner(store, "Thai Co", country="Thailand")
    n = partner(store, "Nepal Co", country="Nepal", stream="survivor_employment")
    log(store, t, date(2026, 10, 3), level="low")
    log(store, n, date(2026, 10, 3), level="low")
    log(store, n, date(2026, 10, 4), level="low")
    q1 = fiscal_quarter(2027, 1)
    assert value(store, "actions_low", q1).value == 3
    assert value(store, "actions_low", q1, country="nepal").value == 2
    assert value(store, "actions_low", q1, stream="innovation").value == 1
    assert value(store, "actions_low", q1, country="Nepal", stream="innovation").value == 0
