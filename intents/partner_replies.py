"""Shared pieces of the registry intents: who is acting, today's date for the user, and the replies for a
partner name that matches nothing (offer to create it) or several partners (ask which).

Visibility: every lookup goes through `resolve(..., message=...)`, which only considers the partners the user may
see (`names.find_partner(viewer=...)`), so another country project's partner looks exactly like an unknown name.
In a shared channel a confidential (NDA) partner is named "a confidential partner" (`hidden`, `label`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.message import Message
from bot.reply import Button, Reply
from indicators.report import near_country
from markup.dialect import escape
from records import access, checks, companies, dates, names, partners


def actor(message: Message) -> str:
    return f"{message.platform}:{message.user_id}"


def today(message: Message) -> date:
    return dates.today_for(message.timezone, message.received_at)


def lock(p: partners.Partner) -> str:
    """The mark shown next to a confidential (NDA) partner's name everywhere."""
    return "🔒 " if p.confidential else ""


def viewer(message: Message | None, store=None) -> access.User | None:
    """The user whose partners a request may touch (None: no message, e.g. internal callers — all partners)."""
    if message is None:
        return None
    if message.role:
        return access.user_of(message)
    if message.platform == "console":
        return access.User("console", message.user_id, "admin", (), message.user_name)
    return access.current_user(store, message)


def hidden(message: Message | None, p: partners.Partner, store=None) -> bool:
    """True when this reply must not carry the partner's name or details (an NDA partner, a shared channel)."""
    if message is None or not p.confidential:
        return False
    user = viewer(message, store)
    return user is None or not access.can_see_confidential_details(user, p, message)


def label(message: Message | None, p: partners.Partner, store=None) -> str:
    """The partner's name with its lock, or "a confidential partner" where its name must not be shown."""
    return "🔒 " + access.HIDDEN_NAME if hidden(message, p, store) else lock(p) + escape(p.name)


def hidden_reply(text: str, **data) -> Reply:
    """A reply about a confidential partner in a shared channel: no name, no details, and where to ask instead."""
    return Reply(text=f"{text} {access.ASK_IN_DM}", private=True, data={"confidential": True, **data})


def others_note(store, p: partners.Partner, message: Message | None) -> str:
    """“Also engaged by the Cambodia team (…)” when other country projects engage the same company, else ""."""
    if store is None or not p.company_id:
        return ""
    others = companies.engagements(store, p.company_id, besides=p.id)
    return companies.coordinate_note(others, hide_confidential=message is None or message.is_shared)


def elsewhere_note(store, name: str, message: Message | None) -> str:
    """For a name the user's projects don't know: which other teams engage that company (it exists for them too,
    though its logs, notes and amounts stay with those teams), else ""."""
    found = companies.company_named(store, name)
    if found is None:
        return ""
    company_id, company = found
    others = companies.engagements(store, company_id)
    note = companies.coordinate_note(others, hide_confidential=message is None or message.is_shared)
    if not note:
        return ""
    return (f"{escape(company)} is not one of your country project's partners yet. "
            f"{note.replace('Also engaged by', 'It is engaged by', 1)} "
            f"To work with it too, add your own engagement: `partner add {escape(company)}`.")


def unknown_partner(name: str, then: str = "") -> Reply:
    """Never create silently: ask, with a button and the command to type."""
    shown = " ".join(name.split())[:checks.MAX_NAME] or "?"
    text = (f"I don't know a partner called “{shown}”, so nothing was saved. Is it a new partner? "
            f"Add it with the button or type `partner add {shown} --stream innovation --country COUNTRY` "
            "(stream: innovation or survivor)")
    text += f", then {then}." if then else "."
    return Reply.problem(text, buttons=[Button(f"Add “{shown}” as a partner", "partner_create", shown, "primary")],
                         data={"unknown_partner": shown})


def ref(p: partners.Partner, among) -> str:
    """How to name `p` so it is found again: its name, or `NAME (COUNTRY)` when another of `among` shares the name."""
    same = [q for q in among if q.id != p.id and names.normalize(q.name) == names.normalize(p.name)]
    return f"{p.name} ({p.country})" if same and p.country else p.name


def typed_name(store, p: partners.Partner, message: Message | None) -> str:
    """The name that finds `p` again for this user: its name, or `NAME (COUNTRY)` when they see several teams'."""
    m = names.find_partner(store, p.name, viewer(message, store))
    return p.name if m.partner is not None and m.partner.id == p.id or not p.country else f"{p.name} ({p.country})"


