"""Correcting a partner: what it was entered with, its name, the day work began, or taking out one added by mistake.

    partner Acme --country Cambodia    correct the country project, --stream or --sector it was entered with
                                       (also `partner Acme sector: retail`)
    partner Acme since 3 Nov           the day work with the company began (a partner entered late)
    partner rename Acme Fods = Acme Foods   (the old name stays an alias)
    partner remove Acme Fods           a partner added by mistake, with no logs or reviews
    partner merge Acme Fods into Acme Foods   one company entered twice: its logs move, its name stays an alias

Also the reading of `--option value` shared with `partner add`. Every change is audited (records.partner_edits).
"""

from __future__ import annotations

import re

from bot.message import Message
from bot.reply import Button, Reply
from indicators.report import known_countries
from intents import partner_replies as pr
from intents.partner_replies import country_for
from markup.dialect import escape
from records import checks, dates, partner_edits, partners, stages

OPTIONS = ("stream", "country", "sector", "owner", "confidential", "since")


def dashes(text: str) -> str:
    """`—country` → `--country`: phones and some chat clients turn a typed `--` into a dash."""
    return re.sub(r"(?<=\s)[—–](?=[A-Za-z])", "--", text)


def parse_add(text: str) -> tuple[str, dict[str, str]]:
    """`Acme Foods --stream survivor --country Thailand --confidential` → name and options."""
    parts = re.split(r"\s+--(?=[A-Za-z])", " " + text.strip())
    name = parts[0].strip()
    opts: dict[str, str] = {}
    words = re.match(r"(.+?)\s+since\s+(\S.*)$", name, re.I)  # `partner add Acme Foods since 3 March 2026`
    if words:
        name, opts["since"] = words.group(1).strip(), words.group(2).strip()
    for n, part in enumerate(parts[1:], 1):
        key, _, value = part.partition(" ")
        key, _, inline = key.partition("=")
        key = key.lower().strip()
        if key not in OPTIONS:
            raise checks.RegistryError(f"I don't know the option --{key}. Options: "
                                         + ", ".join(f"--{o}" for o in OPTIONS) + ".")
        opts[key] = (inline + " " + value).strip()
        late = re.match(r"(.*?)\s*\bsince\s+(\S.*)$", opts[key], re.I) if n == len(parts) - 1 else None
        if late and key != "since" and "since" not in opts:  # `--country Thailand since 3 March`: the start day
            opts[key], opts["since"] = late.group(1).strip(), late.group(2).strip()
    return name, opts


CORRECTABLE = ("country", "stream", "sector")
_FIELD = re.compile(r"(?P<name>.+?)\s+(?P<key>country(?: project)?|(?:work )?stream|sector)\s*:\s*(?P<value>.*)$", re.I)


def correction(text: str) -> tuple[str, dict[str, str]] | Reply | None:
    """(partner words, {field: new value}) when `text` corrects a partner; None when it names one only."""
    m = _FIELD.fullmatch(text)
    if m and " --" not in text:
        return m.group("name").strip(), {m.group("key").split()[-1].lower(): m.group("value").strip()}
    if " --" not in text:
        return None
    try:
        name, opts = parse_add(text)
    except checks.RegistryError as e:
        return Reply.problem(f"{e} Nothing changed.")
    if opts.get("since") and len(opts) == 1:
        return name, opts
    wrong = [o for o in opts if o not in CORRECTABLE]
    if wrong:
        return Reply.problem(f"`--{wrong[0]}` can't be changed this way; a partner's country project, stream and "
                             f"sector can (`partner {name} --country Thailand`). For the confidential flag use "
                             f"`partner confidential {name} on|off`, and for the start day `partner {name} since "
                             "DATE`. Nothing changed.")
    return name, opts


def correct(message: Message, store, name: str, opts: dict[str, str]) -> Reply:
    """`partner NAME --country C --stream S --sector S`: correct what a partner was entered with (audited)."""
    if "since" in opts:
        return since(message, store, name, opts["since"])
    target = pr.resolve(store, name, "partner {name} --country Thailand", message=message)
    if isinstance(target, Reply):
        return target
    empty = next((k for k, v in opts.items() if not v.strip()), None)
    if empty:  # `--country` with nothing after it: never read as "no country project"
        example = {"country": "--country Thailand", "stream": "--stream survivor", "sector": "--sector seafood"}[empty]
        what = {"country": "country project", "stream": "work stream"}.get(empty, empty)
        return Reply.problem(f"Give the new {what} after `--{empty}`, e.g. `partner {name.strip()} {example}`."
                             + (" (`--sector none` clears it.)" if empty == "sector" else "") + " Nothing changed.")
    if opts.get("sector", "").strip().lower() in ("none", "-", "no sector"):
        opts = {**opts, "sector": ""}
    user = pr.viewer(message, store)
    try:
        country = None
        if "country" in opts:
            country = country_for(user, opts["country"], known_countries(store), doing="move")
        stream = stages.resolve_stream(opts["stream"]) if "stream" in opts else None
        p, lines = partner_edits.correct(store, target, actor=pr.actor(message), country=country, stream=stream,
                                         sector=opts.get("sector"), viewer=user)
    except (checks.RegistryError, stages.StageError) as e:
        return Reply.problem(f"{e}" + ("" if "nothing" in str(e).lower() else " Nothing changed."))
    who = pr.label(message, p, store)
    if not lines:
        return Reply(text=f"{who} already has that; nothing changed.", private=True, data={"partner_id": p.id})
    text = f"Corrected {who}: " + "; ".join(escape(line) for line in lines) + "."
    if country is not None and p.country != target.country:
        text += (f" Its logs and outcomes now count for {escape(p.country or 'no country project')} in reports, "
                 "and its members see it.")
    if p.stream != target.stream:
        text += f" It is at {p.stage_label}, the first stage of that stream, since {dates.human(p.stage_since)}."
    return Reply(text=text, private=True, data={"partner_id": p.id, "changes": lines},
                 buttons=[] if pr.hidden(message, p, store) else [Button("Show card", "partner_show", p.name)])


