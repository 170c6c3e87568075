import json

import pytest
from registry_support import dump, say, seed, submit

from bot.reply import Form
from records import diligence

ALL_LOW = "csr: yes; financial: stable; reputation: none; lawsuits: none; supply chain: none; conflict: no"


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    return lite_services


def test_no_answers_returns_the_checklist_form(svc):
    r = say(svc, "diligence acme foods")
    assert r.ok and isinstance(r.form, Form) and r.form.command == "diligence"
    names = [f.name for f in r.form.fields]
    assert names[0] == "partner" and r.form.fields[0].initial == "Acme Foods Co."
    assert {q.key for q in diligence.CHECKLIST} <= set(names)
    assert "Rating rule" in r.text


def test_form_submission_stores_answers_rating_reviewer_and_date(svc):
    form = {"partner": "Acme Foods Co.", "csr": "yes", "financial": "uncertain", "reputation": "none",
            "lawsuits": "none", "supply_chain": "none", "conflict": "no", "rating": "", "notes": "annual report"}
    r = submit(svc, "diligence", form)
    assert r.ok, (r.text, r.errors)
    assert {f.label for f in r.facts} >= {"CSR", "Supply chain", "Financial"}
    row = svc.store.execute("SELECT answers, risk_rating, reviewer, reviewed_on FROM diligence").fetchone()
    answers = json.loads(row[0])
    assert answers["financial"] == "uncertain" and answers["notes"] == "annual report"
    assert row[1:] == ("medium", "console:amara", "2026-11-18")
    card = say(svc, "partner acme foods")
    assert {f.label: f.value for f in card.facts}["Due diligence"].startswith("medium risk")
    assert "Last review: medium" in say(svc, "diligence acme foods").text


def test_one_line_answers(svc):
    r = say(svc, "diligence Acme Foods " + ALL_LOW)
    assert r.ok and r.data["risk_rating"] == "low"
    r = say(svc, "dd Acme Foods " + ALL_LOW.replace("lawsuits: none", "lawsuits: current"))
    assert r.ok and r.data["risk_rating"] == "high"


def test_a_review_with_unanswered_items_is_incomplete_not_rated(svc):
    r = say(svc, "dd Acme Foods lawsuits: past; csr: yes")
    assert r.ok and r.data["risk_rating"] == "incomplete", r.text
    assert r.data["missing"] == ["financial", "reputation", "supply_chain", "conflict"]
    assert "incomplete" in r.text and "financial, reputation, supply chain, conflict" in r.text  # as people write them
    stored = svc.store.execute("SELECT risk_rating, missing FROM diligence").fetchone()
    assert stored == ("incomplete", '["financial", "reputation", "supply_chain", "conflict"]')
    card = say(svc, "partner acme foods")
    assert {f.label: f.value for f in card.facts}["Due diligence"].startswith("incomplete (missing: financial")
    # answering the missing items completes it; only then is there a risk level
    r = say(svc, "dd Acme Foods financial: stable; reputation: none; supply chain: none; conflict: no")
    assert r.ok and r.data["risk_rating"] == "medium" and not r.data["missing"], r.text  # a past lawsuit: medium


@pytest.mark.parametrize("line,allowed", [
    ("dd Acme Foods csr: probably", "yes, partly, no, unknown"),
    ("dd Acme Foods financial: ok", "stable, uncertain, weak, unknown"),
    ("dd Acme Foods " + ALL_LOW + "; rating: severe", "low, medium or high"),
    ("dd Acme Foods lawsuits: none; rating: high", "every item answered"),
])
def test_unknown_ratings_are_refused_with_the_allowed_values(svc, line, allowed):
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and allowed in r.text, r.text
    assert dump(svc.store) == before


@pytest.mark.parametrize("line,words", [
    ("diligence", "Which partner"),
    ("diligence Zeta", "don't know a partner"),
    ("diligence acme", "more than one partner"),
    ("diligence Acme Foods csr: maybe", "answer one of"),
    ("diligence Acme Foods colour: blue", "colour"),
    ("diligence Acme Foods " + ALL_LOW.replace("supply chain: none", "supply chain: some") + "; rating: low",
     "can't record it as low"),
    ("diligence Acme Foods csr: yes; notes: owner's phone 081 234 5678", "personal identifiers"),
    ("diligence '; DROP TABLE partners;-- csr: yes", "checklist item"),
    ("diligence ' OR 1=1 --", "don't know a partner"),
])
def test_bad_diligence_input_changes_nothing(svc, line, words):
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and words in r.text, r.text
    assert dump(svc.store) == before


def test_bad_form_submission_marks_fields(svc):
    before = dump(svc.store)
    r = submit(svc, "diligence", {"partner": "Acme Foods Co.", "csr": "perhaps", "lawsuits": "lots"})
    assert not r.ok and set(r.errors) == {"csr", "lawsuits"}
    r = submit(svc, "diligence", {"partner": "Nobody", "csr": "yes"})
    assert not r.ok and "partner" in r.errors
    assert dump(svc.store) == before
