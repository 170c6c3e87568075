"""Keyword search inside the database, on either engine: FTS5 bm25 on SQLite, full-text search on PostgreSQL.

Not the default ranking any more: the project ranks keywords in the process with bm25s (sparse.py, the same
ranking on both engines; docs/kw-figures.md has the comparison). These tables are still written with every
passage, so `index.KEYWORD_BACKEND = "database"` (or `--keyword database` in the benches) switches back at once.

Both engines get the same question: any passage holding ANY of the query's searchable words (an OR of the terms
from `ranking.query_terms`), best first.
- SQLite: the FTS5 table `kb_chunks_fts(title, section, text)` (rowid = chunk id, porter stemming), ranked by
  bm25 with BM25_WEIGHTS per column.
- PostgreSQL: the generated `tsv` column (title and section weighted 'A', text 'B', english stemming) with its GIN
  index, matched by `websearch_to_tsquery('english', 'w1 or w2 …')` (never a syntax error: the terms are plain
  words) and ranked by `ts_rank_cd` with the same heading/text weight ratio as BM25_WEIGHTS, normalised by
  document length (flag 1, like bm25's length normalisation).
Scores are engine-specific; only their order is used (rank fusion), higher is better on both.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from knowledge.ranking import fts_query, query_terms

log = logging.getLogger("pse.knowledge.index")

# bm25 column weights for (title, section, text): a word in a heading says more about the passage.
BM25_WEIGHTS = (2.0, 2.0, 1.0)

# ts_rank weights are {D, C, B, A}; A = headings, B = body text, in the same ratio as BM25_WEIGHTS.
_PG_WEIGHTS = "{0.1, 0.2, %.3f, 1.0}" % (BM25_WEIGHTS[2] / BM25_WEIGHTS[0])

_SQLITE_SEARCH = text(
    f"SELECT rowid, bm25(kb_chunks_fts, {BM25_WEIGHTS[0]}, {BM25_WEIGHTS[1]}, {BM25_WEIGHTS[2]}) AS rank "
    "FROM kb_chunks_fts WHERE kb_chunks_fts MATCH :match ORDER BY rank LIMIT :k")

_PG_SEARCH = text(
    f"SELECT c.id, ts_rank_cd(CAST('{_PG_WEIGHTS}' AS float4[]), c.tsv, tq, 1) AS rank "
    "FROM kb_chunks c, websearch_to_tsquery('english', :query) AS tq "
    "WHERE c.tsv @@ tq ORDER BY rank DESC, c.id LIMIT :k")


def pg_query(query: str) -> str:
    """The websearch_to_tsquery text for free user text: its searchable words joined by `or`."""
    return " or ".join(query_terms(query))


def search(conn: Any, dialect: str, query: str, k: int) -> list[tuple[int, float]]:
    """(chunk id, score) best first, higher is better. Never raises on odd input."""
    if k <= 0:
        return []
    if dialect == "sqlite":
        match = fts_query(query)
        if not match:
            return []
        stmt, params = _SQLITE_SEARCH, {"match": match, "k": k}
    else:
        terms = pg_query(query)
        if not terms:
            return []
        stmt, params = _PG_SEARCH, {"query": terms, "k": k}
    try:
        rows = conn.execute(stmt, params).fetchall()
    except DBAPIError as exc:  # defensive: the query builders already make every input valid
        log.warning("keyword search failed for %r: %s", query, exc)
        return []
    if dialect == "sqlite":  # bm25 is negative, lower is better
        return [(int(r[0]), -float(r[1])) for r in rows]
    return [(int(r[0]), float(r[1])) for r in rows]


def add(conn: Any, dialect: str, rows: Sequence[dict[str, Any]]) -> None:
    """Index new passages (dicts with id, title, section, text). PostgreSQL's tsv column is generated: nothing to do."""
    if dialect == "sqlite" and rows:
        conn.execute(text("INSERT INTO kb_chunks_fts (rowid, title, section, text) "
                          "VALUES (:id, :title, :section, :text)"),
                     [{"id": r["id"], "title": r["title"], "section": r["section"], "text": r["text"]} for r in rows])


def drop(conn: Any, dialect: str, ids: Sequence[int]) -> None:
    """Forget passages by chunk id (call before their kb_chunks rows are deleted)."""
    if dialect == "sqlite" and ids:
        conn.execute(text("DELETE FROM kb_chunks_fts WHERE rowid = :id"), [{"id": int(i)} for i in ids])
