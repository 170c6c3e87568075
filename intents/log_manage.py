"""Correcting logs and finishing drafts: the `log` sub-commands.

    log edit 12                      the log form, pre-filled with #12
    log edit 12 summary: …           one field in one line (also date, kind, next, due, level, outcomes, cash, placed…)
    log edit 12 partner: Acme Foods  logged against the wrong partner: move it (author, or a lead of both projects)
    log undo                         remove your own most recent log
    log delete 12                    remove #12 (its author, or a lead / admin of the partner's project)
    log history PARTNER              a partner's logs with their numbers
    log confirm | log cancel         save a draft without its unread part (kept in the summary) / drop it

Every change goes through `records.log_edits` (one transaction with its audit row, before and after).
"""

from __future__ import annotations

import re
from datetime import date

from bot.message import Message
from bot.reply import Fact, Reply
from intents import partner_replies as pr
from intents.log_form import FORM_OUTCOMES, log_form
from intents.log_parse import (
    KIND_WORDS,
    LEVEL_KEYS,
    NEXT_KEYS,
    OUTCOME_KEYS,
    LogError,
    Parsed,
    format_outcome,
    outcome_segment,
    parse_outcome,
    segment_key,
    split_due,
)
from markup.dialect import escape
from records import checks, dates, drafts, log_edits, money, names, privacy
from records.checks import RegistryError
from storage.schema import ACTION_LEVELS, INTERACTION_KINDS

_NUMBERED = re.compile(r"(edit|change|fix|delete|remove)\s+#?(\d{1,9})\b\s*(.*)", re.IGNORECASE | re.DOTALL)
EDIT_FIELDS = ("summary, date, kind, next, due, level, outcomes (or one outcome: placed, trained, cash, in-kind…), "
               "partner")


def dispatch(message: Message, services, text: str) -> Reply | None:
    """The reply for a `log` sub-command, or None when `text` is a log line."""
    words = text.split()
    first = words[0].lower()
    if len(words) == 1 and first in ("undo", "cancel", "discard"):  # `log confirm` is intents.log.confirm
        return {"undo": undo, "cancel": cancel, "discard": cancel}[first](message, services)
    m = _NUMBERED.fullmatch(text.strip())
    if m:
        number, rest = int(m.group(2)), m.group(3).strip()
        if m.group(1).lower() in ("delete", "remove"):
            return delete(message, services, number)
        return edit(message, services, number, rest)
    if first in ("edit", "delete", "remove") and ":" not in text:
        return Reply.problem(f"Which log? Give its number, e.g. `log {first} 12` (see `log history PARTNER`).")
    if first == "history" and ":" not in text:
        return history(message, services, text.split(None, 1)[1] if len(words) > 1 else "")
    if first in ("list", "show", "logs") and len(words) > 1 and ":" not in text:  # `log list Acme`, said otherwise
        rest = text.split(None, 1)[1]                                            # (never a log line with no colon)
        if names.find_partner(services.store, rest, pr.viewer(message, services.store)).status == "found":
            return history(message, services, rest)
    return None


# --- finding a log the user may change ------------------------------------------------------------------------

def _changeable(message: Message, services, number: int) -> tuple[dict, object] | Reply:
    store = services.store
    log = log_edits.get_log(store, number)
    user = pr.viewer(message, store)
    partner = log_edits.partner_of(store, log) if log else None
    if log is None or partner is None or not _visible(store, user, partner):
        gone = log_edits.deletion(store, number)
        if gone and gone["by"] == pr.actor(message):
            return Reply.problem(f"Log #{number} was already deleted ({gone['at'][:10]}). Nothing changed.")
        return Reply.problem(f"There is no log #{number} you can see. `log history PARTNER` lists the numbers.")
    if user is None or not log_edits.may_change(user, log, partner):
        project = f"the {partner.country}" if partner.country else "its"
        return Reply.problem(f"Log #{number} was written by someone else; only its author or a lead of {project} "
                             "project can change it. Nothing changed.")
    return log, partner


def _visible(store, user, partner) -> bool:
    from records import visibility

    return visibility.can_see(store, user, partner)


def _line(log: dict, today: date) -> str:
    kind = checks.KIND_LABELS[log["kind"]]
    outs = "; ".join(format_outcome(o) for o in log["outcomes"])
    text = f"**#{log['id']}** {dates.human(log['occurred_on'], today)} · {kind} · {privacy.masked(log['summary'])[:80]}"
    return text + (f" · {outs}" if outs else "")


