import io
import sys
import json
import zipfile

import pytest
from click.testing import CliRunner
from PIL import Image

import intents
from adapters.teams.manifest import MAX_COMMANDS, ManifestError, command_list, describe, manifest, write_package
from bot.cli.main import main

APP_ID = "0d6a2f1e-3b4c-4d5e-8f90-a1b2c3d4e5f6"


def test_package_holds_manifest_and_icons_of_the_right_size(tmp_path):
    path = write_package(tmp_path / "app.zip", APP_ID, "https://pse.example.org/")
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        data = json.loads(zf.read("manifest.json"))
        color = Image.open(io.BytesIO(zf.read("color.png")))
        outline = Image.open(io.BytesIO(zf.read("outline.png")))
    assert data["manifestVersion"] == "1.16" and "v1.16" in data["$schema"]
    bot = data["bots"][0]
    assert bot["botId"] == data["id"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    words = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert words[:5] == ["help", "ask", "log", "partner", "pipeline"] and "report" in words and "digest" in words
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in bot["commandLists"][0]["commands"])
    assert data["validDomains"] == ["pse.example.org"]
    assert data["developer"]["privacyUrl"] == "https://pse.example.org/teams/privacy"
    assert len(data["description"]["short"]) <= 80
    assert color.size == (192, 192) and outline.size == (32, 32)
    assert outline.mode == "RGBA"
    raw = outline.tobytes()
    pixels = [tuple(raw[i:i + 4]) for i in range(0, len(raw), 4)]
    # Outline icon: only white pixels, the rest fully transparent, and some of each.
    assert all(a == 0 or (r, g, b, a) == (255, 255, 255, 255) for r, g, b, a in pixels)
    assert 20 < sum(1 for p in pixels if p[3] == 255) < 32 * 32 // 2
    assert any(p[3] == 0 for p in pixels)
    rgb = color.convert("RGB").tobytes()
    assert len({rgb[i:i + 3] for i in range(0, len(rgb), 3)}) == 2  # accent and white


def test_commands_fit_teams_limits():
    commands = command_list()
    assert 8 <= len(commands) <= MAX_COMMANDS
    for title, description in commands:
        assert len(title) <= 32 and 0 < len(description) <= 128
        assert "`" not in description and description[0].isupper()


def test_command_menu_is_generated_from_the_intent_registry():
    """Each Teams command is a registered intent, described by that intent's own summary, so the menu says what
    the command does; only admin-only intents (and any past Teams' ten) are left out."""
    from bot.message import Message

    listed = dict(command_list())
    for title, description in listed.items():
        assert intents.resolve(title) == title
        assert description == describe(intents.load(title).summary)
    probe = Message(text="", user_id="", platform="teams")
    everyday = [n for n, _, _ in intents.REGISTRY if intents.load(n).required_role(probe) != "admin"]
    assert "admin" not in listed
    assert len(listed) == min(len(everyday), MAX_COMMANDS)
    assert "digest" in listed and listed["digest"].startswith("Weekly digest for this channel")


def test_a_changed_summary_changes_the_manifest(monkeypatch):
    from dataclasses import replace

    pipeline = intents.load("pipeline")
    monkeypatch.setattr(sys.modules[intents.INTENTS["pipeline"]], "INTENT",
                        replace(pipeline, summary="partners by stage, newly worded"))
    data = manifest(APP_ID, "pse.example.org")
    commands = {c["title"]: c["description"] for c in data["bots"][0]["commandLists"][0]["commands"]}
    assert commands["pipeline"] == "Partners by stage, newly worded"


@pytest.mark.parametrize("summary, expected", [
    ("what I can do, or `help COMMAND` for one command", "What I can do, or help COMMAND for one command"),
    ("weekly digest for this channel: `digest subscribe [WEEKDAY] [HOUR] [TIME ZONE] [COUNTRY]`, `unsubscribe`, "
     "`preview`, `list` and a few more words to go past the limit", None),
])
def test_descriptions_are_plain_and_short(summary, expected):
    got = describe(summary)
    assert len(got) <= 128 and "`" not in got
    if expected:
        assert got == expected


@pytest.mark.parametrize("app_id, host, words", [
    ("", "pse.example.org", "--app-id"),
    ("my-bot", "pse.example.org", "xxxxxxxx-xxxx"),
    (APP_ID, "", "--host"),
    (APP_ID, "not a host", "--host"),
])
def test_bad_input_is_refused_with_a_way_forward(app_id, host, words):
    with pytest.raises(ManifestError, match=words.replace("-", r"\-")):
        manifest(app_id, host)


def test_cli_writes_the_zip_using_the_app_id_from_the_environment(tmp_path, home, monkeypatch):
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    out = tmp_path / "teams.zip"
    result = CliRunner().invoke(main, ["teams-manifest", "--out", str(out), "--host", "pse.example.org"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "Upload" in result.output
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("manifest.json"))["bots"][0]["botId"] == APP_ID


def test_cli_without_an_app_id_explains_and_writes_nothing(tmp_path, home):
    out = tmp_path / "teams.zip"
    result = CliRunner().invoke(main, ["teams-manifest", "--out", str(out), "--host", "pse.example.org"])
    assert result.exit_code != 0
    assert "MICROSOFT_APP_ID" in result.output and "Nothing was written" in result.output
    assert not out.exists()
