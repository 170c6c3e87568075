"""The README stays true: its set-up commands are the ones CI runs, and every `pse-bot …` command line, `/pse WORD`
and bench script it shows exists with the options it uses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

import intents
from bot.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


def shown_command_lines() -> list[str]:
    """Every `pse-bot …` invocation in code blocks and inline code, cut at comments, pipes and `&&`."""
    found = []
    sources = [line for block in code_blocks(README) for line in block.splitlines()]
    sources += re.findall(r"`(pse-bot [^`]*)`", README)
    for line in sources:
        at = line.find("pse-bot ")
        if at < 0:
            continue
        cmd = line[at:]
        cmd = re.split(r"\s+#\s|\s\|\s|\s&&\s|\s>\s", cmd)[0].strip()
        found.append(cmd)
    return sorted(set(found))


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """Walk the click groups along `words`; return the command reached and the remaining arguments."""
    cmd: click.Command = main
    rest = list(words)
    while isinstance(cmd, click.Group) and rest and not rest[0].startswith("-"):
        sub = cmd.commands.get(rest[0])
        if sub is None:
            break
        cmd, rest = sub, rest[1:]
    return cmd, rest


def test_the_first_two_blocks_are_install_and_test_and_ci_runs_them():
    install, test = code_blocks(README)[:2]
    assert "pip install -e '.[test]'" in install and 'pse-bot ask "how do I frame this for a company?"' in install
    assert test.strip().endswith("python -m pytest -q")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet -e '.[test]'" in ci
    assert "\npython -m pytest -q\n" in ci
    assert "5" in ci and "exit" in ci  # pytest's "no tests collected" is handled explicitly


def test_readme_shows_commands():
    assert len(shown_command_lines()) >= 15


@pytest.mark.parametrize("line", shown_command_lines())
def test_every_command_line_names_a_real_command_with_real_options(line):
    words = shlex.split(line.replace("…", ""))[1:]
    cmd, rest = resolve(words)
    assert cmd is not main or not words, f"{line!r}: {words[0]!r} is not a pse-bot command"
    if isinstance(cmd, click.Group):
        assert not rest or rest[0].startswith("-"), f"{line!r}: no sub-command {rest[0]!r}"
    known = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}
    for word in rest:
        if word.startswith("--"):
            assert word.split("=")[0] in known, f"{line!r}: {word} is not an option of {cmd.name}"


def test_every_slash_command_word_in_the_readme_is_an_intent():
    words = set(re.findall(r"/pse ([a-z][a-z-]*)", README))
    assert words, "the README shows /pse commands"
    questions = {"how", "what", "who", "why", "when", "where", "which", "can", "is", "do", "does", "should"}
    unknown = sorted(w for w in words - questions if intents.resolve(w) is None)
    assert not unknown, f"/pse words in the README that no intent answers: {unknown}"


def test_every_bench_script_the_readme_mentions_exists():
    scripts = set(re.findall(r"bench/([\w-]+\.py)", README))
    assert scripts
    missing = sorted(s for s in scripts if not (ROOT / "bench" / s).exists())
    assert not missing, missing
