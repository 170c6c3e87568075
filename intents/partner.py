"""`partner`: a partner's card, and adding partners, aliases and the confidential (NDA) flag.

    partner Acme                       the card: stage, time in stage, last contact, next step, recent contacts
    partner add Acme Foods Co. --stream innovation --country Thailand --sector seafood [--confidential]
    partner alias Acme Foods Co. = Acme
    partner confidential Acme on|off   (leads)

Corrections (`partner Acme --country Cambodia`, `partner Acme since 3 Nov`, `partner rename`, `partner remove`,
`partner merge`) are in intents/partner_fix.py.

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
from intents import partner_create, partner_fix
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
    names,
    partner_edits,
    partners,
    pipeline,
    stages,
)

NAME = "partner"
SUMMARY = "a partner's card; `partner add NAME`, `partner alias NAME = ALIAS`, `partner confidential NAME on|off`"
USAGE = ("partner NAME | partner add NAME [since DATE] [--stream S] [--country C] [--sector S] [--confidential] | "
         "partner NAME since DATE | partner NAME --country C | --stream S | --sector S | partner rename NAME = NEW | "
         "partner remove NAME | partner merge DUPLICATE into NAME")
ACCESS = "staff"


def required_role(message: Message) -> str:
    first = message.text.strip().split(maxsplit=1)[0].lower() if message.text.strip() else ""
    return "lead" if first == "confidential" else "staff"


def handle(message: Message, services) -> Reply:
    store = services.store
    if message.action == "partner_create":  # the button under an unknown-partner reply: ask, then add
        return partner_create.ask(message, services)
    if message.form is not None:
        return partner_create.from_form(message, services)
    text = partner_fix.dashes(message.text.strip())
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
        return partner_fix.rename(message, store, rest)
    if verb in ("remove", "delete"):
        return partner_fix.remove(message, store, rest)
    if verb == "merge":
        return partner_fix.merge(message, store, rest)
    fix = partner_fix.correction(text)  # `partner Acme Foods --country Thailand`, `partner Acme Foods sector: retail`
    if fix is not None:
        return fix if isinstance(fix, Reply) else partner_fix.correct(message, store, *fix)
    since = re.match(r"(.+?)\s+since\s+(\S.*)$", text, re.I)  # `partner Acme Foods since 3 Nov`: back-date the start
    if since and dates.is_date(since.group(2), pr.today(message)):
        return partner_fix.since(message, store, since.group(1), since.group(2))
    target = pr.resolve(store, text, "partner {name}", message=message)
    if isinstance(target, Reply):
        return target
    return card(store, target, pr.today(message), message)


def _add(message: Message, store, rest: str) -> Reply:
    try:
        name, opts = partner_fix.parse_add(rest)
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


def _similar(store, p: partners.Partner, user) -> str:
    """The name (and project) of another partner the user sees whose name is close to the new partner's: "Acme Fods"
    added beside "Acme Foods" (another spelling of one company)."""
    for other, _score in names.close_partners(store, p.name, user):
        if other.company_id != p.company_id:
            return f"{other.name} ({other.country})" if other.country else other.name
    return ""


def _alias(message: Message, store, rest: str) -> Reply:
    got = partner_fix.pair(message, store, rest, "alias", "ALIAS", "partner alias Acme Foods Co. = Acme")
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
        Fact("Last contact", _last_contact(last, quiet, today)),
    ]
    began = partner_edits.work_began(store, p)
    if began is not None and began.isoformat() != p.stage_since[:10]:  # it has moved on since: when it all started
        facts.insert(2, Fact("Work began", dates.human(began, today)))
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


def _last_contact(last, quiet: int | None, today) -> str:
    """"17 Nov 2026 (2 days ago)"; just "today" or "yesterday" when it was."""
    if not last:
        return "none logged yet"
    said = dates.human(last, today)
    return said if said in ("today", "yesterday") else f"{said} ({_days(quiet)} ago)"


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
