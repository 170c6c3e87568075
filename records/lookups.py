"""Small read-only lookups on partner records for the Slack App Home.

Each returns plain dicts with the partner's `country` and `confidential` flag, so the caller can apply the
visibility rules (records.access) before showing anything.
"""

from __future__ import annotations

from typing import Any, Iterable

from records import privacy


def _rows(store, sql: str, params: tuple, masked: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows as dicts; the free text under `masked` is masked again for showing (records.privacy.masked)."""
    rows = store.execute(sql, params).mappings()
    return [privacy.masked_fields(dict(r), *masked) for r in rows] if masked else rows


def _two(ids: Iterable[str]) -> tuple[str, str]:
    """The owner / logged_by ids a user may appear under (e.g. "U1" and "slack:U1")."""
    a, b = (list(ids) + ["", ""])[:2]
    return (a, b or a)


def partners_owned_by(store, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Partners owned by any of `ids` (name, stage, stage_since, country, confidential), longest in stage first."""
    return _rows(store, "SELECT name, stage, stage_since, country, confidential FROM partners "
                 "WHERE owner IN (?, ?) ORDER BY stage_since, name", _two(ids))


def next_steps_due(store, ids: Iterable[str], until: str, limit: int) -> list[dict[str, Any]]:
    """The latest next step per partner that one of `ids` owns or logged, due on or before `until` (ISO date)."""
    who = _two(ids)
    return _rows(store, """
        SELECT p.name AS partner, i.next_step, i.next_due, p.country, p.confidential
        FROM interactions i JOIN partners p ON p.id = i.partner_id
        WHERE i.id = (SELECT MAX(j.id) FROM interactions j WHERE j.partner_id = i.partner_id)
          AND i.next_due IS NOT NULL AND i.next_due <= ? AND i.next_step != ''
          AND (p.owner IN (?, ?) OR i.logged_by IN (?, ?))
        ORDER BY i.next_due LIMIT ?""", (until, *who, *who, limit), masked=("next_step",))


def recent_logs(store, ids: Iterable[str], limit: int = 50) -> list[dict[str, Any]]:
    """Interactions logged by one of `ids`, newest first (partner, kind, occurred_on, summary, country, …)."""
    return _rows(store, """
        SELECT p.name AS partner, i.kind, i.occurred_on, i.summary, p.country, p.confidential
        FROM interactions i JOIN partners p ON p.id = i.partner_id
        WHERE i.logged_by IN (?, ?) ORDER BY i.created_at DESC, i.id DESC LIMIT ?""", (*_two(ids), limit),
                 masked=("summary",))
