"""The log form (Slack modal, Teams card, terminal prompts): empty to log, pre-filled to edit a log."""

from __future__ import annotations

from dataclasses import replace

from bot.reply import Form, FormField
from records import checks
from storage.schema import INTERACTION_KINDS

FORM_OUTCOMES = ("survivors_trained", "survivors_placed", "cash", "in_kind", "joint_activity", "policy_change")


def log_form(partner: str = "", initial: dict[str, str] | None = None, number: int | None = None) -> Form:
    """The log form; with `initial` values and a log `number`, the same form pre-filled to edit that log."""
    got = initial or {}
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
    if number is not None:
        fields = [FormField("number", "Log number", "number", required=True, initial=str(number))] + [
            replace(f, initial=got.get(f.name, "")) for f in fields]
        return Form(command="log", title=f"Edit log #{number}", fields=tuple(fields), submit_label="Save changes",
                    state=str(number))
    return Form(command="log", title="Log a partner contact", fields=tuple(fields), submit_label="Log it")
