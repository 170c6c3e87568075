"""`pse-bot ingest / search / kb` through click, and one real `pse-bot search` subprocess."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

DOCS = Path(__file__).parent / "fixtures" / "docs"


@pytest.fixture
def kb_home(settings, bundled_kb):
    """A PSE_HOME whose index is a copy of the session's bundled index: opening it embeds nothing."""
    shutil.copytree(bundled_kb.index.folder, settings.index_dir)
    return settings


def test_search_json_contract_for_stdin_queries(kb_home):
    result = CliRunner().invoke(main, ["search", "--json", "--top-k", "2"],
                                input="due diligence checks\n\n   \nwhat if a company asks for an NDA?\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.splitlines() if x.strip()]
    assert [x["query"] for x in lines] == ["due diligence checks", "what if a company asks for an NDA?"]
    for obj in lines:
        assert set(obj) == {"query", "hits"} and len(obj["hits"]) == 2
        for hit in obj["hits"]:
            assert set(hit) == {"text", "source", "title", "section", "score"}
            assert isinstance(hit["score"], float) and hit["source"].startswith("corpus/")
    assert lines[1]["hits"][0]["source"] == "corpus/ndas-and-confidentiality.md"


def test_search_text_output_and_modes(kb_home):
    result = CliRunner().invoke(main, ["search", "survivor", "job", "placement", "--mode", "keyword", "--top-k", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# survivor job placement\n1. ") and "corpus/" in result.output


def test_ingest_reports_failures_by_name_exits_1_and_still_ingests(kb_home, tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(DOCS, folder)
    (folder / "empty.md").write_text("")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(folder)])
    assert result.exit_code == 1
    assert "empty.md" in result.output and "2 added" in result.output
    again = runner.invoke(main, ["ingest", str(folder / "field-guide.md")])
    assert again.exit_code == 0 and "1 unchanged" in again.output and "0 passages embedded" in again.output
    listing = runner.invoke(main, ["kb", "list"])
    assert "field-guide.md" in listing.output and "corpus/pse-strategy.md" in listing.output
    source = str((folder / "field-guide.md").resolve())
    assert runner.invoke(main, ["kb", "remove", source]).exit_code == 0
    assert "field-guide.md" not in runner.invoke(main, ["kb", "list"]).output
    missing = runner.invoke(main, ["kb", "remove", source])
    assert missing.exit_code == 1 and "nothing changed" in missing.output
    bundled = runner.invoke(main, ["kb", "remove", "corpus/pse-strategy.md"])
    assert bundled.exit_code == 1 and "bundled" in bundled.output


def test_real_pse_bot_search_subprocess(kb_home):
    exe = Path(sys.executable).with_name("pse-bot")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli"]
    env = dict(os.environ, PSE_HOME=str(kb_home.home), HF_HUB_OFFLINE="1")
    out = subprocess.run(cmd + ["search", "--json", "--top-k", "3"], input="how do I frame this for a company?\n",
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    [line] = out.stdout.splitlines()
    obj = json.loads(line)
    assert obj["query"] == "how do I frame this for a company?" and len(obj["hits"]) == 3
    assert any(h["source"] == "corpus/framing-and-business-case.md" for h in obj["hits"])
