import pytest

from records import access
from bot.message import Message
from bot.router import route


def slack(text, user="U1", kind="dm", **kw):
    return Message(text=text, user_id=user, platform="slack", channel_id="C1", channel_kind=kind, **kw)


def audit_count(store):
    return store.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_unknown_slack_user_is_a_guest_and_console_user_an_admin(store):
    assert access.current_user(store, slack("hi")).role == "guest"
    assert access.current_user(store, Message(text="hi")).role == "admin"


def test_add_update_and_remove_user_are_audited(store):
    u = access.add_user(store, "slack:U1", "staff", ["Thailand"], actor="test")
    assert (u.role, u.countries) == ("staff", ("Thailand",))
    access.add_user(store, "slack:U1", "lead", ["Thailand", "Nepal", "Nepal"], actor="test")
    got = access.current_user(store, slack("x"))
    assert got.role == "lead" and got.countries == ("Thailand", "Nepal")
    assert access.remove_user(store, "slack:U1", actor="test")
    assert access.current_user(store, slack("x")).role == "guest"
    actions = [r[0] for r in store.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["user.add", "user.update", "user.remove"]


@pytest.mark.parametrize("key,role,countries,fragment", [
    ("U1", "staff", ["Thailand"], "PLATFORM:USER_ID"),
    ("irc:U1", "staff", ["Thailand"], "PLATFORM:USER_ID"),
    ("slack:", "staff", ["Thailand"], "PLATFORM:USER_ID"),
    ("slack:U1", "boss", ["Thailand"], "not a role"),
    ("slack:U1", "staff", [], "country project"),
])
def test_bad_user_requests_are_refused_and_change_nothing(store, key, role, countries, fragment):
    before = audit_count(store)
    with pytest.raises(access.AccessError, match=fragment):
        access.add_user(store, key, role, countries, actor="test")
    assert audit_count(store) == before
    assert access.list_users(store) == []


def test_country_membership_and_confidential_visibility(store):
    staff = access.User("slack", "U1", "staff", ("Thailand",))
    admin = access.User("slack", "U9", "admin")
    guest = access.User("slack", "U5")
    thai = {"name": "Acme Foods", "country": "thailand", "confidential": 0}
    nda = {"name": "Secret Co", "country": "Thailand", "confidential": 1}
    nepal = {"name": "Himal Tea", "country": "Nepal", "confidential": 0}
    assert access.can_see_partner(staff, thai) and not access.can_see_partner(staff, nepal)
    assert access.can_see_partner(admin, nepal) and not access.can_see_partner(guest, thai)
    assert access.can_see_confidential_details(staff, nda, slack("x", kind="dm"))
    assert not access.can_see_confidential_details(staff, nda, slack("x", kind="channel"))
    assert access.partner_label(staff, nda, slack("x", kind="channel")) == "a confidential partner"
    assert access.partner_label(staff, thai, slack("x", kind="channel")) == "Acme Foods"


def test_guest_is_refused_an_admin_command_with_the_role_named(lite_services):
    services = lite_services
    reply = route(slack("admin users list"), services)
    assert not reply.ok and "admin role" in reply.text and "slack:U1" in reply.text


def test_admin_manages_users_from_chat(lite_services):
    services = lite_services
    access.add_user(services.store, "slack:UADMIN", "admin", [], actor="test")
    reply = route(slack("admin users add teams:29:abc lead Nepal", user="UADMIN"), services)
    assert reply.ok, reply.text
    assert access.current_user(services.store, Message(text="", platform="teams", user_id="29:abc")).role == "lead"
    listing = route(slack("admin users list", user="UADMIN"), services)
    assert "teams:29:abc" in listing.as_text()
    bad = route(slack("admin users add teams:29:abc emperor Nepal", user="UADMIN"), services)
    assert not bad.ok and "not a role" in bad.text
    assert access.current_user(services.store, Message(text="", platform="teams", user_id="29:abc")).role == "lead"


def test_a_user_is_given_country_projects_in_their_own_spelling_and_never_a_misspelt_one(lite_services):
    services = lite_services
    access.add_user(services.store, "slack:UADMIN", "admin", [], actor="test")
    teams = Message(text="", platform="teams", user_id="29:abc")
    bad = route(slack("admin users add teams:29:abc staff Thialand", user="UADMIN"), services)
    assert not bad.ok and "did you mean Thailand?" in bad.text and access.current_user(services.store, teams).role == "guest"
    ok = route(slack("admin users add teams:29:abc staff thailand lao pdr", user="UADMIN"), services)
    assert ok.ok and set(access.current_user(services.store, teams).countries) == {"Thailand", "Lao PDR"}, ok.text


def test_the_command_line_refuses_a_misspelt_country_project_too(settings):
    from click.testing import CliRunner

    from bot.cli.main import main

    bad = CliRunner().invoke(main, ["users", "add", "slack:U2", "staff", "Thialand"])
    assert bad.exit_code == 1 and "did you mean Thailand?" in bad.output
    ok = CliRunner().invoke(main, ["users", "add", "slack:U2", "lead", "Lao", "PDR", "Nepal"])
    assert ok.exit_code == 0 and "lead for Lao PDR, Nepal." in ok.output, ok.output


def test_rate_limit_slows_a_flood_from_one_user_only(lite_services):
    services = lite_services
    from bot.ratelimit import RateLimiter

    now = [0.0]
    services.__dict__["rate_limiter"] = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])
    assert route(slack("help help", user="UA"), services).ok
    assert route(slack("help help", user="UA"), services).ok
    limited = route(slack("help help", user="UA"), services)
    assert not limited.ok and "wait" in limited.text
    assert route(slack("help help", user="UB"), services).ok
    now[0] += 10.0
    assert route(slack("help help", user="UA"), services).ok
