"""The pipeline: every partner with time in stage, last contact and the reasons it counts as stalled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from records import access, stages
from records.checks import STALLED_NO_CONTACT_DAYS
from records.partners import Partner, all_partners
from storage.schema import (
    STREAMS,
)
from storage.store import Store


@dataclass(frozen=True)
class PipelineEntry:
    partner: Partner
    days_in_stage: int
    last_contact: str | None
    days_since_contact: int | None
    stalled: tuple[str, ...]  # reasons; empty when moving


def stalled_reasons(partner: Partner, last: str | None, today: date) -> tuple[int, int | None, tuple[str, ...]]:
    """(days in stage, days since last contact, reasons it counts as stalled)."""
    since = date.fromisoformat(partner.stage_since[:10])
    in_stage = max(0, (today - since).days)
    quiet = (today - date.fromisoformat(last[:10])).days if last else None
    st = stages.get(partner.stage, partner.stream)
    reasons: list[str] = []
    if st is None or not st.active:
        return in_stage, quiet, ()
    if quiet is None:
        added = min(date.fromisoformat(partner.created_at[:10]), since)
        if (today - added).days > STALLED_NO_CONTACT_DAYS:
            reasons.append(f"no contact logged since it was added {(today - added).days} days ago")
    elif quiet > STALLED_NO_CONTACT_DAYS:
        reasons.append(f"no contact for {quiet} days")
    if st.usual_days is not None and in_stage > st.usual_days:
        reasons.append(f"{in_stage} days in {st.label} (usually up to {st.usual_days})")
    return in_stage, quiet, tuple(reasons)


def pipeline(store: Store, today: date, stream: str | None = None,
             viewer: access.User | None = None) -> list[PipelineEntry]:
    """Every partner (the viewer may see) with time in stage, last contact and stalled reasons, by stream and stage."""
    last = dict(store.execute("SELECT partner_id, MAX(occurred_on) FROM interactions GROUP BY partner_id"))
    order = {(s, st.key): i for s, pl in stages.PIPELINES.items() for i, st in enumerate(pl)}
    out = []
    for p in all_partners(store, viewer):
        if stream and p.stream != stream:
            continue
        in_stage, quiet, reasons = stalled_reasons(p, last.get(p.id), today)
        out.append(PipelineEntry(p, in_stage, last.get(p.id), quiet, reasons))
    out.sort(key=lambda e: (STREAMS.index(e.partner.stream) if e.partner.stream in STREAMS else 9,
                            order.get((e.partner.stream, e.partner.stage), 99), e.partner.name.casefold()))
    return out
