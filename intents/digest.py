"""`digest subscribe|unsubscribe|preview|list|resend`: the weekly digest of a channel."""

from __future__ import annotations

from datetime import timezone
from typing import Literal

from records import access
from indicators import digest_sends
from indicators import subscriptions as subs
from indicators.digest import compose_digest
from bot.message import Message
from bot.reply import Fact, Reply
from intents.contract import Intent
from indicators.report import known_countries, match_country, near_country
from indicators.subscriptions import SubscriptionError

NAME = "digest"
SUMMARY = "weekly digest for this channel: `digest subscribe [WEEKDAY] [HOUR] [TIME ZONE] [COUNTRY]`, " \
          "`unsubscribe`, `preview`, `list`, `resend` (post this week's digest here again, e.g. if it did not arrive)"
USAGE = ("digest subscribe [WEEKDAY] [HOUR] [TZ] [COUNTRY] | digest unsubscribe | digest preview [COUNTRY] | "
         "digest list | digest resend")

SUBCOMMANDS = ("subscribe", "unsubscribe", "preview", "list", "resend")
_ALIASES = {"sub": "subscribe", "unsub": "unsubscribe", "stop": "unsubscribe", "show": "preview", "now": "preview",
            "ls": "list", "status": "list", "subscriptions": "list", "subscription": "list", "repost": "resend",
            "again": "resend"}


def _sub(message: Message) -> tuple[str, list[str]]:
    words = message.text.split()
    if not words:
        return "", []
    first = words[0].lower()
    return _ALIASES.get(first, first), words[1:]


def required_role(message: Message) -> Literal["staff", "lead"]:
    sub, _ = _sub(message)
    return "lead" if sub in ("subscribe", "unsubscribe") else "staff"  # resend: leads or the subscriber (below)


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
    if sub == "resend":
        return _resend(message, services, rest)
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
                meant = near_country(w, known_countries(store))
                if meant:  # `digest subscribe Monday 9 Asia/Bangkok Thialand`
                    return Reply.problem(f"I don't know the country project '{w}'; did you mean {meant}? Nothing "
                                         "changed.")
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
    meant = near_country(" ".join(rest), known_countries(store)) if rest else None
    if meant:
        return Reply.problem(f"I don't know the country project '{' '.join(rest)}'; did you mean {meant}?")
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
            shown = {"sending": "sending", "uncertain": "may not have arrived (`digest resend` posts it again)"
                     }.get(status, status)
            state += f" · last: {week} {shown}"
        facts.append(Fact(("▶ " if s.channel_id == message.channel_id else "") + name, state))
    return Reply(text=f"Weekly digests on {message.platform}:", facts=facts, private=True)


def _resend(message: Message, services, words: list[str]) -> Reply:
    """Post this week's digest of this channel again (e.g. after a send the scheduler could not confirm)."""
    if words:
        return Reply.problem("`digest resend` takes no more words: it posts this channel's digest of this week "
                             "again.")
    store = services.store
    current = subs.get(store, message.platform, message.channel_id)
    if current is None or not current.active:
        return Reply.problem("This channel has no weekly digest to resend. `digest preview` shows one now; "
                             "`digest subscribe` starts one.")
    user = _user(message, services)
    subscriber = user.key == current.created_by or (not current.is_shared and not message.is_shared)
    if not (user.at_least("lead") or subscriber):
        return Reply.problem(access.refusal(user, "lead", "resending the digest") +
                             " The person who subscribed this channel may resend it too.")
    country, refusal = _scope(message, services, current.country, "resend")
    if refusal:
        return refusal
    if country != current.country:  # the channel's digest covers every project: admins only, as for subscribing
        return Reply.problem("This channel's digest covers every country project, which only an admin may "
                             "resend. `digest preview` shows yours.")
    now = message.received_at.astimezone(timezone.utc)
    week, due = subs.due_at(current, now)
    if now < due or digest_sends.iso(due) < current.starts_at:
        first = "This channel's first digest" if digest_sends.iso(due) < current.starts_at else "This week's digest"
        return Reply.problem(f"{first} is not due until {current.describe()}, so there is nothing to resend yet. "
                             "`digest preview` shows it now.")
    if not digest_sends.record_resend(store, current.id, week, now, user.key, message.channel_id):
        return Reply.problem("This week's digest is being posted right now. If it has not arrived in a few "
                             "minutes, try `digest resend` again.")
    reply = compose_digest(store, services.settings.charts_dir, due, country=country, tz=current.tz,
                           heading="Weekly PSE digest (posted again)")
    reply.private = False
    return reply


EXAMPLES = (
    ("digest subscribe Monday 9 Asia/Bangkok Thailand", "get the weekly digest in this channel every Monday at 9"),
    ("digest preview", "see what this week's digest would say, now"),
    ("digest unsubscribe", "stop or cancel the digest"),
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do we get the weekly summary posted in our channel?",
    "how do I subscribe this channel to the weekly digest?",
    "how do I stop the weekly digest in a channel?",
    "how do I see this week's digest right now?",
    "the weekly digest did not arrive; how do I post it again?",
    "which channels get the weekly digest and when?",
    "how do I get the digest for one country project only?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role, examples=EXAMPLES,
                asks=ASKS)
