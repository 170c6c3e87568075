"""`partner`: a partner's card, and adding partners, aliases and the confidential (NDA) flag.

    partner Acme                       the card: stage, time in stage, last contact, next step, recent contacts
    partner add Acme Foods Co. --stream innovation --country Thailand --sector seafood [--confidential]
    partner alias Acme Foods Co. = Acme
    partner rename Acme Fods = Acme Foods   (the old name stays an alias)
    partner remove Acme Fods           a partner added by mistake, with no logs or reviews
    partner confidential Acme on|off   (leads)
    partner Acme --country Cambodia    correct the country project, --stream or --sector it was entered with
                                       (also `partner Acme sector: retail`)

Staff and leads see and change only partners of their own country projects (and partners with no country project
that are not confidential); `partner add` puts a partner in the user's project: `--country` is needed when they
belong to more than one, and must be one of theirs. In a shared channel a confidential partner's card shows no
name or details.
"""

from __future__ import annotations

import re
from datetime import date

from bot.message import Message
from bot.reply import Button, Fact, Reply
from intents import partner_create
from intents import partner_replies as pr
from intents.partner_replies import country_for  # noqa: F401 - used here, and imported from here by others
from indicators.report import known_countries
from intents.contract import Intent
from markup.dialect import code, escape
from records import (
    access,
    checks,
    dates,
    diligence,
    interactions,
    partner_edits,
    partners,
    pipeline,
    stages,
)

NAME = "partner"
SUMMARY = "a partner's card; `partner add NAME`, `partner alias NAME = ALIAS`, `partner confidential NAME on|off`"
USAGE = ("partner NAME | partner add NAME [since DATE] [--stream S] [--country C] [--sector S] [--confidential] | "
         "partner NAME since DATE | partner NAME --country C | --stream S | --sector S | partner rename NAME = NEW | "
         "partner remove NAME")
ACCESS = "staff"
OPTIONS = ("stream", "country", "sector", "owner", "confidential", "since")


def required_role(message: Message) -> str:
    first = message.text.strip().split(maxsplit=1)[0].lower() if message.text.strip() else ""
    return "lead" if first == "confidential" else "staff"


def handle(message: Message, services) -> Reply:
    store = services.store
    if message.action == "partner_create":  # the button under an unknown-partner reply: ask, then add
        return partner_create.ask(message, services)
    if message.form is not None:
        return partner_create.from_form(message, services)
    text = _dashes(message.text.strip())
    if message.action == "partner_show" and text:
        target = pr.resolve(store, text, "partner {name}", message=message)
        return target if isinstance(target, Reply) else card(store, target, pr.today(message), message)
    if not text:
        return Reply.problem(f"Which partner? Type `partner NAME` for its card, or `{USAGE}`.")
    verb, _, rest = text.partition(" ")
    verb = verb.lower()
    if verb in ("add", "new", "create"):
        return _add(message, store, rest)
    if verb == "alias":
        return _alias(message, store, rest)
    if verb == "confidential":
        return _confidential(message, store, rest)
    if verb == "rename":
        return _rename(message, store, rest)
    if verb in ("remove", "delete"):
        return _remove(message, store, rest)
    fix = _correction(text)  # `partner Acme Foods --country Thailand`, `partner Acme Foods sector: retail`
    if fix is not None:
        return fix if isinstance(fix, Reply) else _correct(message, store, *fix)
    since = re.match(r"(.+?)\s+since\s+(\S.*)$", text, re.I)  # `partner Acme Foods since 3 Nov`: back-date the start
    if since and dates.is_date(since.group(2), pr.today(message)):
        return _since(message, store, since.group(1), since.group(2))
    target = pr.resolve(store, text, "partner {name}", message=message)
    if isinstance(target, Reply):
        return target
    return card(store, target, pr.today(message), message)


