"""The feedback repository: 👍 / 👎 votes on answers, one per person and (question, source).

Only SQL lives here; what may be stored (no question text from guests, masked personal details from staff)
is decided by `intents.feedback` before a vote reaches this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.store import Store, utcnow


@dataclass(frozen=True)
class Saved:
    row_id: int
    before: int | None  # the person's earlier vote on the same (question, source), None if this is the first
    vote: int

    @property
    def changed(self) -> bool:
        return self.before != self.vote


def save_vote(store: Store, user_id: str, platform: str, query: str, source: str, vote: int) -> Saved:
    """Insert the vote, or change the person's earlier one; audit a change (the audit keeps no question text)."""
    with store.transaction() as c:
        row = c.execute("SELECT id, vote FROM feedback WHERE user_id = ? AND platform = ? AND query = ? AND source = ?",
                        (user_id, platform, query, source)).fetchone()
        if row is None:
            cur = c.execute("INSERT INTO feedback (at, user_id, platform, query, source, vote) VALUES (?, ?, ?, ?, ?, ?) "
                            "RETURNING id",
                            (utcnow(), user_id, platform, query, source, vote))
            saved = Saved(cur.scalar(), None, vote)
        else:
            saved = Saved(row[0], row[1], vote)
            if row[1] != vote:
                c.execute("UPDATE feedback SET vote = ?, at = ? WHERE id = ?", (vote, utcnow(), row[0]))
        if saved.changed:
            store.audit(f"{platform}:{user_id}", "feedback.vote", "feedback", saved.row_id,
                        {"vote": vote, "source": source, "changed_from": saved.before})
    return saved


_UP = "SUM(CASE WHEN vote = 1 THEN 1 ELSE 0 END)"
_DOWN = "SUM(CASE WHEN vote = -1 THEN 1 ELSE 0 END)"


def totals(store: Store, since: str) -> tuple[int, int]:
    """(👍, 👎) since the ISO time `since`."""
    up, down = store.execute(
        f"SELECT COALESCE({_UP}, 0), COALESCE({_DOWN}, 0) FROM feedback WHERE at >= ?", (since,)).fetchone()
    return int(up), int(down)


def down_voted_sources(store: Store, since: str, limit: int) -> list[tuple[str, int, int]]:
    """(source, 👎, 👍) for sources with at least one 👎, most 👎 first."""
    rows = store.execute(
        f"SELECT source, {_DOWN}, {_UP} FROM feedback WHERE at >= ? AND source != '' "
        f"GROUP BY source HAVING {_DOWN} > 0 ORDER BY 2 DESC, 3 ASC, source LIMIT ?", (since, limit)).fetchall()
    return [(r[0], int(r[1]), int(r[2])) for r in rows]


def down_voted_questions(store: Store, since: str, limit: int) -> list[tuple[str, int, str]]:
    """(question, 👎, a source it was answered from) for questions with at least one 👎, most 👎 first."""
    rows = store.execute(
        f"SELECT query, {_DOWN}, MAX(source) FROM feedback WHERE at >= ? AND query != '' "
        f"GROUP BY query HAVING {_DOWN} > 0 ORDER BY 2 DESC, query LIMIT ?", (since, limit)).fetchall()
    return [(r[0], int(r[1]), r[2]) for r in rows]
