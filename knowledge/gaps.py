"""Gaps in the guidance: the questions it could not answer ("not sure") or whose answer got a 👎, by topic.

The repository half keeps the questions (table `questions_unanswered`, migration 0007). What may be stored is
decided before a question reaches `record` (intents/gaps_note.py): never a guest's question, never who asked,
and personal details masked by the privacy guard. The SQL is portable (SQLite and PostgreSQL).

The report half groups the questions by topic: their embeddings (the same model that answers) are clustered
agglomeratively with average linkage on cosine similarity, stopping when the closest two groups are less alike
than `SAME_TOPIC`. Each group is named by its medoid — the question most like the others in it — and counted.
Groups smaller than `MIN_SHOWN` carry no question text at all, only their count, so a question asked by one
or two people cannot be traced back to them.

`SAME_TOPIC` was chosen on tests/data/gaps_questions.jsonl (167 staff questions in 9 hand-labelled topics):
the adjusted Rand index against the labels is 0.62 at 0.30, 0.61 at 0.25, 0.48 at 0.35 and 0.37 at 0.40.
Questions about framing and about due diligence overlap most (both are about approaching a company).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from storage.store import utcnow

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.embedder import Embedder
    from storage.store import Store

REASONS = ("not_sure", "down_vote")
MAX_QUESTION = 300
SAME_TOPIC = 0.30   # average cosine similarity (all-MiniLM-L6-v2) for two groups to be one topic; see below
MIN_SHOWN = 3       # smaller groups show only a count
SCAN = 2000         # the most recent questions looked at for one report


# ------------------------------------------------------------------------------------------ repository


def record(store: "Store", platform: str, question: str, reason: str, asked_at: str | None = None) -> int:
    """Keep one question (already checked and masked by the caller); returns its row id."""
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}, not {reason!r}")
    text = " ".join(question.split())[:MAX_QUESTION]
    with store.transaction() as c:
        row = c.execute("INSERT INTO questions_unanswered (asked_at, platform, question, reason) "
                        "VALUES (?, ?, ?, ?) RETURNING id",
                        (asked_at or utcnow(), platform, text, reason)).fetchone()
    return int(row[0])


@dataclass(frozen=True)
class Asked:
    question: str
    reason: str
    asked_at: str


def questions_since(store: "Store", since: str, limit: int = SCAN) -> list[Asked]:
    """Questions kept since the ISO time `since`, most recent first."""
    rows = store.execute(
        "SELECT question, reason, asked_at FROM questions_unanswered WHERE asked_at >= ? AND question <> '' "
        "ORDER BY asked_at DESC, id DESC LIMIT ?", (since, limit)).fetchall()
    return [Asked(r[0], r[1], r[2]) for r in rows]


# ---------------------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Gap:
    """One topic. `question` is its most typical question, or None when the group is too small to show."""

    question: str | None
    count: int
    not_sure: int
    down_votes: int
    last_asked: str  # ISO date

    @property
    def shown(self) -> bool:
        return self.question is not None


def cluster(vectors: np.ndarray, same_topic: float = SAME_TOPIC) -> list[list[int]]:
    """Average-linkage agglomerative clustering of unit vectors by cosine similarity: merge the two most alike
    groups until no pair averages `same_topic` or more. Returns groups of row indices, largest first."""
    n = len(vectors)
    if n == 0:
        return []
    sim = np.asarray(vectors, dtype=np.float64) @ np.asarray(vectors, dtype=np.float64).T
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    members: list[list[int]] = [[i] for i in range(n)]
    for _ in range(n - 1):
        flat = int(np.argmax(sim))
        a, b = divmod(flat, n)
        if sim[a, b] < same_topic:
            break
        # Lance-Williams update for average linkage: the merged group's mean similarity to every other group.
        merged = (sizes[a] * sim[a] + sizes[b] * sim[b]) / (sizes[a] + sizes[b])
        sim[a, :] = merged
        sim[:, a] = merged
        sim[a, a] = -np.inf
        sim[b, :] = -np.inf
        sim[:, b] = -np.inf
        sizes[a] += sizes[b]
        alive[b] = False
        members[a].extend(members[b])
        members[b] = []
    groups = [sorted(members[i]) for i in range(n) if alive[i]]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def medoid(vectors: np.ndarray, group: list[int]) -> int:
    """The member most similar, on average, to the rest of its group."""
    if len(group) == 1:
        return group[0]
    v = vectors[group]
    return group[int(np.argmax((v @ v.T).sum(axis=1)))]


def gaps(asked: list[Asked], embedder: "Embedder", same_topic: float = SAME_TOPIC,
         min_shown: int = MIN_SHOWN) -> list[Gap]:
    """The questions grouped by topic, biggest and most recent first; small groups without their text."""
    if not asked:
        return []
    vectors = embedder.embed([a.question for a in asked])
    out = []
    for group in cluster(vectors, same_topic):
        items = [asked[i] for i in group]
        name = asked[medoid(vectors, group)].question if len(group) >= min_shown else None
        out.append(Gap(question=name, count=len(items),
                       not_sure=sum(1 for a in items if a.reason == "not_sure"),
                       down_votes=sum(1 for a in items if a.reason == "down_vote"),
                       last_asked=max(a.asked_at for a in items)[:10]))
    out.sort(key=lambda g: g.question or "")
    out.sort(key=lambda g: g.last_asked, reverse=True)
    out.sort(key=lambda g: g.count, reverse=True)
    return out
