"""Snapshots of every card and Block Kit payload the bot produces, validated on the way.

The payloads come from the real intents through the real renderers (tests/card_gallery.py). Each is
- checked: Adaptive Cards against the official Adaptive Cards 1.5 JSON schema (tests/data/, see its .md), Slack
  payloads against Block Kit's documented limits (tests/blockkit_limits.py), and both for raw markdown;
- compared with its snapshot under tests/snapshots/{teams,slack}/NAME.json.
After an intended change, rewrite the snapshots with `PSE_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py` and
review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from blockkit_limits import modal_problems, home_problems, message_problems
from card_gallery import MESSAGES, gallery_replies, normalised, slack_payloads, teams_payloads

ROOT = Path(__file__).resolve().parent
SNAPSHOTS = ROOT / "snapshots"
SCHEMA = ROOT / "data" / "adaptive-card-1.5.schema.json"
UPDATE = os.environ.get("PSE_UPDATE_SNAPSHOTS") == "1"
NAMES = sorted([*MESSAGES, "log_form_rejected", "digest", "gaps_report", "file_progress", "file_added"])


@pytest.fixture(scope="module")
def gallery(tmp_path_factory, bundled_kb):
    """The payloads, made once for the module on a fresh SQLite store (the renderers do not touch the engine)."""
    from bot.app import Services
    from bot.settings import Settings
    from storage.store import Store

    home = tmp_path_factory.mktemp("snapshot-home")
    settings = Settings.from_env({"PSE_HOME": str(home)}, dotenv=False)
    settings.ensure_home()
    store = Store.open(settings.database)
    try:
        services = Services(settings, knowledge=bundled_kb, store=store)
        replies = gallery_replies(services)
        yield {"replies": replies,
               "teams": normalised(teams_payloads(services, replies), home),
               "slack": normalised(slack_payloads(services, replies), home)}
    finally:
        store.close()


def validator():
    """The 1.5 schema, with one erratum: `Input.ChoiceSet` style "filtered" (a searchable list) is a 1.5 feature
    in Microsoft's documentation and in the JS renderer, but the 1.5.0 schema file lists it only from 1.6.0."""
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    schema["definitions"]["ChoiceInputStyle"]["anyOf"][0]["enum"].append("filtered")
    return jsonschema.Draft6Validator(schema)


def without_host_extensions(card):
    """The card without Teams' documented `msteams` properties (card width, image expand), which the generic
    schema does not list; every other property must be in the schema."""
    if isinstance(card, dict):
        return {k: without_host_extensions(v) for k, v in card.items() if k != "msteams"}
    if isinstance(card, list):
        return [without_host_extensions(v) for v in card]
    return card


def schema_errors(card) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in validator().iter_errors(without_host_extensions(card))]


def texts(node, keys=("text", "title", "value", "label", "placeholder")):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in keys and isinstance(v, str):
                yield v
            else:
                yield from texts(v, keys)
    elif isinstance(node, list):
        for v in node:
            yield from texts(v, keys)


_PIPE_ROW = re.compile(r"(^|\n)\s*\|.*\|\s*($|\n)")
_RULE = re.compile(r"\|\s*:?-{3,}|(^|\n)\s*-{5,}\s*($|\n)")


def raw_markdown(payload) -> list[str]:
    """Markdown that a platform would show as characters: pipe-table rows and rules, quote markers, dash rows."""
    out = []
    for t in texts(payload):
        body = re.sub(r"```.*?```", "", t, flags=re.S)  # a preformatted block shows its text as written
        if _PIPE_ROW.search(body) or _RULE.search(body):
            out.append(f"table markdown: {t[:80]!r}")
        if re.search(r"(^|\n)\s*(>|&gt;) ", body):
            out.append(f"quote marker: {t[:80]!r}")
        if re.fullmatch(r"[\s\-–·]+", t) and len(re.findall(r"[-–]", t)) > 1:  # a lone "–" cell is "no figure"
            out.append(f"dash-only text: {t!r}")
    return out


