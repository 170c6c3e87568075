"""`admin users …`: admins manage who may use the bot, from the chat (the same as `pse-bot users …`)."""

from __future__ import annotations

import shlex

from records import access
from bot.message import Message
from bot.reply import Fact, Reply
from intents.contract import Intent
from markup.dialect import plural

NAME = "admin"
SUMMARY = "manage users and roles (admins only)"
USAGE = "admin users [list | add PLATFORM:USER_ID ROLE [COUNTRY…] | remove PLATFORM:USER_ID]"
ACCESS = "admin"


def handle(message: Message, services) -> Reply:
    try:
        words = shlex.split(message.text)
    except ValueError:
        return Reply.problem("I couldn't read that: a quote is not closed. " + _usage())
    if not words or words[0].lower() != "users":
        return Reply.problem(_usage())
    verb = words[1].lower() if len(words) > 1 else "list"
    actor = f"{message.platform}:{message.user_id}"
    store = services.store
    try:
        if verb == "list":
            users = access.list_users(store)
            if not users:
                return Reply(text="No users are registered yet: everyone may ask guidance questions only.", private=True)
            return Reply(text=f"{plural(len(users), 'registered user')}:", private=True, facts=[
                Fact(u.key, u.role + (f" — {', '.join(u.countries)}" if u.countries else "")) for u in users])
        if verb == "add" and len(words) >= 4:
            u = access.add_user(store, words[2], words[3], project_names(store, words[4:]), actor=actor)
            where = f" for {', '.join(u.countries)}" if u.countries else ""
            return Reply(text=f"{u.key} is now {u.role}{where}.", private=True)
        if verb == "remove" and len(words) == 3:
            if access.remove_user(store, words[2], actor=actor):
                return Reply(text=f"{words[2]} was removed; they may now ask guidance questions only.", private=True)
            return Reply.problem(f"{words[2]} is not a registered user; nothing changed. See `admin users list`.")
    except access.AccessError as e:
        return Reply.problem(f"{e} Nothing changed.")
    return Reply.problem(_usage())


def project_names(store, words) -> list[str]:
    """The country projects `words` name, each in the programme's own spelling (`lao pdr` is Lao PDR, one project in
    two words). A slip for a known project ("Thialand") is refused with the one meant, so nobody is given a project
    that does not exist; any other word is a new project, as an admin may start one."""
    from indicators.report import known_countries, match_country, near_country

    known = known_countries(store)
    named, rest = [], [w.strip(" ,") for w in words if w.strip(" ,")]
    while (found := match_country(rest, known))[0] is not None:
        named.append(found[0])
        rest = found[1]
    for word in rest:
        meant = near_country(word, known)
        if meant:
            raise access.AccessError(f"“{word}” is no country project; did you mean {meant}?")
    return named + rest


def _usage() -> str:
    return f"Usage: `{USAGE}`. Roles: staff, lead, admin. Example: `admin users add slack:U0123ABCD lead Thailand Nepal`."


EXAMPLES = (
    ("admin users list", "see who has access and their roles"),
    ("admin users add slack:U012AB3CD staff Thailand", "give a colleague access as staff of the Thailand project"),
    ("admin users remove slack:U012AB3CD", "remove someone's access, e.g. when they leave the team"),
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I give a colleague access to the bot?",
    "how do I make someone a lead or an admin?",
    "how do I remove a user's access to the assistant?",
    "who has access to the bot and with which role?",
    "how do I add a colleague to a country team as staff?",
    "how do I list all users and their roles?",
    "how do I take away someone's access?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)
