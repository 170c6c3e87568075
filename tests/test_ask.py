import json
from datetime import date

import pytest

from bot.message import Message
from intents import ask
from records import names
from records.partner_edits import add_partner


def _ask(services, text):
    return ask.handle(Message(text=text, command="ask"), services)


def test_on_topic_question_gets_cited_passages_with_a_highlight_and_feedback_buttons(services):
    reply = _ask(services, "how do I frame this for a company?")
    assert reply.ok and reply.data["answered"] is True
    assert 1 <= len(reply.passages) <= ask.answerability.MAX_SHOWN
    top = reply.passages[0]
    assert top.source == "corpus/framing-and-business-case.md"
    assert top.highlight and top.highlight in top.text
    assert all(p.source and p.title for p in reply.passages)
    assert f"»{top.highlight}«" in reply.as_text()  # the terminal shows no markup characters
    votes = [json.loads(b.value) for b in reply.buttons if b.action == "feedback"]
    assert [v["vote"] for v in votes] == [1, -1]
    assert votes[0]["source"] == top.source and votes[0]["query"] == "how do I frame this for a company?"


@pytest.mark.parametrize("question, source", [
    ("what should we check about a company before a partnership?", "corpus/due-diligence-checklist.md"),
    ("what do I do if I find forced labour in a partner's supply chain?", "corpus/supply-chain-abuse-escalation.md"),
])
def test_answers_come_from_the_matching_guidance(services, question, source):
    reply = _ask(services, question)
    assert reply.data["answered"] and source in [p.source for p in reply.passages]


@pytest.mark.parametrize("question", [
    "A broker is holding a worker's passport. What do I do?",
    "a recruiter has taken a worker's passport, what should I do?",
])
def test_an_escalation_question_gets_the_steps_first_not_the_exercise(services, question):
    reply = _ask(services, question)
    first = reply.passages[0]
    assert reply.data["answered"] and first.source == "corpus/supply-chain-abuse-escalation.md", reply.as_text()
    assert first.section.startswith("What to do") and "Safety first" in first.text


def test_how_quickly_to_escalate_leads_with_the_steps_and_their_example_timing(services):
    # it led with the framing page's word table before the steps said "escalate" (session 11)
    reply = _ask(services, "how quickly must we escalate a case of forced labour?")
    first = reply.passages[0]
    assert reply.data["answered"] and first.source == "corpus/supply-chain-abuse-escalation.md", reply.as_text()
    assert "within 24 hours" in reply.as_text() and "Example to adapt" in reply.as_text()


@pytest.mark.parametrize("question", ["who do I escalate forced labour to?", "who do I report trafficking to?"])
def test_who_to_escalate_to_is_answered_by_a_passage_that_names_them(services, question):
    # the framing page's word table led, and the steps came fifth (sessions 11-12)
    reply = _ask(services, question)
    first = reply.passages[0]
    assert reply.data["answered"] and first.source == "corpus/supply-chain-abuse-escalation.md", reply.as_text()
    assert "line manager" in first.text and "safeguarding focal point" in first.text


@pytest.mark.parametrize("question", ["the company has gone quiet, what now?", "how do I know a partnership is stalling?"])
def test_a_partner_gone_quiet_is_answered_by_the_signs_of_stalling(services, question):
    # a funding passage ("when budgets are cut") and the indicator handbook's durability led (session 14)
    reply = _ask(services, question)
    first = reply.passages[0]
    assert reply.data["answered"] and first.section == "Signs a partnership is stalling", reply.as_text()
    assert "call your lead" in first.text


@pytest.mark.parametrize("question", ["banana bread recipe", "who won the football match",
                                      "what is the capital of Australia", "how do I reset my laptop password"])
def test_off_topic_question_gets_no_passage_and_a_way_forward(services, question):
    reply = _ask(services, question)
    assert reply.data["answered"] is False and reply.passages == [] and reply.buttons == []
    assert "couldn't find anything in the PSE guidance" in reply.text
    assert "rephras" in reply.text and "help" in reply.text


def _asked_by(services, text, role="staff", countries=("Thailand",), channel_kind="im"):
    return ask.handle(Message(text=text, command="ask", platform="slack", user_id="U1", channel_kind=channel_kind,
                              role=role, countries=countries), services)


def test_a_question_about_a_partner_the_guidance_cannot_answer_points_to_its_records(services):
    add_partner(services.store, "Acme Foods", actor="t", today=date(2026, 11, 2), country="Thailand")
    add_partner(services.store, "Secret Seafood", actor="t", today=date(2026, 11, 2), country="Thailand",
                confidential=True)
    add_partner(services.store, "Nepal Knits", actor="t", today=date(2026, 11, 2), country="Nepal")
    reply = _asked_by(services, "what did we agree with acme foods last month?")
    assert not reply.data["answered"]
    assert "Acme Foods is in your partner registry: `/pse partner Acme Foods`" in reply.text
    assert "`/pse log history Acme Foods`" in reply.text
    # a confidential partner is named in a direct message, never in a channel; another project's partner never
    in_dm = _asked_by(services, "what did we agree with Secret Seafood?").text
    assert "Secret Seafood is in your partner registry" in in_dm
    assert "registry" not in _asked_by(services, "what did we agree with Secret Seafood?", channel_kind="channel").text
    assert "registry" not in _asked_by(services, "what did we agree with Nepal Knits?").text
    assert "registry" not in _asked_by(services, "what did we agree with Acme Foods?", role="guest", countries=()).text


