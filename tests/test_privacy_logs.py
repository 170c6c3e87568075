"""The privacy guard as a user meets it: through `log`, `partner` notes and the log form; nothing is stored."""

import pytest

from registry_support import NOW, dump, say, seed, submit
from test_privacy import ISSUE_15_FORMS


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    return lite_services


@pytest.mark.parametrize("detail", list(ISSUE_15_FORMS))
def test_a_log_with_a_personal_detail_is_refused_and_stores_nothing(svc, detail):
    before = dump(svc.store)
    r = say(svc, f"log Acme Foods meeting today: talked about hiring; {detail}")
    assert not r.ok and "didn't save anything" in r.text and ISSUE_15_FORMS[detail] in r.text, r.text
    assert dump(svc.store) == before


@pytest.mark.parametrize("detail", ["victim Ms. Nguyen Thi Lan, 17", "her LINE id: lan_bkk99"])
def test_a_log_form_with_a_personal_detail_is_refused_and_stores_nothing(svc, detail):
    before = dump(svc.store)
    r = submit(svc, "log", {"partner": "Acme Foods Co.", "kind": "meeting", "date": "today",
                            "summary": f"talked; {detail}"})
    assert not r.ok and "privacy" in r.errors.get("summary", ""), (r.text, r.errors)
    assert dump(svc.store) == before


@pytest.mark.parametrize("line", [
    "log Acme Foods meeting today: agreed terms; cash: 2,000,000 KHR; next: send MoU by 2026-11-20",
    "log Acme Foods meeting today: 3 survivors placed; placed: 3; in-kind: 5000 USD",
    "log Acme Foods call today: Mr. Somchai from HR will host 2 trainings; next: call back by 20/11/2026",
])
def test_ordinary_logs_are_stored(svc, line):
    r = say(svc, line)
    assert r.ok, r.text


@pytest.mark.parametrize("when", ["0001-01-01", "1999-12-31", "3000-01-01"])
def test_an_out_of_range_next_step_date_gets_a_date_message_not_a_privacy_refusal(svc, when):
    count = lambda: svc.store.execute("SELECT COUNT(*) FROM interactions").fetchone()[0]  # noqa: E731
    before = count()
    r = say(svc, f"log Acme Foods meeting today: talked; next: send concept note by {when}")
    assert "I take years from 2000 to 2100" in r.text and "Not saved yet" in r.text, r.text  # kept as a draft
    assert "privacy" not in r.text and "phone" not in r.text
    assert count() == before


def test_a_log_stored_before_the_guard_learnt_a_detail_is_shown_masked(svc, tmp_path):
    # "survivor Mai" was let through until session 11: such a log may sit in a database; wherever staff read it
    # (the card, the log history, the digest, the Slack home) the name is masked
    from adapters.slack.home import home_view
    from indicators.digest import compose_digest

    from records import access

    access.add_user(svc.store, "slack:U1", "staff", ["Thailand"], actor="t")
    assert say(svc, "log Acme Foods meeting today: talked; next: call back by Friday", user_id="U1",
               platform="slack").ok
    svc.store.execute("UPDATE interactions SET summary = 'survivor Mai started in the kitchen', "
                      "next_step = 'ask survivor Mai how it goes'")
    card = say(svc, "partner Acme Foods").as_text()
    history = say(svc, "log history Acme Foods").as_text()
    digest = compose_digest(svc.store, tmp_path, NOW).as_text()
    home = str(home_view(svc, "U1"))
    for shown in (card, history, digest, home):
        assert "Mai" not in shown and "[survivor's name]" in shown, shown
