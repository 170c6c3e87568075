"""Small helpers for report, digest and scheduler tests: real registry writes into a real SQLite store."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

from records import interactions, partner_edits, partners, stage_edits

_raw = itertools.count(1)


def partner(store, name, country="Thailand", stream="innovation", confidential=False, added=date(2026, 1, 5)):
    return partner_edits.add_partner(store, name, actor="test", today=added, stream=stream, country=country,
                                confidential=confidential)


def move(store, p, stage, on):
    fresh = partners.get_partner(store, p.id)
    return stage_edits.move_stage(store, fresh, stage, actor="test", on=on)


def log(store, p, on, kind="meeting", summary="talked", level=None, outcomes=(), next_step="", next_due=None,
        now: datetime | None = None):
    draft = interactions.InteractionDraft(
        partner_id=p.id, occurred_on=on, kind=kind, summary=summary, next_step=next_step, next_due=next_due,
        action_level=level, outcomes=[interactions.OutcomeDraft(k, q, c) for k, q, c in outcomes])
    today = max(on, date.today())
    return interactions.log_interaction(store, draft, actor="test", platform="console", raw=f"seed {next(_raw)}",
                                    today=today, now=now or datetime.now(timezone.utc))
