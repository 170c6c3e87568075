"""`frame`: flags wording companies find alarming, explains it, rewords the draft, adds the business case and
cites the framing guidance."""

from __future__ import annotations

import re

import intents
from bot.message import Message
from bot.router import route
from knowledge.framing import check, load_rules

DRAFT = """Dear Ms Srisuk,

I am writing from the USAID CTIP project in Bangkok. We would like to work with Siam Ocean Foods to eliminate \
human trafficking and forced labour from your supply chain. Our research shows that many victims of trafficking \
end up on fishing vessels, and we would like to audit your suppliers and investigate any abuse in your supply \
chain. Trafficking is a serious crime, and companies found using slave labour can be prosecuted.

Could we meet next week?

Best regards,
Dara"""


def frame(services, text):
    return route(Message(text="frame " + text if text else "frame"), services)


def test_frame_is_a_registered_command():
    assert intents.resolve("frame") == "frame"
    intent = intents.load("frame")
    assert intent.access == "guest" and "frame" in intent.usage.lower()


def test_a_realistic_draft_is_flagged_explained_and_reworded(services):
    reply = frame(services, DRAFT)
    assert reply.ok and reply.private
    flagged = {f["term"] for f in reply.data["flags"]}
    assert {"trafficking", "forced_labour", "supply_chain_abuse", "scrutiny", "slavery", "reporting"} <= flagged
    assert "victims" not in flagged  # "victims of trafficking" is one phrase, counted under trafficking
    trafficking = next(f for f in reply.data["flags"] if f["term"] == "trafficking")
    assert trafficking["count"] == 4
    assert "safe migration" in trafficking["alternatives"]

    # Each flag is explained with a reason and alternatives in the text.
    assert "you wrote “CTIP”, “human trafficking”, “victims of trafficking”, “Trafficking” (4×)" in reply.text
    assert "Try instead: safe migration" in reply.text
    assert "customers, investors and shareholders" in reply.text  # the why

    reworded = reply.data["reworded"]
    for word in ("trafficking", "forced labour", "victims", "slave", "investigate", "audit", "prosecuted", "CTIP"):
        assert word.lower() not in reworded.lower(), word
    assert "promote safe migration and decent work across your supply chain" in reworded
    assert "Dear Ms Srisuk," in reworded and "Could we meet next week?" in reworded and "Dara" in reworded
    assert reply.data["dropped"] == ["Trafficking is a serious crime, and companies found using slave labour "
                                     "can be prosecuted."]
    # The reworded draft is shown as the user's own (escaped) words, with no `> ` quote marker (issue 18).
    assert ("I am writing from the USAID safe-migration project in Bangkok. We would like to work with Siam "
            "Ocean Foods to promote safe migration") in reply.text
    assert not any(line.startswith(">") for line in reply.text.splitlines())
    assert "explain our reporting duty in person" in reply.text


def test_business_case_points_and_framing_guidance_are_cited(services):
    reply = frame(services, DRAFT)
    for point in ("Legal compliance", "Reputation", "Buyer requirements", "Worker retention"):
        assert f"*{point}*" in reply.text
    assert reply.passages, "the framing guidance should be cited"
    assert all(p.source == "corpus/framing-and-business-case.md" for p in reply.passages)
    sections = {p.section for p in reply.passages}
    assert any("instead" in s.lower() or "trafficking" in s.lower() for s in sections), sections
    assert any("business case" in s.lower() for s in sections), sections
    assert all(p.highlight and p.highlight in p.text for p in reply.passages)
    assert reply.data["citations"] == [p.source for p in reply.passages]
    assert "source: corpus/framing-and-business-case.md" in reply.as_text()


