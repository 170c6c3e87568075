"""The Slack app manifest declares what the adapter serves (/pse, events, interactivity and options URLs) and
asks for exactly the OAuth scopes the code needs: every Slack Web API method the adapter calls is found in the
source (`<something>.client.<method>(`), mapped to its scopes, and compared with the manifest both ways."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

import adapters

ADAPTERS = Path(adapters.__file__).parent
MANIFEST = ADAPTERS / "slack" / "manifest.yml"

# Slack Web API method (slack_sdk name) → the bot scopes it needs (https://api.slack.com/methods).
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "files_upload_v2": {"files:write"},
    "files_info": {"files:read"},  # also what downloading url_private_download with the bot token needs  # files.getUploadURLExternal + files.completeUploadExternal
    "conversations_open": {"im:write"},  # 1:1 DMs only
    "views_open": set(),
    "views_publish": set(),
    "views_update": set(),
    "auth_test": set(),
}
EVENT_SCOPES = {"app_mention": {"app_mentions:read"}, "message.im": {"im:history"}, "app_home_opened": set()}
# Not tied to one call: posting a digest in a public channel the bot has not joined.
EXTRA = {"chat:write.public"}


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def called_methods() -> dict[str, list[str]]:
    """Every `….client.<method>(…)` call in adapters/, with where it is."""
    found: dict[str, list[str]] = {}
    for path in sorted(ADAPTERS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name == "client":
                found.setdefault(node.func.attr, []).append(f"{path.relative_to(ADAPTERS)}:{node.lineno}")
            if isinstance(node.func.value, ast.Name) and node.func.attr == "api_call" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    found.setdefault(str(arg.value).replace(".", "_"), []).append(str(path))
    return found


def test_manifest_matches_the_adapter():
    m = manifest()
    [cmd] = m["features"]["slash_commands"]
    assert cmd["command"] == "/pse" and cmd["url"].endswith("/slack/events")
    settings = m["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im", "app_home_opened"}
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["message_menu_options_url"].endswith("/slack/events")
    assert settings["socket_mode_enabled"] is False
    assert m["features"]["app_home"]["home_tab_enabled"] is True


def test_the_scan_finds_the_calls_we_know_about():
    calls = called_methods()
    assert {"chat_postMessage", "chat_postEphemeral", "files_upload_v2", "views_open", "views_publish"} <= set(calls)


def test_every_called_method_has_known_scopes():
    unknown = {m: where for m, where in called_methods().items() if m not in METHOD_SCOPES}
    assert not unknown, f"add these Slack methods and their scopes to METHOD_SCOPES (and the manifest): {unknown}"


def test_manifest_asks_for_exactly_the_scopes_the_code_needs():
    m = manifest()
    needed = set(EXTRA) | {"commands"}  # /pse
    for method in called_methods():
        needed |= METHOD_SCOPES.get(method, set())
    for event in m["settings"]["event_subscriptions"]["bot_events"]:
        needed |= EVENT_SCOPES[event]
    asked = set(m["oauth_config"]["scopes"]["bot"])
    assert asked - needed == set(), f"scopes asked for but never used: {sorted(asked - needed)}"
    assert needed - asked == set(), f"scopes the code needs but the manifest lacks: {sorted(needed - asked)}"
    assert not {"channels:read", "groups:read", "im:read", "users:read"} & asked


def test_the_scopes_are_explained_in_the_manifest():
    text = MANIFEST.read_text(encoding="utf-8")
    for scope in manifest()["oauth_config"]["scopes"]["bot"]:
        assert f"#   {scope} " in text, scope
