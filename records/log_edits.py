"""Correcting logs: read one by its number, edit fields, delete (undo), and list a partner's logs.

A deleted log is really deleted (its outcomes too), so every count, stage view, report, digest and export follows
without a filter; its full before-image is kept in the append-only audit log, written in the same transaction.
Log numbers are never reused: a new log takes a number above every number ever given
(`interactions.next_log_number`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from records import access
from records.checks import RegistryError
from records.interactions import InteractionDraft, OutcomeDraft, validate_interaction
from records.partners import Partner, get_partner
from storage.store import Store

FIELDS = ("partner_id", "occurred_on", "kind", "summary", "next_step", "next_due", "action_level", "outcomes")
_COLUMNS = ("id", "partner_id", "occurred_on", "kind", "summary", "next_step", "next_due", "action_level",
            "logged_by", "platform", "created_at")


def get_log(store: Store, number: int) -> dict[str, Any] | None:
    """The log with this number and its outcomes (`outcomes`: list of OutcomeDraft), or None."""
    c = store
    row = c.execute(f"SELECT {', '.join(_COLUMNS)} FROM interactions WHERE id = ?", (number,)).fetchone()
    if row is None:
        return None
    log = dict(zip(_COLUMNS, row))
    log["outcomes"] = [OutcomeDraft(k, q, cur, n or "") for k, q, cur, n in c.execute(
        "SELECT kind, quantity, currency, note FROM outcomes WHERE interaction_id = ? ORDER BY id", (number,))]
    return log


def deletion(store: Store, number: int) -> dict[str, Any] | None:
    """Who deleted log `number` and when (from the audit log), or None if it was never deleted."""
    row = store.execute("SELECT at, actor FROM audit_log WHERE table_name = 'interactions' AND row_id = ? "
                                "AND action = 'interaction.delete' ORDER BY id DESC LIMIT 1", (number,)).fetchone()
    return {"at": row[0], "by": row[1]} if row else None


def may_change(user: access.User, log: dict[str, Any], partner: Partner | None) -> bool:
    """Its author, an admin, or a lead of the partner's country project."""
    if log["logged_by"] == user.key or user.role == "admin":
        return True
    return user.role == "lead" and partner is not None and user.in_country(partner.country)


def _image(log: dict[str, Any]) -> dict[str, Any]:
    out = {k: log[k] for k in _COLUMNS}
    out["outcomes"] = [{"kind": o.kind, "quantity": o.quantity, "currency": o.currency} for o in log["outcomes"]]
    return out


def edit_log(store: Store, number: int, changes: dict[str, Any], *, actor: str, today: date) -> dict[str, Any]:
    """Apply `changes` (keys from FIELDS; `outcomes` replaces outcomes of the kinds given, or all when
    `replace_outcomes` is set) to log `number`. Validated like a new log; one transaction with its audit row
    (before and after). Returns the log after the change. Raises RegistryError, changing nothing."""
    before = get_log(store, number)
    if before is None:
        raise RegistryError(f"There is no log #{number}.", "number")
    unknown = set(changes) - set(FIELDS) - {"replace_outcomes"}
    if unknown:
        raise RegistryError(f"I can't edit {', '.join(sorted(unknown))} of a log.")
    outcomes = [replace(o) for o in before["outcomes"]]
    if "outcomes" in changes:
        new = list(changes["outcomes"])
        kinds = {o.kind for o in new}
        keep = [] if changes.get("replace_outcomes") else [o for o in outcomes if o.kind not in kinds]
        outcomes = keep + new
    draft = InteractionDraft(
        changes.get("partner_id", before["partner_id"]),
        changes.get("occurred_on", date.fromisoformat(before["occurred_on"])),
        changes.get("kind", before["kind"]), changes.get("summary", before["summary"]),
        changes.get("next_step", before["next_step"]),
        changes["next_due"] if "next_due" in changes else (
            date.fromisoformat(before["next_due"]) if before["next_due"] else None),
        changes.get("action_level", before["action_level"]), outcomes)
    errors = validate_interaction(draft, today)
    if errors:
        raise RegistryError(" ".join(errors.values()), next(iter(errors)))
    with store.transaction() as c:
        c.execute("UPDATE interactions SET partner_id = ?, occurred_on = ?, kind = ?, summary = ?, next_step = ?, "
                  "next_due = ?, action_level = ? WHERE id = ?",
                  (draft.partner_id, draft.occurred_on.isoformat(), draft.kind, draft.summary, draft.next_step,
                   draft.next_due.isoformat() if draft.next_due else None, draft.action_level, number))
        c.execute("DELETE FROM outcomes WHERE interaction_id = ?", (number,))
        for o in draft.outcomes:
            c.execute("INSERT INTO outcomes (partner_id, interaction_id, recorded_on, kind, quantity, currency, note, "
                      "recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (draft.partner_id, number, draft.occurred_on.isoformat(), o.kind, o.quantity, o.currency,
                       o.note, actor, before["created_at"]))
        after = get_log(store, number)
        store.audit(actor, "interaction.edit", "interactions", number,
                    {"fields": sorted(k for k in changes if k != "replace_outcomes"),
                     "before": _image(before), "after": _image(after)})
    return after  # type: ignore[return-value]


def delete_log(store: Store, number: int, *, actor: str) -> dict[str, Any]:
    """Delete log `number` and its outcomes; the audit log keeps the whole before-image. Returns it."""
    before = get_log(store, number)
    if before is None:
        raise RegistryError(f"There is no log #{number}.", "number")
    with store.transaction() as c:
        c.execute("DELETE FROM outcomes WHERE interaction_id = ?", (number,))
        c.execute("DELETE FROM interactions WHERE id = ?", (number,))
        store.audit(actor, "interaction.delete", "interactions", number, {"before": _image(before)})
    return before


def latest_by(store: Store, actor: str) -> int | None:
    """The number of `actor`'s most recently saved log that still exists."""
    row = store.execute("SELECT id FROM interactions WHERE logged_by = ? ORDER BY created_at DESC, id DESC "
                                "LIMIT 1", (actor,)).fetchone()
    return row[0] if row else None


def history(store: Store, partner_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """A partner's logs, newest event first, with their numbers and outcomes."""
    ids = [r[0] for r in store.execute(
        "SELECT id FROM interactions WHERE partner_id = ? ORDER BY occurred_on DESC, id DESC LIMIT ?",
        (partner_id, limit))]
    return [log for log in (get_log(store, i) for i in ids) if log is not None]


def changes_of(store: Store, number: int) -> list[dict[str, Any]]:
    """The audit trail of one log: who did what, when, with before/after images."""
    return [{"at": at, "actor": actor, "action": action, **json.loads(detail)} for at, actor, action, detail in
            store.execute("SELECT at, actor, action, detail FROM audit_log WHERE table_name = 'interactions' "
                                  "AND row_id = ? ORDER BY id", (number,))]


def partner_of(store: Store, log: dict[str, Any]) -> Partner | None:
    return get_partner(store, log["partner_id"])
