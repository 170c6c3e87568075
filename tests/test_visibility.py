"""Country scoping of partners (issue 8): every place that finds or lists partners shows a user only their own
country projects' partners, plus partners with no country project unless confidential; admins see all."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.message import Message
from bot.router import route
from records import access, interactions, names, partner_edits, partners, pipeline

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 18)


@pytest.fixture
def svc(lite_services):
    store = lite_services.store
    lite_services.__dict__["rate_limiter"] = None
    access.add_user(store, "slack:UTH", "staff", ["Thailand"], actor="test")
    access.add_user(store, "slack:UNP", "staff", ["Nepal"], actor="test")
    access.add_user(store, "slack:UTWO", "lead", ["Thailand", "Nepal"], actor="test")
    access.add_user(store, "slack:UADM", "admin", [], actor="test")
    for name, country, conf, owner in (("Acme Foods", "Thailand", False, "slack:UTH"),
                                       ("Acme Tea Estates", "Nepal", False, "slack:UTH"),
                                       ("Open Horizons", "", False, ""),
                                       ("Hush Holdings", "", True, "")):
        p = partner_edits.add_partner(store, name, actor="test", today=TODAY, country=country, confidential=conf,
                                 owner=owner)
        interactions.log_interaction(store, interactions.InteractionDraft(p.id, TODAY, "meeting", f"met {name} team",
                                                                  "send a proposal", TODAY),
                                 actor="slack:UTH", platform="slack", raw=name, today=TODAY)
    return lite_services


def say(svc, user: str, text: str, kind: str = "dm"):
    return route(Message(text=text, user_id=user, platform="slack", channel_id="D1", channel_kind=kind,
                         received_at=NOW), svc)


def user(svc, uid: str) -> access.User:
    return access.current_user(svc.store, Message(text="", user_id=uid, platform="slack"))


def test_visibility_rule_for_partners_without_a_country():
    staff = access.User("slack", "U1", "staff", ("Thailand",))
    assert access.can_see_partner(staff, {"country": "", "confidential": 0})
    assert not access.can_see_partner(staff, {"country": "", "confidential": 1})
    assert access.can_see_partner(access.User("slack", "U2", "admin"), {"country": "", "confidential": 1})
    assert not access.can_see_partner(access.User("slack", "U3"), {"country": "", "confidential": 0})


def test_registry_reads_are_scoped_to_the_viewer(svc):
    store, th, adm = svc.store, user(svc, "UTH"), user(svc, "UADM")
    assert [p.name for p in partners.all_partners(store, th)] == ["Acme Foods", "Open Horizons"]
    assert len(partners.all_partners(store, adm)) == len(partners.all_partners(store)) == 4
    assert [e.partner.name for e in pipeline.pipeline(store, TODAY, viewer=th)] == ["Acme Foods", "Open Horizons"]
    # "acme" is ambiguous for an admin but means the one Thailand partner for Thailand staff
    assert names.find_partner(store, "acme", adm).status == "ambiguous"
    assert names.find_partner(store, "acme", th).partner.name == "Acme Foods"
    assert names.find_partner(store, "Acme Tea Estates", th).status == "unknown"
    typo = names.find_partner(store, "acme tea estate", th)  # close to Nepal's name, never matched to it
    assert typo.partner is None and all(p.country != "Nepal" for p, _ in typo.candidates)
    assert names.exact_partner(store, "Hush Holdings", th) is None
    assert [v for v, _ in names.suggest_partners(store, "", viewer=th)] == ["Acme Foods", "Open Horizons"]
    assert [v for v, _ in names.suggest_partners(store, "acm", viewer=th)] == ["Acme Foods"]
    assert names.known_prefix_lengths(store, "Acme Tea Estates call".split(), th) == []


def test_visibility_follows_changes(svc):
    store, th = svc.store, user(svc, "UTH")
    foods = names.exact_partner(store, "Acme Foods")
    assert names.find_partner(store, "Open Horizons", th).status == "found"
    partner_edits.set_confidential(store, names.exact_partner(store, "Open Horizons"), True, actor="test")
    assert names.find_partner(store, "Open Horizons", th).status == "unknown"  # no country + NDA: admins only
    partner_edits.set_confidential(store, foods, True, actor="test")
    assert names.find_partner(store, "Acme Foods", th).partner.id == foods.id  # own project: still visible


def test_one_line_log_never_matches_another_projects_partner(svc):
    before = svc.store.execute("SELECT COUNT(*) FROM interactions").fetchone()[0]
    r = say(svc, "UNP", "log Acme Foods call today: talked about hiring")
    assert not r.ok and "Acme Foods" in r.text and "Thailand team" in r.text  # who engages it, nothing more
    assert "met Acme Foods team" not in r.text and "send a proposal" not in r.text
    r = say(svc, "UNP", "log acme call today: talked about hiring")  # fuzzy: only Nepal's Acme Tea Estates
    assert r.ok and "Acme Tea Estates" in r.text
    assert svc.store.execute("SELECT COUNT(*) FROM interactions").fetchone()[0] == before + 1


def test_log_form_only_matches_visible_partners(svc):
    r = route(Message(text="", command="log", user_id="UNP", platform="slack", channel_kind="dm", received_at=NOW,
                      form={"partner": "Acme Foods", "kind": "call", "date": "today", "summary": "x"}), svc)
    assert not r.ok and "No partner called" in r.errors["partner"]


def test_partner_add_takes_the_users_country_project(svc):
    r = say(svc, "UTH", "partner add River Fish Co")
    assert r.ok and names.exact_partner(svc.store, "River Fish Co").country == "Thailand"
    r = say(svc, "UTH", "partner add Delta Rice --country thailand")
    assert r.ok and names.exact_partner(svc.store, "Delta Rice").country == "Thailand"  # their spelling
    before = svc.store.execute("SELECT COUNT(*) FROM partners").fetchone()[0]
    r = say(svc, "UTH", "partner add Kathmandu Carpets --country Nepal")
    assert not r.ok and "own country project" in r.text and "Nepal" in r.text and "Nothing was added" in r.text
    r = say(svc, "UTWO", "partner add Kathmandu Carpets")
    assert not r.ok and "--country Thailand" in r.text
    assert svc.store.execute("SELECT COUNT(*) FROM partners").fetchone()[0] == before
    assert say(svc, "UTWO", "partner add Kathmandu Carpets --country Nepal").ok
    r = say(svc, "UADM", "partner add Global Shipping")
    assert r.ok and names.exact_partner(svc.store, "Global Shipping").country == ""
    assert "every country project" in r.text


def test_a_company_another_project_engages_gets_an_engagement_of_ours(svc):
    r = say(svc, "UTH", "partner add Acme Tea Estates")
    assert r.ok and "Nepal team" in r.text and "met Acme Tea Estates team" not in r.text
    th = names.find_partner(svc.store, "Acme Tea Estates", user(svc, "UTH")).partner
    assert th.country == "Thailand"
    r = say(svc, "UTH", "partner alias Acme Foods = Acme Tea Estates")
    assert not r.ok and "another partner;" in r.text


def test_export_by_a_lead_covers_their_projects(svc):
    import csv

    access.add_user(svc.store, "slack:ULTH", "lead", ["Thailand"], actor="test")
    r = say(svc, "ULTH", "export partners")
    with open(r.data["path"], encoding="utf-8-sig") as f:
        names = {row["partner"] for row in csv.DictReader(f)}
    assert names == {"Acme Foods", "Open Horizons"} and "Thailand" in r.text


def test_slack_home_and_type_ahead_show_visible_partners_only(svc):
    from adapters.slack import home as slack_home

    access.add_user(svc.store, "slack:UTH", "staff", ["Nepal"], actor="test")  # moved to another project
    view = str(slack_home.home_view(svc, "UTH", TODAY))
    assert "Acme Tea Estates" in view and "Acme Foods" not in view  # owned both; sees only Nepal's now
    assert [v for v, _ in slack_home.partner_options(svc, "UTH", "acme")] == ["Acme Tea Estates", "acme"]
    assert slack_home.partner_options(svc, "UTH", "hush") == [("hush", "hush (new partner)")]  # NDA, no country


def test_teams_partner_choices_are_scoped(svc):
    from adapters.teams import forms as teams

    access.add_user(svc.store, "teams:AAD1", "staff", ["Thailand"], actor="test")
    msg = Message(text="", user_id="AAD1", platform="teams", channel_kind="dm")
    assert [v for v, _ in teams.partner_choices(svc.store, msg)] == ["Acme Foods", "Open Horizons"]
    partner_edits.set_confidential(svc.store, names.exact_partner(svc.store, "Acme Foods"), True, actor="test")
    shared = Message(text="", user_id="AAD1", platform="teams", channel_kind="channel")
    assert [v for v, _ in teams.partner_choices(svc.store, shared)] == ["Open Horizons"]
    assert [v for v, _ in teams.partner_choices(svc.store, msg)] == ["Acme Foods", "Open Horizons"]
