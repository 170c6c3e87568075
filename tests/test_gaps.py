"""The curators' gaps report (`kb gaps`): unanswered and 👎 questions grouped by topic with the real model.

The fixture tests/data/gaps_questions.jsonl holds 200 questions: 167 from staff in seven PSE topics plus two
tiny ones, some with phone numbers or email addresses, and 33 from guests. Each row says who asked
(`role`), why it is a gap (`reason`), how many days ago, and the topic a person would file it under.
"""

from __future__ import annotations

import collections
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.message import Message
from bot.router import route
from intents import gaps_note
from knowledge import gaps
from records import access

DATA = Path(__file__).parent / "data" / "gaps_questions.jsonl"
ROWS = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
BIG_TOPICS = ("framing", "due_diligence", "survivor_employment", "logging", "per_diem", "funding", "ndas")
CONTACT = re.compile(r"\+?\d[\d ]{6,}\d|[\w.]+@[\w.-]+")  # phone numbers and email addresses as written in the fixture
CONTACTS = {m.group(0).strip() for r in ROWS for m in CONTACT.finditer(r["question"])}


def _slack(text: str, user: str = "ULEAD") -> Message:
    return Message(text=text, user_id=user, platform="slack", channel_id="D1", channel_kind="dm")


@pytest.fixture
def filled(services):
    """Every fixture question offered to the store through the same rules as ask and feedback use."""
    now = datetime.now(timezone.utc)
    kept = 0
    for r in ROWS:
        msg = Message(text=r["question"], user_id="U" + str(hash(r["question"]) % 10_000), platform="slack",
                      role=r["role"])
        at = (now - timedelta(days=r["days_ago"])).isoformat(timespec="seconds")
        kept += gaps_note.keep(msg, services.store, r["question"], r["reason"], asked_at=at)
    access.add_user(services.store, "slack:ULEAD", "lead", ["Thailand"], actor="test")
    return kept


def _stored(services) -> list[str]:
    return [r[0] for r in services.store.execute("SELECT question FROM questions_unanswered")]


def test_fixture_is_two_hundred_questions_in_my_topics():
    assert len(ROWS) == 200
    counts = collections.Counter(r["topic"] for r in ROWS)
    assert counts["guest"] == 33 and all(counts[t] >= 16 for t in BIG_TOPICS)
    assert sum(1 for r in ROWS if CONTACT.search(r["question"])) >= 10


def test_guests_are_never_kept_and_personal_details_are_masked_before_storing(services, filled):
    staff = [r for r in ROWS if r["role"] == "staff"]
    assert filled == len(staff)
    stored = _stored(services)
    guest_texts = {r["question"] for r in ROWS if r["role"] == "guest"}
    assert not guest_texts & set(stored)
    assert not [q for q in stored if CONTACT.search(q)]
    assert any("[phone number]" in q for q in stored) and any("[email address]" in q for q in stored)


def test_gaps_report_groups_by_topic_names_by_the_typical_question_and_hides_small_groups(services, filled):
    reply = route(_slack("kb gaps"), services)
    assert reply.ok, reply.text
    text = reply.as_text()
    groups = reply.data["groups"]
    assert sum(g["count"] for g in groups) == filled
    topic_of = {r["question"]: r["topic"] for r in ROWS}
    shown = [g for g in groups if g["question"] is not None]
    hidden = [g for g in groups if g["question"] is None]
    assert all(g["count"] >= 3 for g in shown) and all(g["count"] < 3 for g in hidden)
    # Named by a real question of the group's main topic; the biggest topics come first.
    named_topics = [topic_of.get(g["question"]) for g in shown]
    for topic in ("survivor_employment", "logging", "funding", "ndas", "per_diem", "framing"):
        assert topic in named_topics, (topic, named_topics)
    big = {t: max((g["count"] for g, nt in zip(shown, named_topics) if nt == t), default=0) for t in BIG_TOPICS}
    for topic in ("survivor_employment", "logging", "funding", "ndas"):
        assert big[topic] >= 0.6 * sum(1 for r in ROWS if r["topic"] == topic and r["role"] == "staff"), big
    assert big["due_diligence"] >= 3  # overlaps with framing (both about approaching a company), still found
    assert shown[0]["count"] >= shown[-1]["count"]
    # Small groups: a count only. The lone and paired questions never show, nor any guest's words.
    for r in ROWS:
        if r["topic"] in ("translation", "wifi") or r["role"] == "guest":
            assert r["question"] not in text
    assert not [c for c in CONTACTS if c in text or c in json.dumps(reply.data, ensure_ascii=False)]
    assert f"{sum(g['count'] for g in hidden)} other questions fall in {len(hidden)} smaller topics" in text
    # Dates: the last time each topic was asked, as a date.
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", g["last_asked"]) for g in groups)


