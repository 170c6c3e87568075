import csv
from pathlib import Path

import pytest

from records import access
from records import export as csv_export
from registry_support import say, seed


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    assert say(lite_services, "log Blue Ocean agreement yesterday: MoU signed; cash: 5000 USD; placed: 3").ok
    assert say(lite_services, "log Acme Foods meeting today: =HYPERLINK(\"x\") intro").ok
    return lite_services


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_export_writes_csv_under_home_and_marks_confidential(svc):
    r = say(svc, "export")
    assert r.ok
    path = Path(r.data["path"])
    assert path.parent == svc.settings.home / "exports" and path.is_file()
    rows = read(path)
    assert len(rows) == 2 and r.data["rows"] == 2
    blue = next(x for x in rows if x["partner"] == "Blue Ocean Seafood")
    assert blue["confidential"] == "yes" and blue["cash"] == "5000" and blue["cash_currency"] == "USD"
    assert blue["survivors_placed"] == "3" and blue["action_level"] == "high"
    acme = next(x for x in rows if x["partner"] == "Acme Foods Co.")
    assert acme["confidential"] == "no" and acme["summary"].startswith("'=HYPERLINK")


def test_partner_export(svc):
    r = say(svc, "export partners")
    rows = {x["partner"]: x for x in read(r.data["path"])}
    assert set(rows) == {"Acme Foods Co.", "Acme Logistics Ltd", "Blue Ocean Seafood"}
    assert rows["Blue Ocean Seafood"]["cash_USD"] == "5000" and rows["Blue Ocean Seafood"]["actions_high"] == "1"
    assert rows["Blue Ocean Seafood"]["confidential"] == "yes"


def test_export_needs_a_lead_and_a_known_kind(svc):
    assert not say(svc, "export bananas").ok
    access.add_user(svc.store, "slack:S1", "staff", ["Thailand"], actor="t")
    r = say(svc, "export", platform="slack", user_id="S1")
    assert not r.ok and "lead" in r.text
    assert not (svc.settings.home / "exports").exists()


def test_export_to_a_text_buffer(svc):
    text = csv_export.as_text(svc.store, "interactions")
    assert text.splitlines()[0].startswith("interaction_id,date,partner")
