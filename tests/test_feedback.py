"""`feedback`: votes from the answer buttons are recorded once per person and answer; curators get a report."""

from __future__ import annotations

import pytest

from records import access
from bot.message import Message
from bot.router import route
from registry_support import dump
from records.privacy import find_identifiers, normalise
from test_privacy import ISSUE_15_FORMS


def vote(services, v, query="how do I frame this", source="framing.md", user="U1", platform="slack"):
    return route(Message(text="", command="feedback", form={"vote": v, "query": query, "source": source},
                         user_id=user, platform=platform, channel_kind="dm"), services)


def rows(store):
    return store.execute("SELECT user_id, platform, query, source, vote FROM feedback ORDER BY id").fetchall()


def staff(services, *users):
    for u in users:
        access.add_user(services.store, f"slack:{u}", "staff", ["Thailand"], actor="test")


def test_a_vote_is_recorded_by_anyone_but_a_guest_s_question_is_not_kept(services):
    reply = vote(services, -1)
    assert reply.ok and reply.private and "👎" in reply.text
    assert rows(services.store) == [("U1", "slack", "", "framing.md", -1)]
    audit = services.store.execute("SELECT action FROM audit_log WHERE table_name = 'feedback'").fetchall()
    assert audit == [("feedback.vote",)]


def test_voting_again_changes_the_vote_instead_of_counting_twice(services):
    staff(services, "U1")
    vote(services, 1)
    again = vote(services, 1)
    assert "already" in again.text
    changed = vote(services, -1)
    assert "changed" in changed.text
    assert rows(services.store) == [("U1", "slack", "how do I frame this", "framing.md", -1)]
    vote(services, 1, user="U2")
    assert len(rows(services.store)) == 2


def test_a_bad_vote_changes_nothing(services):
    for bad in ({"vote": 5, "query": "q"}, {"vote": "up", "query": "q"}, {"vote": 1}):
        reply = route(Message(text="", command="feedback", form=bad, user_id="U1", platform="slack"), services)
        assert not reply.ok and "nothing was recorded" in reply.text
    assert rows(services.store) == []


def test_plain_feedback_explains_the_buttons(services):
    reply = route(Message(text="feedback", user_id="U1", platform="slack"), services)
    assert not reply.ok and "buttons" in reply.text and "feedback report" in reply.text


def test_report_ranks_down_voted_sources_and_is_for_leads(services):
    staff(services, "U1", "U2", "U3", "U4")
    vote(services, -1, source="a.md", user="U1")
    vote(services, -1, source="a.md", user="U2", query="other question")
    vote(services, -1, source="b.md", user="U3")
    vote(services, 1, source="b.md", user="U4", query="fine")
    guest = route(Message(text="feedback report", user_id="U9", platform="slack"), services)
    assert not guest.ok and "lead" in guest.text
    access.add_user(services.store, "slack:U9", "lead", ["Thailand"], actor="test")
    reply = route(Message(text="feedback report", user_id="U9", platform="slack", channel_kind="dm"), services)
    assert reply.ok and reply.private
    assert reply.data["sources"][0] == ["a.md", 2, 0]
    assert reply.data["sources"][1] == ["b.md", 1, 1]
    assert "3 👎" in reply.text and "1 👍" in reply.text
    assert "how do I frame this" in reply.text


def test_report_days_must_be_a_number(services):
    reply = route(Message(text="feedback report soon", user_id="me"), services)  # console user is admin
    assert not reply.ok and "feedback report 30" in reply.text
    empty = route(Message(text="feedback report 7", user_id="me"), services)
    assert empty.ok and "No votes" in empty.text


def test_a_staff_question_is_kept_as_asked_when_it_holds_nothing_personal(services):
    staff(services, "U1")
    reply = vote(services, -1, query="how do I approach a seafood company about 3 survivors?")
    assert reply.ok and "personal" not in reply.text
    assert rows(services.store)[0][2] == "how do I approach a seafood company about 3 survivors?"


@pytest.mark.parametrize("detail", list(ISSUE_15_FORMS))
def test_a_staff_question_with_a_personal_detail_is_kept_only_masked(services, detail):
    staff(services, "U1")
    reply = vote(services, -1, query=f"what do I do for {detail}")
    assert reply.ok and "without the personal details" in reply.text
    kept = rows(services.store)[0][2]
    assert kept.startswith("what do I do for ") and "[" + ISSUE_15_FORMS[detail] in kept, kept
    database = dump(services.store)
    clean = normalise(detail)
    secrets = [clean[f.start:f.end] for f in find_identifiers(detail)]
    for secret in [s for s in secrets if len(s) >= 4] + [detail]:
        assert secret not in database, secret


@pytest.mark.parametrize("detail", list(ISSUE_15_FORMS)[:8])
def test_a_guest_question_is_never_kept_not_even_masked(services, detail):
    reply = vote(services, -1, query=f"help with {detail}", user="G1")
    assert reply.ok
    assert rows(services.store) == [("G1", "slack", "", "framing.md", -1)]
    assert "help with" not in dump(services.store)


def test_a_guest_vote_without_a_source_stores_nothing(services):
    before = dump(services.store)
    reply = vote(services, -1, query="how do I log", source="", user="G1")
    assert not reply.ok and "Nothing was stored" in reply.text
    assert dump(services.store) == before


def test_a_bad_vote_changes_nothing_at_all(services):
    staff(services, "U1")
    before = dump(services.store)
    for bad in ({"vote": 0, "query": "q", "source": "s"}, {"vote": None, "query": "q"}, {"vote": -1}):
        reply = route(Message(text="", command="feedback", form=bad, user_id="U1", platform="slack"), services)
        assert not reply.ok
    assert dump(services.store) == before


def test_the_report_masks_personal_details_in_rows_stored_before_the_guard(services):
    c = services.store
    for user, q in (("U1", "victim Ms. Nguyen Thi Lan, 17 needs a job"), ("U2", "call 081 234 5678 about jobs"),
                    ("U3", "call 089 999 1234 about jobs")):
        c.execute("INSERT INTO feedback (at, user_id, platform, query, source, vote) VALUES "
                  "('2099-01-01T00:00:00+00:00', ?, 'slack', ?, 'mail: lan@example.org', -1)", (user, q))
    reply = route(Message(text="feedback report", user_id="me"), services)  # console user is admin
    assert reply.ok
    for secret in ("Nguyen", "Thi Lan", "17", "081 234", "089 999", "lan@example.org"):
        assert secret not in reply.text, secret
    assert "[phone number] about jobs” — 2 👎" in reply.text  # two masked questions count together
    assert "victim [survivor's name], [survivor's age] needs a job" in reply.text
