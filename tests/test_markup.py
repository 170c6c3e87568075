"""The one markup dialect (markup/dialect.py), inert user text in every output (issue 15), and the structure of the
main Block Kit payloads and Adaptive Cards (issue 18)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from adapters.slack import blocks as sb
from adapters.teams.cards import reply_card
from adapters.teams.form_cards import form_card
from markup.dialect import Table, clean, escape, parse, spans, to_plain
from bot.reply import Passage, Reply
from indicators.digest import compose_digest
from intents.log import log_form
from registry_support import NOW, say, seed
from mock_connector import text_blocks

EVIL = "Re-login [Re-login](https://evil.example) or <https://evil.example|Re-login> now"
BIDI = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0x200B, 0x2010), 0xFEFF])
NOTE = f"discussed placements {EVIL} \u202egnp.exe\u202c zero\u200bwidth"

_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)\|([^>]*)>")
_MD_LINK = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)")


def slack_problems(messages) -> list[str]:
    """Links whose text differs from the URL, raw `<` link openers, and invisible characters in Slack output."""
    blob = json.dumps(messages, ensure_ascii=False)
    out = [f"link {m.group(0)}" for m in _SLACK_LINK.finditer(blob) if m.group(1) != m.group(2)]
    out += ["raw <https" for _ in re.finditer(r"<https?://evil", blob)]
    out += [f"invisible U+{ord(c):04X}" for c in BIDI if c in blob]
    return out


def teams_problems(card) -> list[str]:
    blob = json.dumps(card, ensure_ascii=False)
    texts = re.findall(r'"text": "((?:\\.|[^"\\])*)"', json.dumps(card, ensure_ascii=False, indent=0))
    out = [f"link {m.group(0)}" for t in texts for m in _MD_LINK.finditer(json.loads(f'"{t}"'))
           if m.group(1) != m.group(2)]
    out += [f"invisible U+{ord(c):04X}" for c in BIDI if c in blob]
    return out


def plain_problems(text: str) -> list[str]:
    return [f"invisible U+{ord(c):04X}" for c in BIDI if c in text]


def every_output(reply: Reply) -> dict[str, list[str]]:
    return {"slack": slack_problems(sb.render(reply)), "teams": teams_problems(reply_card(reply)),
            "terminal": plain_problems(reply.as_text())}


# ---------------------------------------------------------------- the dialect


def test_dialect_inline_markup_and_plain_text():
    [para, items] = parse("**Bold** _it_ `code` [docs](https://x.org) snake_case 2 * 3\n- one\n- two")
    styles = [(s.text, s.bold, s.italic, s.code, s.url) for s in para.lines[0]]
    assert ("Bold", True, False, False, "") in styles and ("it", False, True, False, "") in styles
    assert ("code", False, False, True, "") in styles and ("docs", False, False, False, "https://x.org") in styles
    assert items.kind == "bullets" and len(items.lines) == 2
    assert to_plain("**Bold** _it_ `code` [docs](https://x.org)\n- one") == "Bold it code docs (https://x.org)\n• one"


def test_escape_makes_user_markup_literal_and_drops_invisible_characters():
    raw = "**x** _y_ [a](https://evil.example) <https://e|l> `z`\n- item\n# head" + BIDI
    assert to_plain(escape(raw)) == "**x** _y_ [a](https://evil.example) <https://e|l> `z`\n- item\n# head"
    assert all(not s.url and not s.bold and not s.italic and not s.code for s in spans(escape(raw)))
    assert clean("a\u202eb\u200bc\ufeff") == "abc"


def test_terminal_output_has_no_markup_characters():
    reply = Reply(text="**Report** · _FY27_ `help`\n- one", tables=[Table(("A", "B"), (("1", "2"),))])
    text = reply.as_text()
    assert "**" not in text and "`" not in text and "_FY27_" not in text and "|" not in text
    assert "• one" in text and "A  B" in text


# ---------------------------------------------------------------- inert user text in every output


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    return lite_services


def test_a_disguised_link_in_a_note_stays_inert_in_confirmation_and_partner_card(svc):
    logged = say(svc, f"log Acme Foods meeting yesterday: {NOTE}")
    assert logged.ok, logged.text
    card = say(svc, "partner acme foods", now=NOW + timedelta(days=1))
    assert card.ok and "Re-login" in card.as_text()
    for reply in (logged, card):
        assert every_output(reply) == {"slack": [], "teams": [], "terminal": []}
    # the words survive, shown literally
    assert "[Re-login](https://evil.example)" in card.as_text()
    assert "&lt;https://evil.example|Re-login&gt;" in sb.message_text(sb.render(card)[0]["blocks"])


def test_a_disguised_link_in_a_note_stays_inert_in_the_digest(svc, settings):
    assert say(svc, f"log Acme Foods meeting yesterday: {NOTE}").ok
    digest = compose_digest(svc.store, settings.charts_dir, datetime.now(timezone.utc) + timedelta(minutes=1))
    assert "Re-login" in digest.as_text()  # the note is in the digest, so the check means something
    assert every_output(digest) == {"slack": [], "teams": [], "terminal": []}
    assert "Re-login" in sb.render(digest)[0]["text"] and "<https" not in sb.render(digest)[0]["text"]


def test_frame_echoes_the_draft_inertly(services):
    from bot.message import Message
    from bot.router import route

    draft = f"Dear Ms Chan, we fight human trafficking. {EVIL} \u202eevil\u202c"
    reply = route(Message(text="frame " + draft, command="frame"), services)
    assert reply.ok and "Re-login" in reply.as_text()
    assert every_output(reply) == {"slack": [], "teams": [], "terminal": []}


def test_bot_made_links_still_work():
    reply = Reply(text="See [the guide](https://example.org/guide) or " + escape(EVIL))
    assert "<https://example.org/guide|the guide>" in sb.render(reply)[0]["blocks"][0]["text"]["text"]
    assert "[the guide](https://example.org/guide)" in reply_card(reply)["body"][0]["text"]


# ---------------------------------------------------------------- payload structure


def _check_slack_limits(messages):
    for m in messages:
        assert 1 <= len(m["blocks"]) <= sb.MAX_BLOCKS
        for b in m["blocks"]:
            if b["type"] == "section" and "text" in b:
                assert 0 < len(b["text"]["text"]) <= sb.MAX_SECTION
                assert b["text"]["text"].count("```") % 2 == 0
            assert len(b.get("fields", [])) <= sb.MAX_FIELDS


_CARD_TYPES = {"TextBlock", "RichTextBlock", "TextRun", "Action.ShowCard", "FactSet", "Table", "TableRow", "TableCell", "Container", "ActionSet", "Image",
               "Action.Submit", "Input.Text", "Input.ChoiceSet", "Input.Date", "Input.Number", "AdaptiveCard"}


def _types(node) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            found.add(node["type"])
        for v in node.values():
            found |= _types(v)
    elif isinstance(node, list):
        for v in node:
            found |= _types(v)
    return found


def _check_card(card):
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5" and card["$schema"].startswith("http")
    assert _types(card) <= _CARD_TYPES, _types(card) - _CARD_TYPES
    blob = json.dumps(card, ensure_ascii=False)
    assert "|---" not in blob and "```" not in blob and "------" not in blob
    assert not any(t.startswith(">") for t in re.findall(r'"text": "([^"]*)"', blob))


def test_report_payloads(svc):
    reply = say(svc, "report this quarter")
    assert reply.ok and reply.tables
    messages = sb.render(reply)
    _check_slack_limits(messages)
    text = sb.message_text([b for m in messages for b in m["blocks"]])
    assert "```" in text and "Partnerships developed" in text and "|" not in text
    card = reply_card(reply)
    _check_card(card)
    tables = [el for el in card["body"] if el["type"] == "Table"]
    shown = [a for el in card["body"] if el["type"] == "ActionSet" for a in el["actions"]
             if a["type"] == "Action.ShowCard"]
    assert len(tables) == 1 and len(shown) == len(reply.tables) - 1   # breakdowns open on demand
    assert [a["title"] for a in shown] == [t.title.split(" (")[0] for t in reply.tables[1:]]
    assert all(any(el["type"] == "Table" for el in a["card"]["body"]) for a in shown)
    assert [text_blocks(c)[0] for c in tables[0]["rows"][0]["cells"]][0] == "Indicator"


def test_guidance_pipe_table_becomes_a_table_with_its_highlighted_row():
    doc = ("## Words to use instead\n\n| Instead of | Try |\n|---|---|\n| victims | workers, people affected |\n"
           "| exploitation | unfair treatment, labour risks |\n")
    p = Passage(text=doc, source="corpus/framing.md", title="Framing", section="Words",
                highlight="| exploitation | unfair treatment, labour risks |")
    reply = Reply(text="From the framing guidance:", passages=[p])
    card = reply_card(reply)
    _check_card(card)
    [table] = [el for c in card["body"] if c["type"] == "Container" for el in c["items"] if el["type"] == "Table"]
    assert [[text_blocks(c)[0] for c in r["cells"]] for r in table["rows"]] == [
        ["Instead of", "Try"], ["victims", "workers, people affected"], ["exploitation", "unfair treatment, labour risks"]]
    assert table["rows"][2].get("style") == "accent"
    messages = sb.render(reply)
    _check_slack_limits(messages)
    text = sb.message_text(messages[0]["blocks"])
    assert "|---|" not in text and "▶ exploitation" in text


def test_many_tables_stay_within_block_kit_limits():
    big = Table(("Indicator", "A", "B", "C"), tuple((f"row {i}" * 5, "1", "2", "3") for i in range(400)))
    pairs = [Table(("Term", "Try"), tuple((f"t{i}", f"u{i}") for i in range(8)), title=f"T{j}") for j in range(30)]
    messages = sb.render(Reply(text="x", tables=[big, *pairs]))
    _check_slack_limits(messages)
    assert len(messages) > 1


def test_log_form_marks_required_fields_and_offers_no_empty_choice():
    card = form_card(log_form())
    _check_card(card)
    inputs = [el for el in card["body"] if el["type"].startswith("Input.")]
    for el in inputs:
        if el.get("isRequired"):  # the host draws its required mark (a red asterisk) after the label
            assert el["label"] and not el["label"].endswith("(required)")
        assert all(str(c["value"]).strip() for c in el.get("choices", []))
    assert any(el.get("isRequired") for el in inputs)
    # The partner may be picked or typed, so neither input is isRequired: its label says so in words.
    partner = form_card(log_form(), partner_choices=[("Acme", "Acme")])
    assert [el["label"] for el in partner["body"] if el.get("id") == "field:partner"] == ["Partner (required)"]


def test_plural_counts_read_as_people_write_them():
    from markup.dialect import plural

    assert [plural(1, "topic"), plural(2, "topic"), plural(0, "person", "people")] == ["1 topic", "2 topics", "0 people"]
