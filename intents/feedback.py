"""`feedback`: 👍 / 👎 votes on answers (sent by the buttons under every answer), and a report for curators.

A vote arrives as a form {"vote": 1 | -1, "query": ..., "source": ...}. One person has one vote per
(question, source): voting again changes it rather than counting twice. `feedback report [DAYS]` lists the
sources and questions people found least helpful, so curators know which guidance to improve.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from bot.message import Message
from bot.reply import Fact, Reply
from intents.contract import Intent
from storage.store import utcnow

NAME = "feedback"
SUMMARY = "curators: `feedback report` shows the answers people marked unhelpful (votes come from the 👍/👎 buttons)"
USAGE = "feedback report [DAYS]"

MAX_QUERY = 300
MAX_SOURCE = 300
DEFAULT_DAYS = 90
MAX_DAYS = 3650
TOP = 10


def required_role(message: Message) -> str:
    """Anyone may vote; the report reveals what colleagues asked, so it is for leads."""
    return "lead" if _words(message)[:1] == ["report"] else "guest"


def _words(message: Message) -> list[str]:
    return message.text.lower().split()


def handle(message: Message, services) -> Reply:
    if message.form is not None:
        return record_vote(message, services.store, message.form)
    words = _words(message)
    if words[:1] == ["report"]:
        return report(services.store, words[1:])
    return Reply.problem(
        "Votes come from the 👍 / 👎 buttons under each answer. Curators can type `feedback report` "
        "(or `feedback report 30` for the last 30 days) to see which answers people found unhelpful."
    )


def record_vote(message: Message, store, form: dict[str, Any]) -> Reply:
    try:
        vote = int(form.get("vote"))
    except (TypeError, ValueError):
        vote = 0
    if vote not in (1, -1):
        return Reply.problem("That vote was not understood (it must be 👍 or 👎); nothing was recorded. "
                             "Use the buttons under an answer.")
    query = " ".join(str(form.get("query") or "").split())[:MAX_QUERY]
    source = str(form.get("source") or "").strip()[:MAX_SOURCE]
    if not query and not source:
        return Reply.problem("That vote did not say which answer it was about; nothing was recorded. "
                             "Use the buttons under an answer.")
    with store.transaction() as c:
        row = c.execute("SELECT id, vote FROM feedback WHERE user_id = ? AND platform = ? AND query = ? AND source = ?",
                        (message.user_id, message.platform, query, source)).fetchone()
        if row is None:
            cur = c.execute("INSERT INTO feedback (at, user_id, platform, query, source, vote) VALUES (?, ?, ?, ?, ?, ?)",
                            (utcnow(), message.user_id, message.platform, query, source, vote))
            row_id, before = cur.lastrowid, None
        else:
            row_id, before = row[0], row[1]
            if before != vote:
                c.execute("UPDATE feedback SET vote = ?, at = ? WHERE id = ?", (vote, utcnow(), row_id))
        if before != vote:
            store.audit(f"{message.platform}:{message.user_id}", "feedback.vote", "feedback", row_id,
                        {"vote": vote, "source": source, "changed_from": before})
    if before == vote:
        return Reply(text="You had already voted that way; nothing changed. Thanks!", private=True)
    if vote == 1:
        text = "Thanks — glad it helped. Your 👍 is recorded."
    else:
        text = ("Thanks — your 👎 is recorded so curators can improve this guidance. "
                "Try rephrasing, or `help` for other ways to get there.")
    if before is not None:
        text += " (Your earlier vote was changed.)"
    return Reply(text=text, private=True, data={"vote": vote, "source": source})


def report(store, args: list[str]) -> Reply:
    days = DEFAULT_DAYS
    if args:
        try:
            days = int(args[0])
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_DAYS:
            return Reply.problem(f"`{args[0]}` is not a number of days. Write e.g. `feedback report 30` "
                                 f"(1 to {MAX_DAYS}).")
    since = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    c = store.db.conn
    total_up, total_down = c.execute(
        "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM feedback WHERE at >= ?", (since,)
    ).fetchone()
    if not total_up and not total_down:
        return Reply(text=f"No votes in the last {days} days yet.", private=True)
    sources = c.execute(
        "SELECT source, SUM(vote = -1) AS down, SUM(vote = 1) AS up FROM feedback WHERE at >= ? AND source != '' "
        "GROUP BY source HAVING down > 0 ORDER BY down DESC, up ASC, source LIMIT ?", (since, TOP)).fetchall()
    queries = c.execute(
        "SELECT query, SUM(vote = -1) AS down, MAX(source) FROM feedback WHERE at >= ? AND query != '' "
        "GROUP BY query HAVING down > 0 ORDER BY down DESC, query LIMIT ?", (since, TOP)).fetchall()
    lines = [f"Feedback in the last {days} days: {total_up} 👍, {total_down} 👎."]
    if sources:
        lines.append("\n*Sources with the most 👎* (👎 / 👍):")
        lines += [f"• `{s}` — {down} / {up}" for s, down, up in sources]
    if queries:
        lines.append("\n*Questions marked unhelpful most often:*")
        lines += [f"• “{q}” — {down} 👎 (answered from `{src}`)" for q, down, src in queries]
    if not sources and not queries:
        lines.append("No answer was marked unhelpful.")
    return Reply(text="\n".join(lines), private=True,
                 facts=[Fact("👍", str(total_up)), Fact("👎", str(total_down)), Fact("Days", str(days))],
                 data={"sources": [list(r) for r in sources], "queries": [list(r) for r in queries]})


INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role)
