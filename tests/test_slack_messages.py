"""Slack payloads in (adapters/slack/messages.py): text as typed, and the keys that make deliveries unique."""

from __future__ import annotations

from adapters.slack import messages


def test_clean_text_removes_mentions_and_decodes_entities():
    assert messages.clean_text("<@UBOT> ask what is  due diligence?") == "ask what is due diligence?"
    assert messages.clean_text("<@UBOT|pse> log Acme &amp; Sons &lt;call&gt;") == "log Acme & Sons <call>"
    assert messages.clean_text("see <https://example.org|the guide>") == "see the guide"


def test_event_key_uses_event_id_then_trigger_id():
    assert messages.event_key({"event_id": "Ev1", "type": "event_callback"}) == "slack:Ev1"
    assert messages.event_key({"command": "/pse", "trigger_id": "t1"}) == "slack:trigger:t1"
    assert messages.event_key({"type": "block_actions", "trigger_id": "t2"}) == "slack:trigger:t2"
    assert messages.event_key({"type": "block_suggestion", "value": "ac"}) is None


def test_json_object_reads_form_values_only():
    assert messages.json_object('{"a": "1"}') == {"a": "1"}
    assert messages.json_object("plain text") is None
    assert messages.json_object("{not json") is None
    assert messages.json_object("{}") == {}
