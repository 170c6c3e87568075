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


def totals(store: Store, since: str) -> tuple[int, int]:
    """(👍, 👎) since the ISO time `since`."""
    up, down = store.execute(
        "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM feedback WHERE at >= ?", (since,)
    ).fetchone()
    return int(up), int(down)


def down_voted_sources(store: Store, since: str, limit: int) -> list[tuple[str, int, int]]:
    """(source, 👎, 👍) for sources with at least one 👎, most 👎 first."""
    rows = store.execute(
        "SELECT source, SUM(vote = -1) AS down, SUM(vote = 1) AS up FROM feedback WHERE at >= ? AND source != '' "
        "GROUP BY source HAVING down > 0 ORDER BY down DESC, up ASC, source LIMIT ?", (since, limit)).fetchall()
    return [(r[0], int(r[1]), int(r[2])) for r in rows]


def down_voted_questions(store: Store, since: str, limit: int) -> list[tuple[str, int, str]]:
    """(question, 👎, a source it was answered from) for questions with at least one 👎, most 👎 first."""
    rows = store.execute(
        "SELECT query, SUM(vote = -1) AS down, MAX(source) FROM feedback WHERE at >= ? AND query != '' "
        "GROUP BY query HAVING down > 0 ORDER BY down DESC, query LIMIT ?", (since, limit)).fetchall()
    return [(r[0], int(r[1]), r[2]) for r in rows]
