"""Form ↔ modal: every field kind renders, submissions come back as {field: value}, errors map to fields."""

from __future__ import annotations

import json

import pytest

from adapters.slack import modal as sm
from bot.reply import Form, FormField

FORM = Form(command="log", title="Log a partner interaction (long title)", state="draft-7", fields=(
    FormField("partner", "Partner", kind="partner", required=True, placeholder="Start typing a company"),
    FormField("kind", "Kind", kind="select", options=(("meeting", "Meeting"), ("call", "Call")), initial="call"),
    FormField("date", "Date", kind="date", initial="2024-05-02"),
    FormField("summary", "Summary", kind="long_text", required=True, hint="What happened, in a sentence or two"),
    FormField("amount", "Resources leveraged", kind="number", initial="0"),
    FormField("next_step", "Next step"),
))


def test_form_becomes_a_modal_with_one_input_per_field():
    view = sm.form_to_view(FORM, "C1", "1700.1")
    assert view["type"] == "modal" and view["callback_id"] == sm.CALLBACK_ID
    assert len(view["title"]["text"]) <= sm.MAX_TITLE
    assert json.loads(view["private_metadata"]) == {"command": "log", "channel": "C1", "thread": "1700.1",
                                                    "state": "draft-7"}
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {"partner": "external_select", "kind": "static_select", "date": "datepicker",
                     "summary": "plain_text_input", "amount": "number_input", "next_step": "plain_text_input"}
    by_id = {b["block_id"]: b for b in view["blocks"]}
    assert by_id["partner"]["optional"] is False and by_id["next_step"]["optional"] is True
    assert by_id["partner"]["element"]["action_id"] == sm.PARTNER_ACTION
    assert by_id["kind"]["element"]["initial_option"]["value"] == "call"
    assert by_id["date"]["element"]["initial_date"] == "2024-05-02"
    assert by_id["summary"]["element"]["multiline"] is True
    assert by_id["summary"]["hint"]["text"].startswith("What happened")


def test_submitted_state_becomes_form_values():
    view = sm.form_to_view(FORM, "C1")
    view["state"] = {"values": {
        "partner": {"pse_partner": {"type": "external_select", "selected_option": {"value": "Acme"}}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "meeting"}}},
        "date": {"value": {"type": "datepicker", "selected_date": "2024-06-01"}},
        "summary": {"value": {"type": "plain_text_input", "value": "  Met the CSR lead  "}},
        "amount": {"value": {"type": "number_input", "value": "1500.5"}},
        "next_step": {"value": {"type": "plain_text_input", "value": None}},
    }}
    assert sm.view_values(view) == {"partner": "Acme", "kind": "meeting", "date": "2024-06-01",
                                    "summary": "Met the CSR lead", "amount": "1500.5", "next_step": ""}
    assert sm.read_metadata(view)["command"] == "log"


def test_errors_map_to_fields_and_stray_ones_to_the_first_field():
    view = sm.form_to_view(FORM, "C1")
    errors = sm.field_errors({"summary": "Too short.", "outcomes": "Unknown outcome kind."}, view)
    assert errors == {"summary": "Too short.", "partner": "outcomes: Unknown outcome kind."}
    assert sm.field_errors({}, view, fallback="You need the staff role.") == {"partner": "You need the staff role."}
    long = sm.field_errors({"summary": "x" * 500}, view)["summary"]
    assert len(long) <= sm.MAX_ERROR


def test_metadata_that_does_not_fit_is_refused_clearly():
    big = Form(command="log", title="t", fields=(), state="x" * 4000)
    with pytest.raises(ValueError, match="too large"):
        sm.form_to_view(big)


def test_bad_metadata_reads_as_empty():
    assert sm.read_metadata({"private_metadata": "not json"}) == {"command": "", "channel": "", "thread": "",
                                                                 "state": ""}
