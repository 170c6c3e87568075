"""Which partners a viewer may see, and the per-process caches of it (dropped whenever partners change).

Reads that take a `viewer` (a `records.access.User`) show staff and leads only their country projects' partners
(plus partners with no country project that are not confidential); admins and `viewer=None` see every partner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from records import access
from storage.store import Store

if TYPE_CHECKING:  # pragma: no cover
    from records.partners import Partner


def index_key(store: Store) -> tuple:
    """Changes whenever any process changes a partner: every change to partners is audited in the same
    transaction, so the newest audit entry about partners (with the count and newest id) identifies the state."""
    count, max_id, audited = store.execute(
        "SELECT (SELECT COUNT(*) FROM partners), (SELECT MAX(id) FROM partners), "
        "(SELECT MAX(id) FROM audit_log WHERE table_name = 'partners')").fetchone()
    return (count, max_id, audited, getattr(store, "_registry_gen", 0))


def viewer_caches(store: Store, key: tuple) -> dict:
    """Per-viewer caches (visible ids, restricted indexes), dropped whenever the partners change."""
    cached = getattr(store, "_registry_views", None)
    if cached is None or cached[0] != key or len(cached[1]) > 512:
        cached = (key, {})
        store._registry_views = cached  # type: ignore[attr-defined]
    return cached[1]


def visible_ids(store: Store, viewer: access.User | None) -> frozenset[int] | None:
    """Ids of the partners `viewer` may see (`access.can_see_partner`), or None when they see all."""
    vkey = access.visibility_key(viewer)
    if vkey is None:
        return None
    views = viewer_caches(store, index_key(store))
    if ("ids", vkey) not in views:
        rows = store.execute("SELECT id, country, confidential FROM partners")
        views[("ids", vkey)] = frozenset(
            pid for pid, country, conf in rows
            if access.can_see_partner(viewer, {"country": country, "confidential": conf}))  # type: ignore[arg-type]
    return views[("ids", vkey)]


def can_see(store: Store, viewer: access.User | None, partner: Partner) -> bool:
    allowed = visible_ids(store, viewer)
    return allowed is None or partner.id in allowed


def names_changed(store: Store) -> None:
    store._registry_gen = getattr(store, "_registry_gen", 0) + 1  # type: ignore[attr-defined]
