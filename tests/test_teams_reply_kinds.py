"""Teams never shows raw markdown: tables are Table elements of literal TextRuns, a highlighted table row is
never echoed as pipes, further tables and passages open from Action.ShowCard, numbered lines stay numbered."""

from __future__ import annotations

import json

from adapters.teams.cards import reply_card
from bot.reply import Passage, Reply, Table
from markup.dialect import blocks_plain, escape, parse_document, to_plain
from mock_connector import text_blocks

WORDS = ("## Words to use instead\n\n| Instead of | Try |\n|---|---|\n| victims | workers, people affected |\n"
         "| exploitation | unfair treatment, labour risks |\n")


def test_a_highlighted_table_row_is_marked_in_the_table_not_echoed_as_pipes():
    p = Passage(text=WORDS, source="corpus/framing.md", title="Framing", section="Words to use instead",
                highlight="| exploitation | unfair treatment, labour risks |")
    card = reply_card(Reply(text="From the framing guidance:", passages=[p]))
    blob = json.dumps(card, ensure_ascii=False)
    assert "|" not in blob and "Key sentence" not in blob
    [table] = [el for el in card["body"][1]["items"] if el["type"] == "Table"]
    marked = [r for r in table["rows"] if r.get("style") == "accent"]
    assert [text_blocks(c)[0] for c in marked[0]["cells"]] == ["exploitation", "unfair treatment, labour risks"]
    assert all(c["items"][0]["inlines"][0]["weight"] == "Bolder" for c in marked[0]["cells"])


def test_table_cells_are_literal_text_runs_and_bars_become_shares():
    t = Table(("Indicator", "Progress"), (("Partnerships developed *", "[##--------]   25%"),
                                         ("Cash [USD] _total_", "[##########]+ 130%"), ("Median days", "–")))
    card = reply_card(Reply(text="Report", tables=[t]))
    [grid] = [el for el in card["body"] if el["type"] == "Table"]
    cells = [[c["items"][0] for c in r["cells"]] for r in grid["rows"]]
    assert all(cell["type"] == "RichTextBlock" and cell["inlines"][0]["type"] == "TextRun" for r in cells for cell in r)
    texts = [[cell["inlines"][0]["text"] for cell in r] for r in cells]
    assert texts[1:] == [["Partnerships developed *", "25%"], ["Cash [USD] _total_", "130%"], ["Median days", "–"]]
    assert cells[3][1]["inlines"][0]["isSubtle"] is True   # "no figure" is quiet


def test_further_tables_and_passages_open_on_demand():
    tables = [Table(("a", "b"), (("1", "2"),), title="Main"),
              Table(("a", "b"), (("3", "4"),), title="By country project (period actual / FY target)")]
    passages = [Passage(text=f"Passage {i} text.", source=f"doc{i}.md", title=f"Doc {i}") for i in (1, 2, 3)]
    card = reply_card(Reply(text="Answer", tables=tables, passages=passages))
    assert sum(el["type"] == "Table" for el in card["body"]) == 1
    assert sum(el["type"] == "Container" for el in card["body"]) == 1   # the best passage
    [details] = [el for el in card["body"] if el["type"] == "ActionSet"]
    titles = [a["title"] for a in details["actions"]]
    assert titles == ["More from the guidance (2)", "By country project"]
    more, country = details["actions"]
    assert [t for t in text_blocks(more["card"]) if t.startswith("**[")] == ["**[2] Doc 2**", "**[3] Doc 3**"]
    assert "**By country project (period actual / FY target)**" in text_blocks(country["card"])


def test_numbered_lines_keep_their_numbers_and_escape_the_commonmark_way():
    doc = "Principles:\n\n1. Be open about the end date.\n2. Never promise *money* you do not\n   have.\n"
    assert blocks_plain(parse_document(doc)) == ("Principles:\n\n1. Be open about the end date.\n"
                                                 "2. Never promise money you do not have.")
    card = reply_card(Reply(text="x", passages=[Passage(text=doc, source="s.md", title="T")]))
    lines = text_blocks(card)
    assert "1\\. Be open about the end date." in lines and "2\\. Never promise _money_ you do not have." in lines
    assert escape("1. not a list") == "1\\. not a list" and to_plain(escape("1. not a list")) == "1. not a list"


FUNDING = ("Asking a company to fund the project in general is not one of our PSE objectives (see *PSE strategy "
           "and objectives*). Co-investment inside a specific partnership is different and welcome.")
KEY = FUNDING[:FUNDING.index(" Co-investment")]  # the first sentence, with its *emphasis*


def test_a_highlight_with_emphasis_is_bolded_in_place_not_repeated_with_its_asterisks_showing():
    """The best sentence carries the document's own markdown (*title*): it is bolded where it stands, italics kept,
    and no "Key sentence" line repeats it with literal asterisks; shortened, the same."""
    p = Passage(text=FUNDING, source="corpus/funding.md", title="Funding", section="Raising money", highlight=KEY)
    blob = json.dumps(reply_card(Reply(text="From the guidance:", passages=[p])), ensure_ascii=False)
    assert "Key sentence" not in blob and "\\\\*" not in blob, blob
    assert "**Asking a company to fund the project in general is not one of our PSE objectives (see _PSE strategy " \
           "and objectives_).**" in blob
    filler = "Record both commitments and actual payments. " * 700  # over the card budget: shortened
    long = Passage(text=FUNDING + " " + filler,
                   source="corpus/funding.md", title="Funding", section="Raising money", highlight=KEY)
    texts = text_blocks(reply_card(Reply(text="From the guidance:", passages=[long])))
    assert sum(len(t) for t in texts) < len(long.text)
    assert not any("Key sentence" in t or "\\*" in t for t in texts), texts
    assert any("**Asking a company to fund the project in general" in t for t in texts), texts
