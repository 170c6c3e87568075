"""The guards of knowledge/answerability.py: names, amounts, dates, contact details and people the question asks
for must be in a passage about to be shown; and which passages are shown."""

from dataclasses import dataclass

import pytest

from knowledge import answerability as a


@pytest.mark.parametrize("question, passages, missing", [
    ("How much did Mars Petcare give?", ["The pilot was funded by a pet-food maker."], ["Mars", "Petcare"]),
    ("Why is it hard to find partners in Laos?", ["In Lao PDR there are few multinationals."], []),
    ("Which Thai firms joined?", ["Thailand has many multinationals."], []),
    ("When does the Kazakhstan project close?", ["Projects run five years."], ["Kazakhstan"]),
    ("What does PSE-7b measure?", ["Indicators measure actions."], []),  # a code: the specifics guard's job
])
def test_names_in_the_question_must_be_in_a_passage(question, passages, missing):
    assert a.missing_names(question, passages) == missing


@pytest.mark.parametrize("question, passages, kind", [
    ("How much is the daily allowance?", ["Ask your finance officer."], "money"),
    ("How much is the daily allowance?", ["Staff get US$ 25 a day in the field."], ""),
    ("What salary do placed survivors earn?", ["Placements were in 2021 and 2022; see note 4."], "money"),
    ("What salary do placed survivors earn?", ["Most earn 9,000 baht a month."], ""),
    ("How much did the company donate last year?", ["It donated 5% of its profits."], ""),
    ("How much did the company donate last year?", ["Reports add up US-dollar amounts."], "money"),
    ("What is the agreed rate for interpreters per hour?", ["Interpreters cost 40 an hour."], ""),
    ("What is the agreed rate for interpreters per hour?", ["Staff give 100 per cent of their work time."], "money"),
    ("What salary do placed survivors earn?", ["Wages in the sector rose 5% last year."], "money"),
    ("How much of the budget do we spend on PSE?", ["Often about 10% of a project."], ""),
    ("How much of a project budget goes to PSE?", ["It is often squeezed into about a tenth of a project's budget."],
     ""),
    ("How much of a project budget goes to PSE?", ["The budget is a third objective of the project."], "money"),
    ("What do companies contribute to a partnership?", ["Jobs, training and sometimes funds."], ""),
    ("How many companies signed?", ["It is hard to justify having someone full-time.”9"], "amount"),
    ("How many companies signed?", ["Interview with a project staff member.12 Interview with another."], "amount"),
    ("How many interviews were held?", ["Thirty interviews were held."], ""),
    ("How many interviews were held?", ["We held 30 interviews."], ""),
    ("When is the annual report due?", ["Reports describe actions."], "date"),
    ("What is the deadline for the work plan?", ["Send it by 15 March."], ""),
    ("What is the deadline for the work plan?", ["Staff may decide on the market approach in advance."], "date"),
    ("When is the next retreat?", ["The retreat takes place on Sept 4 in Hanoi."], ""),
    ("Do teams know how much money they will have next year?", ["Funding is uncertain."], ""),
    ("What is the phone number of the hotline?", ["Call the national hotline."], "contact"),
    ("What is the phone number of the hotline?", ["Call 1300 at any hour or +66 2 123 4567."], ""),
    ("Why do companies fear scrutiny?", ["They fear journalists."], ""),
])
def test_a_question_asking_for_an_amount_date_or_contact_needs_one_in_a_passage(question, passages, kind):
    assert a.missing_answer_type(question, passages) == kind


def test_a_question_asking_for_a_person_needs_a_passage_naming_one():
    assert a.asks_for_person("Who is the PSE focal point for Laos?")
    assert a.asks_for_person("What is the name of the contracting officer?")
    assert not a.asks_for_person("Who should evaluate partnerships?")  # a role, asked with "who should"
    assert not a.names_a_person(["The PSE lead signs off."])
    assert a.names_a_person(["Contact Ms Chan in Bangkok."]) and a.names_a_person(["write to pse@example.org"])
    v = a.judge("Who is the PSE focal point for the project?", [0.9], ["The PSE focal point coordinates the work."],
                threshold=0.4, min_coverage=0.0)
    assert not v.confident and v.reason == "no-person-named"


@dataclass
class FakeHit:
    chunk_id: int
    sentence_similarity: float
    text: str = "text"
    doc_type: str = "guidance"


def test_the_best_ranked_passage_leads_unless_another_is_clearly_closer():
    steps, exercise, other = FakeHit(1, 0.52), FakeHit(2, 0.61), FakeHit(3, 0.60)
    assert a.choose([steps, exercise, other]) == [steps, exercise, other]  # 0.61 is under 0.52 + LEAD_MARGIN
    assert a.choose([steps, FakeHit(4, 0.30), exercise]) == [steps, exercise]  # 0.30 is under the floor
    assert a.choose([FakeHit(5, 0.2), FakeHit(6, 0.1)]) == []  # nothing above the floor
    verdict, chosen = a.assess("anything at all", [FakeHit(5, 0.2)])
    assert not verdict.confident and verdict.reason == "low-similarity" and chosen == []
    clear = FakeHit(7, 0.52 + a.LEAD_MARGIN)
    assert a.choose([steps, other, clear]) == [clear, steps, other]


def test_a_training_exercise_that_restates_the_question_never_leads_the_steps():
    steps, exercise = FakeHit(1, 0.50), FakeHit(2, 0.90, doc_type="training")
    assert a.choose([exercise, steps]) == [steps, exercise]


def test_the_three_best_ranked_then_the_closest_of_the_rest():
    hits = [FakeHit(1, 0.60), FakeHit(2, 0.55), FakeHit(3, 0.40), FakeHit(4, 0.45), FakeHit(5, 0.75),
            FakeHit(6, 0.50)]
    assert [h.chunk_id for h in a.choose(hits)] == [5, 1, 2, 3]  # 5 joins, and leads: 0.75 >= 0.60 + 0.12
    assert len(a.choose(hits)) == a.MAX_SHOWN == a.RANKED_SHOWN + 1
    hits[4] = FakeHit(5, 0.65)
    assert [h.chunk_id for h in a.choose(hits)] == [1, 2, 3, 5]  # joins in its ranked place, the lead stays


def test_passages_under_the_floor_are_never_shown():
    hits = [FakeHit(1, 0.50), FakeHit(2, 0.20), FakeHit(3, 0.80), FakeHit(4, 0.34), FakeHit(5, 0.45)]
    assert [h.chunk_id for h in a.choose(hits)] == [3, 1, 5]  # 3 leads: 0.80 >= 0.50 + 0.12
    assert [h.chunk_id for h in a.choose(hits[:3])] == [3, 1]


def test_a_training_module_follows_the_guidance_it_points_to():
    module, guidance = FakeHit(1, 0.45, doc_type="training"), FakeHit(2, 0.50)
    assert a.choose([module, guidance]) == [guidance, module]
    assert a.choose([module]) == [module]  # alone, it is still shown
