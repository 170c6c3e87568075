"""Exchange rates per fiscal year (issue 14): admins set them (audited); reports and exports show money per
currency and, where every currency has a rate, a converted US-dollar total that names the rates it used.
Different currencies are never added without conversion."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from registry_support import dump, say, seed

from records import access, export, rates


@pytest.fixture
def svc(lite_services):
    lite_services.__dict__["rate_limiter"] = None
    seed(lite_services)
    for line in ("log Blue Ocean agreement 10 Nov: MoU; cash: 4,100,000 KHR",
                 "log Blue Ocean event yesterday: fair; cash: 35,000 baht",
                 "log Acme Foods meeting yesterday: pledge; cash: 500 USD"):
        assert say(lite_services, line).ok
    return lite_services


def cash_note(reply) -> str:
    return next(line for line in reply.text.splitlines() if line.startswith("Cash leveraged, all currencies"))


def test_report_shows_currencies_apart_until_rates_are_set_then_a_converted_total(svc):
    r = say(svc, "report FY2027")
    note = cash_note(r)
    assert "4,100,000 KHR" in note and "35,000 THB" in note and "500 USD" in note
    assert "no converted total" in note and "≈" not in note and "rate set" in r.text
    assert say(svc, "rate set FY2027 KHR 4100").ok
    note = cash_note(say(svc, "report FY2027"))
    assert "no converted total: no rate for THB (FY2027)" in note  # one rate missing: still no total
    assert say(svc, "rate set FY27 baht 35").ok
    note = cash_note(say(svc, "report FY2027"))
    assert "≈ 2,500 USD" in note and "FY2027: 1 USD = 4,100 KHR, 35 THB" in note  # 1,000 + 1,000 + 500
    # the cash row and its progress count the converted total, not only the 500 recorded in dollars
    lines = say(svc, "report FY2027").as_text().splitlines()
    rows = [line.split()[3] for line in lines if line.startswith("Cash leveraged (USD)")]
    assert rows == ["2,500", "2,000"], rows  # programme-wide, then Cambodia's column first in the country table


def test_setting_a_rate_is_for_admins_audited_and_bad_input_changes_nothing(svc):
    access.add_user(svc.store, "slack:USTAFF", "staff", ["Thailand"], actor="test")
    r = say(svc, "rate set FY2027 KHR 4100", user_id="USTAFF", platform="slack")
    assert not r.ok and "admin" in r.text
    before = dump(svc.store)
    for bad in ("rate set FY2027 KHR -5", "rate set FY2027 KHR lots", "rate set 1999 KHR 4100",
                "rate set FY2027 XYZ1 4100", "rate set FY2027 USD 1", "rate set FY2027 KHR"):
        r = say(svc, bad)
        assert not r.ok and "Nothing changed" in r.text, (bad, r.text)
    assert dump(svc.store) == before
    assert say(svc, "rate set FY2027 KHR 4,000").ok
    r = say(svc, "rate set FY2027 KHR 4100")
    assert r.ok and "was 4,000" in r.text
    audit = svc.store.execute("SELECT actor, detail FROM audit_log WHERE action = 'rate.set' ORDER BY id").fetchall()
    assert [json.loads(d)["after"] for _, d in audit] == [4000, 4100] and json.loads(audit[1][1])["before"] == 4000
    listed = say(svc, "rate list", user_id="USTAFF", platform="slack")
    assert listed.ok and "4,100 KHR" in listed.as_text()


def test_the_partner_export_adds_a_converted_total_with_the_rates_it_used(svc):
    rows = {r["partner"]: r for r in csv.DictReader(io.StringIO(export.as_text(svc.store, "partners")))}
    blue = rows["Blue Ocean Seafood"]
    assert (blue["cash_KHR"], blue["cash_THB"]) == ("4100000", "35000")
    assert blue["cash_converted_USD"] == "" and "no rate for" in blue["cash_converted_with"]
    assert rows["Acme Foods Co."]["cash_converted_USD"] == "500"  # dollars need no rate
    rates.set_rate(svc.store, 2027, "KHR", 4100, actor="t")
    rates.set_rate(svc.store, 2027, "THB", 35, actor="t")
    rows = {r["partner"]: r for r in csv.DictReader(io.StringIO(export.as_text(svc.store, "partners")))}
    blue = rows["Blue Ocean Seafood"]
    assert blue["cash_converted_USD"] == "2000" and blue["cash_converted_with"] == "FY2027: 1 USD = 4,100 KHR, 35 THB"


def test_each_amount_is_converted_with_the_rate_of_its_own_fiscal_year(store):
    rates.set_rate(store, 2026, "KHR", 4000, actor="t")
    rates.set_rate(store, 2027, "KHR", 4100, actor="t")
    conv = rates.convert(store, [("2026-09-30", "KHR", 4000), ("2026-10-01", "KHR", 4100), ("2026-10-02", "USD", 1)])
    assert conv.usd == pytest.approx(3.0) and conv.per_currency == {"KHR": 8100, "USD": 1}
    assert conv.rates_text() == "FY2026: 1 USD = 4,000 KHR; FY2027: 1 USD = 4,100 KHR"
    assert rates.fiscal_year_of(date(2026, 10, 1)) == 2027
    none = rates.convert(store, [("2025-01-01", "KHR", 1), ("2026-10-02", "USD", 1)])
    assert none.usd is None and none.missing == [(2025, "KHR")]
    assert "≈" not in none.describe() and "1 KHR + 1 USD" in none.describe()
