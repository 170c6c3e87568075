"""`feedback`: votes from the answer buttons are recorded once per person and answer; curators get a report."""

from __future__ import annotations

from records import access
from bot.message import Message
from bot.router import route


def vote(services, v, query="how do I frame this", source="framing.md", user="U1", platform="slack"):
    return route(Message(text="", command="feedback", form={"vote": v, "query": query, "source": source},
                         user_id=user, platform=platform, channel_kind="dm"), services)


def rows(store):
    return store.db.conn.execute("SELECT user_id, platform, query, source, vote FROM feedback ORDER BY id").fetchall()


def test_a_vote_is_recorded_by_anyone(services):
    reply = vote(services, -1)
    assert reply.ok and reply.private and "👎" in reply.text
    assert rows(services.store) == [("U1", "slack", "how do I frame this", "framing.md", -1)]
    audit = services.store.db.conn.execute("SELECT action FROM audit_log WHERE table_name = 'feedback'").fetchall()
    assert audit == [("feedback.vote",)]


def test_voting_again_changes_the_vote_instead_of_counting_twice(services):
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