def since(message: Message, store, name: str, when: str) -> Reply:
    """`partner NAME since DATE`: the day work with the company began (for a partner entered late)."""
    target = pr.resolve(store, name, "partner {name} since " + when, message=message)
    if isinstance(target, Reply):
        return target
    today = pr.today(message)
    try:
        day = dates.parse_date(when, today)
        p = partner_edits.set_since(store, target, day, actor=pr.actor(message), today=today)
    except (checks.RegistryError, dates.DateError) as e:
        return Reply.problem(f"{e}" + ("" if "nothing" in str(e).lower() else " Nothing changed."))
    text = f"Work with {pr.label(message, p, store)} now counts from {dates.human(day, today)}"
    text += f", at {p.stage_label} since then." if p.stage_since[:10] == day.isoformat() else "."
    return Reply(text=text, private=True, data={"partner_id": p.id, "since": day.isoformat()})


def pair(message: Message, store, rest: str, verb: str, what: str,
          example: str) -> tuple[partners.Partner, str] | Reply:
    """`NAME = OTHER` of `partner alias` / `partner rename`: the partner NAME means, and OTHER."""
    name, sep, other = rest.partition("=")
    if not sep or not name.strip() or not other.strip():
        return Reply.problem(f"Write `partner {verb} NAME = {what}`, e.g. `{example}`.")
    target = pr.resolve(store, name, f"partner {verb} {{name}} = " + other.strip(), message=message)
    return target if isinstance(target, Reply) else (target, other.strip())


def rename(message: Message, store, rest: str) -> Reply:
    got = pair(message, store, rest, "rename", "NEW NAME", "partner rename Acme Fods = Acme Foods")
    if isinstance(got, Reply):
        return got
    target, new = got
    try:
        p = partner_edits.rename(store, target, new, actor=pr.actor(message), viewer=pr.viewer(message, store))
    except checks.RegistryError as e:
        return Reply.problem(str(e))
    if pr.hidden(message, p, store):
        return pr.hidden_reply(f"Renamed {pr.label(message, p, store)}.", partner_id=p.id)
    text = (f"Renamed {escape(target.name)} to {pr.lock(p)}{escape(p.name)}, for every country project that works "
            f"with it; “{escape(target.name)}” still finds it.")
    return Reply(text=text, private=True, data={"partner_id": p.id, "name": p.name},
                 buttons=[Button("Show card", "partner_show", p.name)])


def merge(message: Message, store, rest: str) -> Reply:
    """`partner merge DUPLICATE into PARTNER`: one company entered twice in a country project."""
    m = re.fullmatch(r"(.+?)\s+(?:into|=)\s+(.+)", rest.strip())
    if not m:
        return Reply.problem("Write `partner merge DUPLICATE into PARTNER`, e.g. `partner merge Acme Fods into Acme "
                             "Foods`: the duplicate's logs move to the partner and its name becomes an alias.")
    source_words, target_words = m.groups()
    source = pr.resolve(store, source_words, "partner merge {name} into " + target_words, message=message)
    if isinstance(source, Reply):
        return source
    target = pr.resolve(store, target_words, f"partner merge {source_words} into {{name}}", message=message)
    if isinstance(target, Reply):
        return target
    if not _may_remove(message, store, source):
        return _not_allowed(message, store, source, "merge")
    try:
        moved = partner_edits.merge_partner(store, source, target, actor=pr.actor(message))
    except checks.RegistryError as e:
        return Reply.problem(str(e))
    counts = ", ".join(f"{n} {what}{'' if n == 1 else 's'}" for what, n in
                       (("log", moved["interactions"]), ("outcome", moved["outcomes"]),
                        ("diligence review", moved["diligence"])) if n) or "nothing recorded"
    text = (f"Merged {pr.label(message, source, store)} into {pr.label(message, target, store)}: moved {counts}. "
            f"“{escape(source.name)}” now finds {escape(target.name)}; its stage stays {target.stage_label}.")
    return Reply(text=text, private=True, data={"partner_id": target.id, "merged": source.id, "moved": moved})


def _may_remove(message: Message, store, target: partners.Partner) -> bool:
    user = pr.viewer(message, store)
    return user is not None and (user.role == "admin" or partner_edits.created_by(store, target) == user.key
                                 or (user.role == "lead" and user.in_country(target.country)))


def _not_allowed(message: Message, store, target: partners.Partner, verb: str) -> Reply:
    project = f"the {target.country}" if target.country else "its"
    return Reply.problem(f"Only the person who added {pr.label(message, target, store)}, a lead of {project} "
                         f"project or an admin can {verb} it. Nothing changed.")


def remove(message: Message, store, rest: str) -> Reply:
    """`partner remove NAME`: a partner added by mistake, with nothing recorded about it (its creator, a lead of its
    project, or an admin)."""
    target = pr.resolve(store, rest, "partner remove {name}", message=message)
    if isinstance(target, Reply):
        return target
    if not _may_remove(message, store, target):
        return _not_allowed(message, store, target, "remove")
    try:
        partner_edits.remove_partner(store, target, actor=pr.actor(message))
    except checks.RegistryError as e:
        return Reply.problem(str(e))
    return Reply(text=f"Removed {pr.label(message, target, store)}: nothing had been recorded about it. The audit "
                      "trail keeps a copy.", private=True, data={"partner_id": target.id, "removed": True})