def _dashes(text: str) -> str:
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
    for part in parts[1:]:
        key, _, value = part.partition(" ")
        key, _, inline = key.partition("=")
        key = key.lower().strip()
        if key not in OPTIONS:
            raise checks.RegistryError(f"I don't know the option --{key}. Options: "
                                         + ", ".join(f"--{o}" for o in OPTIONS) + ".")
        opts[key] = (inline + " " + value).strip()
    return name, opts


def _add(message: Message, store, rest: str) -> Reply:
    try:
        name, opts = parse_add(rest)
        stream = stages.resolve_stream(opts["stream"]) if opts.get("stream") else "innovation"
        conf = opts.get("confidential", None)
        confidential = conf is not None and conf.lower() not in ("no", "off", "false", "0")
        user = pr.viewer(message, store)
        country = country_for(user, opts.get("country", ""), known_countries(store))
        since = dates.parse_date(opts["since"], pr.today(message)) if opts.get("since") else None
        p = partner_edits.add_partner(store, name, actor=pr.actor(message), today=pr.today(message), stream=stream,
                                 country=country, sector=opts.get("sector", ""),
                                 owner=opts.get("owner", "") or pr.actor(message), confidential=confidential,
                                 viewer=user, since=since)
    except (checks.RegistryError, stages.StageError, dates.DateError) as e:
        return Reply.problem(f"{e}" + ("" if "nothing" in str(e).lower() else " Nothing was added."))
    where = f" in {p.country}" if p.country else ""
    if pr.hidden(message, p, store):
        return pr.hidden_reply(f"Added {pr.label(message, p, store)} ({p.stream_label}{where}), starting at "
                               f"{p.stage_label}.", partner_id=p.id)
    text = (f"Added {pr.lock(p)}{escape(p.name)} ({p.stream_label}{escape(where)}), starting at {p.stage_label}. "
            f"Log a contact with {code(f'log {p.name} meeting today: …')}.")
    if not p.country:
        text += (" No country project was given: only admins see it until it gets one." if p.confidential else
                 " No country project was given, so staff of every country project see it.")
    others = pr.others_note(store, p, message)
    if others:
        text += "\n" + others
    near = _similar(store, p, user)
    if near:
        text += (f"\nA partner with a close name exists: {escape(near)}. If you meant that one, "
                 f"{code(f'partner remove {pr.typed_name(store, p, message)}')} takes this one out again.")
    return Reply(text=text, private=True, data={"partner_id": p.id, "engaged_elsewhere": bool(others),
                                                "similar": near},
                 buttons=[Button("Show card", "partner_show", p.name)])


CORRECTABLE = ("country", "stream", "sector")
_FIELD = re.compile(r"(?P<name>.+?)\s+(?P<key>country(?: project)?|(?:work )?stream|sector)\s*:\s*(?P<value>.*)$", re.I)


def _correction(text: str) -> tuple[str, dict[str, str]] | Reply | None:
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


def _correct(message: Message, store, name: str, opts: dict[str, str]) -> Reply:
    """`partner NAME --country C --stream S --sector S`: correct what a partner was entered with (audited)."""
    if "since" in opts:
        return _since(message, store, name, opts["since"])
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


def _similar(store, p: partners.Partner, user) -> str:
    """The name (and project) of another partner the user sees whose name is close to the new partner's: "Acme Fods"
    added beside "Acme Foods" (another spelling of one company)."""
    from records import names

    for other, _score in names.close_partners(store, p.name, user):
        if other.company_id != p.company_id:
            return f"{other.name} ({other.country})" if other.country else other.name
    return ""


def _since(message: Message, store, name: str, when: str) -> Reply:
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


def _pair(message: Message, store, rest: str, verb: str, what: str,
          example: str) -> tuple[partners.Partner, str] | Reply:
    """`NAME = OTHER` of `partner alias` / `partner rename`: the partner NAME means, and OTHER."""
    name, sep, other = rest.partition("=")
    if not sep or not name.strip() or not other.strip():
        return Reply.problem(f"Write `partner {verb} NAME = {what}`, e.g. `{example}`.")
    target = pr.resolve(store, name, f"partner {verb} {{name}} = " + other.strip(), message=message)
    return target if isinstance(target, Reply) else (target, other.strip())