def test_partners_are_found_in_a_sentence_by_name_or_alias_longest_first(store):
    acme = add_partner(store, "Acme Foods Co., Ltd.", actor="t", today=date(2026, 11, 2), country="Thailand")
    add_partner(store, "Acme", actor="t", today=date(2026, 11, 2), country="Thailand")
    assert [p.id for p in names.partners_named_in("did Acme Foods sign?", store)] == [acme.id]
    assert [p.name for p in names.partners_named_in("acme and ACME FOODS", store)] == ["Acme", "Acme Foods Co., Ltd."]
    assert names.partners_named_in("a meal with friends", store) == []


def test_a_question_in_another_script_is_told_that_english_finds_more(services):
    reply = _ask(services, "ฉันจะเสนอเรื่องนี้กับบริษัทอย่างไร")
    assert not reply.data["answered"] and "English language model" in reply.text
    assert "English" not in _ask(services, "banana bread recipe").text


def test_a_survivors_details_are_left_out_of_the_search_and_the_reply(services):
    reply = _ask(services, "what do I do about survivor Nguyen Thi Mai, phone 081 234 5678, who lost her job at "
                           "her workplace?")
    assert reply.data["answered"] and reply.passages[0].source == "corpus/survivor-employment-playbook.md"
    assert "I left the personal details out of your question (survivor's name, phone number)" in reply.text
    shown = reply.as_text() + json.dumps(reply.data) + " ".join(b.value for b in reply.buttons)
    assert "Nguyen" not in shown and "234" not in shown
    bare = _ask(services, "081 234 5678")
    assert not bare.ok and "Ask your question in words" in bare.text and "234" not in bare.text


def test_empty_question_gets_usage(services):
    reply = _ask(services, "   ")
    assert not reply.ok and "ask how do I frame" in reply.text and "help" in reply.text


def test_best_sentences_picks_the_sentence_closest_to_the_question(bundled_kb):
    text = "Bring a pilot idea.\n\nNever sign a non-disclosure agreement without the legal team reading it first."
    [hl] = ask.best_sentences(bundled_kb.embedder, "who must review an NDA before signing?", [text])
    assert hl.startswith("Never sign a non-disclosure agreement")


def test_each_passage_names_its_collection_and_an_example_says_it_is_not_policy(services):
    reply = _ask(services, "what do I do if I find forced labour in a partner's supply chain?")
    example = [p for p in reply.passages if p.source == "corpus/supply-chain-abuse-escalation.md"]
    assert example and all(p.status == "example" for p in example)  # front matter `status: example`
    assert all(p.collection == "bundled guidance" for p in reply.passages)
    assert "note: Example to adapt, not policy" in reply.as_text()
    settled = _ask(services, "what should we check about a company before a partnership?")
    checklist = [p for p in settled.passages if p.source == "corpus/due-diligence-checklist.md"]
    assert checklist and all(p.status == "" and not p.status_note() for p in checklist)
    assert "note:" not in settled.as_text()


@pytest.fixture
def own_kb(store, settings, tmp_path, bundled_kb):
    """Services over a tiny bundled note and one document of the organisation's own (a fresh index)."""
    from bot.app import Services
    from knowledge.base import KnowledgeBase

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bravo.md").write_text("# Bravo note\n\nCold storage warehouses in the port keep shrimp frozen "
                                     "before export.\n")
    ours = tmp_path / "ours" / "hotel-guide.md"
    ours.parent.mkdir()
    ours.write_text("# Our hotel guide\n\nWhen you first meet a hotel chain, listen to what the hotel needs "
                    "before you describe the programme and its partnership offer.\n")
    kb = KnowledgeBase.open(store, settings.index_dir, embedder=bundled_kb.embedder, corpus_dir=corpus)
    assert kb.ingest([ours]).ok
    yield Services(settings, knowledge=kb, store=store)
    kb.close()


def test_with_the_bundled_guidance_off_answers_come_from_your_documents_only(own_kb):
    own_kb.knowledge.set_bundled(enabled=False)
    reply = _ask(own_kb, "how should I start a first meeting with a hotel chain?")
    assert reply.data["answered"] and [p.collection for p in reply.passages] == ["your documents"]
    assert "your documents · version" in reply.as_text()
    missed = _ask(own_kb, "where is shrimp kept frozen before export?")  # only the bundled note says
    assert missed.data["answered"] is False and not missed.passages
    assert "The bundled PSE guidance is switched off, so I only looked in your own documents" in missed.text
    own_kb.knowledge.set_bundled(enabled=True)
    back = _ask(own_kb, "where is shrimp kept frozen before export?")
    assert back.data["answered"] and back.passages[0].source == "corpus/bravo.md"
