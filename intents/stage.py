"""`stage NAME STAGE [on DATE]`: move a partner to another pipeline stage (stage words like "dd" work).

`stage NAME undo` takes back the latest move (made by mistake); `stage NAME STAGE on DATE` for the stage it is at
already corrects the day it got there; for a day before its latest move it back-fills a stage it passed through,
or, when that stage is the one it moved into just before or after the day, corrects the day of that move.
All are audited."""

from __future__ import annotations

import difflib
import re

from bot.message import Message
from bot.reply import Fact, Reply
from intents.contract import Intent
from intents import partner_replies as pr
from markup.dialect import code, plural
from records import checks, dates, partners, stage_edits, stages

NAME = "stage"
SUMMARY = "move a partner to a pipeline stage, e.g. `stage Acme dd` or `stage Acme concept note on 3 Nov`"
USAGE = "stage PARTNER STAGE [on DATE] | stage PARTNER undo"
ACCESS = "staff"


def handle(message: Message, services) -> Reply:
    store = services.store
    today = pr.today(message)
    text = " ".join(message.text.split())
    if not text:
        return Reply.problem(f"Write `{USAGE}`, e.g. `stage Acme Foods due diligence`. " + _stage_list())
    if re.search(r"\s(?:undo|back)$", text, re.IGNORECASE):  # `stage Acme Foods undo`: a move made by mistake
        return _undo(message, services, re.sub(r"\s+\S+$", "", text), today)
    when, dated = today, False
    m = re.match(r"^(.*\S)\s+(?:on|since)\s+(\S.*)$", text, re.IGNORECASE)
    if m and dates.is_date(m.group(2), today):
        text, when, dated = m.group(1), dates.parse_date(m.group(2), today), True
    if when > today:
        return Reply.problem("A stage move is dated when it happened; that date is in the future. Nothing changed.")
    name, stage_words = _split(text)
    if not stage_words:
        near = _near_stage(text)
        if near:  # "stage Acme Foods due dilligence": suggest, never move on a guess
            typed_words, meant = near
            return Reply.problem(f"“{typed_words}” is not a stage; did you mean {stages.find(meant).label}? Type "
                                 f"{code(f'stage {text[:len(text) - len(typed_words)].strip()} {meant}')}. "
                                 "Nothing changed.")
        return Reply.problem(f"I couldn't find a stage at the end of “{text}”. " + _stage_list()
                             + " Nothing changed.")
    target = pr.resolve(store, name, "stage {name} " + stage_words, message=message)
    if isinstance(target, Reply):
        return target
    try:
        st = stages.resolve(stage_words, target.stream)
        if dated and st.key == target.stage and target.stage_since[:10] != when.isoformat():
            return _redate(message, services, target, when, today)  # `stage Acme agreement on 3 Nov`, already there
        if dated and when.isoformat() < target.stage_since[:10] and stages.first_stage(target.stream) != target.stage:
            return _insert(message, services, target, st.key, when, today)  # a stage passed through, back-filled
        p = stage_edits.move_stage(store, target, st.key, actor=pr.actor(message), on=when)
    except (stages.StageError, checks.RegistryError) as e:
        text = f"{e}" + ("" if "nothing changed" in str(e).lower() else " Nothing changed.")
        if getattr(e, "field", None) == "date" and stages.first_stage(target.stream) == target.stage:
            text += (f" If work with them began earlier, date that first: "
                     f"{code(f'partner {target.name} since {when.isoformat()}')}, then move the stage again.")
        return Reply.problem(text)
    if pr.hidden(message, p, store):
        return pr.hidden_reply(f"Moved {pr.label(message, p, store)} to its new stage ({dates.human(when, today)}).",
                               partner_id=p.id)
    return Reply(text=f"{pr.lock(p)}{p.name} moved from {stages.label(target.stage)} to {p.stage_label} "
                      f"({dates.human(when, today)}).",
                 facts=[Fact("Stage", p.stage_label), Fact("Since", when.isoformat()),
                        Fact("Previous", f"{stages.label(target.stage)} for "
                                         f"{plural((when - _since(target)).days, 'day')}")],
                 private=p.confidential, data={"partner_id": p.id, "from": target.stage, "to": p.stage})


