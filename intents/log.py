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
from datetime import date

from bot.message import Message
from bot.reply import Fact, Reply
from intents import log_manage
from intents import partner_replies as pr
from intents.contract import Intent
from intents.log_form import FORM_OUTCOMES, log_form
from intents.log_parse import (  # noqa: F401
    KIND_WORDS, LogError, Parsed, parse, parse_outcome, split_head, uncounted, without_colon,
)
from markup.dialect import code, escape
from records import checks, dates, drafts, interactions, money, names, partner_edits, partners, privacy, stages
from storage.schema import INTERACTION_KINDS

NAME = "log"
SUMMARY = "record a meeting, call, email, event, training or agreement with a partner (no text: a form)"
USAGE = "log PARTNER KIND DATE: SUMMARY; next: STEP by DATE; level: high|medium|low; placed: N"
ACCESS = "staff"
EXAMPLE = "log Acme Foods meeting yesterday: discussed 5 placements; next: send concept note by Friday"



def required_role(message: Message) -> str:
    return ACCESS


def handle(message: Message, services) -> Reply:
    if message.form is not None:
        if (message.form or {}).get("number"):
            return log_manage.edit_from_form(message, services)
        return _from_form(message, services)
    text = message.text.strip()
    if not text:
        return Reply(text="Log a partner contact (or in one line: `" + EXAMPLE + "`).", form=log_form(), private=True)
    if text.lower() in ("confirm", "yes", "save"):
        return confirm(message, services)
    managed = log_manage.dispatch(message, services, text)
    if managed is not None:
        return managed
    draft = drafts.get(services.store, message.platform, message.user_id)
    if draft is not None and log_manage.is_fix(text):
        return from_text(message, services, log_manage.apply_fix(draft.raw, text))
    return from_text(message, services, text)


# --- the one-line form ----------------------------------------------------------------------------------------

def understand(message: Message, services, text: str) -> tuple[partners.Partner, Parsed] | Reply:
    """The partner and the parsed log line, or the Reply that explains why it can't be read (nothing saved)."""
    store = services.store
    today = pr.today(message)
    head, sep, tail = text.partition(":")
    if not sep or ";" in head:  # "Acme Foods meeting yesterday talked about the pilot; next: …": no colon after
        first = re.split(r"[;:]", text, maxsplit=1)[0]  # the head, but the words say where the head ends
        split = without_colon(store, first, today, viewer=pr.viewer(message, store))
        if split:
            head, tail = split[0], split[1] + text[len(first):]
    if not tail.strip():
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
        return pr.add_button(target, text)
    return target, parsed


def from_text(message: Message, services, text: str) -> Reply:
    got = understand(message, services, text)
    if isinstance(got, Reply):
        return got
    partner, parsed = got
    if parsed.problems:
        return log_manage.keep_draft(message, services, partner, parsed, text)
    reply = _store(message, services.store, partner, parsed, raw=text, today=pr.today(message))
    if reply.ok:
        drafts.drop(services.store, message.platform, message.user_id)
    return reply