def compare(kind: str, name: str, payload) -> None:
    path = SNAPSHOTS / kind / f"{name}.json"
    text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if not UPDATE:
            pytest.fail(f"{path} did not exist; written now — review and commit it")
        return
    assert json.loads(path.read_text()) == json.loads(text), \
        f"{kind} payload {name!r} differs from {path}; if intended, rerun with PSE_UPDATE_SNAPSHOTS=1 and review"


@pytest.mark.parametrize("name", NAMES)
def test_teams_card_is_valid_and_matches_its_snapshot(gallery, name):
    card = gallery["teams"][name]
    assert schema_errors(card) == []
    assert raw_markdown(card) == []
    assert card["version"] == "1.5"
    compare("teams", name, card)


@pytest.mark.parametrize("name", NAMES + ["home_tab"])
def test_slack_payload_keeps_block_kit_limits_and_matches_its_snapshot(gallery, name):
    payload = gallery["slack"][name]
    if name == "home_tab":
        assert home_problems(payload) == []
        assert "Kathmandu Hotels" in json.dumps(payload) and "None yet" not in json.dumps(payload)
    elif name == "log_form_rejected":
        assert payload["response_action"] == "errors" and set(payload["errors"]) >= {"partner", "date"}
        assert all(0 < len(m) <= 150 for m in payload["errors"].values())
    elif isinstance(payload, dict):
        assert payload["type"] == "modal" and modal_problems(payload) == []
    else:
        assert message_problems(payload) == []
    assert raw_markdown(payload) == []
    compare("slack", name, payload)


def test_every_reply_kind_is_covered(gallery):
    """Answers with guidance tables, the framing check, forms, confirmations, partner card, report with its
    breakdown tables, digest with chart, help and refusals: the kinds issue 18 lists; and the curators' gaps report
    and a shared file's progress message and result."""
    r = gallery["replies"]
    assert r["ask"].passages and r["frame"].passages and r["report"].tables and r["digest"].image
    assert r["log_form"].form is not None and r["partner"].facts and r["log_confirmation"].ok
    assert not r["error_unknown_partner"].ok and not r["error_bad_stage"].ok
    assert r["log_form_rejected"].errors or not r["log_form_rejected"].ok
    gaps = r["gaps_report"].data["groups"]
    assert any(g["question"] and g["count"] >= 3 and g["down_votes"] for g in gaps)  # one topic shown, 👎 included
    assert any(g["question"] is None for g in gaps)                                 # small topics only counted
    assert "embedding passages" in r["file_progress"].text
    assert r["file_added"].data["status"] == "added" and r["file_added"].data["passages"] > 0
    # The framing guidance holds a pipe table: it must arrive as a Table element and as preformatted text.
    assert '"type": "Table"' in json.dumps(gallery["teams"]["frame"])
    slack_frame = json.dumps(gallery["slack"]["frame"], ensure_ascii=False)
    assert "Instead of" in slack_frame and "| Instead of |" not in slack_frame


def test_the_schema_check_catches_broken_cards():
    """The validator is not a rubber stamp: a misspelt element, a fact without a value and an unknown property
    are each reported."""
    good = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "hi"}]}
    assert schema_errors(good) == []
    for bad_element in ({"type": "Tabel", "rows": []},
                        {"type": "FactSet", "facts": [{"title": "Stage"}]},
                        {"type": "TextBlock", "text": "x", "colour": "Good"}):
        assert schema_errors({**good, "body": [bad_element]}), bad_element


def test_the_markdown_check_catches_raw_tables_and_quotes():
    assert raw_markdown({"text": "| Instead of | Try |\n|---|---|"})
    assert raw_markdown({"text": "> be careful"})
    assert raw_markdown({"title": "------------------------------"})
    assert raw_markdown({"value": "– · – · –"})
    assert raw_markdown({"text": "```\n| a | b |\n```"}) == []