# --- edit -----------------------------------------------------------------------------------------------------

def _form_values(log: dict, partner) -> dict[str, str]:
    values = {"partner": partner.name, "kind": log["kind"], "date": log["occurred_on"], "summary": log["summary"],
              "level": log["action_level"] or "", "next_step": log["next_step"], "next_due": log["next_due"] or ""}
    for o in log["outcomes"]:
        if o.kind in FORM_OUTCOMES:
            values[o.kind] = money.format_amount(o.quantity, o.currency)
    return values


def edit(message: Message, services, number: int, rest: str) -> Reply:
    got = _changeable(message, services, number)
    if isinstance(got, Reply):
        return got
    log, partner = got
    if not rest:
        return Reply(text=f"Editing log #{number}; change what is wrong and save.", private=True,
                     form=log_form(partner.name, _form_values(log, partner), number))
    today = pr.today(message)
    key, sep, value = rest.partition(":")
    if sep and " ".join(key.lower().split()) in ("partner", "company"):  # logged against the wrong partner
        target = pr.resolve(services.store, value, f"log edit {number} partner: {{name}}", message=message)
        moved = target if isinstance(target, Reply) else _moved_to(message, services, number, log, target)
        return moved if isinstance(moved, Reply) else _apply(message, services, number, log, moved, today)
    try:
        changes = _one_line_changes(rest, log, today)
    except (LogError, dates.DateError, RegistryError) as e:
        return Reply.problem(f"{e} Nothing changed. Example: `log edit {number} date: 12 Nov`.")
    return _apply(message, services, number, log, changes, today)


def _moved_to(message: Message, services, number: int, log: dict, target) -> dict | Reply:
    """{"partner_id": …} for a log moved to partner `target` (found among those the user sees), or the Reply saying
    why the user may not move it there."""
    store = services.store
    user = pr.viewer(message, store)
    if user is None or not log_edits.may_change(user, log, target):
        project = f"the {target.country}" if target.country else "its"
        return Reply.problem(f"Only the log's author or a lead of {project} project can move log #{number} to "
                             f"{pr.label(message, target, store)}. Nothing changed.")
    return {"partner_id": target.id}


def _one_line_changes(rest: str, log: dict, today: date) -> dict:
    key, sep, value = rest.partition(":")
    k, value = " ".join(key.lower().split()), value.strip()
    if not sep:
        bare = outcome_segment(rest)
        if bare:
            return {"outcomes": [parse_outcome(*bare)]}
        raise LogError(f"Say which field to change, e.g. `summary: …`. Fields: {EDIT_FIELDS}.")
    if k in ("summary", "what", "what happened"):
        return {"summary": value}
    if k in ("date", "when", "on"):
        return {"occurred_on": dates.parse_date(value, today)}
    if k in ("kind", "type"):
        kind = KIND_WORDS.get(value.lower(), value.lower())
        if kind not in INTERACTION_KINDS:
            raise LogError(f"“{value}” is not a kind of contact; use one of: {', '.join(INTERACTION_KINDS)}.")
        return {"kind": kind}
    contact_day = date.fromisoformat(str(log["occurred_on"]))
    if k in NEXT_KEYS:
        step, due = split_due(value, today, contact_day) if value else ("", None)
        return {"next_step": step, "next_due": due}
    if k in ("due", "by", "deadline"):
        return {"next_due": dates.due_date(value, today, contact_day) if value else None}
    if k in LEVEL_KEYS:
        if value.lower() not in ACTION_LEVELS:
            raise LogError(f"“{value}” is not an action level; use high, medium or low.")
        return {"action_level": value.lower()}
    if k in ("outcomes", "outcome", "results"):
        outs = []
        for seg in (s.strip() for s in re.split(r"[;\n]", value)):
            if not seg or seg.lower() in ("none", "-", "0"):
                continue
            sk, ssep, sv = seg.partition(":")
            skey = " ".join(sk.lower().split())
            bare = (OUTCOME_KEYS[skey], sv) if ssep and skey in OUTCOME_KEYS else outcome_segment(seg)
            if not bare:
                raise LogError(f"I couldn't read “{seg}” as an outcome; write e.g. `placed: 2; cash: 5000 USD`.")
            outs.append(parse_outcome(*bare))
        return {"outcomes": outs, "replace_outcomes": True}
    if k in OUTCOME_KEYS:
        return {"outcomes": [parse_outcome(OUTCOME_KEYS[k], value)]}
    raise LogError(f"I can't edit “{key.strip()}” of a log. Fields: {EDIT_FIELDS}.")


