"""The "Add partner" button under an unknown-partner reply: a short form (name, work stream, country project),
then the partner is added and the log that was being written is saved after all.

The log line travels with the button (its value) and the form (its state), so nothing is kept on the server;
a log line too long to travel is not replayed and the reply says to send it again.
"""

from __future__ import annotations

import json
from dataclasses import replace

from bot.message import Message
from bot.reply import Button, Form, FormField, Reply
from indicators.report import known_countries
from intents import partner_replies as pr
from markup.dialect import code, escape
from intents.partner_replies import MAX_PENDING_LOG, country_for
from records import checks, partner_edits, stages

STREAM_OPTIONS = tuple(stages.STREAM_LABELS.items())


def ask(message: Message, services) -> Reply:
    """The form: which work stream and which country project (a non-admin chooses among their own)."""
    data = message.form or {}
    name = " ".join(str(data.get("name") or message.text or "").split())[:checks.MAX_NAME]
    log_line = str(data.get("log") or "")[:MAX_PENDING_LOG]
    user = pr.viewer(message, services.store)
    mine = tuple(c for c in (user.countries if user is not None and user.role != "admin" else ()) if c.strip())
    if mine:
        country = FormField("country", "Country project", "select", required=True, options=tuple((c, c) for c in mine),
                            initial=mine[0] if len(mine) == 1 else "")
    else:
        country = FormField("country", "Country project", "text", required=True, placeholder="e.g. Thailand",
                            hint="Staff of this country project will see the partner.")
    fields = (FormField("name", "Company name", "text", required=True, initial=name),
              FormField("stream", "Work stream", "select", required=True, options=STREAM_OPTIONS,
                        hint="Innovation / prevention: co-created mechanisms. Survivor employment: jobs for survivors."),
              country)
    then = " and save your log" if log_line else ""
    return Reply(text=f"Add “{escape(name)}” as a partner: choose its work stream and country project{then}.",
                 form=Form(command="partner", title="Add a partner", fields=fields,
                           submit_label="Add and log" if log_line else "Add partner",
                           state=json.dumps({"log": log_line}, ensure_ascii=False) if log_line else ""),
                 private=True)


def from_form(message: Message, services) -> Reply:
    """Add the partner from the submitted form, then replay the pending log line, if any."""
    store = services.store
    values = {k: ("" if v is None else str(v)).strip() for k, v in (message.form or {}).items()}
    try:
        log_line = str(json.loads(values.get("_state") or "{}").get("log") or "")
    except (ValueError, AttributeError):
        log_line = ""
    errors = {}
    if not values.get("name"):
        errors["name"] = "Give the company's name."
    if values.get("stream") not in stages.STREAM_LABELS:
        errors["stream"] = "Choose a work stream: " + " or ".join(stages.STREAM_LABELS.values()) + "."
    if not values.get("country"):
        errors["country"] = "Choose the country project the partner belongs to."
    if errors:
        return Reply.problem("Please fix the marked fields; nothing was added.", errors=errors)
    user = pr.viewer(message, store)
    try:
        country = country_for(user, values["country"], known_countries(services.store))
        p = partner_edits.add_partner(store, values["name"], actor=pr.actor(message), today=pr.today(message),
                                      stream=values["stream"], country=country, owner=pr.actor(message), viewer=user)
    except checks.RegistryError as e:
        return Reply.problem(f"{e}", errors={e.field if e.field in ("name", "country") else "name": str(e)})
    added = f"Added {pr.lock(p)}{escape(p.name)} ({p.stream_label}, {escape(p.country)}), starting at {p.stage_label}."
    others = pr.others_note(store, p, message)
    if others:
        added += "\n" + others
    if not log_line:
        return Reply(text=added + f" Log a contact with {code(f'log {p.name} meeting today: …')}.", private=True,
                     data={"partner_id": p.id}, buttons=[Button("Show card", "partner_show", p.name)])
    from intents import log as log_intent

    logged = log_intent.from_text(replace(message, text=log_line, form=None, command="log", action=None), services,
                                  log_line)
    return replace(logged, text=added + "\n\n" + logged.text, data={**logged.data, "partner_id": p.id})
