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


@main.group()
def users() -> None:
    """Manage who may use the bot: roles staff / lead / admin per platform user id."""


@users.command("list")
def users_list() -> None:
    """List registered users with their roles and country projects."""
    from bot import access

    rows = access.list_users(make_services().store)
    if not rows:
        click.echo("No users registered: everyone may ask guidance questions only.")
    for u in rows:
        click.echo(f"{u.key}\t{u.role}\t{', '.join(u.countries)}")


@users.command("add")
@click.argument("key")
@click.argument("role")
@click.argument("countries", nargs=-1)
@click.option("--name", default="", help="Display name.")
def users_add(key: str, role: str, countries: tuple[str, ...], name: str) -> None:
    """Add or update a user, e.g. `pse-bot users add slack:U0123ABCD lead Thailand Nepal`."""
    from bot import access

    try:
        u = access.add_user(make_services().store, key, role, countries, actor="cli", name=name)
    except access.AccessError as e:
        raise click.ClickException(f"{e} Nothing changed.") from None
    click.echo(f"{u.key} is now {u.role}" + (f" for {', '.join(u.countries)}" if u.countries else "") + ".")


@users.command("remove")
@click.argument("key")
def users_remove(key: str) -> None:
    """Remove a user; they may then ask guidance questions only."""
    from bot import access

    try:
        removed = access.remove_user(make_services().store, key, actor="cli")
    except access.AccessError as e:
        raise click.ClickException(f"{e} Nothing changed.") from None
    if not removed:
        raise click.ClickException(f"{key} is not a registered user; nothing changed.")
    click.echo(f"{key} removed.")


if __name__ == "__main__":  # pragma: no cover
    main()
