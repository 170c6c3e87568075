"""`pse-bot ingest / search / kb` through click, and one real `pse-bot search` subprocess."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main

DOCS = Path(__file__).parent / "fixtures" / "docs"


@pytest.fixture
def kb_home(settings, store, bundled_kb):
    """A PSE_HOME whose database holds a copy of the session's bundled index: opening it embeds nothing."""
    from kb_support import copy_knowledge

    copy_knowledge(bundled_kb, store, settings.index_dir)
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
            assert set(hit) == {"text", "source", "title", "section", "score", "collection"}
            assert hit["collection"] == "bundled guidance"
            assert isinstance(hit["score"], float) and hit["source"].startswith("corpus/")
    assert lines[1]["hits"][0]["source"] == "corpus/ndas-and-confidentiality.md"


def test_search_text_output_and_modes(kb_home):
    result = CliRunner().invoke(main, ["search", "survivor", "job", "placement", "--mode", "keyword", "--top-k", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# survivor job placement\n1. ") and "corpus/" in result.output


def test_search_with_the_bundled_guidance_off_says_so_and_finds_none_of_it(kb_home):
    runner = CliRunner()
    assert runner.invoke(main, ["kb", "bundled", "off"]).exit_code == 0
    result = runner.invoke(main, ["search", "due diligence"])
    assert result.exit_code == 0 and "the bundled guidance is switched off" in result.output
    assert "corpus/" not in result.output and "(no passages;" in result.output
    assert runner.invoke(main, ["kb", "bundled", "on"]).exit_code == 0
    again = runner.invoke(main, ["search", "due diligence"]).output
    assert "corpus/due-diligence-checklist.md · bundled guidance]" in again


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
    out = runner.invoke(main, ["kb", "list", "--json"]).output
    rows = {row["source"]: row for row in map(json.loads, out.splitlines())}
    assert (rows[source]["collection"], rows[source]["status"]) == ("your documents", "")
    assert (rows["corpus/ndas-and-confidentiality.md"]["collection"],
            rows["corpus/ndas-and-confidentiality.md"]["status"]) == ("bundled guidance", "example")
    assert [line.split()[1:3] for line in listing.output.splitlines() if line.startswith(source)] == \
        [["your", "documents"]]
    assert runner.invoke(main, ["kb", "remove", source]).exit_code == 0
    assert "field-guide.md" not in runner.invoke(main, ["kb", "list"]).output
    missing = runner.invoke(main, ["kb", "remove", source])
    assert missing.exit_code == 1 and "nothing changed" in missing.output
    bundled = runner.invoke(main, ["kb", "remove", "corpus/pse-strategy.md"])
    assert bundled.exit_code == 0 and "kb restore corpus/pse-strategy.md" in bundled.output
    listing = runner.invoke(main, ["kb", "list"]).output
    assert "corpus/pse-strategy.md  " not in listing  # not a table row any more …
    assert "Removed bundled guidance (kept out until restored): corpus/pse-strategy.md." in listing  # … but named


def test_real_pse_bot_search_subprocess(kb_home):
    exe = Path(sys.executable).with_name("pse-bot")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli.main"]
    env = dict(os.environ, PSE_HOME=str(kb_home.home), HF_HUB_OFFLINE="1")
    out = subprocess.run(cmd + ["search", "--json", "--top-k", "3"], input="how do I frame this for a company?\n",
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    [line] = out.stdout.splitlines()
    obj = json.loads(line)
    assert obj["query"] == "how do I frame this for a company?" and len(obj["hits"]) == 3
    assert any(h["source"] == "corpus/framing-and-business-case.md" for h in obj["hits"])


@pytest.fixture
def tiny_home(settings, tmp_path, monkeypatch):
    """A PSE_HOME whose bundled guidance is three tiny markdown files (fast to embed)."""
    corpus = tmp_path / "tiny-corpus"
    corpus.mkdir()
    (corpus / "alpha.md").write_text("# Alpha note\n\nListen first when meeting a hotel chain.\n")
    (corpus / "bravo.md").write_text("# Bravo note\n\nCold storage keeps shrimp frozen before export.\n")
    (corpus / "charlie.md").write_text("# Charlie note\n\nThe finance officer reviews the budget each quarter.\n")
    monkeypatch.setattr("knowledge.base.CORPUS_DIR", corpus)
    return settings


def test_kb_remove_and_restore_a_bundled_document(tiny_home):
    runner = CliRunner()
    removed = runner.invoke(main, ["kb", "remove", "corpus/bravo.md"])
    assert removed.exit_code == 0, removed.output
    assert "stays out when the bot restarts" in removed.output
    listing = runner.invoke(main, ["kb", "list"]).output  # a fresh open: the bundled sync runs again
    rows = [line.split()[0] for line in listing.splitlines() if line.startswith("corpus/")]
    assert rows == ["corpus/alpha.md", "corpus/charlie.md"]
    assert "Removed bundled guidance (kept out until restored): corpus/bravo.md." in listing
    hits = runner.invoke(main, ["search", "--json", "frozen shrimp"]).output
    assert "corpus/bravo.md" not in hits

    again = runner.invoke(main, ["kb", "remove", "corpus/bravo.md"])
    assert again.exit_code == 1 and "already removed; nothing changed" in again.output

    restored = runner.invoke(main, ["kb", "restore", "corpus/bravo.md"])
    assert restored.exit_code == 0 and restored.output.startswith("Restored corpus/bravo.md (1 passages)")
    listing = runner.invoke(main, ["kb", "list"]).output
    assert "corpus/bravo.md" in listing and "Removed bundled guidance" not in listing
    assert json.loads(runner.invoke(main, ["search", "--json", "--top-k", "1", "frozen shrimp"]).output)[
        "hits"][0]["source"] == "corpus/bravo.md"


def test_kb_bad_requests_name_what_exists_and_change_nothing(tiny_home):
    runner = CliRunner()
    runner.invoke(main, ["kb", "list"])  # first run: builds the index (and says so on stderr)
    before = runner.invoke(main, ["kb", "list", "--json"]).output
    unknown = runner.invoke(main, ["kb", "remove", "corpus/zulu.md"])
    assert unknown.exit_code == 1 and "nothing changed" in unknown.output
    assert "Bundled documents: corpus/alpha.md, corpus/bravo.md, corpus/charlie.md." in unknown.output
    bare = runner.invoke(main, ["kb", "remove", "bravo.md"])
    assert bare.exit_code == 1 and "Did you mean corpus/bravo.md?" in bare.output
    not_removed = runner.invoke(main, ["kb", "restore", "corpus/alpha.md"])
    assert not_removed.exit_code == 1 and "already in the knowledge base; nothing changed" in not_removed.output
    bare_present = runner.invoke(main, ["kb", "restore", "alpha.md"])
    assert bare_present.exit_code == 1 and "corpus/alpha.md is already in the knowledge base" in bare_present.output
    nothing = runner.invoke(main, ["kb", "restore", "corpus/zulu.md"])
    assert nothing.exit_code == 1 and "No bundled document has been removed." in nothing.output
    assert runner.invoke(main, ["kb", "list", "--json"]).output == before

    runner.invoke(main, ["kb", "remove", "corpus/charlie.md"])
    wrong = runner.invoke(main, ["kb", "restore", "charlie.md"])
    assert wrong.exit_code == 1 and "Did you mean corpus/charlie.md?" in wrong.output
    other = runner.invoke(main, ["kb", "restore", "/tmp/our-policy.pdf"])
    assert other.exit_code == 1 and "Removed bundled documents: corpus/charlie.md." in other.output
    assert "pse-bot ingest PATH" in other.output


@pytest.mark.sqlite_only  # the command line over the library; tests/test_ranking_model.py covers both engines
def test_kb_adapt_through_the_command_line_status_adapt_and_back(settings, store, tmp_path):
    """The bundled guidance and a handbook; one training step on 32 sentences, then every passage made again."""
    from test_ranking_model import handbook

    from knowledge import ranking_model

    (tmp_path / "handbook.md").write_text(handbook())
    runner = CliRunner()
    try:
        assert runner.invoke(main, ["ingest", str(tmp_path / "handbook.md")]).exit_code == 0
        status = runner.invoke(main, ["kb", "adapt", "--status"])
        assert status.exit_code == 0 and "packaged model" in status.output
        off = runner.invoke(main, ["kb", "adapt", "--off"])
        assert off.exit_code == 0 and "already uses the packaged model; nothing changed" in off.output

        done = runner.invoke(main, ["kb", "adapt", "--epochs", "1", "--max-sentences", "32"])
        assert done.exit_code == 0, done.output
        assert "32 sentences, 1 steps" in done.output and "kb adapt --off" in done.output
        sha = store.scalar("SELECT value FROM kb_meta WHERE key = 'ranking_model'")
        assert sha and store.scalar("SELECT COUNT(*) FROM kb_models") == 1
        assert sha[:12] in runner.invoke(main, ["kb", "adapt", "--status"]).output
        found = runner.invoke(main, ["search", "who", "checks", "the", "fishing", "fleet", "--top-k", "1"])
        assert found.exit_code == 0 and "Fishing" in found.output

        back = runner.invoke(main, ["kb", "adapt", "--off"])
        assert back.exit_code == 0 and "packaged model again" in back.output
        assert store.scalar("SELECT value FROM kb_meta WHERE key = 'ranking_model'") == ""
        actions = [r[0] for r in store.execute("SELECT detail FROM audit_log WHERE action = 'kb.adapt' ORDER BY id")]
        assert len(actions) == 2 and '"model": "packaged"' in actions[1]
    finally:
        ranking_model.forget_loaded()
