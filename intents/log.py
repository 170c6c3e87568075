"""`log`: record a contact with a partner in one line, or through a form when given no text.

    log Acme Foods meeting yesterday: discussed 5 placements; next: send concept note by Friday
    log Blue Ocean agreement 20 Nov: MoU signed; cash: 5000 USD; level: high; placed: 3

Head (before the first colon): partner name, kind word, date words. After the colon: the summary, then
`;`-separated extras: `next: STEP [by DATE]`, `due: DATE`, `level: high|medium|low`, and outcomes such as
`placed: 5`, `trained: 12`, `cash: 5000 USD`, `in-kind: 800 USD`, `activities: 1`, `policy: 1`,
`employed 3m: 4` (also 6m, 12m).

Only partners the user may see are matched (another country project's partner looks like an unknown name).
Logs about a confidential (NDA) partner are confirmed privately; in a shared channel the confirmation names it
"a confidential partner" and carries no summary, next step or outcomes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from bot.message import Message
from bot.reply import Fact, Form, FormField, Reply
from intents import partner_replies as pr
from intents.contract import Intent
from markup.dialect import code, escape
from records import checks, dates, interactions, names, partners, privacy
from storage.schema import ACTION_LEVELS, INTERACTION_KINDS

NAME = "log"
SUMMARY = "record a meeting, call, email, event, training or agreement with a partner (no text: a form)"
USAGE = "log PARTNER KIND DATE: SUMMARY; next: STEP by DATE; level: high|medium|low; placed: N"
ACCESS = "staff"
EXAMPLE = "log Acme Foods meeting yesterday: discussed 5 placements; next: send concept note by Friday"

KIND_WORDS = {
    "meeting": "meeting", "meet": "meeting", "met": "meeting", "mtg": "meeting", "visit": "meeting",
    "visited": "meeting", "call": "call", "called": "call", "phone": "call", "phoned": "call", "zoom": "call",
    "email": "email", "emailed": "email", "e-mail": "email", "mail": "email", "wrote": "email",
    "event": "event", "workshop": "event", "conference": "event", "forum": "event", "webinar": "event",
    "training": "training", "agreement": "agreement", "mou": "agreement", "signed": "agreement",
    "signing": "agreement", "contract": "agreement",
}
OUTCOME_KEYS = {
    "placed": "survivors_placed", "survivors placed": "survivors_placed", "placements": "survivors_placed",
    "trained": "survivors_trained", "survivors trained": "survivors_trained",
    "cash": "cash", "funding": "cash", "funds": "cash", "money": "cash",
    "in-kind": "in_kind", "in kind": "in_kind", "inkind": "in_kind", "in_kind": "in_kind",
    "activities": "joint_activity", "activity": "joint_activity", "joint activities": "joint_activity",
    "joint activity": "joint_activity", "policy": "policy_change", "policies": "policy_change",
    "policy change": "policy_change", "policy changes": "policy_change",
}
for _m in ("3", "6", "12"):
    for _w in ("employed", "still employed", "retained"):
        OUTCOME_KEYS[f"{_w} {_m}m"] = f"retained_{_m}m"
        OUTCOME_KEYS[f"{_w} {_m} months"] = f"retained_{_m}m"
NEXT_KEYS = ("next", "next step", "next steps", "todo", "to do", "follow up", "follow-up")
LEVEL_KEYS = ("level", "action level", "action")
DUE_KEYS = ("due", "by", "deadline")
CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "฿": "THB", "৳": "BDT", "៛": "KHR", "₭": "LAK"}
FORM_OUTCOMES = ("survivors_trained", "survivors_placed", "cash", "in_kind", "joint_activity", "policy_change")


class LogError(ValueError):
    def __init__(self, message: str, field_name: str | None = None):
        super().__init__(message)
        self.field = field_name


@dataclass
class Parsed:
    partner_text: str
    kind: str
    occurred_on: date
    summary: str
    next_step: str = ""
    next_due: date | None = None
    level: str | None = None
    outcomes: list[interactions.OutcomeDraft] = field(default_factory=list)
    kind_given: bool = True


def required_role(message: Message) -> str:
    return ACCESS


def handle(message: Message, services) -> Reply:
    if message.form is not None:
        return _from_form(message, services)
    text = message.text.strip()
    if not text:
        return Reply(text="Log a partner contact (or in one line: `" + EXAMPLE + "`).", form=log_form(), private=True)
    return _from_text(message, services, text)


# --- the one-line form ----------------------------------------------------------------------------------------

def _from_text(message: Message, services, text: str) -> Reply:
    store = services.store
    today = pr.today(message)
    head, sep, tail = text.partition(":")
    if not sep or not tail.strip():
        return Reply.problem("Put what happened after a colon, e.g. "
                             f"`{EXAMPLE}`. Nothing was saved. (Or type just `log` for a form.)")
    found = privacy.find_identifiers(tail)
    if found:
        return Reply.problem(privacy.refusal(found, "your log"))
    try:
        parsed = parse(store, head, tail, today, viewer=pr.viewer(message, store))
    except (LogError, dates.DateError) as e:
        return Reply.problem(f"{e} Nothing was saved. Example: `{EXAMPLE}`.")
    target = pr.resolve(store, parsed.partner_text, "log {name} meeting today: …", then="send your log again",
                        message=message)
    if isinstance(target, Reply):
        return target
    return _store(message, store, target, parsed, raw=text, today=today)


MAX_HEAD_WORDS = 24  # partner name + kind + date words; more is a summary typed before the colon


def split_head(store, head: str, today: date, viewer=None) -> tuple[str, str | None, date]:
    """Partner words, kind and date from `Acme Foods meeting yesterday` (the longest known name wins).

    Only names of partners `viewer` may see count as known (None: all partners)."""
    words = head.split()
    if not words:
        raise LogError("Start with the partner's name, then the kind of contact and when.")
    if len(words) > MAX_HEAD_WORDS:
        raise LogError(f"The part before the colon has {len(words)} words; it should only be the partner's name, "
                       "the kind of contact and when (e.g. `Acme Foods meeting yesterday`). Put the rest after "
                       "the colon.")
    for j in names.known_prefix_lengths(store, words, viewer):
        try:
            kind, day = _explain(words[j:], today)
        except dates.DateError:
            continue
        return " ".join(words[:j]), kind, day
    fits: list[int] = []
    for j in range(1, len(words) + 1):
        try:
            _explain(words[j:], today)
        except dates.DateError:
            continue
        fits.append(j)
    # Prefer a split whose name part is a partner we can find; if such a name is followed by words that are
    # not a date ("Blue Ocean call yestrday"), report those words rather than asking to create a partner.
    found = [j for j in range(1, len(words) + 1)
             if names.find_partner(store, " ".join(words[:j]), viewer).status == "found"]
    for j in found:
        if j in fits:
            kind, day = _explain(words[j:], today)
            return " ".join(words[:j]), kind, day
    for j in found:
        if j < len(words) and _kind_word(words[j]):
            _explain(words[j:], today)  # raises the DateError naming the words it could not read
    if fits:
        j = fits[0]
        kind, day = _explain(words[j:], today)
        return " ".join(words[:j]), kind, day
    raise LogError(f"I couldn't tell which words of “{head.strip()}” are the partner, the kind of contact "
                   f"({', '.join(INTERACTION_KINDS)}) and the date.")


def _kind_word(word: str) -> str | None:
    return KIND_WORDS.get(word.lower().strip(",."))


def _explain(rest: list[str], today: date) -> tuple[str | None, date]:
    kind, others = None, []
    for w in rest:
        k = _kind_word(w)
        if k is not None and kind is None:
            kind = k
        else:
            others.append(w)
    text = " ".join(others)
    return kind, (dates.parse_date(text, today) if text.strip() else today)


def parse(store, head: str, tail: str, today: date, viewer=None) -> Parsed:
    partner_text, kind, day = split_head(store, head, today, viewer)
    segments = [s.strip() for s in re.split(r"[;\n]", tail)]
    summary_parts, p = [], Parsed(partner_text, kind or "meeting", day, "", kind_given=kind is not None)
    for i, seg in enumerate(segments):
        if not seg:
            continue
        key, sep, value = seg.partition(":")
        k = " ".join(key.lower().split())
        if i == 0 or not sep:
            summary_parts.append(seg)
        elif k in NEXT_KEYS:
            p.next_step, due = _split_due(value.strip(), today)
            p.next_due = due or p.next_due
        elif k in DUE_KEYS:
            p.next_due = dates.parse_date(value, today, future=True)
        elif k in LEVEL_KEYS:
            p.level = value.strip().lower()
            if p.level not in ACTION_LEVELS:
                raise LogError(f"“{value.strip()}” is not an action level; use high, medium or low "
                               f"({checks.LEVEL_HELP}).", "level")
        elif k in OUTCOME_KEYS:
            p.outcomes.append(parse_outcome(OUTCOME_KEYS[k], value))
        else:
            summary_parts.append(seg)
    p.summary = "; ".join(summary_parts)
    kinds = [o.kind for o in p.outcomes]
    dup = {k for k in kinds if kinds.count(k) > 1}
    if dup:
        raise LogError(f"{checks.OUTCOME_LABELS[dup.pop()].capitalize()} is given twice; give it once.")
    return p


def _split_due(step: str, today: date) -> tuple[str, date | None]:
    """`send concept note by Friday` → ("send concept note", the Friday)."""
    m = re.match(r"^(.*\S)\s+(?:by|before|due|on)\s+(\S.*)$", step, re.IGNORECASE)
    if not m:
        return step, None
    when = m.group(2)
    if len(when.split()) > 4:
        return step, None
    return m.group(1), dates.parse_date(when, today, future=True)


def parse_outcome(kind: str, value: str) -> interactions.OutcomeDraft:
    """`5`, `5,000 USD`, `USD 5000`, `$5000`, `5000usd` → an outcome draft."""
    v = value.strip()
    label = checks.OUTCOME_LABELS[kind]
    currency = None
    for sign, code in CURRENCY_SIGNS.items():
        if sign in v:
            v, currency = v.replace(sign, " "), code
    m = re.fullmatch(r"\s*(?:([A-Za-z]{3})\s*)?([\d][\d,]*(?:\.\d+)?)\s*([A-Za-z]{3})?\s*", v)
    if not m or (m.group(1) and m.group(3)):
        raise LogError(f"I couldn't read “{value.strip()}” as a number for {label}. "
                       + ("Write e.g. `cash: 5000 USD`." if kind in checks.MONEY_KINDS else "Write e.g. `placed: 5`."),
                       kind)
    try:
        qty = float(m.group(2).replace(",", ""))
    except ValueError:
        raise LogError(f"I couldn't read “{value.strip()}” as a number for {label}.", kind) from None
    code = (m.group(1) or m.group(3) or currency or "")
    return interactions.OutcomeDraft(kind, qty, code.upper() or None)


# --- storing and replying -------------------------------------------------------------------------------------

def _store(message: Message, store, partner: partners.Partner, parsed: Parsed, raw: str, today: date,
           errors_as_fields: bool = False) -> Reply:
    draft = interactions.InteractionDraft(partner.id, parsed.occurred_on, parsed.kind, parsed.summary, parsed.next_step,
                                      parsed.next_due, parsed.level, parsed.outcomes)
    problems = interactions.validate_interaction(draft, today)
    if problems:
        if errors_as_fields:
            return Reply.problem("Please fix the marked fields; nothing was saved.", errors=problems)
        return Reply.problem(" ".join(problems.values()) + " Nothing was saved.")
    try:
        result = interactions.log_interaction(store, draft, actor=pr.actor(message), platform=message.platform, raw=raw,
                                          today=today)
    except checks.RegistryError as e:
        if errors_as_fields and e.field:
            return Reply.problem("Please fix the marked fields; nothing was saved.", errors={e.field: str(e)})
        return Reply.problem(f"{e} Nothing was saved.")
    if result.duplicate:
        return Reply(text=f"You logged exactly this a moment ago (entry #{result.interaction_id}), so I didn't "
                          "store it twice.", private=True, data={"interaction_id": result.interaction_id,
                                                                 "duplicate": True})
    return _saved_reply(partner, draft, result, parsed, today, message, store)


def _saved_reply(partner, draft, result, parsed: Parsed, today: date, message: Message | None = None,
                 store=None) -> Reply:
    kind = checks.KIND_LABELS[draft.kind].lower()
    when = dates.human(draft.occurred_on, today)
    when = when if when in ("today", "yesterday") else "on " + when
    article = "an" if kind[0] in "aeiou" else "a"
    if pr.hidden(message, partner, store):
        return pr.hidden_reply(f"Logged {article} {kind} with {pr.label(message, partner, store)} {when} "
                               f"(entry #{result.interaction_id}).",
                               interaction_id=result.interaction_id, outcome_ids=result.outcome_ids,
                               partner_id=partner.id, duplicate=False)
    text = (f"Logged {article} {kind} with {pr.lock(partner)}{escape(partner.name)} {when} "
            f"(entry #{result.interaction_id}).")
    facts = [Fact("Partner", pr.lock(partner) + partner.name), Fact("Date", draft.occurred_on.isoformat()),
             Fact("Kind", checks.KIND_LABELS[draft.kind]), Fact("Summary", draft.summary),
             Fact("Action level", result.action_level + ("" if draft.action_level else " (default)"))]
    if draft.next_step:
        due = f" — due {dates.human(draft.next_due, today)}" if draft.next_due else ""
        facts.append(Fact("Next step", draft.next_step + due))
    for o in draft.outcomes:
        amount = f"{o.quantity:,.2f}".rstrip("0").rstrip(".")
        facts.append(Fact(checks.OUTCOME_LABELS[o.kind].capitalize(), amount + (f" {o.currency}" if o.currency else "")))
    tips = []
    if not parsed.kind_given:
        tips.append("No kind word was given, so I recorded a meeting.")
    if not draft.action_level:
        tips.append(f"Action level defaults to {result.action_level}; add `level: medium` or `level: high` to change "
                    f"it ({checks.LEVEL_HELP}).")
    if draft.kind == "agreement" and partner.stage not in ("agreement", "co_creation", "training_placement",
                                                           "post_placement_support"):
        tips.append(f"If this agreement is signed, move the stage: {code(f'stage {partner.name} agreement')}.")
    if tips:
        text += "\n" + " ".join(tips)
    return Reply(text=text, facts=facts, private=partner.confidential,
                 data={"interaction_id": result.interaction_id, "outcome_ids": result.outcome_ids,
                       "partner_id": partner.id, "duplicate": False})


# --- the interactive form -------------------------------------------------------------------------------------

def log_form(partner: str = "") -> Form:
    kinds = tuple((k, checks.KIND_LABELS[k]) for k in INTERACTION_KINDS)
    levels = (("", "Default (low; high for a funded agreement)"), ("high", "High — contract signed, company "
              "resources"), ("medium", "Medium — company–government meeting, policy change expected"),
              ("low", "Low — meeting, training, event"))
    fields = [
        FormField("partner", "Partner", "partner", required=True, initial=partner, placeholder="Start typing a name"),
        FormField("kind", "Kind of contact", "select", required=True, options=kinds, initial="meeting"),
        FormField("date", "When", "date", required=True, initial="today", hint="A date or words: yesterday, Friday…"),
        FormField("summary", "What happened", "long_text", required=True,
                  placeholder="e.g. discussed 5 placements", hint="Counts only: no names or contacts of survivors."),
        FormField("level", "Action level", "select", options=levels, hint=checks.LEVEL_HELP),
        FormField("next_step", "Next step", "text", placeholder="e.g. send concept note"),
        FormField("next_due", "Next step due", "date", hint="A date or words: Friday, in 2 weeks…"),
        FormField("survivors_trained", "Survivors trained", "number"),
        FormField("survivors_placed", "Survivors placed", "number"),
        FormField("cash", "Cash leveraged", "text", placeholder="e.g. 5000 USD"),
        FormField("in_kind", "In-kind leveraged", "text", placeholder="e.g. 800 USD"),
        FormField("joint_activity", "Joint activities delivered", "number"),
        FormField("policy_change", "Company policy changes", "number"),
    ]
    return Form(command="log", title="Log a partner contact", fields=tuple(fields), submit_label="Log it")


def _from_form(message: Message, services) -> Reply:
    store = services.store
    today = pr.today(message)
    values = {k: ("" if v is None else str(v)).strip() for k, v in (message.form or {}).items()}
    errors: dict[str, str] = {}
    partner = None
    name = values.get("partner", "")
    if not name:
        errors["partner"] = "Choose the partner."
    else:
        m = names.find_partner(store, name, pr.viewer(message, store))
        if m.status == "found":
            partner = m.partner
        elif m.status == "ambiguous":
            errors["partner"] = "More than one partner fits: " + ", ".join(
                pr.label(message, p, store) for p, _ in m.candidates[:4]) + "."
        else:
            errors["partner"] = (f"No partner called “{escape(name)}”. Add it first with {code('partner add ' + name)}, "
                                 "then submit again.")
    kind = values.get("kind", "") or "meeting"
    if kind not in INTERACTION_KINDS:
        kind = KIND_WORDS.get(kind.lower(), kind)
    occurred = today
    try:
        occurred = dates.parse_date(values.get("date") or "today", today)
    except dates.DateError as e:
        errors["date"] = str(e)
    due = None
    if values.get("next_due"):
        try:
            due = dates.parse_date(values["next_due"], today, future=True)
        except dates.DateError as e:
            errors["next_due"] = str(e)
    level = values.get("level", "").lower() or None
    outcomes = []
    for key in FORM_OUTCOMES:
        if values.get(key, "") in ("", "0"):
            continue
        try:
            outcomes.append(parse_outcome(key, values[key]))
        except LogError as e:
            errors[key] = str(e)
    parsed = Parsed(name, kind, occurred, values.get("summary", ""), values.get("next_step", ""), due, level, outcomes)
    draft = interactions.InteractionDraft(0, occurred, kind, parsed.summary, parsed.next_step, due, level, outcomes)
    for k, v in interactions.validate_interaction(draft, today).items():
        errors.setdefault(k, v)
    if errors or partner is None:
        return Reply.problem("Please fix the marked fields; nothing was saved.", errors=errors)
    parsed.summary, parsed.next_step = draft.summary, draft.next_step
    raw = json.dumps({k: values[k] for k in sorted(values)}, ensure_ascii=False)
    return _store(message, store, partner, parsed, raw=raw, today=today, errors_as_fields=True)


INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role)
