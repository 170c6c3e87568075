"""Due diligence: the checklist, the risk rule, and stored reviews.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from records.checks import MAX_NOTE, RegistryError, check_text
from records.partners import Partner
from storage.schema import (
    RISK_RATINGS,
)
from storage.store import Store, utcnow


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[str, ...]


CHECKLIST: tuple[Question, ...] = (
    Question("csr", "Does the company have stated CSR or sustainability goals that fit this partnership?",
             ("yes", "partly", "no", "unknown")),
    Question("financial", "How solid is its financial profile for the share it would carry?",
             ("stable", "uncertain", "weak", "unknown")),
    Question("reputation", "Reputation concerns (press, NGO or union reports, labour complaints)?",
             ("none", "minor", "serious", "unknown")),
    Question("lawsuits", "Lawsuits or regulatory action (labour, trafficking, environment, corruption)?",
             ("none", "past", "current", "unknown")),
    Question("supply_chain", "Known forced-labour or recruitment-fee risks in its own supply chain?",
             ("none", "some", "high", "unknown")),
    Question("conflict", "Conflict with the project's or donor's rules (restricted sector, conflict of interest)?",
             ("no", "yes", "unknown")),
)


def item_label(key: str) -> str:
    """A checklist item as people write it: `supply_chain` → `supply chain`."""
    return key.replace("_", " ")


HIGH_IF = {"financial": {"weak"}, "reputation": {"serious"}, "lawsuits": {"current"}, "supply_chain": {"high"},
           "conflict": {"yes"}}


MEDIUM_IF = {"csr": {"no"}, "financial": {"uncertain"}, "reputation": {"minor"}, "lawsuits": {"past"},
             "supply_chain": {"some"}}


RISK_RULE = ("high if any: weak finances, serious reputation concerns, a current lawsuit, high supply-chain risk, a "
             "conflict with project rules; medium if any: no CSR fit, uncertain finances, minor reputation concerns, "
             "a past lawsuit, some supply-chain risk, or two or more questions unanswered; otherwise low")


def compute_risk(answers: dict[str, str]) -> str:
    """The risk rating the checklist answers call for (see RISK_RULE)."""
    if any(answers.get(k) in v for k, v in HIGH_IF.items()):
        return "high"
    unknown = sum(1 for q in CHECKLIST if answers.get(q.key, "unknown") == "unknown")
    if unknown >= 2 or any(answers.get(k) in v for k, v in MEDIUM_IF.items()):
        return "medium"
    return "low"


INCOMPLETE = "incomplete"


def missing_items(raw: dict[str, str]) -> list[str]:
    """Checklist items with no answer at all ("unknown" is an answer: the reviewer looked and could not tell)."""
    return [q.key for q in CHECKLIST if not (raw.get(q.key) or "").strip()]


def validate_answers(raw: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(clean answers, errors by question key). Unanswered items are left out; an answer outside the allowed values
    is refused with them, never guessed."""
    answers, errors = {}, {}
    for q in CHECKLIST:
        value = (raw.get(q.key) or "").strip().lower()
        if not value:
            continue
        if value in ("?", "n/a", "na", "dont know", "don't know", "not sure"):
            value = "unknown"
        if value not in q.options:
            errors[q.key] = f"For “{item_label(q.key)}” answer one of: {', '.join(q.options)} (got “{value}”)."
        answers[q.key] = value
    return answers, errors


def record_diligence(store: Store, partner: Partner, answers: dict[str, str], *, reviewer: str, on: date,
                     rating: str | None = None, notes: str = "") -> tuple[int, str]:
    """Store a checklist review; returns (id, rating). A given rating may raise the computed one, never lower it.

    A review with unanswered items gets no risk level: it is stored as "incomplete" with the missing items."""
    clean, errors = validate_answers(answers)
    if errors:
        raise RegistryError(" ".join(errors.values()), next(iter(errors)))
    missing = missing_items(answers)
    computed = compute_risk(clean) if not missing else INCOMPLETE
    if rating is not None and missing:
        raise RegistryError(f"A risk rating needs every item answered; still missing: {', '.join(map(item_label, missing))}.", "rating")
    if rating is not None:
        rating = rating.strip().lower()
        if rating not in RISK_RATINGS:
            raise RegistryError(f"“{rating}” is not a risk rating; use low, medium or high.", "rating")
        if RISK_RATINGS.index(rating) < RISK_RATINGS.index(computed):  # RISK_RATINGS is low, medium, high
            raise RegistryError(f"The answers make this {computed} risk ({RISK_RULE}); I can't record it as "
                                f"{rating}. Change the answers that drive it, or keep {computed}.", "rating")
    final = rating or computed
    notes = check_text(notes, MAX_NOTE, "diligence notes", "notes")
    stored = dict(clean, notes=notes, computed_rating=computed)
    with store.transaction() as c:
        did = c.execute("INSERT INTO diligence (partner_id, answers, risk_rating, reviewer, reviewed_on, created_at, "
                        "missing) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        (partner.id, json.dumps(stored, ensure_ascii=False), final, reviewer, on.isoformat(),
                         utcnow(), json.dumps(missing))).scalar()
        store.audit(reviewer, "diligence.add", "diligence", did, {"partner_id": partner.id, "risk_rating": final,
                                                                   "computed": computed, "missing": missing})
    return did, final


def latest_diligence(store: Store, partner_id: int) -> dict[str, Any] | None:
    row = store.execute("SELECT id, answers, risk_rating, reviewer, reviewed_on, missing FROM diligence "
                                "WHERE partner_id = ? ORDER BY reviewed_on DESC, id DESC LIMIT 1",
                                (partner_id,)).fetchone()
    if not row:
        return None
    return {"id": row[0], "answers": json.loads(row[1]), "risk_rating": row[2], "reviewer": row[3],
            "reviewed_on": row[4], "missing": json.loads(row[5] or "[]")}


def describe(review: dict[str, Any]) -> str:
    """`medium risk` or `incomplete (missing: lawsuits, conflict)`."""
    if review["risk_rating"] == INCOMPLETE:
        return f"incomplete (missing: {', '.join(map(item_label, review.get('missing') or [])) or '?'})"
    return f"{review['risk_rating']} risk"