def test_cluster_merges_paraphrases_and_keeps_topics_apart(bundled_kb):
    questions = ["How do I claim my taxi fare after a partner visit?", "How are travel costs reimbursed?",
                 "What is the daily allowance on a field trip?",
                 "How do I keep a survivor's past private from new co-workers?",
                 "How do we protect the confidentiality of a placed survivor at work?",
                 "Can co-workers be told about a survivor's history?"]
    vecs = bundled_kb.embedder.embed(questions)
    groups = gaps.cluster(vecs)
    assert sorted(sorted(g) for g in groups) == [[0, 1, 2], [3, 4, 5]]
    assert gaps.medoid(vecs, [0, 1, 2]) in (0, 1, 2)


def test_ask_keeps_not_sure_questions_of_staff_but_not_of_guests(services):
    access.add_user(services.store, "slack:USTAFF", "staff", ["Nepal"], actor="test")
    assert not route(_slack("what is the per diem rate for a trip to Pokhara?", "USTAFF"), services).data["answered"]
    assert not route(_slack("what is the per diem rate for a trip to Butwal?", "UGUEST"), services).data["answered"]
    answered = route(_slack("how do I check a company before partnering?", "USTAFF"), services)
    assert answered.data["answered"]
    rows = services.store.execute("SELECT platform, question, reason FROM questions_unanswered").fetchall()
    assert rows == [("slack", "what is the per diem rate for a trip to Pokhara?", "not_sure")]


def test_a_down_vote_keeps_the_question_masked_and_a_guest_vote_keeps_none(services):
    access.add_user(services.store, "slack:USTAFF", "staff", ["Nepal"], actor="test")
    form = {"vote": -1, "query": "can I text the employer on 081 234 5678 about a survivor job?",
            "source": "corpus/survivor-employment-playbook.md"}
    for user in ("USTAFF", "UGUEST"):
        msg = Message(text="", user_id=user, platform="slack", command="feedback", form=form)
        assert route(msg, services).ok
    up = Message(text="", user_id="USTAFF", platform="slack", command="feedback", form=form | {"vote": 1,
                 "query": "how do I place a survivor?"})
    assert route(up, services).ok
    rows = services.store.execute("SELECT question, reason FROM questions_unanswered").fetchall()
    assert rows == [("can I text the employer on [phone number] about a survivor job?", "down_vote")]


def test_gaps_report_is_for_leads_and_admins_and_checks_its_days(services, filled):
    access.add_user(services.store, "slack:USTAFF", "staff", ["Nepal"], actor="test")
    refused = route(_slack("kb gaps", "USTAFF"), services)
    assert not refused.ok and "lead" in refused.text
    bad = route(_slack("kb gaps soon"), services)
    assert not bad.ok and "kb gaps 30" in bad.text
    recent = route(_slack("kb gaps 7"), services)
    assert recent.ok and 0 < sum(g["count"] for g in recent.data["groups"]) < filled


def test_an_empty_gaps_report_says_so(services):
    access.add_user(services.store, "slack:ULEAD", "lead", ["Thailand"], actor="test")
    reply = route(_slack("kb gaps"), services)
    assert reply.ok and "Nothing to fill in yet" in reply.text
