"""One rule (records.access.may_view_country) decides what each role sees of a country project, for indicator
reports, digest previews, exports and partner cards alike. Before issue 15 a Thailand staff member could run
`report Cambodia` (and `report` for all projects) although the Cambodia digest preview was refused to them.

Each row goes through the real router over a real SQLite store. Expected outcome of a cell:
  yes        shown, for exactly the country asked
  no         refused with a friendly message (or, for partners, the partner is unknown); nothing written
  <country>  asked for all projects, shown for the user's only project instead
  ask        asked for all projects; the user has several, so the reply asks which
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, timezone

import pytest

from bot.message import Message
from bot.router import route
from records import access, interactions, partner_edits
from registry_support import dump

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 18)
PARTNERS = {"Thailand": "Acme Foods", "Cambodia": "Mekong Garments"}
USERS = {  # column → (slack user id, role, country projects); guest is not registered
    "guest": ("UGUEST", None, ()),
    "staff TH": ("USTAFF", "staff", ("Thailand",)),
    "staff TH+KH": ("UBOTH", "staff", ("Thailand", "Cambodia")),
    "lead TH": ("ULEAD", "lead", ("Thailand",)),
    "admin": ("UADMIN", "admin", ()),
}
WHATS = ("report", "digest", "export", "partner")
ALL = None

# role           country      report      digest      export  partner
TABLE = [
    ("guest",       "Thailand", "no",       "no",       "no",   "no"),
    ("guest",       "Cambodia", "no",       "no",       "no",   "no"),
    ("guest",       ALL,        "no",       "no",       "no",   None),
    ("staff TH",    "Thailand", "yes",      "yes",      "no",   "yes"),
    ("staff TH",    "Cambodia", "no",       "no",       "no",   "no"),
    ("staff TH",    ALL,        "Thailand", "Thailand", "no",   None),
    ("staff TH+KH", "Thailand", "yes",      "yes",      "no",   "yes"),
    ("staff TH+KH", "Cambodia", "yes",      "yes",      "no",   "yes"),
    ("staff TH+KH", ALL,        "ask",      "ask",      "no",   None),
    ("lead TH",     "Thailand", "yes",      "yes",      "yes",  "yes"),
    ("lead TH",     "Cambodia", "no",       "no",       "no",   "no"),
    ("lead TH",     ALL,        "Thailand", "Thailand", "Thailand", None),
    ("admin",       "Thailand", "yes",      "yes",      "yes",  "yes"),
    ("admin",       "Cambodia", "yes",      "yes",      "yes",  "yes"),
    ("admin",       ALL,        "yes",      "yes",      "yes",  None),
]
COMMANDS = {"report": "report {c}", "digest": "digest preview {c}", "export": "export partners",
            "partner": "partner {p}"}


def _cells():
    for role, country, *expected in TABLE:
        for what, exp in zip(WHATS, expected):
            if exp is not None:
                yield pytest.param(role, country, what, exp, id=f"{role}-{country or 'all'}-{what}-{exp}")


@pytest.fixture
def svc(lite_services):
    store = lite_services.store
    lite_services.__dict__["rate_limiter"] = None
    for uid, role, countries in USERS.values():
        if role:
            access.add_user(store, f"slack:{uid}", role, countries, actor="test")
    for country, name in PARTNERS.items():
        p = partner_edits.add_partner(store, name, actor="test", today=TODAY, country=country)
        interactions.log_interaction(store, interactions.InteractionDraft(p.id, TODAY, "meeting", "first meeting", ""),
                                 actor="test", platform="console", raw=name, today=TODAY)
    return lite_services


def say(svc, role, text):
    return route(Message(text=text, user_id=USERS[role][0], platform="slack", channel_id="D1", channel_kind="dm",
                         received_at=NOW), svc)


@pytest.mark.parametrize("role,country,what,expected", list(_cells()))
def test_one_rule_for_reports_digests_exports_and_partner_cards(svc, role, country, what, expected):
    before = dump(svc.store)
    text = COMMANDS[what].format(c=country or "", p=PARTNERS.get(country or "", "")).strip()
    reply = say(svc, role, text)
    if what == "export":
        if expected == "no" and (country is None or role in ("guest",) or USERS[role][1] == "staff"):
            assert not reply.ok, reply.text
            assert "export" in reply.text.lower() or "lead" in reply.text
            return
        with open(reply.data["path"], encoding="utf-8-sig") as f:
            names = {r["partner"] for r in csv.DictReader(f)}
        if expected in PARTNERS:  # all asked for: only the user's own project's partners are in the file
            assert names == {PARTNERS[expected]}, names
            return
        wanted = PARTNERS.values() if country is None else [PARTNERS[country]]
        assert all((n in names) == (expected == "yes") for n in wanted), names
        return
    if expected == "no":
        assert not reply.ok, reply.text
        if what == "partner" and role != "guest":
            # another team's company: not its card, only who engages it (issue 14: coordinate first)
            assert ("don't know a partner" in reply.text or "No partner" in reply.text
                    or "not one of your country project's partners" in reply.text), reply.text
            assert "Last contact" not in reply.as_text()
        assert dump(svc.store) == before
        if role != "guest" and what != "partner":
            assert "your own country projects" in reply.text and "Thailand" in reply.text
        return
    if expected == "ask":
        assert not reply.ok and "Which country project?" in reply.text
        assert dump(svc.store) == before
        return
    assert reply.ok, reply.text
    shown = country if expected == "yes" else expected
    if what == "partner":
        assert PARTNERS[country] in reply.as_text()
    else:
        head = reply.text.splitlines()[0]
        assert re.search(rf"· {shown or 'all country projects'}(?: ·|$)", head), head


@pytest.mark.parametrize("role,country,what,expected", list(_cells()))
def test_the_rule_itself_agrees_with_the_table(role, country, what, expected):
    uid, r, countries = USERS[role]
    user = access.User("slack", uid, r or "guest", countries)
    assert access.may_view_country(user, country, what) == (expected == "yes")


def test_visible_countries_lists_what_may_be_seen():
    staff = access.User("slack", "U1", "staff", ("Thailand", "Cambodia"))
    assert access.visible_countries(staff, "report") == ("Thailand", "Cambodia")
    assert access.visible_countries(staff, "export") == ()
    assert access.visible_countries(access.User("slack", "U2", "admin"), "export") is None
    assert access.visible_countries(access.User("slack", "U3"), "report") == ()
