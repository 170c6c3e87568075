import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from PIL import Image

from adapters.teams.manifest import COMMANDS, ManifestError, manifest, write_package
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
    assert words == ["help", "ask", "log", "partner", "pipeline", "report", "digest", "frame"]
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
    assert len(COMMANDS) <= 10


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
