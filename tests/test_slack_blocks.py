"""Reply → Block Kit: content survives, every Slack limit is respected, long replies become several messages."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.slack import blocks as sb
from bot.reply import Button, Fact, Passage, Reply, Table


def _all_blocks(messages):
    return [b for m in messages for b in m["blocks"]]


def _check_limits(messages):
    for m in messages:
        assert 1 <= len(m["blocks"]) <= sb.MAX_BLOCKS
        assert m["text"] and len(m["text"]) <= sb.MAX_FALLBACK
        for b in m["blocks"]:
            if b["type"] == "section":
                if "text" in b:
                    assert 0 < len(b["text"]["text"]) <= sb.MAX_SECTION
                assert len(b.get("fields", [])) <= sb.MAX_FIELDS
                assert all(len(f["text"]) <= sb.MAX_FIELD for f in b.get("fields", []))
            if b["type"] == "actions":
                assert 1 <= len(b["elements"]) <= sb.MAX_ACTIONS
                for e in b["elements"]:
                    assert len(e["value"]) <= sb.MAX_BUTTON_VALUE
                    assert len(e["text"]["text"]) <= sb.MAX_BUTTON_LABEL
                    assert len(e["action_id"]) <= sb.MAX_ACTION_ID
                ids = [e["action_id"] for e in b["elements"]]
                assert len(ids) == len(set(ids))
            if b["type"] == "context":
                assert all(len(e["text"]) <= sb.MAX_CONTEXT for e in b["elements"])


def test_passage_shows_source_section_and_bold_highlight():
    p = Passage(text="Map the sector first. Then meet companies to learn their CSR goals.", source="playbook.md",
                title="Playbook", section="Landscape", highlight="Then meet companies to learn their CSR goals.")
    [msg] = sb.render(Reply(text="Here is what the guidance says.", passages=[p]))
    text = sb.message_text(msg["blocks"])
    assert "*[1] Playbook › Landscape*" in text
    assert "*Then meet companies to learn their CSR goals.*" in text
    assert "source: `playbook.md`" in text


def test_passage_names_its_collection_and_an_example_says_so_above_its_text():
    p = Passage(text="Escalate within two days.", source="corpus/escalation.md", title="Escalation", section="Steps",
                version="2d407503", added="2024-05-03", collection="bundled guidance", status="example")
    [msg] = sb.render(Reply(text="Here is what the guidance says.", passages=[p]))
    text = sb.message_text(msg["blocks"])
    assert "source: `corpus/escalation.md` · section: Steps · bundled guidance · version 2d407503 · added " \
           "2024-05-03" in text
    note = ":warning: _Example to adapt, not policy: your programme should set its own._"
    assert note in text and text.index(note) < text.index("Escalate within two days.")
    settled = sb.message_text(sb.render(Reply(text="x", passages=[Passage(text="y", source="a.md", title="A",
                                                                           collection="your documents")]))[0]["blocks"])
    assert "your documents" in settled and ":warning:" not in settled


def test_a_status_from_a_users_front_matter_cannot_write_markup():
    p = Passage(text="y", source="a.md", title="A", status="*draft* <!channel>")
    text = sb.message_text(sb.render(Reply(text="x", passages=[p]))[0]["blocks"])
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_text_is_escaped_and_markdown_bold_converted():
    [msg] = sb.render(Reply(text="**Due diligence** for <Acme> & co"))
    assert msg["blocks"][0]["text"]["text"] == "*Due diligence* for &lt;Acme&gt; &amp; co"


def test_facts_become_fields_ten_per_section():
    reply = Reply(text="Pipeline", facts=[Fact(f"Stage {i}", str(i)) for i in range(23)])
    [msg] = sb.render(reply)
    field_sections = [b for b in msg["blocks"] if "fields" in b]
    assert [len(b["fields"]) for b in field_sections] == [10, 10, 3]
    assert "*Stage 22*\n22" in sb.message_text(msg["blocks"])


def test_buttons_carry_action_and_value():
    value = json.dumps({"vote": 1, "query": "q", "source": "s.md"})
    [msg] = sb.render(Reply(text="x", buttons=[Button("👍 Helpful", "feedback", value, style="primary"),
                                               Button("👎", "feedback", value)]))
    actions = msg["blocks"][-1]
    assert actions["type"] == "actions"
    assert [e["action_id"] for e in actions["elements"]] == ["pse:feedback:0", "pse:feedback:1"]
    assert actions["elements"][0]["style"] == "primary" and "style" not in actions["elements"][1]
    assert sb.parse_action_id("pse:feedback:1") == "feedback"
    assert sb.parse_action_id("pse:partner_create:3") == "partner_create"
    assert sb.parse_action_id("other:1") is None


def test_long_json_button_value_keeps_its_shape():
    value = json.dumps({"vote": -1, "query": "q" * 5000, "source": "guide.md"})
    fitted = sb.fit_value(value)
    assert len(fitted) <= sb.MAX_BUTTON_VALUE
    data = json.loads(fitted)
    assert data["vote"] == -1 and data["source"] == "guide.md" and data["query"].startswith("qqq")


def test_huge_reply_is_split_into_several_messages_within_limits_and_loses_nothing():
    passages = [Passage(text=("Sentence %d about partnerships. " % i) * 200, source=f"doc{i}.md", title=f"Doc {i}",
                        section="S", highlight="Sentence %d about partnerships." % i) for i in range(40)]
    reply = Reply(text="Intro paragraph. " * 600, passages=passages,
                  facts=[Fact(f"F{i}", "v" * 3000) for i in range(35)],
                  buttons=[Button(f"B{i}" * 50, "feedback", "x" * 2500) for i in range(60)],
                  image=Path("/tmp/chart.png"), image_title="Chart")
    messages = sb.render(reply)
    assert len(messages) > 1
    _check_limits(messages)
    text = sb.message_text(_all_blocks(messages))
    for i in range(40):
        assert f"*[{i + 1}] Doc {i} › S*" in text
        assert f"`doc{i}.md`" in text
    # every word of the long intro is still there, in order
    assert text.count("Intro paragraph.") == 600
    assert sum(len(b["fields"]) for b in _all_blocks(messages) if "fields" in b) == 35
    assert sum(len(b["elements"]) for b in _all_blocks(messages) if b["type"] == "actions") == 60
    assert messages[1]["text"].endswith("(continued)")


def test_chunks_prefer_paragraph_breaks_and_never_exceed_the_limit():
    text = ("a" * 1000 + "\n\n") * 7
    pieces = sb.chunks(text, 3000)
    assert all(len(p) <= 3000 for p in pieces)
    assert "".join(pieces).replace("\n", "") == "a" * 7000
    assert sb.chunks("x" * 7001, 3000) == ["x" * 3000, "x" * 3000, "x" * 1001]


def test_empty_reply_still_renders_one_block():
    [msg] = sb.render(Reply(text=""))
    assert msg["blocks"] and msg["text"]


def test_user_text_never_styles_itself_in_mrkdwn():
    """mrkdwn has no backslash escape: paired *, _ and ~ in user text are shown with look-alikes, so a partner
    called "*Star* _Foods_" is not drawn bold and italic; single markers and snake_case stay as typed."""
    from markup.dialect import escape as dialect_escape

    name = "*Star* _Foods_ ~old~"
    [msg] = sb.render(Reply(text="Logged with " + dialect_escape(name), facts=[Fact("Partner", name)]))
    text = sb.message_text(msg["blocks"])
    assert "*Star*" not in text and "_Foods_" not in text and "~old~" not in text
    assert "∗Star∗ ＿Foods＿ ∼old∼" in text
    assert sb.escape("due_diligence, 5 * 3, a_b_c") == "due_diligence, 5 * 3, a_b_c"
    # Bot-made bold still works, and a preformatted table shows its cells exactly.
    assert "*Partner*" in text
    assert "*x*" in sb.table_mrkdwn(Table(("a", "b"), (("*x*", "1"),)))
