"""The Slack app manifest declares what the adapter serves: /pse, the events, interactivity and options URLs."""

from __future__ import annotations

from pathlib import Path

import yaml

import adapters

MANIFEST = Path(adapters.__file__).parent / "slack" / "manifest.yml"


def test_manifest_matches_the_adapter():
    m = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    [cmd] = m["features"]["slash_commands"]
    assert cmd["command"] == "/pse" and cmd["url"].endswith("/slack/events")
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "app_mentions:read", "im:history", "im:read", "im:write", "files:write",
            "users:read", "channels:read", "groups:read"} <= scopes
    settings = m["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im", "app_home_opened"}
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["message_menu_options_url"].endswith("/slack/events")
    assert settings["socket_mode_enabled"] is False
    assert m["features"]["app_home"]["home_tab_enabled"] is True