def _apply(message: Message, services, number: int, log: dict, changes: dict, today: date,
           as_fields: bool = False) -> Reply:
    try:
        after = log_edits.edit_log(services.store, number, changes, actor=pr.actor(message), today=today)
    except RegistryError as e:
        if as_fields and e.field:
            return Reply.problem("Please fix the marked fields; nothing changed.", errors={e.field: str(e)})
        return Reply.problem(f"{e} Nothing changed.")
    diffs = []
    if log["partner_id"] != after["partner_id"]:
        was, now = log_edits.partner_of(services.store, log), log_edits.partner_of(services.store, after)
        diffs.append(Fact("Partner", f"{pr.label(message, now, services.store)} "
                                     f"(was {pr.label(message, was, services.store)})"))
    for name, label in (("occurred_on", "date"), ("kind", "kind"), ("summary", "summary"), ("next_step", "next step"),
                        ("next_due", "due"), ("action_level", "level")):
        if log[name] != after[name]:
            diffs.append(Fact(label.capitalize(), f"{after[name] or '—'} (was {log[name] or '—'})"))
    before_o = sorted(format_outcome(o) for o in log["outcomes"])
    after_o = sorted(format_outcome(o) for o in after["outcomes"])
    if before_o != after_o:
        diffs.append(Fact("Outcomes", f"{'; '.join(after_o) or '—'} (was {'; '.join(before_o) or '—'})"))
    text = f"Updated log #{number}." if diffs else f"Log #{number} already said that; nothing changed."
    if after["next_step"] and not after["next_due"] and ("next_step" in changes):
        text += " ⚠ No due date found in the next step."
    partner = log_edits.partner_of(services.store, after)
    if partner is not None and pr.hidden(message, partner, services.store):
        return pr.hidden_reply(text, interaction_id=number)
    return Reply(text=text, facts=diffs, private=True, data={"interaction_id": number, "edited": bool(diffs)})


def edit_from_form(message: Message, services) -> Reply:
    values = {k: ("" if v is None else str(v)).strip() for k, v in (message.form or {}).items()}
    try:
        number = int(values.get("number", ""))
    except ValueError:
        return Reply.problem("Please fix the marked fields; nothing changed.", errors={"number": "A log number."})
    got = _changeable(message, services, number)
    if isinstance(got, Reply):
        return got
    log, _partner = got
    today = pr.today(message)
    errors: dict[str, str] = {}
    changes: dict = {"summary": values.get("summary", ""), "next_step": values.get("next_step", ""),
                     "kind": KIND_WORDS.get(values.get("kind", "").lower(), values.get("kind", "") or log["kind"])}
    typed = values.get("partner", "")
    if typed and names.normalize(typed) != names.normalize(_partner.name):  # the form's partner field was changed
        m = names.find_partner(services.store, typed, pr.viewer(message, services.store))
        moved = _moved_to(message, services, number, log, m.partner) if m.status == "found" else Reply.problem(
            "More than one partner fits; type its full name." if m.status == "ambiguous" else
            f"No partner called “{escape(typed)}”; the log stays with {pr.label(message, _partner, services.store)} "
            "unless you choose one you work with.")
        if isinstance(moved, Reply):
            errors["partner"] = moved.text
        else:
            changes.update(moved)
    changes["occurred_on"] = date.fromisoformat(log["occurred_on"])
    try:
        if values.get("date"):
            changes["occurred_on"] = dates.parse_date(values["date"], today)
    except dates.DateError as e:
        errors["date"] = str(e)
    try:  # a due date's day and month count from the contact's day (as changed here, if it is)
        changes["next_due"] = dates.due_date(values["next_due"], today, changes["occurred_on"]) \
            if values.get("next_due") else None
    except dates.DateError as e:
        errors["next_due"] = str(e)
    changes["action_level"] = values.get("level", "").lower() or log["action_level"]
    outs = [o for o in log["outcomes"] if o.kind not in FORM_OUTCOMES]
    for key in FORM_OUTCOMES:
        if values.get(key, "") not in ("", "0"):
            try:
                outs.append(parse_outcome(key, values[key]))
            except LogError as e:
                errors[key] = str(e)
    if errors:
        return Reply.problem("Please fix the marked fields; nothing changed.", errors=errors)
    changes.update(outcomes=outs, replace_outcomes=True)
    return _apply(message, services, number, log, changes, today, as_fields=True)


