"""Log drafts: a log line with a part that could not be understood is kept here, not thrown away, until the user
fixes that part, confirms without it, or cancels. One draft per user (a newer one replaces it)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.store import Store, utcnow


@dataclass(frozen=True)
class Draft:
    id: int
    raw: str
    problems: list[tuple[str, str]]
    created_at: str


def save(store: Store, platform: str, user_id: str, raw: str, problems: list[tuple[str, str]]) -> Draft:
    with store.transaction() as c:
        c.execute("DELETE FROM log_drafts WHERE platform = ? AND user_id = ?", (platform, user_id))
        did = c.execute("INSERT INTO log_drafts (platform, user_id, raw, problems, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                        (platform, user_id, raw, json.dumps(problems, ensure_ascii=False), utcnow())).scalar()
    return get(store, platform, user_id) or Draft(did, raw, problems, "")


def get(store: Store, platform: str, user_id: str) -> Draft | None:
    row = store.execute("SELECT id, raw, problems, created_at FROM log_drafts WHERE platform = ? AND "
                                "user_id = ?", (platform, user_id)).fetchone()
    if row is None:
        return None
    return Draft(row[0], row[1], [tuple(p) for p in json.loads(row[2])], row[3])  # type: ignore[misc]


def drop(store: Store, platform: str, user_id: str) -> bool:
    with store.transaction() as c:
        return c.execute("DELETE FROM log_drafts WHERE platform = ? AND user_id = ?",
                         (platform, user_id)).rowcount > 0
