"""`diligence NAME`: walk the due-diligence checklist for a partner and store the answers with a risk rating.

With no answers it returns a form with the checklist. One line works too:
    diligence Acme csr: yes; financial: stable; reputation: none; lawsuits: past; supply_chain: none; conflict: no
Add `rating: high` to record a higher rating than the answers call for (never a lower one), `notes: …` for notes.
"""

from __future__ import annotations

from bot.message import Message
from bot.reply import Fact, Form, FormField, Reply
from intents.contract import Intent
from intents import partner_replies as pr
from records import checks, dates, diligence

NAME = "diligence"
SUMMARY = "due-diligence checklist for a partner: answers, risk rating, reviewer and date"
USAGE = "diligence PARTNER [csr: yes; financial: stable; reputation: none; lawsuits: none; …]"
ACCESS = "staff"
ANSWER_WORDS = {q.key for q in diligence.CHECKLIST} | {"rating", "notes", "note"}
KEY_ALIASES = {"supply chain": "supply_chain", "supply-chain": "supply_chain", "lawsuit": "lawsuits",
               "finance": "financial", "finances": "financial", "reputational": "reputation", "note": "notes",
               "risk": "rating", "conflicts": "conflict"}


def handle(message: Message, services) -> Reply:
    store = services.store
    if message.form is not None:
        return _submit(message, store, {k: ("" if v is None else str(v)) for k, v in message.form.items()},
                       as_fields=True)
    text = message.text.strip()
    if not text:
        return Reply.problem(f"Which partner? Write `diligence PARTNER`, e.g. `diligence Acme Foods`.")
    name, answers = _split(text)
    if not answers:
        target = pr.resolve(store, name, "diligence {name}", message=message)
        if isinstance(target, Reply):
            return target
        if pr.hidden(message, target, store):
            return pr.hidden_reply(f"That is {pr.label(message, target, store)}: I don't open its due-diligence "
                                   "checklist here.")
        last = diligence.latest_diligence(store, target.id)
        intro = f"Due-diligence checklist for {pr.lock(target)}{target.name}."
        if last:
            intro += f" Last review: {diligence.describe(last)} on {last['reviewed_on']} by {last['reviewer']}."
        return Reply(text=intro + f"\nRating rule: {diligence.RISK_RULE}.", form=checklist_form(target.name),
                     private=True)
    return _submit(message, store, dict(answers, partner=name), as_fields=False)


def checklist_form(partner: str = "") -> Form:
    fields = [FormField("partner", "Partner", "partner", required=True, initial=partner)]
    for q in diligence.CHECKLIST:
        fields.append(FormField(q.key, q.text, "select", options=(("", "not answered yet"),)
                                + tuple((o, o) for o in q.options)))
    fields.append(FormField("rating", "Risk rating (leave empty to use the rule)", "select",
                            options=(("", "From the answers"), ("low", "low"), ("medium", "medium"), ("high", "high")),
                            hint="You may raise the rating the answers give, not lower it."))
    fields.append(FormField("notes", "Notes", "long_text", hint="Sources checked, open questions. No personal data."))
    return Form(command="diligence", title="Due-diligence checklist", fields=tuple(fields), submit_label="Save review",
                state=partner)


def _split(text: str) -> tuple[str, dict[str, str]]:
    """`Acme csr: yes; lawsuits: none` → ("Acme", {"csr": "yes", "lawsuits": "none"})."""
    segments = [s.strip() for s in text.split(";")]
    first = segments[0]
    name, answers = first, {}
    # the first answer may follow the name: "Acme Foods csr: yes"
    head, sep, value = first.rpartition(":")
    if sep:
        words = head.split()
        for n in (2, 1):
            key = " ".join(words[-n:]).lower() if len(words) > n else ""
            key = KEY_ALIASES.get(key, key)
            if key in ANSWER_WORDS:
                name, answers[key] = " ".join(words[:-n]), value.strip()
                break
        else:
            name = first
    for seg in segments[1:]:
        key, sep, value = seg.partition(":")
        key = " ".join(key.lower().split())
        key = KEY_ALIASES.get(key, key)
        if sep:
            answers[key] = value.strip()
        elif seg:
            answers[seg] = ""
    return name.strip(), answers


