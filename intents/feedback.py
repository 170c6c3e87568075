"""`feedback`: 👍 / 👎 votes on answers (sent by the buttons under every answer), and a report for curators.

A vote arrives as a form {"vote": 1 | -1, "query": ..., "source": ...}. One person has one vote per
(question, source): voting again changes it rather than counting twice. `feedback report [DAYS]` lists the
sources and questions people found least helpful, so curators know which guidance to improve.

What is kept: from guests (people the bot does not know) only the vote and the source, never the question;
from staff the question, with any personal detail the privacy guard finds replaced by its kind
("[phone number]"). The report masks personal details in rows stored before this rule, too.
"""

from __future__ import annotations

from typing import Any

from bot.message import Message
from bot.reply import Fact, Reply
from intents import gaps_note
from intents.args import since_days
from intents.contract import Intent
from knowledge import feedback as repo
from records import access, privacy

NAME = "feedback"
SUMMARY = "curators: `feedback report` shows the answers people marked unhelpful (votes come from the 👍/👎 buttons)"
USAGE = "feedback report [DAYS]"

MAX_QUERY = 300
MAX_SOURCE = 300
MAX_RAW = 2000      # read at most this much of a vote's form (the guard looks at it before it is cut to size)
SCAN = 500          # questions looked at for the report (masked forms of different questions are merged)
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


def _role(message: Message, store) -> str:
    user = access.user_of(message) if message.role else access.current_user(store, message)
    return user.role


def record_vote(message: Message, store, form: dict[str, Any]) -> Reply:
    try:
        vote = int(form.get("vote"))
    except (TypeError, ValueError):
        vote = 0
    if vote not in (1, -1):
        return Reply.problem("That vote was not understood (it must be 👍 or 👎); nothing was recorded. "
                             "Use the buttons under an answer.")
    query = " ".join(str(form.get("query") or "")[:MAX_RAW].split())
    source = " ".join(str(form.get("source") or "")[:MAX_RAW].split())
    if not query and not source:
        return Reply.problem("That vote did not say which answer it was about; nothing was recorded. "
                             "Use the buttons under an answer.")
    note = ""
    role = _role(message, store)
    if role == "guest":
        # People the bot does not know: keep the vote and the source, never what they asked.
        if not source:
            return Reply.problem("Thanks — but that answer had no source, and I keep no question text from people "
                                 "I don't know yet, so there is nothing to record. Nothing was stored.")
        query = ""
    elif privacy.find_identifiers(query):
        query = privacy.redact(query)
        note = " I kept your question without the personal details it contained."
    if privacy.find_identifiers(source):
        source = privacy.redact(source)
    saved = repo.save_vote(store, message.user_id, message.platform, query[:MAX_QUERY], source[:MAX_SOURCE], vote)
    if not saved.changed:
        return Reply(text="You had already voted that way; nothing changed. Thanks!", private=True)
    if vote == -1 and query:
        gaps_note.keep(message, store, query, "down_vote", role=role)  # for the curators' `kb gaps` report
    if vote == 1:
        text = "Thanks — glad it helped. Your 👍 is recorded."
    else:
        text = ("Thanks — your 👎 is recorded so curators can improve this guidance. "
                "Try rephrasing, or `help` for other ways to get there.")
    if saved.before is not None:
        text += " (Your earlier vote was changed.)"
    return Reply(text=text + note, private=True, data={"vote": vote, "source": source[:MAX_SOURCE]})



def report(store, args: list[str]) -> Reply:
    days, since, problem = since_days(args, "feedback report 30")
    if problem:
        return problem
    total_up, total_down = repo.totals(store, since)
    if not total_up and not total_down:
        return Reply(text=f"No votes in the last {days} days yet.", private=True)
    sources = [[privacy.masked(s), down, up] for s, down, up in repo.down_voted_sources(store, since, TOP)]
    merged: dict[str, list] = {}
    for q, down, src in repo.down_voted_questions(store, since, SCAN):
        row = merged.setdefault(privacy.masked(q), [privacy.masked(q), 0, privacy.masked(src)])
        row[1] += down
    queries = sorted(merged.values(), key=lambda r: (-r[1], r[0]))[:TOP]
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
                 data={"sources": sources, "queries": queries})


EXAMPLES = (
    "feedback report",
    "feedback report 30",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "which answers did people mark as unhelpful?",
    "how do I see the thumbs-down votes on the bot's answers?",
    "where do I see feedback on the answers you gave?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role, examples=EXAMPLES,
                asks=ASKS)
