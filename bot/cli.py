"""The `pse-bot` command: a thin click layer over the library. Each command builds only what it needs."""

from __future__ import annotations

import logging
import sys

import click

from bot.settings import Settings


def settings() -> Settings:
    return Settings.from_env()


def make_services():
    from bot.services import Services

    s = settings()
    s.ensure_home()
    return Services(s)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pse-assistant")
def main() -> None:
    """PSE Assistant: guidance answers, partner logs and indicator reports for PSE teams."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
def chat() -> None:
    """Talk to the bot in the terminal (no tokens needed)."""
    from adapters.console import run_chat

    run_chat(make_services())


@main.command()
@click.argument("question", nargs=-1, required=True)
def ask(question: tuple[str, ...]) -> None:
    """Answer one question from the guidance and print it."""
    from adapters.console import handle_line

    text = " ".join(question).strip()
    if not text:
        raise click.UsageError("Give a question, e.g. pse-bot ask \"how do I frame this for a company?\"")
    reply = handle_line(text if text.lower().startswith("ask ") else "ask " + text, make_services())
    click.echo(reply.as_text())
    sys.exit(0 if reply.ok else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