def _undo(message: Message, services, name: str, today) -> Reply:
    store = services.store
    target = pr.resolve(store, name, "stage {name} undo", message=message)
    if isinstance(target, Reply):
        return target
    try:
        p, undone = stage_edits.undo_stage(store, target, actor=pr.actor(message))
    except checks.RegistryError as e:
        return Reply.problem(str(e))
    text = (f"Took back the move of {pr.label(message, p, store)} to {stages.label(undone)}: it is at "
            f"{p.stage_label} again, since {dates.human(p.stage_since, today)}. The audit trail keeps the move.")
    return Reply(text=text, private=True, data={"partner_id": p.id, "undone": undone, "stage": p.stage})


def _redate(message: Message, services, target: partners.Partner, when, today) -> Reply:
    store = services.store
    try:
        p = stage_edits.redate_stage(store, target, when, actor=pr.actor(message), today=today)
    except checks.RegistryError as e:
        return Reply.problem(f"{e}" + ("" if "nothing changed" in str(e).lower() else " Nothing changed."))
    text = (f"{pr.label(message, p, store)} entered {p.stage_label} on {dates.human(when, today)} (was "
            f"{dates.human(target.stage_since[:10], today)}).")
    return Reply(text=text, private=True, data={"partner_id": p.id, "since": when.isoformat()})


def _insert(message: Message, services, target: partners.Partner, stage_key: str, when, today) -> Reply:
    store = services.store
    try:
        done = stage_edits.insert_stage(store, target, stage_key, when, actor=pr.actor(message))
    except checks.RegistryError as e:
        return Reply.problem(f"{e}" + ("" if "nothing changed" in str(e).lower() else " Nothing changed."))
    name = pr.label(message, target, store)
    if done.redated:  # it passed through that stage: the day was typed wrong
        text = (f"Corrected: {name} entered {stages.label(done.stage)} on {dates.human(done.on, today)} (was "
                f"{dates.human(done.was, today)}). It is still at {target.stage_label}.")
        return Reply(text=text, private=True, data={"partner_id": target.id, "redated": done.stage, "on": done.on})
    text = (f"Back-filled: {name} moved from {stages.label(done.was)} to {stages.label(stage_key)} on "
            f"{dates.human(when, today)}, then to {stages.label(done.then)} on {dates.human(done.then_on, today)}. "
            f"It is still at {target.stage_label}.")
    return Reply(text=text, private=True, data={"partner_id": target.id, "inserted": stage_key})


def _since(p: partners.Partner):
    from datetime import date

    return date.fromisoformat(p.stage_since[:10])


def _split(text: str) -> tuple[str, str]:
    """Partner words and stage words: the longest stage phrase at the end wins."""
    words = text.split()
    known = set(stages.all_stage_words())
    for k in range(min(4, len(words) - 1), 0, -1):
        tail = " ".join(words[-k:])
        if stages.norm(tail) in known:
            return " ".join(words[:-k]), tail
    return text, ""


def _near_stage(text: str) -> tuple[str, str] | None:
    """(the last words as typed, the stage words they are closest to) when the last one to four words are a
    misspelt stage ("due dilligence", "negotation")."""
    words = text.split()
    known = stages.all_stage_words()
    for k in range(min(4, len(words) - 1), 0, -1):
        tail = " ".join(words[-k:])
        close = difflib.get_close_matches(stages.norm(tail), known, n=1, cutoff=0.8)
        if close:
            return tail, close[0]
    return None


def _stage_list() -> str:
    return " ".join(f"{stages.STREAM_LABELS[s]}: {stages.labels(s)}." for s in stages.PIPELINES)


EXAMPLES = (
    "stage Acme Foods dd",
    "stage Acme Foods concept note",
    ("stage Acme Foods undo", "take back a stage move made by mistake"),
    ("stage Acme Foods dd on 3 Nov", "correct the wrong date of a stage move, or back-fill a stage passed through"),
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I move a partner to the next stage?",
    "how do I change a partnership's stage to due diligence or agreement?",
    "how do I record that talks with a company moved on to negotiation?",
    "how do I update where a partnership stands in the pipeline?",
    "how do I move a partner to the agreement stage once the MoU is signed?",
    "how do I put a partnership on hold or close it?",
    "how do I set the stage a partnership is at?",
    "I moved a partner to the wrong stage, how do I undo it?",
    "I typed the wrong date for a stage move, how do I correct it?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)
