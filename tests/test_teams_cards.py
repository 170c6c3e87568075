import json

import pytest

from adapters.teams.cards import (
    CARD_BUDGET,
    form_card,
    parse_submit,
    reply_card,
    size_of,
    teams_markdown,
)
from bot.reply import Button, Fact, Form, FormField, Passage, Reply, Table
from mock_connector import text_blocks as blocks


def passage(i: int, words: int = 60) -> Passage:
    text = " ".join(f"word{i}_{j}" for j in range(words)) + f" The key sentence number {i} is here. " + \
        " ".join(f"tail{i}_{j}" for j in range(words))
    return Passage(text=text, source=f"doc{i}.md", title=f"Guide {i}", section=f"Part {i}",
                   highlight=f"The key sentence number {i} is here.")


def test_text_lines_facts_and_buttons_render():
    reply = Reply(text="Pipeline for `Thailand`:\n\n• 3 in due diligence\n• 1 signed",
                  facts=[Fact("Stalled", "2 partners")],
                  buttons=[Button("Open", "partner", "Acme", style="primary")])
    card = reply_card(reply)
    assert blocks(card)[:3] == ["Pipeline for **Thailand**:", "- 3 in due diligence", "- 1 signed"]
    assert card["body"][1]["spacing"] == "Medium" and card["body"][2]["spacing"] == "None"
    assert {"type": "FactSet", "spacing": "Medium", "facts": [{"title": "Stalled", "value": "2 partners"}]} \
        in card["body"]
    assert card["actions"] == [{"type": "Action.Submit", "title": "Open", "style": "positive",
                                "data": {"action": "partner", "value": "Acme"}}]


def test_feedback_buttons_sit_under_their_passage():
    p1, p2 = passage(1, 5), passage(2, 5)
    buttons = [Button("Helpful", "feedback", json.dumps({"vote": 1, "query": "q", "source": p.source}))
               for p in (p1, p2)]
    card = reply_card(Reply(text="Answer", passages=[p1, p2], buttons=buttons))
    containers = [el for el in card["body"] if el["type"] == "Container"]
    for c, p in zip(containers, (p1, p2)):
        [action_set] = [el for el in c["items"] if el["type"] == "ActionSet"]
        assert json.loads(action_set["actions"][0]["data"]["value"])["source"] == p.source
        assert any(f"**{p.highlight}**" in t["text"] for t in c["items"] if t["type"] == "TextBlock")
    assert "actions" not in card


def test_huge_answers_are_shortened_to_fit_and_say_so():
    reply = Reply(text="Answer", passages=[passage(i, 900) for i in range(8)])
    assert size_of(reply_card(reply, budget=10**9)) > CARD_BUDGET
    card = reply_card(reply)
    assert size_of(card) <= CARD_BUDGET
    text = "\n".join(blocks(card))
    assert "shortened to fit Teams' card size limit" in text
    # The highlighted sentence survives the cut.
    assert "**The key sentence number 0 is here.**" in text


def test_many_passages_are_dropped_with_a_note_when_shortening_is_not_enough():
    reply = Reply(text="x " * 2000, passages=[passage(i, 200) for i in range(60)])
    card = reply_card(reply)
    assert size_of(card) <= CARD_BUDGET
    assert any("left out" in t for t in blocks(card))


