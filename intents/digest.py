"""`digest subscribe|unsubscribe|preview|list`: the weekly digest of a channel."""

from __future__ import annotations

from datetime import timezone

from records import access
from indicators import subscriptions as subs
from indicators.digest import compose_digest
from bot.message import Message
from bot.reply import Fact, Reply
from intents.contract import Intent
from indicators.report import known_countries, match_country
from indicators.subscriptions import SubscriptionError

NAME = "digest"
SUMMARY = "weekly digest for this channel: `digest subscribe [WEEKDAY] [HOUR] [TIME ZONE] [COUNTRY]`, " \
          "`unsubscribe`, `preview`, `list`"
USAGE = "digest subscribe [WEEKDAY] [HOUR] [TZ] [COUNTRY] | digest unsubscribe | digest preview [COUNTRY] | digest list"

SUBCOMMANDS = ("subscribe", "unsubscribe", "preview", "list")
_ALIASES = {"sub": "subscribe", "unsub": "unsubscribe", "stop": "unsubscribe", "show": "preview", "now": "preview",
            "ls": "list", "status": "list"}


def _sub(message: Message) -> tuple[str, list[str]]:
    words = message.text.split()
    if not words:
        return "", []
    first = words[0].lower()
    return _ALIASES.get(first, first), words[1:]


def required_role(message: Message) -> str:
    sub, _ = _sub(message)
    return "lead" if sub in ("subscribe", "unsubscribe") else "staff"


def handle(message: Message, services) -> Reply:
    sub, rest = _sub(message)
    if sub == "subscribe":
        return _subscribe(message, services, rest)
    if sub == "unsubscribe":
        return _unsubscribe(message, services)
    if sub == "preview":
        return _preview(message, services, rest)
    if sub == "list":
        return _list(message, services)
    if sub:
        return Reply.problem(f"`digest {sub}` is not something I can do. Use: `{USAGE}`.")
    current = subs.get(services.store, message.platform, message.channel_id)
    status = (f"This channel gets the digest on {current.describe()}." if current and current.active
              else "This channel has no weekly digest.")
    return Reply(text=f"{status}\nUsage: `{USAGE}`. Example: `digest subscribe Monday 9 Asia/Bangkok Thailand`.",
                 private=True)


def _user(message: Message, services) -> access.User:
    return access.user_of(message) if message.role else access.current_user(services.store, message)


def _scope(message: Message, services, country: str | None, action: str) -> tuple[str | None, Reply | None]:
    """The country project a digest covers: the one named, the user's only one, or all (admins only)."""
    scope, refusal = access.country_scope(_user(message, services), country, "digest", f"digest {action}")
    return scope, (Reply.problem(refusal) if refusal else None)


def _subscribe(message: Message, services, words: list[str]) -> Reply:
    store = services.store
    country, words = match_country(words, known_countries(store))
    weekday, hour, tz = None, None, None
    try:
        for w in words:
            if weekday is None and subs.parse_weekday(w) is not None:
                weekday = subs.parse_weekday(w)
            elif hour is None and subs.parse_hour(w) is not None:
                hour = subs.parse_hour(w)
            elif tz is None and ("/" in w or w.upper() in ("UTC", "GMT")):
                tz = subs.check_tz(w)
            else:
                return Reply.problem(f"I couldn't read '{w}'. Usage: `digest subscribe [WEEKDAY] [HOUR] [TZ] "
                                     "[COUNTRY]`, e.g. `digest subscribe Monday 9 Asia/Bangkok Thailand`.")
        if tz is None:
            tz = subs.check_tz(message.timezone) if message.timezone else "UTC"
    except SubscriptionError as err:
        return Reply.problem(f"{err} Nothing was changed.")
    country, refusal = _scope(message, services, country, "subscribe")
    if refusal:
        return refusal
    weekday = 0 if weekday is None else weekday
    hour = 9 if hour is None else hour
    sub, new = subs.subscribe(store, message.platform, message.channel_id, weekday, hour, tz, country,
                              channel_name=getattr(message, "channel_name", "") or "",
                              channel_kind=message.channel_kind, actor=f"{message.platform}:{message.user_id}",
                              now=message.received_at)
    verb = "will get" if new else "now gets"
    return Reply(text=f"This channel {verb} the weekly PSE digest on {sub.describe()}. "
                      "`digest preview` shows what it looks like; `digest unsubscribe` stops it.")


def _unsubscribe(message: Message, services) -> Reply:
    if subs.unsubscribe(services.store, message.platform, message.channel_id,
                        actor=f"{message.platform}:{message.user_id}"):
        return Reply(text="Done: this channel will no longer get the weekly digest. "
                          "`digest subscribe` turns it back on.")
    return Reply.problem("This channel has no weekly digest to stop. `digest subscribe` starts one.")


def _preview(message: Message, services, words: list[str]) -> Reply:
    store = services.store
    country, rest = match_country(words, known_countries(store))
    if rest:
        return Reply.problem(f"I don't know the country project '{' '.join(rest)}'. Known: "
                             f"{', '.join(known_countries(store))}.")
    current = subs.get(store, message.platform, message.channel_id)
    if country is None and current is not None and current.active and current.country:
        country = current.country
    country, refusal = _scope(message, services, country, "preview")
    if refusal:
        return refusal
    tz = current.tz if current is not None and current.active else (message.timezone or "UTC")
    try:
        tz = subs.check_tz(tz)
    except SubscriptionError:
        tz = "UTC"
    reply = compose_digest(store, services.settings.charts_dir, message.received_at.astimezone(timezone.utc),
                           country=country, tz=tz, heading="Digest preview")
    reply.private = True
    return reply


def _list(message: Message, services) -> Reply:
    rows = subs.all_subscriptions(services.store, message.platform)
    if not rows:
        return Reply(text="No channel here gets the weekly digest yet. `digest subscribe` starts one in this "
                          "channel.", private=True)
    facts = []
    for s in rows:
        name = s.channel_name or s.channel_id
        state = s.describe() if s.active else "stopped"
        last = subs.last_send(services.store, s.id)
        if last:
            week, status, sent_at, _err = last
            shown = {"sending": "sending, or outcome unknown if a scheduler stopped mid-send"}.get(status, status)
            state += f" · last: {week} {shown}"
        facts.append(Fact(("▶ " if s.channel_id == message.channel_id else "") + name, state))
    return Reply(text=f"Weekly digests on {message.platform}:", facts=facts, private=True)


INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role)
