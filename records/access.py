"""Who may do what: roles keyed by platform user id, country-project membership, and confidentiality rules.

Roles, from least to most: guest (unknown to the bot: may ask guidance questions only), staff (ask, log, see
their country projects' partners), lead (also set targets, subscribe digests, see every partner of their
projects, export), admin (everything: users, documents, all projects). The terminal is the operator's own
machine and database, so the console user is an admin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from bot.message import Message
from storage.store import Store, utcnow

ROLES = ("guest", "staff", "lead", "admin")
ASSIGNABLE = ("staff", "lead", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
ROLE_BLURB = {
    "guest": "anyone",
    "staff": "PSE staff",
    "lead": "a lead",
    "admin": "an admin",
}


class AccessError(ValueError):
    """A user-management request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class User:
    platform: str
    user_id: str
    role: str = "guest"
    countries: tuple[str, ...] = ()
    display_name: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    def at_least(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]

    def in_country(self, country: str) -> bool:
        """Admins belong to every project; others to the ones listed for them (case-insensitive)."""
        if self.role == "admin":
            return True
        c = (country or "").strip().casefold()
        return bool(c) and c in {x.casefold() for x in self.countries}


def user_of(message: Message) -> User:
    """The user as the router resolved it (role and country projects are carried on the routed message)."""
    return User(message.platform, message.user_id, message.role or "guest", tuple(message.countries),
                message.user_name)


def current_user(store: Store | None, message: Message) -> User:
    if message.platform == "console":
        return User("console", message.user_id, "admin", (), message.user_name)
    if store is None:
        return User(message.platform, message.user_id, "guest")
    row = store.execute(
        "SELECT role, countries, display_name FROM users WHERE platform = ? AND user_id = ?",
        (message.platform, message.user_id),
    ).fetchone()
    if row is None:
        return User(message.platform, message.user_id, "guest", (), message.user_name)
    return User(message.platform, message.user_id, row[0], tuple(json.loads(row[1] or "[]")), row[2])


def refusal(user: User, needed: str, what: str) -> str:
    """A refusal that names the role needed and how to get it."""
    who = "you are not registered with me yet" if user.role == "guest" else f"your role is {user.role}"
    return (f"Sorry, {what} needs the {needed} role (at least {ROLE_BLURB[needed]}), and {who}. "
            f"Ask an admin to run `admin users add {user.platform}:{user.user_id} {needed} COUNTRY`.")


# --- what each role may see of a country project: ONE rule for reports, digests, exports and partner cards ----

VIEWS = {  # what → the least role that may see it (for their own country projects; admins for all of them)
    "report": "staff",     # `report [PERIOD] [COUNTRY]`
    "digest": "staff",     # `digest preview [COUNTRY]`; subscribing needs a lead (checked by the router)
    "export": "lead",      # `export`: the CSV holds the rows of the country projects the lead may view
    "partner": "staff",    # partner cards, pipelines, logs
}
VIEW_TEXT = {"report": "indicator reports", "digest": "digests", "export": "exports", "partner": "partners"}


def may_view_country(user: User, country: str | None, what: str = "report") -> bool:
    """May `user` see `what` for the country project `country`? None or "" means all projects together.

    Staff and leads: their own country projects, once their role reaches VIEWS[what]; admins: every project,
    and all of them together. Guests: nothing.
    """
    if not user.at_least(VIEWS[what]):
        return False
    if user.role == "admin":
        return True
    return bool((country or "").strip()) and user.in_country(country)


def visible_countries(user: User, what: str = "report") -> tuple[str, ...] | None:
    """The country projects `user` may see `what` for: None means every one (admins); () means none."""
    if not user.at_least(VIEWS[what]):
        return ()
    if user.role == "admin":
        return None
    return tuple(c for c in user.countries if may_view_country(user, c, what))


def country_scope(user: User, country: str | None, what: str, command: str) -> tuple[str | None, str | None]:
    """(the country project a report or digest covers, None) or (None, a friendly refusal).

    The country named, if the user may view it; else the user's only project; all projects only for admins.
    `command` is what the user typed it with (`report`, `digest preview`), for the example in the refusal."""
    mine = visible_countries(user, what)
    if country:
        if may_view_country(user, country, what):
            return country, None
        return None, (f"You can see {VIEW_TEXT[what]} only for your own country projects "
                      f"({', '.join(mine or ()) or 'none yet'}), and {country} is not one of them. "
                      f"Name one of yours, e.g. `{command} {(mine or ('Thailand',))[0]}`, or ask an admin "
                      "to add you to that project.")
    if mine is None:
        return None, None
    if len(mine) == 1:
        return mine[0], None
    if not mine:
        return None, (f"You don't belong to a country project yet, so there are no {VIEW_TEXT[what]} to show. "
                      f"Ask an admin to run `admin users add {user.platform}:{user.user_id} {user.role} COUNTRY`.")
    return None, f"Which country project? Add it, e.g. `{command} {mine[0]}` (yours: {', '.join(mine)})."


