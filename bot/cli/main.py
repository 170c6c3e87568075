"""The `pse-bot` command: a thin click layer over the library. Each command builds only what it needs."""

from __future__ import annotations

import logging
import sys

import click

from bot.settings import Settings


def settings() -> Settings:
    return Settings.from_env()


def make_services():
    from bot import app

    return app.build_services()


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
    from records import access

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
    from intents.admin import project_names
    from records import access

    try:
        store = make_services().store
        u = access.add_user(store, key, role, project_names(store, countries), actor="cli", name=name)
    except access.AccessError as e:
        raise click.ClickException(f"{e} Nothing changed.") from None
    click.echo(f"{u.key} is now {u.role}" + (f" for {', '.join(u.countries)}" if u.countries else "") + ".")


@users.command("remove")
@click.argument("key")
def users_remove(key: str) -> None:
    """Remove a user; they may then ask guidance questions only."""
    from records import access

    try:
        removed = access.remove_user(make_services().store, key, actor="cli")
    except access.AccessError as e:
        raise click.ClickException(f"{e} Nothing changed.") from None
    if not removed:
        raise click.ClickException(f"{key} is not a registered user; nothing changed.")
    click.echo(f"{key} removed.")


from bot.cli.evaluate import eval_command  # noqa: E402  (retrieval quality of a curator's question set)

main.add_command(eval_command)

from bot.cli import reports as reports_cli  # noqa: E402  (report, target, digest, scheduler; heavy imports stay lazy)

for _cmd in (reports_cli.report, reports_cli.target, reports_cli.digest, reports_cli.scheduler):
    main.add_command(_cmd)


@main.command("teams-manifest")
@click.option("--out", "out", default="pse-assistant-teams.zip", show_default=True, help="Zip file to write.")
@click.option("--app-id", default="", help="Microsoft App ID of the Azure Bot (default: $MICROSOFT_APP_ID).")
@click.option("--host", default="", help="Public host name of `pse-bot serve`, e.g. pse.example.org.")
def teams_manifest(out: str, app_id: str, host: str) -> None:
    """Write the Microsoft Teams app package (manifest.json and icons) to upload in Teams."""
    from adapters.teams.manifest import ManifestError, write_package

    try:
        path = write_package(out, app_id or settings().microsoft_app_id, host)
    except ManifestError as e:
        raise click.ClickException(f"{e} Nothing was written.") from None
    click.echo(f"Wrote {path}. Upload it in Teams: Apps > Manage your apps > Upload an app.")


from bot.cli import knowledge as knowledge_cli  # noqa: E402  (ingest, search, kb; the model loads inside commands)

for _kcmd in (knowledge_cli.ingest_command, knowledge_cli.search_command, knowledge_cli.kb_group):
    main.add_command(_kcmd)

from bot.cli import records as registry_cli  # noqa: E402  (backup, restore, export; work is imported inside the commands)

for _rcmd in (registry_cli.backup, registry_cli.restore, registry_cli.export):
    main.add_command(_rcmd)

from bot.cli.database import db as db_group  # noqa: E402  (db upgrade / current / migrate-from-sqlite)

main.add_command(db_group)


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=None, help="Port to listen on (default: $PORT, else 3978).")
@click.option("--socket-mode", is_flag=True, help="Receive Slack events over Socket Mode (needs SLACK_APP_TOKEN).")
@click.option("--insecure-local-teams", is_flag=True,
              help="Serve Teams (/api/messages) WITHOUT Bot Framework authentication, on 127.0.0.1 only: for the "
                   "Bot Framework Emulator on your own machine. Without Microsoft credentials or this flag, "
                   "/api/messages refuses every request.")
def serve(host: str, port: int | None, socket_mode: bool, insecure_local_teams: bool) -> None:
    """Run the HTTP server: Slack (/slack/events), Teams (/api/messages) and /healthz."""
    from dataclasses import replace

    from adapters.server import serve as run_server
    from bot import app
    from bot.logs import setup

    settings = Settings.from_env()
    if insecure_local_teams:
        settings = replace(settings, teams_insecure_local=True)
    services = app.build_services(settings)
    setup(services.settings.log_level)
    run_server(services, host=host, port=port, socket_mode=socket_mode)


if __name__ == "__main__":  # pragma: no cover
    main()