def _alias(message: Message, store, rest: str) -> Reply:
    got = _pair(message, store, rest, "alias", "ALIAS", "partner alias Acme Foods Co. = Acme")
    if isinstance(got, Reply):
        return got
    target, alias = got
    try:
        p = partner_edits.add_alias(store, target, alias, actor=pr.actor(message), viewer=pr.viewer(message, store))
    except checks.RegistryError as e:
        return Reply.problem(str(e))
    if pr.hidden(message, p, store):
        return pr.hidden_reply(f"“{escape(alias)}” now also finds {pr.label(message, p, store)}.")
    return Reply(text=f"“{escape(alias)}” now also finds {pr.lock(p)}{escape(p.name)}.", private=True)


def _rename(message: Message, store, rest: str) -> Reply:
    got = _pair(message, store, rest, "rename", "NEW NAME", "partner rename Acme Fods = Acme Foods")
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


def _remove(message: Message, store, rest: str) -> Reply:
    """`partner remove NAME`: a partner added by mistake, with nothing recorded about it (its creator, a lead of its
    project, or an admin)."""
    target = pr.resolve(store, rest, "partner remove {name}", message=message)
    if isinstance(target, Reply):
        return target
    user = pr.viewer(message, store)
    allowed = user is not None and (user.role == "admin" or partner_edits.created_by(store, target) == user.key
                                    or (user.role == "lead" and user.in_country(target.country)))
    if not allowed:
        project = f"the {target.country}" if target.country else "its"
        return Reply.problem(f"Only the person who added {pr.label(message, target, store)}, a lead of {project} "
                             "project or an admin can remove it. Nothing changed.")
    try:
        partner_edits.remove_partner(store, target, actor=pr.actor(message))
    except checks.RegistryError as e:
        return Reply.problem(str(e))
    return Reply(text=f"Removed {pr.label(message, target, store)}: nothing had been recorded about it. The audit "
                      "trail keeps a copy.", private=True, data={"partner_id": target.id, "removed": True})


def _confidential(message: Message, store, rest: str) -> Reply:
    words = rest.split()
    if len(words) < 2 or words[-1].lower() not in ("on", "off", "yes", "no"):
        return Reply.problem("Write `partner confidential NAME on` (an NDA is in place) or `… off`.")
    on = words[-1].lower() in ("on", "yes")
    target = pr.resolve(store, " ".join(words[:-1]), "partner confidential {name} " + words[-1], message=message)
    if isinstance(target, Reply):
        return target
    if target.confidential == on:
        return Reply(text=f"{pr.label(message, target, store)} is already marked "
                          f"{'confidential' if on else 'not confidential'}; nothing changed.", private=True)
    p = partner_edits.set_confidential(store, target, on, actor=pr.actor(message))
    if on:
        who = "The partner" if pr.hidden(message, p, store) else p.name
        return Reply(text=f"🔒 {who} is now marked confidential (NDA): it "
                          "shows with a lock everywhere, is named only in private replies and direct messages to "
                          "its country project's members, and is marked in exports.", private=True)
    return Reply(text=f"{escape(p.name)} is no longer marked confidential.", private=True)