def confirm(message: Message, services) -> Reply:
    """`log confirm`: save the user's draft without its unread parts (their words go into the summary)."""
    store = services.store
    draft = drafts.get(store, message.platform, message.user_id)
    if draft is None:
        return Reply.problem("There is no draft waiting; nothing to confirm.")
    got = understand(message, services, draft.raw)
    if isinstance(got, Reply):
        return got
    partner, parsed = got
    unread = [seg for seg, _ in parsed.problems]
    parsed.summary = "; ".join([parsed.summary] + unread) if parsed.summary else "; ".join(unread)
    parsed.problems = []
    reply = _store(message, store, partner, parsed, raw=draft.raw, today=pr.today(message))
    if reply.ok:
        drafts.drop(store, message.platform, message.user_id)
    return reply


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
                                              today=today, source_event=message.delivery_key or None)
    except checks.RegistryError as e:
        if errors_as_fields and e.field:
            return Reply.problem("Please fix the marked fields; nothing was saved.", errors={e.field: str(e)})
        return Reply.problem(f"{e} Nothing was saved.")
    if result.duplicate:
        return Reply(text=f"You logged exactly this a moment ago (#{result.interaction_id}), so I didn't "
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
        return pr.hidden_reply(f"Logged #{result.interaction_id}: {article} {kind} with "
                               f"{pr.label(message, partner, store)} {when}.",
                               interaction_id=result.interaction_id, outcome_ids=result.outcome_ids,
                               partner_id=partner.id, duplicate=False)
    text = f"Logged #{result.interaction_id}: {article} {kind} with {pr.lock(partner)}{escape(partner.name)} {when}."
    facts = [Fact("Partner", pr.lock(partner) + partner.name), Fact("Date", draft.occurred_on.isoformat()),
             Fact("Kind", checks.KIND_LABELS[draft.kind]), Fact("Summary", draft.summary),
             Fact("Action level", result.action_level + ("" if draft.action_level else " (default)"))]
    if draft.next_step:
        due = f" — due {dates.human(draft.next_due, today)}" if draft.next_due else ""
        facts.append(Fact("Next step", draft.next_step + due))
    for o in draft.outcomes:
        facts.append(Fact(checks.OUTCOME_LABELS[o.kind].capitalize(), money.format_amount(o.quantity, o.currency)))
    tips = []
    if draft.next_step and not draft.next_due:
        tips.append("⚠ No due date found in the next step; add one with "
                    f"`log edit {result.interaction_id} next: {draft.next_step} by Friday`.")
    unread = uncounted(draft.summary, draft.outcomes)  # "placed twenty-five survivors": words, not a count
    if unread:
        keys = " or ".join(code(f"log edit {result.interaction_id} {'placed' if k == 'survivors_placed' else 'trained'}"
                                f": N") for k in unread)
        tips.append(f"No number of {' or '.join(checks.OUTCOME_LABELS[k] for k in unread)} was recorded; if it "
                    f"counts, add it: {keys}.")
    if not parsed.kind_given:
        tips.append("No kind word was given, so I recorded a meeting.")
    if not draft.action_level:
        text = text[:-1] + f" ({result.action_level} action level by default)."
    began = partner_edits.work_began(store, partner) if store is not None else None
    if began is not None and draft.occurred_on < began:  # a contact back-filled from before the partner was added
        since = f"partner {pr.typed_name(store, partner, message)} since {draft.occurred_on.isoformat()}"
        tips.append(f"Work with {escape(partner.name)} counts from {dates.human(began, today)}, after this contact: "
                    f"{code(since)} back-dates it.")
    advice = stages.advice_after(draft.kind, partner.stream, partner.stage)
    if advice is not None:
        move = f"stage {pr.typed_name(store, partner, message)} {advice.label}"
        if draft.occurred_on != today:  # a back-filled signing: the move is dated with it
            move += f" on {draft.occurred_on.isoformat()}"
        tips.append(f"Signed? {code(move)}.")
    tips.append(f"Wrong? {code(f'log edit {result.interaction_id}')} or `log undo`.")
    text += "\n" + " ".join(tips)
    others = pr.others_note(store, partner, message)
    if others:
        text += "\n" + others
    return Reply(text=text, facts=facts, private=partner.confidential,
                 data={"interaction_id": result.interaction_id, "outcome_ids": result.outcome_ids,
                       "partner_id": partner.id, "duplicate": False})


# --- the form ------------------------------------------------------------------------------------------------

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
            due = dates.due_date(values["next_due"], today, occurred)
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


EXAMPLES = (  # (they run in this order on a fresh bot in the tests: #1 is the meeting)
    ("log Acme Foods meeting yesterday: discussed 5 placements; next: send concept note by Friday",
     "record a meeting and the next step"),
    ("log Acme Foods agreement today: MoU signed; cash: 5000 USD; level: high",
     "record an agreement signed with a company and the cash it committed"),
    ("log history Acme Foods", "see the past contacts logged with a partner, with their numbers"),
    ("log edit 1 summary: met the HR director", "correct or change a mistake in log #1"),
    ("log undo", "undo or remove the last log you made"),
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I record a meeting or a call with a partner?",
    "where do I write down what happened when I met a company?",
    "can I keep notes of my meetings with partners here?",
    "how do I save an agreement we signed with a company?",
    "how do I add the outcomes of a meeting, such as survivors placed or cash committed?",
    "how do I correct or delete a log entry I made?",
    "how do I see the past contacts with a partner?",
    "how do I record an email, an event or a training with a partner?",
    "how do I note survivors trained at an event with a partner?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role, examples=EXAMPLES,
                asks=ASKS)