def ambiguous_partner(match: names.Match, example: str, message: Message | None = None, store=None) -> Reply:
    shown = [p for p, _ in match.candidates if not hidden(message, p, store)]
    secret = len(match.candidates) - len(shown)
    if not shown:
        return Reply.problem(f"“{match.query}” could mean more than one confidential partner; nothing was saved. "
                             + access.ASK_IN_DM, data={"candidates": []})
    candidate_names = [ref(p, shown) for p in shown]
    lines = "\n".join(f"- {lock(p)}{escape(r)}: {p.stage_label}" if r != p.name else
                      f"- {lock(p)}{escape(p.name)} ({escape(p.country or 'no country')}, {p.stage_label})"
                      for p, r in zip(shown, candidate_names))
    if secret:
        lines += f"\n- …or {'a confidential partner' if secret == 1 else f'{secret} confidential partners'} " \
                 "(ask me in a direct message)"
    return Reply.problem(
        f"“{match.query}” could mean more than one partner; nothing was saved. Which one?\n{lines}\n"
        f"Repeat with the full name, e.g. `{example.format(name=candidate_names[0])}`.",
        data={"candidates": candidate_names})


def resolve(store, name: str, example: str, then: str = "",
            message: Message | None = None) -> partners.Partner | Reply:
    """The partner `name` means among those the message's user may see, or the Reply that explains why it can't
    be picked. Without a message every partner is considered (internal callers only)."""
    if not name.strip():
        return Reply.problem(f"Which partner? Give its name, e.g. `{example.format(name='Acme Foods')}`.")
    m = names.find_partner(store, name, viewer(message, store))
    if m.status == "found":
        return m.partner  # type: ignore[return-value]
    if m.status == "ambiguous":
        if len(m.candidates) == 1:
            p = m.candidates[0][0]
            if hidden(message, p, store):
                r = unknown_partner(name, then)
                r.text = (f"I don't know “{name.strip()}” as typed; it may be close to a confidential partner's name. "
                          f"{access.ASK_IN_DM} " + r.text)
                return r
            r = unknown_partner(name, then)
            r.text = (f"I don't know “{name.strip()}”; did you mean {lock(p)}{p.name}? If so, use its full name, e.g. "
                      f"`{example.format(name=p.name)}`. " + r.text)
            r.data["candidates"] = [p.name]
            return r
        return ambiguous_partner(m, example, message, store)
    r = unknown_partner(name, then)
    note = elsewhere_note(store, name, message) if message is not None else ""
    if note:
        r.text = note + " Nothing was saved."
        r.data["engaged_elsewhere"] = True
    return r


def country_for(user: access.User | None, given: str, known: Sequence[str] = (), doing: str = "add") -> str:
    """The country project a new partner goes into (`doing` "add") or a partner is moved to ("move"): the one given
    (it must be one of a non-admin's projects), or a non-admin's only project. Raises RegistryError (nothing added
    or changed) when it can't be decided or isn't theirs. An admin may name any project, in the spelling of a
    `known` one; a name close to a known project but not it ("Thialand") is refused with the one meant rather than
    starting a new country project by mistake."""
    given = " ".join(given.split())
    nothing = "Nothing was added." if doing == "add" else "Nothing changed."
    if user is None or user.role == "admin":
        same = next((c for c in known if c.casefold() == given.casefold()), None)
        if same or not given:
            return same or given
        meant = near_country(given, list(known))
        if meant:
            raise checks.RegistryError(f"“{given}” is no country project; did you mean {meant}? {nothing}", "country")
        return given
    mine = [c for c in user.countries if c.strip()]
    if given:
        for c in mine:
            if c.casefold() == given.casefold():
                return c  # the project's own spelling
        raise checks.RegistryError(
            f"You can {doing} partners only to your own country project{'s' if len(mine) > 1 else ''} "
            f"({', '.join(mine) or 'none yet'}), not {given}. {nothing} Ask a member of the {given} project "
            f"or an admin to {doing} it.", "country")
    if len(mine) == 1:
        return mine[0]
    raise checks.RegistryError(
        f"Which country project is it for? You belong to {', '.join(mine)}: add e.g. `--country {mine[0]}`. "
        f"{nothing}", "country")


MAX_PENDING_LOG = 1500  # characters of log line carried by the Add-partner button and form (Slack: 2,000 / 3,000)


def add_button(reply: Reply, log_line: str) -> Reply:
    """Give an unknown-partner reply's "Add … as a partner" button the log line to finish once it is added."""
    name = reply.data.get("unknown_partner")
    if not name or len(log_line) > MAX_PENDING_LOG:
        return reply
    value = json.dumps({"name": name, "log": log_line}, ensure_ascii=False)
    reply.buttons = [replace(b, value=value) if b.action == "partner_create" else b for b in reply.buttons]
    reply.text += " The button asks for its work stream and country project, then saves this log."
    return reply
