"""`pipeline [innovation|survivor] [stalled]`: partners by stage per work stream, stalled ones flagged.

Stalled: no contact logged for 45 days, or longer in the current stage than usual (see bot/stages.py).
Paused and closed partners are listed but never flagged.
Staff and leads see their own country projects' partners; admins see all. In a shared channel confidential (NDA)
partners are counted per stage but not named.
"""

from __future__ import annotations

from bot.message import Message
from bot.reply import Fact, Reply
from intents import partner_replies as pr
from intents.contract import Intent
from markup.dialect import escape
from records import pipeline, stages

NAME = "pipeline"
SUMMARY = "partners by stage for each work stream, stalled ones flagged"
USAGE = "pipeline [innovation|survivor] [stalled]"
ACCESS = "staff"
SHOW_PER_STAGE = 8


def handle(message: Message, services) -> Reply:
    stream, only_stalled = None, False
    for word in message.text.lower().split():
        if word in ("stalled", "stuck", "late"):
            only_stalled = True
            continue
        s = stages.find_stream(word)
        if s is None:
            return Reply.problem(f"I don't know “{escape(word)}” here. Write `{USAGE}`.")
        stream = s
    today = pr.today(message)
    store = services.store
    entries = pipeline.pipeline(store, today, stream, viewer=pr.viewer(message, store))
    if not entries:
        user = pr.viewer(message, store)
        where = "" if user is None or user.role == "admin" else f" in your country projects ({', '.join(user.countries)})"
        return Reply(text=f"No partners yet{where}. Add one with `partner add NAME --stream innovation "
                          "--country COUNTRY`.", private=True, data={"streams": {}})
    stalled = [e for e in entries if e.stalled]
    conceal = message.is_shared  # NDA partners are only counted where others read
    lines: list[str] = []
    data: dict[str, dict[str, list[dict]]] = {}
    for s_name, pl in stages.PIPELINES.items():
        in_stream = [e for e in entries if e.partner.stream == s_name and (e.stalled or not only_stalled)]
        if not in_stream:
            continue
        lines.append(f"**{stages.STREAM_LABELS[s_name]}** ({len(in_stream)})")
        data[s_name] = {}
        for st in pl:
            here = [e for e in in_stream if e.partner.stage == st.key]
            named = [e for e in here if not (conceal and e.partner.confidential)]
            secret = len(here) - len(named)
            data[s_name][st.key] = [_entry_data(e) for e in named] + [_hidden_data(e) for e in here
                                                                        if e not in named]
            if not here:
                continue
            shown = [_entry_text(e) for e in named[:SHOW_PER_STAGE]]
            more = f", … and {len(named) - SHOW_PER_STAGE} more" if len(named) > SHOW_PER_STAGE else ""
            if secret:
                more += (", " if shown else "") + f"🔒 {secret} confidential"
            lines.append(f"- {st.label} ({len(here)}): " + ", ".join(shown) + more)
    if only_stalled and not stalled:
        lines = ["Nothing is stalled: every active partner had contact in the last 45 days and is within its usual "
                 "time in stage."]
    facts = [Fact("Partners", str(len(entries))), Fact("Stalled", str(len(stalled)))]
    head = (f"{len(stalled)} of {len(entries)} partners look stalled (⚠: no contact for 45 days or over the usual "
            "time in stage)." if stalled else f"{len(entries)} partner{'' if len(entries) == 1 else 's'}, none stalled.")
    if conceal and any(e.partner.confidential for e in entries):
        lines.append("🔒 Confidential (NDA) partners are counted, not named, in a shared channel; "
                     "ask me in a direct message to see them.")
    named_nda = not conceal and any(e.partner.confidential for e in entries)
    return Reply(text=head + "\n" + "\n".join(lines), facts=facts, private=named_nda,
                 data={"streams": data, "stalled": len(stalled)})


def _entry_text(e: pipeline.PipelineEntry) -> str:
    return f"{pr.lock(e.partner)}{escape(e.partner.name)} ({e.days_in_stage} d)" + (" ⚠" if e.stalled else "")


def _hidden_data(e: pipeline.PipelineEntry) -> dict:
    return {"confidential": True, "days_in_stage": e.days_in_stage, "stalled": bool(e.stalled)}


def _entry_data(e: pipeline.PipelineEntry) -> dict:
    return {"name": e.partner.name, "id": e.partner.id, "country": e.partner.country,
            "confidential": e.partner.confidential, "days_in_stage": e.days_in_stage,
            "last_contact": e.last_contact, "stalled": list(e.stalled)}


EXAMPLES = (
    "pipeline",
    "pipeline survivor stalled",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I see all our partners by stage?",
    "which partnerships are stalled or have had no contact for a while?",
    "can you show me the partnership pipeline for each work stream?",
    "how many partners do we have at each stage?",
    "which partners have we not heard from lately?",
    "how do I get an overview of every partnership and its stage?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)
