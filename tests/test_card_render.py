"""Draw the bot's Adaptive Cards with the real Adaptive Cards JS renderer (npm `adaptivecards`) in headless Chromium.

The cards are the snapshots (tests/snapshots/teams/, kept equal to the live renderer output by test_snapshots.py);
the digest's chart placeholder is filled with the committed digest chart. tests/render/render.mjs parses each
card with the renderer, records its validation errors, draws it at 2x with Teams' light host config and returns
the text it shows. Skipped, with the reason, only when Chromium, node or the renderer bundle is missing:
`.ci/install-render` installs them (Debian chromium, `npm ci` in tests/render/).

To refresh the screenshots in docs/screenshots/ after a change to the cards:
`PSE_UPDATE_SCREENSHOTS=1 pytest tests/test_card_render.py`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RENDER = ROOT / "tests" / "render"
SNAPSHOTS = ROOT / "tests" / "snapshots" / "teams"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHART = SCREENSHOTS / "digest-chart.png"
# card name → screenshot file, and words each drawn card must show
MAIN = {"ask": ("card-answer.png", ["Source: corpus/", "More from the guidance"]),
        "frame": ("card-framing-check.png", ["Instead of", "Try", "exploitation"]),
        "log_form": ("card-log-form.png", ["Log a partner contact", "Kind of contact", "Log it"]),
        "partner": ("card-partner.png", ["Acme Foods Co.", "Stage", "Due diligence"]),
        "report": ("card-report.png", ["Indicator report", "Partnerships developed", "25%"]),
        "gaps_report": ("card-gaps-report.png", ["Gaps in the guidance", "Most typical question", "travel"]),
        "file_progress": ("card-file-progress.png", ["Reading retail-onboarding.md", "embedding passages"]),
        "file_added": ("card-file-added.png", ["Added retail-onboarding.md", "passages", "Try asking"])}


def chromium() -> str | None:
    for candidate in (os.environ.get("PSE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def why_not() -> str | None:
    if chromium() is None:
        return "Chromium is not installed (run .ci/install-render, or set PSE_CHROMIUM)"
    if shutil.which("node") is None:
        return "node is not installed (Debian package nodejs)"
    for package in ("adaptivecards", "markdown-it", "playwright-core"):
        if not (RENDER / "node_modules" / package / "package.json").is_file():
            return f"the renderer bundle is missing: run `npm ci` in tests/render/ ({package} not found)"
    return None


pytestmark = pytest.mark.skipif(why_not() is not None, reason=why_not() or "")


def cards() -> dict[str, dict]:
    from adapters.teams.cards import image_data_uri

    out = {}
    for path in sorted(SNAPSHOTS.glob("*.json")):
        text = path.read_text()
        if "data:image/png;base64,<chart>" in text:
            text = text.replace("data:image/png;base64,<chart>", image_data_uri(CHART, 10**7, 900))
        out[path.stem] = json.loads(text)
    return out


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    out = tmp_path_factory.mktemp("cards")
    made = cards()
    (out / "cards.json").write_text(json.dumps(made))
    env = dict(os.environ, PSE_CHROMIUM=chromium() or "")
    done = subprocess.run(["node", "render.mjs", str(out / "cards.json"), str(out), "--width", "600"],
                          cwd=RENDER, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    results = {r["name"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert set(results) == set(made)
    return results


@pytest.mark.parametrize("name", sorted(p.stem for p in SNAPSHOTS.glob("*.json")))
def test_card_draws_without_renderer_errors_or_raw_markdown(drawn, name):
    from PIL import Image

    r = drawn[name]
    assert r["errors"] == [] and r["warnings"] == []
    with Image.open(r["png"]) as img:
        assert abs(img.width - 2 * r["width"]) <= 2 and abs(img.height - 2 * r["height"]) <= 2  # drawn at 2x
        assert len(img.convert("RGB").getcolors(1 << 20) or ()) > 20         # text was drawn, not a blank box
    shown = r["text"]
    assert shown.strip()
    assert "**" not in shown and "\\" not in shown, "markdown or an escape shows as characters"
    assert not re.search(r"\|\s*-{3,}|^\s*\|.*\|\s*$|^\s*> ", shown, re.M), "a pipe table or quote marker shows"
    for word in MAIN.get(name, (None, []))[1]:
        assert word in shown, f"{name}: {word!r} not shown"


def test_the_main_cards_are_in_docs(drawn):
    """docs/screenshots/ holds the main cards as drawn here; refresh with PSE_UPDATE_SCREENSHOTS=1."""
    for name, (file, _) in MAIN.items():
        if os.environ.get("PSE_UPDATE_SCREENSHOTS") == "1":
            from PIL import Image

            with Image.open(drawn[name]["png"]) as img:  # a 256-colour palette keeps text sharp, files small
                img.convert("RGB").quantize(colors=256).save(SCREENSHOTS / file, optimize=True)
        assert (SCREENSHOTS / file).is_file(), f"{file} missing: run with PSE_UPDATE_SCREENSHOTS=1"