def _submit(message: Message, store, values: dict[str, str], as_fields: bool) -> Reply:
    def problem(text: str, field: str | None) -> Reply:
        if as_fields and field:
            return Reply.problem("Please fix the marked fields; nothing was saved.", errors={field: text})
        return Reply.problem(text + ("" if "nothing" in text.lower() else " Nothing was saved."))

    unknown = [k for k in values if k not in ANSWER_WORDS | {"partner"}]
    if unknown and not as_fields:
        return problem(f"I don't know the checklist item “{unknown[0]}”. Items: "
                       + ", ".join(diligence.item_label(q.key) for q in diligence.CHECKLIST) + ", rating, notes.", None)
    name = (values.get("partner") or values.get("state") or "").strip()
    target = pr.resolve(store, name, "diligence {name}", message=message)
    if isinstance(target, Reply):
        if as_fields:
            return Reply.problem("Please fix the marked fields; nothing was saved.",
                                 errors={"partner": target.text.split(" Is it")[0]})
        return target
    answers = {q.key: values.get(q.key, "") for q in diligence.CHECKLIST}
    last = diligence.latest_diligence(store, target.id)
    if not as_fields and last and last["risk_rating"] == diligence.INCOMPLETE:  # completing an incomplete review
        answers = {k: v or (last["answers"].get(k, "") if k not in last["missing"] else "") for k, v in answers.items()}
    _, errors = diligence.validate_answers(answers)
    if errors:
        if as_fields:
            return Reply.problem("Please fix the marked fields; nothing was saved.", errors=errors)
        return problem(" ".join(errors.values()), None)
    today = pr.today(message)
    try:
        did, rating = diligence.record_diligence(store, target, answers, reviewer=pr.actor(message), on=today,
                                                rating=(values.get("rating") or None), notes=values.get("notes", ""))
    except checks.RegistryError as e:
        return problem(str(e), e.field)
    if pr.hidden(message, target, store):
        return pr.hidden_reply(f"Saved the due-diligence review of {pr.label(message, target, store)} "
                               f"({dates.human(today)}).", diligence_id=did)
    clean, _ = diligence.validate_answers(answers)
    facts = [Fact("Risk rating", rating), Fact("Reviewer", pr.actor(message)), Fact("Date", today.isoformat())]
    facts += [Fact(_heading(q.key), clean.get(q.key, "— not answered"))
              for q in diligence.CHECKLIST]
    missing = diligence.missing_items(answers)
    if missing:
        text = (f"Saved an **incomplete** due-diligence review of {pr.lock(target)}{target.name}: no risk level until "
                f"these are answered: {', '.join(map(diligence.item_label, missing))}. Add them with "
                f"`diligence {target.name} {diligence.item_label(missing[0])}: …`.")
    else:
        text = (f"Saved the due-diligence review of {pr.lock(target)}{target.name}: {rating} risk "
                f"({dates.human(today)}). Rule: {diligence.RISK_RULE}.")
    return Reply(text=text, facts=facts, private=True,
                 data={"diligence_id": did, "risk_rating": rating, "missing": missing})


EXAMPLES = (
    "diligence Acme Foods",
    "diligence Acme Foods csr: yes; financial: stable; reputation: none; lawsuits: none; supply_chain: none; "
    "conflict: no",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I record a due-diligence review of a partner?",
    "where do I fill in the due-diligence checklist for a company?",
    "how do I get a risk rating for a partner from the checklist?",
    "how do I finish an incomplete due-diligence review?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)


def _heading(key: str) -> str:
    """A checklist item as a card label: "CSR", "Supply chain"."""
    label = diligence.item_label(key)
    return label.upper() if label in ("csr",) else label.capitalize()
