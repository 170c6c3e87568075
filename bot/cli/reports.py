"""`pse-bot report`, `pse-bot target`, `pse-bot digest preview|list` and `pse-bot scheduler`.

Attached to the `pse-bot` group in bot/cli.py. Everything heavy (store, matplotlib, platform adapters) is
imported inside the command bodies.
"""

from __future__ import annotations

import sys

import click


def _services():
    from bot import app

    return app.build_services()


def _run_line(text: str) -> None:
    from adapters.console import handle_line

    reply = handle_line(text, _services())
    click.echo(reply.as_text())
    sys.exit(0 if reply.ok else 1)


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1)
def report(words: tuple[str, ...]) -> None:
    """Indicator report: pse-bot report [PERIOD] [COUNTRY], e.g. `pse-bot report last quarter Nepal`."""
    _run_line(" ".join(("report", *words)))


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1)
def target(words: tuple[str, ...]) -> None:
    """Set or list targets: pse-bot target INDICATOR VALUE [COUNTRY] [FY] | pse-bot target list [FY]."""
    _run_line(" ".join(("target", *words)) if words else "target list")


@click.group()
def digest() -> None:
    """Weekly digests: preview one now, or list the subscriptions."""


@digest.command("preview")
@click.option("--country", default=None, help="Only this country project (default: all).")
@click.option("--tz", default="UTC", show_default=True, help="Time zone for dates, e.g. Asia/Bangkok.")
def digest_preview(country: str | None, tz: str) -> None:
    """Compose the digest now and print it; the chart is saved under PSE_HOME/charts."""
    from datetime import datetime, timezone

    from indicators.digest import compose_digest
    from indicators.report import known_countries
    from indicators.subscriptions import SubscriptionError, check_tz

    services = _services()
    try:
        tz = check_tz(tz)
    except SubscriptionError as err:
        raise click.UsageError(str(err)) from None
    if country:
        match = {c.casefold(): c for c in known_countries(services.store)}.get(country.strip().casefold())
        if match is None:
            raise click.UsageError(f"Unknown country project {country!r}. Known: "
                                   f"{', '.join(known_countries(services.store))}.")
        country = match
    reply = compose_digest(services.store, services.settings.charts_dir, datetime.now(timezone.utc),
                           country=country, tz=tz, heading="Digest preview")
    click.echo(reply.as_text())


@digest.command("list")
def digest_list() -> None:
    """Every digest subscription on every platform, with its last send."""
    from indicators import subscriptions as subs

    store = _services().store
    rows = subs.all_subscriptions(store)
    if not rows:
        click.echo("No digest subscriptions yet. In a channel, a lead types `digest subscribe`.")
        return
    for s in rows:
        last = subs.last_send(store, s.id)
        tail = f"  last: {last[0]} {last[1]}" if last else ""
        state = s.describe() if s.active else "stopped"
        click.echo(f"#{s.id} {s.platform}:{s.channel_name or s.channel_id}  {state}{tail}")


def build_senders(settings, store, echo=click.echo) -> dict:
    """Senders for every platform that is configured; adapters are imported only when needed."""
    from bot.delivery import ConsoleSender

    senders: dict = {"console": ConsoleSender(path=settings.home / "outbox" / "console-digests.txt")}
    if settings.slack_bot_token:
        try:
            from adapters.slack.sender import SlackSender

            senders["slack"] = SlackSender.from_settings(settings)
        except Exception as err:  # noqa: BLE001 - e.g. the adapter is missing or misconfigured
            echo(f"Slack digests are off: the Slack sender is not available ({err}).", err=True)
    if settings.microsoft_app_id or _teams_known(store):
        try:
            from adapters.teams.sender import TeamsSender

            senders["teams"] = TeamsSender.from_settings(settings, store)
        except Exception as err:  # noqa: BLE001 - e.g. the adapter is missing or misconfigured
            echo(f"Teams digests are off: the Teams sender is not available ({err}).", err=True)
    return senders


def _teams_known(store) -> bool:
    """Whether any Teams conversation was ever stored (then digests may go there even without an app id)."""
    from adapters.teams.conversations import any_known

    return any_known(store)


def _parse_now(value: str | None):
    """`--now`: an ISO date-time; without a zone it is UTC."""
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00")) if value else None
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date-time; e.g. 2026-10-05T09:30 (UTC) or "
                                 "2026-10-05T16:30+07:00.", param_hint="--now") from None
    return moment.replace(tzinfo=moment.tzinfo or timezone.utc) if moment else None


@click.command()
@click.option("--once", is_flag=True, help="Send whatever is due now, then exit.")
@click.option("--now", "now_text", metavar="DATETIME", default=None,
              help="With --once: run the one check as if it were this moment (ISO, e.g. 2026-10-05T09:30 for UTC, "
                   "or 2026-10-05T16:30+07:00), to see a due digest without waiting for it.")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between checks.")
def scheduler(once: bool, now_text: str | None, interval: float) -> None:
    """Send weekly digests when due (the Procfile's `clock:` process).

    Any number of schedulers may share one database: each digest is posted once. A send cut off while the
    platform was being called is not posted again (it may have arrived): the channel is told to `digest resend`.
    Try it: `pse-bot scheduler --once --now 2026-10-05T09:00` sends what is due by that moment.
    """
    import asyncio
    import signal
    from datetime import datetime, timezone

    from indicators.digest import composer
    from bot.scheduler import run_due, run_forever

    from bot.logs import setup

    moment = _parse_now(now_text)
    if moment is not None and not once:
        raise click.UsageError("--now needs --once: a running scheduler follows the real clock.")
    services = _services()
    setup(services.settings.log_level)
    store, settings = services.store, services.settings
    senders = build_senders(settings, store)
    compose = composer(store, settings.charts_dir)
    click.echo(f"Digest senders: {', '.join(sorted(senders))}. Console digests go to "
               f"{settings.home / 'outbox' / 'console-digests.txt'}.")

    def show(results) -> None:
        stamp = moment or datetime.now(timezone.utc)
        for r in results:
            click.echo(f"{stamp.astimezone(timezone.utc):%Y-%m-%d %H:%M}Z subscription #{r.subscription_id} "
                       f"{r.week_key}: {r.status}{' — ' + r.detail if r.detail else ''}"
                       f"{f' (message {r.message_id})' if r.message_id else ''}")

    async def main() -> None:
        if once:
            results = await run_due(store, compose, senders, moment or datetime.now(timezone.utc))
            show(results)
            if not results:
                click.echo("Nothing due.")
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        click.echo(f"Checking every {interval:g}s; Ctrl-C to stop.")
        await run_forever(store, compose, senders, interval=interval, stop=stop, on_results=show)

    asyncio.run(main())
