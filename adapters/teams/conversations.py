"""Where the bot may speak unprompted in Teams: Bot Framework conversation references kept in SQLite.

A reference is stored (or refreshed) whenever the bot is installed in, added to, or spoken to in a
conversation, so that weekly digests can be posted there after any restart. A conversation is marked inactive,
never deleted, when the bot is removed or Teams refuses delivery (403 / 404).
"""

from __future__ import annotations

import json
from typing import Any

from storage.store import Store, utcnow


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread's id is "CHANNEL;messageid=…"; the channel itself is the part before it."""
    return (conversation_id or "").split(";messageid=", 1)[0]


def save(store: Store, conversation_id: str, reference: dict[str, Any], service_url: str, tenant_id: str = "",
         conversation_type: str = "") -> None:
    with store.transaction() as c:
        c.execute(
            """INSERT INTO teams_conversations
               (conversation_id, reference, service_url, tenant_id, conversation_type, updated_at, active)
               VALUES (?, ?, ?, ?, ?, ?, 1)
               ON CONFLICT(conversation_id) DO UPDATE SET reference = excluded.reference,
                 service_url = excluded.service_url,
                 tenant_id = CASE WHEN excluded.tenant_id != '' THEN excluded.tenant_id ELSE teams_conversations.tenant_id END,
                 conversation_type = CASE WHEN excluded.conversation_type != '' THEN excluded.conversation_type
                                          ELSE teams_conversations.conversation_type END,
                 updated_at = excluded.updated_at, active = 1""",
            (conversation_id, json.dumps(reference, ensure_ascii=False), service_url, tenant_id or "",
             conversation_type or "", utcnow()),
        )


def get(store: Store, conversation_id: str) -> dict[str, Any] | None:
    row = store.execute(
        "SELECT conversation_id, reference, service_url, tenant_id, conversation_type, updated_at, active "
        "FROM teams_conversations WHERE conversation_id = ?", (base_conversation_id(conversation_id),)
    ).fetchone()
    if row is None:
        return None
    keys = ("conversation_id", "reference", "service_url", "tenant_id", "conversation_type", "updated_at", "active")
    out = dict(zip(keys, row))
    out["reference"] = json.loads(out["reference"])
    out["active"] = bool(out["active"])
    return out


def deactivate(store: Store, conversation_id: str, reason: str) -> bool:
    """Mark a conversation as unreachable; True if it was active. Recorded in the audit log."""
    cid = base_conversation_id(conversation_id)
    with store.transaction() as c:
        cur = c.execute("UPDATE teams_conversations SET active = 0, updated_at = ? WHERE conversation_id = ? "
                        "AND active = 1", (utcnow(), cid))
        changed = cur.rowcount == 1
        if changed:
            store.audit("teams", "deactivate", "teams_conversations", None,
                        {"conversation_id": cid, "reason": reason})
    return changed


def active(store: Store) -> list[str]:
    return [r[0] for r in store.execute(
        "SELECT conversation_id FROM teams_conversations WHERE active = 1 ORDER BY updated_at")]


def any_known(store: Store) -> bool:
    """True once the bot has been installed in, added to, or spoken to in any Teams conversation."""
    try:
        return store.execute("SELECT 1 FROM teams_conversations LIMIT 1").fetchone() is not None
    except Exception:  # noqa: BLE001 - the Teams table is not there yet
        return False
