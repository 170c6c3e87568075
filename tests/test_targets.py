import pytest

from indicators.definitions import find_indicator
from indicators.targets import TargetError, list_targets, set_target, target_for


def count(store, table):
    return store.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_set_replace_and_audit(store):
    t, old = set_target(store, "partnerships", 10, 2027, "Thailand", actor="slack:U1")
    assert (t.value, old) == (10, None)
    t, old = set_target(store, "partnerships", 12, 2027, "thailand", actor="slack:U1")  # same country, any case
    assert (t.value, old) == (12, 10)
    assert count(store, "targets") == 1
    actions = [r[0] for r in store.execute("SELECT action FROM audit_log WHERE table_name = 'targets'")]
    assert actions == ["target.set", "target.update"]


def test_unique_per_indicator_country_year(store):
    set_target(store, "partnerships", 10, 2027, "Thailand")
    set_target(store, "partnerships", 5, 2028, "Thailand")
    set_target(store, "partnerships", 3, 2027, "Nepal")
    set_target(store, "placed", 20, 2027, "Nepal")
    assert count(store, "targets") == 4
    assert [t.country for t in list_targets(store, 2027, None) if t.indicator == "partnerships"] == \
        ["Nepal", "Thailand"]


def test_whole_programme_target_is_the_sum_of_countries_unless_set(store):
    ind = find_indicator("partnerships")
    assert target_for(store, ind, 2027) is None
    set_target(store, ind, 10, 2027, "Thailand")
    set_target(store, ind, 4, 2027, "Nepal")
    assert target_for(store, ind, 2027) == 14
    assert target_for(store, ind, 2027, "Nepal") == 4
    assert target_for(store, ind, 2027, "Cambodia") is None
    set_target(store, ind, 20, 2027)  # programme-wide, set by an admin
    assert target_for(store, ind, 2027) == 20


def test_a_share_is_never_summed_across_countries(store):
    ind = find_indicator("active_12m")
    set_target(store, ind, 80, 2027, "Thailand")
    set_target(store, ind, 60, 2027, "Nepal")
    assert target_for(store, ind, 2027) is None
    assert target_for(store, ind, 2027, "Thailand") == 80


@pytest.mark.parametrize("ind,value,fy,needle", [
    ("stage_days", 30, 2027, "without a target"),
    ("partnerships", -1, 2027, "zero or more"),
    ("partnerships", 2.5, 2027, "whole number"),
    ("active_12m", 120, 2027, "between 0 and 100"),
    ("partnerships", 3, 1999, "out of range"),
    ("partnerships", float("nan"), 2027, "zero or more"),
])
def test_bad_targets_change_nothing(store, ind, value, fy, needle):
    with pytest.raises(TargetError, match=needle):
        set_target(store, ind, value, fy, "Thailand")
    assert count(store, "targets") == 0


def test_money_targets_may_have_cents(store):
    t, _ = set_target(store, "cash", 12500.50, 2027, "Nepal")
    assert t.value == 12500.5