def test_chart_is_embedded_and_shrunk_to_fit(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(12, 7), dpi=150)
    rng = np.random.default_rng(1)
    for k in range(6):
        ax.plot(rng.normal(size=400).cumsum(), label=f"series {k}")
    ax.legend()
    path = tmp_path / "chart.png"
    fig.savefig(path)
    plt.close(fig)
    assert path.stat().st_size > CARD_BUDGET  # too big to embed as it is

    card = reply_card(Reply(text="Digest", image=path, image_title="Progress"))
    assert size_of(card) <= CARD_BUDGET
    [image] = [el for el in card["body"] if el["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,") and image["altText"] == "Progress"


def test_missing_chart_is_mentioned_not_fatal(tmp_path):
    card = reply_card(Reply(text="Digest", image=tmp_path / "gone.png"))
    assert any("could not be attached" in t for t in blocks(card))


FORM = Form(command="log", title="Log an interaction", submit_label="Save", fields=(
    FormField("partner", "Partner", "partner", required=True),
    FormField("kind", "Kind", "select", options=(("meeting", "Meeting"), ("call", "Call")), initial="meeting"),
    FormField("occurred_on", "Date", "date", initial="2024-06-07"),
    FormField("summary", "Summary", "long_text", required=True, hint="One or two sentences."),
    FormField("amount", "Amount", "number"),
    FormField("note", "Note", "text", placeholder="optional"),
))


def by_id(card):
    return {el["id"]: el for el in card["body"] if "id" in el}


def test_form_card_maps_each_kind_to_an_input():
    card = form_card(FORM, partner_choices=[("Acme Seafood", "Acme Seafood · Thailand · Meeting"),
                                                ("Blue Ocean Co", "Blue Ocean Co")])
    els = by_id(card)
    assert els["field:partner"]["type"] == "Input.ChoiceSet" and els["field:partner"]["style"] == "filtered"
    assert els["field:partner"]["choices"] == [{"title": "Acme Seafood · Thailand · Meeting", "value": "Acme Seafood"},
                                               {"title": "Blue Ocean Co", "value": "Blue Ocean Co"}]
    assert els["field_new:partner"]["type"] == "Input.Text"
    assert els["field:kind"]["value"] == "meeting"
    assert els["field:occurred_on"] == {"type": "Input.Date", "id": "field:occurred_on", "label": "Date",
                                        "isRequired": False, "value": "2024-06-07"}
    assert els["field:summary"]["isMultiline"] and els["field:summary"]["isRequired"]
    assert els["field:amount"]["type"] == "Input.Number"
    assert els["field:note"]["placeholder"] == "optional"
    assert "One or two sentences." in blocks(card)
    assert card["actions"][0]["data"] == {"command": "log"} and card["actions"][0]["title"] == "Save"


def test_form_card_without_known_partners_uses_a_text_box():
    els = by_id(form_card(FORM, partner_choices=[]))
    assert els["field:partner"]["type"] == "Input.Text" and "field_new:partner" not in els


def test_rejected_form_keeps_values_and_marks_fields():
    card = form_card(FORM, values={"partner": "New Co", "amount": "12.5", "summary": ""},
                     errors={"summary": "Say what happened.", "other": "Check the dates."},
                     intro="Nothing was saved.", partner_choices=[("Acme Seafood", "Acme Seafood")])
    els = by_id(card)
    assert els["field:partner"]["value"] == "New Co"
    assert els["field:amount"]["value"] == 12.5
    text = blocks(card)
    assert "⚠ Say what happened." in text and "⚠ other: Check the dates." in text and "Nothing was saved." in text


def test_submissions_parse_back():
    form = parse_submit({"command": "log", "field:partner": "", "field_new:partner": " New Co ",
                         "field:summary": " met them ", "field:amount": 3})
    assert form.kind == "form" and form.command == "log"
    assert form.form == {"partner": "New Co", "summary": "met them", "amount": 3}
    vote = parse_submit({"action": "feedback", "value": '{"vote": -1, "query": "q", "source": "a.md"}'})
    assert vote.kind == "button" and vote.form == {"vote": -1, "query": "q", "source": "a.md"}
    plain = parse_submit({"action": "partner", "value": "Acme"})
    assert plain.form is None and plain.value == "Acme"


@pytest.mark.parametrize("value", [None, "text", {}, {"action": ""}, {"something": "else"}])
def test_foreign_submissions_are_not_ours(value):
    assert parse_submit(value) is None


def test_inline_code_becomes_bold():
    assert teams_markdown("type `help` or `log ACME`") == "type **help** or **log ACME**"


def test_only_dialect_bold_is_bold_and_literal_stars_stay_literal():
    # One dialect: **bold** is bold; a single-star pair is literal text (Slack's *bold* is not the dialect).
    assert teams_markdown("**This week**: 3 logs") == "**This week**: 3 logs"
    assert teams_markdown("*This week*: 2 * 3") == "\\*This week\\*: 2 \\* 3"


def test_fenced_text_becomes_monospace_lines_and_tables_become_table_elements():
    table = Table(("Indicator", "Actual"), (("Partnerships developed", "4 / 10"), ("Survivors placed", "12")),
                  title="Indicators", highlight=1)
    card = reply_card(Reply(text="Report\n```\nfree text\n```", tables=[table]))
    body = card["body"]
    assert body[0]["text"] == "Report"
    assert body[1]["text"] == "free text" and body[1]["fontType"] == "Monospace"
    assert body[2]["text"] == "**Indicators**"
    grid = body[3]
    assert grid["type"] == "Table" and grid["firstRowAsHeader"] and len(grid["columns"]) == 2
    cells = [[blocks(c)[0] for c in r["cells"]] for r in grid["rows"]]
    assert cells == [["Indicator", "Actual"], ["Partnerships developed", "4 / 10"], ["Survivors placed", "12"]]
    assert grid["rows"][2]["style"] == "accent" and "style" not in grid["rows"][1]
    assert "```" not in json.dumps(card) and "|" not in json.dumps(card)


def test_passage_names_its_collection_and_an_example_warns_under_its_title():
    p = Passage(text="Escalate within two days.", source="corpus/escalation.md", title="Escalation", section="Steps",
                version="2d407503", collection="bundled guidance", status="example")
    card = reply_card(Reply(text="Answer", passages=[p]))
    [container] = [el for el in card["body"] if el["type"] == "Container"]
    items = [el for el in container["items"] if el["type"] == "TextBlock"]
    assert items[1] == {"type": "TextBlock", "text": "⚠ Example to adapt, not policy: your programme should set its "
                                                     "own.", "wrap": True, "color": "Warning", "size": "Small",
                        "spacing": "Small"}
    assert items[-1]["text"] == "Source: corpus/escalation.md · bundled guidance · version 2d407503"
    plain = reply_card(Reply(text="Answer", passages=[Passage(text="y", source="a.md", title="A",
                                                              collection="your documents")]))
    shown = json.dumps(plain, ensure_ascii=False)
    assert "⚠" not in shown and "a.md · your documents" in shown


def test_passage_lists_are_kept_and_the_highlight_is_bolded_once():
    p = Passage(text="## Why companies worry\nTheir worries:\n- **Reputation.** Customers may be alarmed.\n"
                     "- **Scrutiny.** They fear audits of suppliers.",
                source="corpus/framing.md", title="Framing", section="Why",
                highlight="**Scrutiny.** They fear audits of suppliers.")
    card = reply_card(Reply(text="Answer", passages=[p]))
    [container] = [el for el in card["body"] if el["type"] == "Container"]
    lines = [el["text"] for el in container["items"] if el["type"] == "TextBlock"]
    assert lines[1:5] == ["**Why companies worry**", "Their worries:", "- Reputation. Customers may be alarmed.",
                          "- **Scrutiny. They fear audits of suppliers.**"]