def test_a_clean_draft_gets_a_positive_note_and_the_business_case(services):
    reply = frame(services, "Dear Mr Lee, we support seafood exporters to strengthen responsible recruitment and "
                            "keep crews safe and connected. Could we explore a small pilot with your team?")
    assert reply.ok
    assert reply.data["flags"] == []
    assert reply.text.startswith("Nothing in this draft is likely to alarm a company")
    assert "Reworded draft" not in reply.text
    assert "*Legal compliance*" in reply.text
    assert reply.passages and reply.passages[0].source == "corpus/framing-and-business-case.md"


def test_empty_text_gets_usage_and_changes_nothing(services):
    reply = frame(services, "")
    assert not reply.ok and reply.private
    assert "frame Dear" in reply.text


# ------------------------------------------------------------------------------------- the term matcher

def test_variants_and_spellings_are_recognised():
    result = check("Forced labor, bonded labour, modern slavery, child labourers, exploited migrants and "
                   "anti-trafficking work; traffickers prey on trafficked women.")
    found = {f.term.id: f.found for f in result.flags}
    assert found["forced_labour"] == ["Forced labor", "bonded labour"]
    assert found["slavery"] == ["modern slavery"]
    assert found["child_labour"] == ["child labourers"]
    assert found["exploitation"] == ["exploited"]
    assert set(found["trafficking"]) == {"anti-trafficking", "traffickers", "trafficked women"}


def test_tip_is_flagged_only_as_an_acronym():
    assert check("A quick tip: tipping is not expected.").clean
    flagged = check("Our TIP programme and the CTIP team").flags
    assert flagged and flagged[0].found == ["TIP", "CTIP"]


def test_words_inside_other_words_are_not_flagged():
    assert check("The victimless paperwork is done; our exploration of new markets and a slavish copy.").clean
    assert check("A tiptoe through the TIPS list").clean


def test_opposing_verbs_turn_into_promoting_the_positive():
    out = check("Together we can end child labour and exploitation in your factories. "
                "We are fighting trafficking.").reworded
    assert "Together we can promote protection of young workers and fair treatment of workers across your " \
           "factories." in out
    assert "We are promoting safe migration." in out


def test_capitalisation_follows_the_original():
    out = check("Trafficking harms business. Victims need support.").reworded
    assert out.startswith("Unsafe migration harms business. People affected need support.")


def test_the_article_before_a_replacement_follows_it_and_others_are_left_alone():
    assert check("We are an anti-trafficking NGO.").reworded == "We are a safe-migration NGO."
    assert check("A trafficking case took an hour.").reworded == "An unsafe migration case took an hour."
    assert "\x00" not in check("a\x00 trafficking case").reworded


def test_the_term_list_is_editable_data(tmp_path):
    custom = tmp_path / "terms.yml"
    custom.write_text(
        "terms:\n"
        "  - id: raid\n    label: raid\n    why: Sounds like enforcement.\n    alternatives: [visit]\n"
        "    variants:\n      - {pattern: 'raids?', replace: visit}\n"
        "business_case: []\n", encoding="utf-8")
    rules = load_rules(custom)
    result = check("We plan a raid on the site.", rules)
    assert [f.term.id for f in result.flags] == ["raid"]
    assert result.reworded == "We plan a visit on the site."
    assert check("Trafficking is bad.", rules).clean


def test_every_default_pattern_compiles_and_has_an_explanation():
    rules = load_rules()
    assert len(rules.terms) >= 8
    for term in rules.terms:
        assert term.why and term.alternatives, term.id
        for v in term.variants:
            re.compile(v.pattern)
    assert {p.id for p in rules.business_case} >= {"legal", "reputation", "buyers", "retention"}


def test_a_broken_terms_file_gives_a_clear_message(services, monkeypatch, tmp_path):
    import knowledge.framing as framing

    broken = tmp_path / "terms.yml"
    broken.write_text("terms: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(framing, "TERMS_FILE", broken)
    reply = frame(services, "Dear Sir, about trafficking")
    assert not reply.ok
    assert "not valid YAML" in reply.text and "Ask your admin" in reply.text
