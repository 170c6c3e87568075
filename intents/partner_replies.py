"""Shared pieces of the registry intents: who is acting, today's date for the user, and the replies for a
partner name that matches nothing (offer to create it) or several partners (ask which)."""

from __future__ import annotations

from datetime import date

from bot import dates, registry
from bot.message import Message
from bot.reply import Button, Reply


def actor(message: Message) -> str:
    return f"{message.platform}:{message.user_id}"


def today(message: Message) -> date:
    return dates.today_for(message.timezone, message.received_at)


def lock(p: registry.Partner) -> str:
    """The mark shown next to a confidential (NDA) partner's name everywhere."""
    return "🔒 " if p.confidential else ""


def unknown_partner(name: str, then: str = "") -> Reply:
    """Never create silently: ask, with a button and the command to type."""
    shown = " ".join(name.split())[:registry.MAX_NAME] or "?"
    text = (f"I don't know a partner called “{shown}”, so nothing was saved. Is it a new partner? "
            f"Add it with the button or type `partner add {shown} --stream innovation --country COUNTRY` "
            "(stream: innovation or survivor_employment)")
    text += f", then {then}." if then else "."
    return Reply.problem(text, buttons=[Button(f"Add “{shown}” as a partner", "partner_create", shown, "primary")],
                         data={"unknown_partner": shown})


def ambiguous_partner(match: registry.Match, example: str) -> Reply:
    names = [p.name for p, _ in match.candidates]
    lines = "\n".join(f"• {lock(p)}{p.name} ({p.country or 'no country'}, {p.stage_label})" for p, _ in match.candidates)
    return Reply.problem(
        f"“{match.query}” could mean more than one partner; nothing was saved. Which one?\n{lines}\n"
        f"Repeat with the full name, e.g. `{example.format(name=names[0])}`.",
        data={"candidates": names})


def resolve(store, name: str, example: str, then: str = "") -> registry.Partner | Reply:
    """The partner `name` means, or the Reply that explains why it can't be picked."""
    if not name.strip():
        return Reply.problem(f"Which partner? Give its name, e.g. `{example.format(name='Acme Foods')}`.")
    m = registry.find_partner(store, name)
    if m.status == "found":
        return m.partner  # type: ignore[return-value]
    if m.status == "ambiguous":
        if len(m.candidates) == 1:
            p = m.candidates[0][0]
            r = unknown_partner(name, then)
            r.text = (f"I don't know “{name.strip()}”; did you mean {lock(p)}{p.name}? If so, use its full name, e.g. "
                      f"`{example.format(name=p.name)}`. " + r.text)
            r.data["candidates"] = [p.name]
            return r
        return ambiguous_partner(m, example)
    return unknown_partner(name, then)