def card(store, p: partners.Partner, today: date, message: Message | None = None) -> Reply:
    if pr.hidden(message, p, store):
        return pr.hidden_reply(f"🔒 That is {access.HIDDEN_NAME} (NDA): I don't show its card here.")
    last = interactions.last_contact(store, p.id)
    in_stage, quiet, reasons = pipeline.stalled_reasons(p, last, today)
    nxt = interactions.next_step(store, p.id)
    recent = interactions.recent_interactions(store, p.id, 5)
    dd = diligence.latest_diligence(store, p.id)
    usual = stages.usual_days(p.stage, p.stream)
    facts = [
        Fact("Stage", f"{p.stage_label} ({p.stream_label})"),
        Fact("Time in stage", f"{_days(in_stage)}, since {dates.human(p.stage_since)}"
             + (f" (usually up to {usual})" if usual else "")),
        Fact("Last contact", f"{dates.human(last, today)} ({_days(quiet)} ago)" if last else "none logged yet"),
    ]
    if nxt:
        due = nxt["next_due"]
        overdue = due and date.fromisoformat(due) < today
        facts.append(Fact("Next step", nxt["next_step"] + (f" — due {dates.human(due, today)}" if due else "")
                          + (" ⚠ overdue" if overdue else "")))
    else:
        facts.append(Fact("Next step", "none set"))
    facts.append(Fact("Country project", p.country or "—"))
    if p.sector:
        facts.append(Fact("Sector", p.sector))
    if p.aliases:
        facts.append(Fact("Also known as", ", ".join(p.aliases)))
    facts.append(Fact("Confidential", "🔒 yes — NDA in place" if p.confidential else "no"))
    if dd:
        facts.append(Fact("Due diligence", f"{diligence.describe(dd)} ({dates.human(dd['reviewed_on'])})"))
    totals = interactions.outcome_totals(store, p.id)
    if totals:
        facts.append(Fact("Outcomes", "; ".join(
            f"{checks.OUTCOME_LABELS[k]}: {q:,.0f}" + (f" {c}" if c else "") for k, c, q in totals)))
    lines = [f"{pr.lock(p)}**{escape(p.name)}**"]
    others = pr.others_note(store, p, message)
    if others:
        lines.append(others)
    if p.confidential:
        lines.append("Confidential partner (NDA): keep these details out of shared channels.")
    if reasons:
        lines.append("⚠ Stalled: " + escape("; ".join(reasons)) + ".")
    if recent:
        lines.append("Recent contacts:")
        for r in recent:
            lines.append(f"- {r['occurred_on']} {r['kind']} ({r['action_level'] or '-'}): {escape(_short(r['summary']))}")
    else:
        lines.append(f"No contacts logged yet. {code(f'log {p.name} meeting today: …')}")
    return Reply(text="\n".join(lines), facts=facts, private=p.confidential,
                 data={"partner": p.as_dict(), "stalled": list(reasons), "last_contact": last,
                       "days_in_stage": in_stage, "confidential": p.confidential,
                       "engaged_elsewhere": bool(others)})


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _days(n: int | None) -> str:
    return "1 day" if n == 1 else f"{n} days"


EXAMPLES = (
    ("partner add Acme Foods --stream innovation --country Thailand --sector seafood",
     "add a new company to the partner registry"),
    ("partner Acme Foods", "see a partner's card: stage, last contact and next step"),
    ("partner alias Acme Foods = AFC", "give a partner a short name or another spelling"),
    ("partner Acme Foods since 1 Oct", "back-date the day work with a partner began, when it was entered late"),
    ("partner Acme Foods --country Cambodia",
     "correct the country project, work stream or sector a partner was entered with"),
    ("partner rename Acme Foods = Acme Foods Ltd", "correct a partner's name; the old one still finds it"),
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I add a new company to the partner registry?",
    "how do I see a partner's card with its stage, last contact and next step?",
    "how do I mark a partner as confidential because of an NDA?",
    "how do I give a partner a short name or alias?",
    "where do I look up what we have on a company?",
    "how do I open a partner's record to see everything about it?",
    "show me how to find a partner's card",
    "how do I correct the country a partner was entered under?",
    "how do I change a partner's sector or work stream?",
    "I misspelt a company's name when I added it, how do I fix it?",
    "I added the same company twice by mistake, how do I remove one?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role, examples=EXAMPLES,
                asks=ASKS)
