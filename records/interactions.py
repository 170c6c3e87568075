"""Interactions (meetings, calls, agreements…) and their outcomes: validation, storage, and reads for cards.

Every write runs in one `Store.transaction()` together with its audit-log row, so a crash leaves either the
whole change or nothing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from records.checks import (
    COUNT_KINDS,
    DUPLICATE_WINDOW_S,
    LEVEL_HELP,
    MAX_NEXT_STEP,
    MAX_NOTE,
    MAX_QUANTITY,
    MAX_SUMMARY,
    MONEY_KINDS,
    OUTCOME_LABELS,
    RegistryError,
    check_text,
)
from records import privacy
from records.partners import get_partner
from storage.schema import (
    ACTION_LEVELS,
    INTERACTION_KINDS,
    OUTCOME_KINDS,
)
from storage.store import Store


@dataclass
class OutcomeDraft:
    kind: str
    quantity: float
    currency: str | None = None
    note: str = ""


@dataclass
class InteractionDraft:
    partner_id: int
    occurred_on: date
    kind: str
    summary: str
    next_step: str = ""
    next_due: date | None = None
    action_level: str | None = None       # None: the default for the kind and outcomes
    outcomes: list[OutcomeDraft] = field(default_factory=list)


@dataclass
class LogResult:
    interaction_id: int
    outcome_ids: list[int]
    duplicate: bool
    action_level: str


def default_level(kind: str, outcomes: Iterable[OutcomeDraft]) -> str:
    """High when an agreement comes with money or resources from the company; otherwise low.

    Medium (a private sector–government meeting expected to change policy) can't be inferred from the words
    of a log: say `level: medium`.
    """
    if kind == "agreement" and any(o.kind in MONEY_KINDS and o.quantity > 0 for o in outcomes):
        return "high"
    return "low"


def validate_interaction(draft: InteractionDraft, today: date) -> dict[str, str]:
    """Field → problem; empty when the draft may be stored. Cleans text fields in place."""
    errors: dict[str, str] = {}
    if draft.kind not in INTERACTION_KINDS:
        errors["kind"] = f"“{draft.kind}” is not a kind of contact; use one of: {', '.join(INTERACTION_KINDS)}."
    if draft.action_level is not None and draft.action_level not in ACTION_LEVELS:
        errors["level"] = f"“{draft.action_level}” is not an action level; use high, medium or low ({LEVEL_HELP})."
    if draft.occurred_on > today:
        errors["date"] = (f"{draft.occurred_on.isoformat()} is in the future. A log records what already happened; "
                          "put a planned meeting as the next step of your last log instead.")
    elif draft.occurred_on.year < 2000:
        errors["date"] = "That date is too far in the past; check the year."
    for name, limit, what in (("summary", MAX_SUMMARY, "summary"), ("next_step", MAX_NEXT_STEP, "next step")):
        try:
            setattr(draft, name, check_text(getattr(draft, name), limit, what, name))
        except RegistryError as e:
            errors[name] = str(e)
    if not draft.summary and "summary" not in errors:
        errors["summary"] = "Say in a few words what happened, e.g. “discussed 5 placements”."
    if draft.next_due is not None:
        if not draft.next_step and "next_step" not in errors:
            errors["next_step"] = "A due date needs a next step: say what should happen by then."
        elif draft.next_due < draft.occurred_on:
            errors["next_due"] = (f"The next step is due {draft.next_due.isoformat()}, before the contact itself "
                                  f"({draft.occurred_on.isoformat()}); check the date.")
    for o in draft.outcomes:
        problem = outcome_problem(o)
        if problem:
            errors[o.kind] = problem
        else:
            try:
                o.note = check_text(o.note, MAX_NOTE, "outcome note", o.kind)
            except RegistryError as e:
                errors[o.kind] = str(e)
    return errors


def outcome_problem(o: OutcomeDraft) -> str | None:
    if o.kind not in OUTCOME_KINDS:
        return f"“{o.kind}” is not an outcome I record."
    label = OUTCOME_LABELS[o.kind]
    if not (0 <= o.quantity <= MAX_QUANTITY):
        return f"The number for {label} must be between 0 and {MAX_QUANTITY:,}."
    if o.kind in COUNT_KINDS and o.quantity != int(o.quantity):
        return f"{label.capitalize()} is a count of people or activities: a whole number, please."
    if o.kind in MONEY_KINDS and not (o.currency and re.fullmatch(r"[A-Z]{3}", o.currency)):
        return f"Give the currency for {label} as a 3-letter code, e.g. `cash: 5000 USD`."
    if o.kind not in MONEY_KINDS and o.currency:
        return f"{label.capitalize()} is a count; it takes no currency."
    return None


def fingerprint(actor: str, raw: str) -> str:
    """Same user + same text (ignoring case and spacing) → same fingerprint."""
    norm = " ".join(unicodedata.normalize("NFKC", raw).casefold().split())
    return hashlib.sha256(f"{actor}\n{norm}".encode("utf-8")).hexdigest()


def log_interaction(store: Store, draft: InteractionDraft, *, actor: str, platform: str, raw: str,
                    today: date, now: datetime | None = None, source_event: str | None = None) -> LogResult:
    """Store one interaction and its outcomes (one transaction, audited). Raises RegistryError if invalid.

    The same raw text from the same user within a minute returns the earlier entry with duplicate=True, and so
    does a delivery already stored (`source_event`, the platform's delivery key: a redone inbox item).
    """
    errors = validate_interaction(draft, today)
    if errors:
        raise RegistryError(" ".join(errors.values()), next(iter(errors)))
    partner = get_partner(store, draft.partner_id)
    if partner is None:
        raise RegistryError("That partner no longer exists; nothing was saved.", "partner")
    level = draft.action_level or default_level(draft.kind, draft.outcomes)
    fp = fingerprint(actor, raw)
    now = now or datetime.now(timezone.utc)
    created = now.isoformat(timespec="seconds")
    since = (now - timedelta(seconds=DUPLICATE_WINDOW_S)).isoformat(timespec="seconds")
    with store.transaction() as c:
        store.serialize("interactions")  # log numbers and the duplicate checks, across processes
        dup = None
        if source_event:
            dup = c.execute("SELECT id, action_level FROM interactions WHERE source_event = ?",
                            (source_event,)).fetchone()
        dup = dup or c.execute("SELECT id, action_level FROM interactions WHERE fingerprint = ? AND created_at >= ? "
                               "ORDER BY id DESC LIMIT 1", (fp, since)).fetchone()
        if dup:
            return LogResult(dup[0], [], True, dup[1] or level)
        iid = c.execute(
            "INSERT INTO interactions (id, partner_id, occurred_on, kind, summary, next_step, next_due, action_level, "
            "logged_by, platform, fingerprint, created_at, source_event) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (next_log_number(c), partner.id, draft.occurred_on.isoformat(), draft.kind, draft.summary, draft.next_step,
             draft.next_due.isoformat() if draft.next_due else None, level, actor, platform, fp, created,
             source_event),
        ).scalar()
        oids = []
        for o in draft.outcomes:
            oid = c.execute(
                "INSERT INTO outcomes (partner_id, interaction_id, recorded_on, kind, quantity, currency, note, "
                "recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (partner.id, iid, draft.occurred_on.isoformat(), o.kind, o.quantity, o.currency, o.note, actor,
                 created),
            ).scalar()
            oids.append(oid)
            store.audit(actor, "outcome.add", "outcomes", oid, {"partner_id": partner.id, "kind": o.kind,
                                                                 "quantity": o.quantity, "currency": o.currency})
        store.audit(actor, "interaction.add", "interactions", iid,
                    {"partner_id": partner.id, "kind": draft.kind, "occurred_on": draft.occurred_on.isoformat(),
                     "action_level": level, "outcomes": len(oids), "platform": platform})
    return LogResult(iid, oids, False, level)


def next_log_number(c) -> int:
    """One above every log number ever given, deleted ones included (the audit log remembers them), so a number
    is never reused. Call inside the write transaction."""
    top = c.execute("SELECT MAX(id) FROM interactions").fetchone()[0] or 0
    gone = c.execute("SELECT MAX(row_id) FROM audit_log WHERE table_name = 'interactions'").fetchone()[0] or 0
    return max(top, gone) + 1


def recent_interactions(store: Store, partner_id: int, limit: int = 5) -> list[dict[str, Any]]:
    rows = store.execute(
        "SELECT id, occurred_on, kind, summary, next_step, next_due, action_level, logged_by FROM interactions "
        "WHERE partner_id = ? ORDER BY occurred_on DESC, id DESC LIMIT ?", (partner_id, limit)).fetchall()
    keys = ("id", "occurred_on", "kind", "summary", "next_step", "next_due", "action_level", "logged_by")
    return [privacy.masked_fields(dict(zip(keys, r)), "summary", "next_step") for r in rows]


def last_contact(store: Store, partner_id: int) -> str | None:
    row = store.execute("SELECT MAX(occurred_on) FROM interactions WHERE partner_id = ?",
                                (partner_id,)).fetchone()
    return row[0] if row else None


def next_step(store: Store, partner_id: int) -> dict[str, Any] | None:
    """The next step of the latest interaction that named one."""
    row = store.execute(
        "SELECT next_step, next_due, occurred_on FROM interactions WHERE partner_id = ? AND next_step != '' "
        "ORDER BY occurred_on DESC, id DESC LIMIT 1", (partner_id,)).fetchone()
    return {"next_step": privacy.masked(row[0]), "next_due": row[1], "set_on": row[2]} if row else None


def interaction_count(store: Store, partner_id: int) -> int:
    return store.execute("SELECT COUNT(*) FROM interactions WHERE partner_id = ?", (partner_id,)).fetchone()[0]


def outcome_totals(store: Store, partner_id: int) -> list[tuple[str, str | None, float]]:
    return store.execute(
        "SELECT kind, currency, SUM(quantity) FROM outcomes WHERE partner_id = ? GROUP BY kind, currency "
        "ORDER BY kind, currency", (partner_id,)).fetchall()