# --- delete, undo, history ------------------------------------------------------------------------------------

def delete(message: Message, services, number: int, what: str = "Deleted") -> Reply:
    got = _changeable(message, services, number)
    if isinstance(got, Reply):
        return got
    log, partner = got
    log_edits.delete_log(services.store, number, actor=pr.actor(message))
    today = pr.today(message)
    text = (f"{what} log #{number} ({checks.KIND_LABELS[log['kind']].lower()} with {pr.label(message, partner, services.store)}"
            f", {dates.human(log['occurred_on'], today)}). It no longer counts; the audit trail keeps a copy.")
    return Reply(text=text, private=True, data={"interaction_id": number, "deleted": True})


def undo(message: Message, services) -> Reply:
    number = log_edits.latest_by(services.store, pr.actor(message))
    if number is None:
        return Reply.problem("You have no log to undo. Nothing changed.")
    return delete(message, services, number, what="Undone:")


def history(message: Message, services, name: str) -> Reply:
    store = services.store
    target = pr.resolve(store, name, "log history {name}", message=message)
    if isinstance(target, Reply):
        return target
    if pr.hidden(message, target, store):
        return pr.hidden_reply(f"That is {pr.label(message, target, store)}: I don't list its logs here.")
    logs = log_edits.history(store, target.id)
    if not logs:
        return Reply(text=f"No logs yet for {pr.lock(target)}{target.name}.", private=True)
    today = pr.today(message)
    lines = "\n".join(_line(log, today) for log in logs)
    return Reply(text=f"Logs for {pr.lock(target)}{target.name} (newest first):\n{lines}\n"
                      "Change one with `log edit N …`, remove it with `log delete N`.",
                 private=True, data={"numbers": [log["id"] for log in logs]})


# --- drafts ---------------------------------------------------------------------------------------------------

def keep_draft(message: Message, services, partner, parsed: Parsed, raw: str) -> Reply:
    """Save nothing yet: keep the line as a draft, show what was understood, ask about the rest only."""
    drafts.save(services.store, message.platform, message.user_id, raw, parsed.problems)
    today = pr.today(message)
    facts = [Fact("Partner", pr.label(message, partner, services.store)),
             Fact("When", dates.human(parsed.occurred_on, today)), Fact("Kind", checks.KIND_LABELS[parsed.kind])]
    if parsed.summary:
        facts.append(Fact("Summary", parsed.summary))
    if parsed.next_step:
        facts.append(Fact("Next step", parsed.next_step + (f" (due {dates.human(parsed.next_due, today)})"
                                                           if parsed.next_due else "")))
    facts += [Fact(checks.OUTCOME_LABELS[o.kind].capitalize(), money.format_amount(o.quantity, o.currency))
              for o in parsed.outcomes]
    asks = "\n".join(f"• `{seg}`: {why}" for seg, why in parsed.problems)
    text = (f"**Not saved yet.** I understood the rest, but not:\n{asks}\n"
            "Send the corrected part (e.g. `log cash: 2,000,000 KHR`), `log confirm` to save without it "
            "(its words stay in the summary), or `log cancel`.")
    return Reply(text=text, facts=facts, private=True, data={"draft": True, "problems": [p[0] for p in parsed.problems]})


def is_fix(text: str) -> bool:
    """A reply to a draft: only `key: value` parts (`cash: 2,000,000 KHR`, `placed 2`), no partner."""
    segs = [s for s in re.split(r"[;\n]", text) if s.strip()]
    return bool(segs) and all(segment_key(s) or s.split(":")[0].strip().lower() in ("summary",) for s in segs)


def apply_fix(raw: str, fix: str) -> str:
    """The draft's line with the parts the fix is about replaced (added when the line had none)."""
    head, _, tail = raw.partition(":")
    segs = [s.strip() for s in re.split(r"[;\n]", tail) if s.strip()]
    for part in (s.strip() for s in re.split(r"[;\n]", fix) if s.strip()):
        key = segment_key(part)
        hits = [i for i, s in enumerate(segs) if key and segment_key(s) == key]
        if hits:
            segs[hits[0]] = part
        else:
            segs.append(part)
    return f"{head}: " + "; ".join(segs)


def cancel(message: Message, services) -> Reply:
    if drafts.drop(services.store, message.platform, message.user_id):
        return Reply(text="Draft dropped; nothing was saved.", private=True)
    return Reply.problem("There is no draft waiting; nothing to cancel.")