def can_see_partner(user: User, partner: Mapping[str, Any]) -> bool:
    """Staff and leads see partners of their own country projects; admins see all (`may_view_country`).

    A partner with no country project belongs to no team in particular: every staff member may see it, unless it
    is confidential (an NDA partner must have a country project to be shared with; until then only admins see it).
    """
    country = str(partner.get("country") or "").strip()
    if not country and user.role != "admin":
        return user.at_least(VIEWS["partner"]) and not partner.get("confidential")
    return may_view_country(user, country or None, "partner")


def can_see_confidential_details(user: User, partner: Mapping[str, Any], message: Message) -> bool:
    """Details of an NDA partner: only members of its country project, and only where nobody else reads."""
    if not partner.get("confidential"):
        return can_see_partner(user, partner)
    return can_see_partner(user, partner) and not message.is_shared


HIDDEN_NAME = "a confidential partner"
ASK_IN_DM = "I keep the details of confidential (NDA) partners out of shared channels: ask me in a direct message."


def partner_label(user: User, partner: Mapping[str, Any], message: Message) -> str:
    return str(partner["name"]) if can_see_confidential_details(user, partner, message) else HIDDEN_NAME


def visibility_key(user: User | None) -> tuple | None:
    """What decides which partners `user` sees (None: all of them). Users with the same key see the same partners."""
    if user is None or user.role == "admin":
        return None
    if not user.at_least("staff"):
        return ("none",)
    return ("member", frozenset(c.strip().casefold() for c in user.countries if c.strip()))


# --- user management -------------------------------------------------------------------------------------

def parse_user_key(key: str) -> tuple[str, str]:
    platform, sep, user_id = key.strip().partition(":")
    if not sep or platform not in ("slack", "teams", "console") or not user_id.strip():
        raise AccessError(f"{key!r} is not a user key. Write PLATFORM:USER_ID, e.g. slack:U0123ABCD or "
                          "teams:29:1abc… (platform is slack, teams or console).")
    return platform, user_id.strip()


def add_user(store: Store, key: str, role: str, countries: Iterable[str], actor: str, name: str = "") -> User:
    platform, user_id = parse_user_key(key)
    role = role.strip().lower()
    if role not in ASSIGNABLE:
        raise AccessError(f"{role!r} is not a role. Roles are: {', '.join(ASSIGNABLE)}.")
    clean = tuple(dict.fromkeys(c.strip() for c in countries if c.strip()))
    if role != "admin" and not clean:
        raise AccessError("Staff and leads belong to at least one country project; add it after the role, "
                          "e.g. `staff Thailand`.")
    with store.transaction() as c:
        existed = c.execute("SELECT role FROM users WHERE platform = ? AND user_id = ?", (platform, user_id)).fetchone()
        c.execute(
            "INSERT INTO users (platform, user_id, role, countries, display_name, added_by, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(platform, user_id) DO UPDATE SET role = excluded.role, "
            "countries = excluded.countries, display_name = CASE WHEN excluded.display_name = '' "
            "THEN users.display_name ELSE excluded.display_name END",
            (platform, user_id, role, json.dumps(list(clean), ensure_ascii=False), name, actor, utcnow()),
        )
        store.audit(actor, "user.update" if existed else "user.add", "users", None,
                    {"user": f"{platform}:{user_id}", "role": role, "countries": list(clean)})
    return User(platform, user_id, role, clean, name)


def remove_user(store: Store, key: str, actor: str) -> bool:
    platform, user_id = parse_user_key(key)
    with store.transaction() as c:
        n = c.execute("DELETE FROM users WHERE platform = ? AND user_id = ?", (platform, user_id)).rowcount
        if n:
            store.audit(actor, "user.remove", "users", None, {"user": f"{platform}:{user_id}"})
    return bool(n)


def list_users(store: Store) -> list[User]:
    rows = store.execute(
        "SELECT platform, user_id, role, countries, display_name FROM users ORDER BY role DESC, platform, user_id"
    ).fetchall()
    return [User(r[0], r[1], r[2], tuple(json.loads(r[3] or "[]")), r[4]) for r in rows]
