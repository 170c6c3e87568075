"""`kb`: curators look after the guidance from chat.

- `kb list`, `kb remove DOC`, `kb restore DOC` (admins): the same words and behaviour as `pse-bot kb …` at the
  terminal — both call knowledge/curation.py — and every change goes to the audit trail (who, when, which
  document, its checksum).
- `kb bundled [on | off | weight W]` (admins): whether the bundled guidance is searched and how much it counts
  against the organisation's own documents, for every server at once (knowledge/collections.py, the same as
  `pse-bot kb bundled …`); a change is audited with the setting before and after.
- `kb adapt` (admins): which search model ranks; adapting it runs on the server (`pse-bot kb adapt`).
- `kb gaps [DAYS]` (leads and admins): the questions the guidance could not answer or whose answer got a 👎,
  grouped by topic (knowledge/gaps.py), so curators know what to write next. Groups of fewer than three
  questions show only a count.
"""

from __future__ import annotations


from bot.message import Message
from bot.reply import Fact, Reply
from knowledge import collections, curation, gaps, ranking_model
from intents.args import since_days
from intents.contract import Intent
from markup.dialect import Table, plural
from records import privacy

NAME = "kb"
SUMMARY = ("curators: `kb list` the documents, `kb remove DOC` / `kb restore DOC`, `kb bundled [on|off|weight W]` "
           "the bundled guidance (admins); `kb gaps [DAYS]` what staff asked that the guidance could not answer "
           "(leads)")
USAGE = "kb list | kb remove DOC | kb restore DOC | kb bundled [on|off|weight W] | kb gaps [DAYS]"

TOP = 15  # topics listed by name; the rest are summed up


def required_role(message: Message) -> str:
    """Changing or listing documents is for admins; the gaps report is for anyone who curates (leads too)."""
    return "lead" if _words(message)[:1] == ["gaps"] else "admin"


def _words(message: Message) -> list[str]:
    return message.text.split()


def handle(message: Message, services) -> Reply:
    words = _words(message)
    sub = words[0].lower() if words else ""
    arg = message.text.strip()[len(sub):].strip() if sub else ""
    actor = f"{message.platform}:{message.user_id}"
    if sub == "list":
        listing = curation.list_documents(services.knowledge)
        tables = [listing.table()] if listing.documents else []
        return Reply(text=listing.summary(), tables=tables, private=True,
                     data={"documents": [d.source for d in listing.documents], "excluded": listing.excluded})
    if sub in ("remove", "restore"):
        do = curation.remove_document if sub == "remove" else curation.restore_document
        outcome = do(services.knowledge, arg)
        if not outcome.ok:
            return Reply.problem(outcome.text)
        curation.audit(services.store, actor, f"kb.{sub}", outcome)
        return Reply(text=outcome.text, private=True, data={"source": outcome.source, "sha256": outcome.sha256})
    if sub == "bundled":
        outcome = collections.change(services.knowledge, words[1:])
        if not outcome.ok:
            return Reply.problem(outcome.text)
        curation.audit(services.store, actor, "kb.bundled", outcome)
        after = outcome.after
        return Reply(text=outcome.text, private=True,
                     data={"bundled": after.as_dict() if after else None, "changed": outcome.changed})
    if sub == "gaps":
        return gaps_report(services, words[1:])
    if sub == "adapt":
        return adapt_status(services)
    return Reply.problem(f"Say what to do with the guidance: `{USAGE}`. For example `kb list`, or "
                         "`kb remove corpus/funding-conversations.md`.")



def adapt_status(services) -> Reply:
    """Which model ranks, and where to change it: training takes minutes of the server's two cores, not a chat turn."""
    model = ranking_model.describe(services.knowledge.index)
    now = (f"Search ranks with a model adapted to your documents on {model['created_at'][:10]}." if model
           else "Search ranks with the packaged model.")
    return Reply(text=f"{now} Teaching the search model the language of your documents takes minutes of the "
                      "server's time, so an operator runs it there: `pse-bot kb adapt` (`--status` says which model "
                      "ranks, `--off` goes back to the packaged one).", private=True,
                 data={"model": model["sha256"] if model else None})


def gaps_report(services, args: list[str]) -> Reply:
    days, since, problem = since_days(args, "kb gaps 30")
    if problem:
        return problem
    asked = gaps.questions_since(services.store, since)
    if not asked:
        return Reply(text=f"No unanswered or 👎 questions in the last {days} days. Nothing to fill in yet.",
                     private=True, data={"groups": []})
    services.knowledge.warm()
    groups = gaps.gaps(asked, services.knowledge.embedder)
    named = [g for g in groups if g.shown]
    small = [g for g in groups if not g.shown]
    rows = tuple((privacy.masked(g.question or ""), str(g.count), str(g.not_sure), str(g.down_votes),
                  g.last_asked)
                 for g in named[:TOP])
    lines = [f"**Gaps in the guidance, last {days} days**: {plural(len(asked), 'question')} got “not sure” or a 👎, "
             f"in {plural(len(groups), 'topic')}. Each topic is named by its most typical question."]
    notes = []
    if not rows:
        lines.append("No topic was asked about three times or more yet.")
    more = named[TOP:]
    if more:
        notes.append(f"{plural(len(more), 'more topic')} asked about three times or more "
                     f"({plural(sum(g.count for g in more), 'question')}) {'is' if len(more) == 1 else 'are'} not listed.")
    if small:
        others = sum(g.count for g in small)
        notes.append(f"{plural(others, 'other question')} {'falls' if others == 1 else 'fall'} in "
                     f"{plural(len(small), 'smaller topic')} "
                     "(one or two questions each); they are counted but not shown, so nobody can be recognised "
                     "by what they asked.")
    notes.append("Guests' questions are never kept, and personal details are masked before anything is stored.")
    tables = []
    if rows:
        tables.append(Table(header=("Most typical question", "Asked", "Not sure", "👎", "Last asked"), rows=rows,
                            align=("left", "right", "right", "right", "left"), note=" ".join(notes)))
    else:
        lines += notes
    data = {"groups": [{"question": privacy.masked(g.question) if g.question else None, "count": g.count,
                        "not_sure": g.not_sure, "down_votes": g.down_votes, "last_asked": g.last_asked}
                       for g in groups]}
    return Reply(text="\n".join(lines), tables=tables, private=True, data=data,
                 facts=[Fact("Questions", str(len(asked))), Fact("Topics", str(len(groups))),
                        Fact("Days", str(days))])


EXAMPLES = (
    "kb list",
    "kb gaps 30",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "which documents do you answer from?",
    "how do I remove a document from the knowledge base?",
    "how do I bring back a bundled guidance document I removed?",
    "which questions could the bot not answer lately?",
    "where are the gaps in our guidance documents?",
    "how do I see the list of documents the bot searches?",
    "how can an admin take a document out of what the bot searches?",
    "where do I see the questions you could not answer?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role, examples=EXAMPLES,
                asks=ASKS)
