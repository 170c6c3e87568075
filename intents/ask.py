"""`ask`: answer a "how do I…" question with the best passages of the guidance, each cited and highlighted.

Whether to answer at all, and with which passages, is decided by knowledge/answerability.py: the question's
similarity to each passage's closest sentence, calibrated on real-document questions that have an answer and
near-topic ones that have none (bench/answer_calibration.py), plus guards on codes, numbers and people the
question names. When not confident the bot shows no passage as an answer; above SUGGEST it names the closest
topic so the user can rephrase.
"""

from __future__ import annotations

import json
import re

import numpy as np

from bot import deadline
from bot.message import Message
from bot.reply import Button, Passage, Reply
from intents import gaps_note, usage
from intents.contract import Intent
from knowledge import answerability, collections
from knowledge.chunking import split_sentences
from knowledge.curation import added_on, version_of
from markup.dialect import escape
from records import access, names, privacy

NAME = "ask"
SUMMARY = "ask a question about PSE work in your own words; I answer from the team's guidance with sources"
USAGE = "ask QUESTION"
ACCESS = "guest"

SUGGEST = answerability.SUGGEST
SEARCH_DEPTH = 8


def handle(message: Message, services) -> Reply:
    question = " ".join(message.text.split())
    if not question:
        return Reply.problem(
            "Ask me a question in your own words, for example: `ask how do I frame this for a company?` "
            "or `ask what goes into a due-diligence check?`. Type `help` to see everything else I can do."
        )
    # A survivor's name or phone number is not needed to find guidance: search, judge and echo the question
    # without them (records.privacy), and say so.
    details = privacy.find_identifiers(question)
    left_out = ""
    if details:
        question = privacy.without(question)
        kinds = ", ".join(dict.fromkeys(d.kind for d in details))
        left_out = f"I left the personal details out of your question ({kinds}): the guidance does not need them, " \
                   "and they are not kept."
        if not any(ch.isalpha() for ch in question):
            return Reply.problem(f"{left_out} Ask your question in words, for example "
                                 "`ask what do we do if a placed survivor loses their job?`.")
    kb = services.knowledge
    kb.warm()  # the one-time model load is start-up, not a slow search: it stays outside the time bound
    bundled_off = not kb.bundled_setting().enabled
    if bundled_off and kb.searchable() == 0:  # a setting, not a gap in the guidance: nothing to keep
        return _nothing_to_search(question)
    # A bounded search: on timeout the router tells the user to retry or shorten the question (bot.deadline).
    hits = deadline.call_with_timeout(kb.search, deadline.search_timeout(services), question,
                                      top_k=SEARCH_DEPTH, mode="fused")
    # A question about using the bot itself gets the command and an example (intents/usage.py); one that only
    # names a command is answered from the guidance, with a line pointing to the command.
    about = usage.judge(question, kb.embedder, max((h.similarity for h in hits), default=0.0))
    if about.kind == "usage":
        return usage.answer(about.intent, message, question, kb.embedder)
    tip = usage.hint(about.intent, message) if about.kind == "hint" else ""
    # Answer only with passages close enough to the question, never about a code, number or person no shown
    # passage contains (knowledge/answerability.py, calibrated by bench/answer_calibration.py).
    verdict, chosen = answerability.assess(question, hits)
    if not verdict.confident:
        gaps_note.keep(message, services.store, question, "not_sure")
        # Rather than only "not sure", point to the command a question leans towards (intents/usage.py), and to the
        # records of a partner it names ("what did we agree with Acme Foods?").
        tips = [left_out, usage.hint(about.intent, message) if about.kind != "none" else "",
                *(_records_tip(p, message) for p in _named_partners(question, message, services.store))]
        return _no_match(question, hits, verdict.best, bundled_off, "\n".join(t for t in tips if t))
    highlights = best_sentences(kb.embedder, question, [h.text for h in chosen])
    passages = cite(kb, chosen, highlights)
    top = chosen[0]
    where = top.title + (f" › {top.section}" if top.section else "")
    lead = f"Here is what the guidance says, best match first (from _{escape(where)}_)." + "".join(
        f"\n{line}" for line in (left_out, tip) if line)
    vote = {"query": question[:200], "source": top.source}
    buttons = [
        Button(label="👍 Helpful", action="feedback", value=json.dumps({"vote": 1, **vote})),
        Button(label="👎 Not helpful", action="feedback", value=json.dumps({"vote": -1, **vote})),
    ]
    return Reply(text=lead, passages=passages, buttons=buttons,
                 data={"answered": True, "query": question, "similarity": round(verdict.best, 3),
                       "sources": [p.source for p in passages], "hint": about.intent if tip else None})


def _named_partners(question: str, message: Message, store) -> list:
    """Partners of the registry the question names, that this user may see here (no confidential one in a channel)."""
    user = access.user_of(message)
    return [p for p in names.partners_named_in(question, store, user)
            if access.can_see_confidential_details(user, {"country": p.country, "confidential": p.confidential},
                                                   message)]


def _records_tip(partner, message: Message) -> str:
    card, logs = usage.typed(message, f"partner {partner.name}"), usage.typed(message, f"log history {partner.name}")
    return (f"{escape(partner.name)} is in your partner registry: `{card}` shows its card (stage, last contact, next "
            f"step) and `{logs}` what was logged with it.")


def _nothing_to_search(question: str) -> Reply:
    text = ("The bundled PSE guidance is switched off here, and no documents of your own have been added yet, so I "
            "have nothing to answer from. An admin can turn the guidance back on with `kb bundled on` (on the "
            "server: `pse-bot kb bundled on`), or add your documents by sharing a file with me.")
    return Reply(text=text, data={"answered": False, "query": question, "bundled": "off"})


def _no_match(question: str, hits, best: float, bundled_off: bool = False, tip: str = "") -> Reply:
    shown = question if len(question) <= 80 else question[:77] + "…"
    text = (f"I couldn't find anything in the PSE guidance that answers “{shown}”. "
            "Try rephrasing with the words your team uses (for example “due diligence”, “survivor employment”, "
            "“how to frame trafficking for a company”), or type `help` to see what else I can do.")
    if hits and best >= SUGGEST:
        near = max(hits, key=answerability.signal)
        topic = near.title + (f" › {near.section}" if near.section else "")
        text += f"\nThe closest topic I have is _{escape(topic)}_; ask about that if it is what you meant."
    if bundled_off:
        text += ("\nThe bundled PSE guidance is switched off, so I only looked in your own documents "
                 "(`kb bundled on` turns it back on; admins only).")
    if _not_in_english(question):
        text += "\nI match questions with an English language model: the same question in English finds much more."
    if tip:
        text += f"\n{tip}"
    return Reply(text=text, data={"answered": False, "query": question, "similarity": round(best, 3)})


def _not_in_english(question: str) -> bool:
    """Most of the question's letters are outside plain English (Thai, Khmer, Bengali, Nepali, Vietnamese…)."""
    letters = [ch for ch in question if ch.isalpha()]
    return bool(letters) and sum(not ch.isascii() for ch in letters) > len(letters) / 2


def cite(kb, hits, highlights: list[str]) -> list[Passage]:
    """Passages for the hits, each saying which collection, document and version it came from, when that was
    added, and whether the document is only an example to adapt (front matter `status: example`)."""
    docs = {h.source: kb.document(h.source) for h in hits}
    return [Passage(text=h.text, source=h.source, title=h.title, section=h.section,
                    score=round(answerability.signal(h), 3),
                    highlight=hl, version=version_of(docs[h.source]), added=added_on(docs[h.source]),
                    collection=collections.collection_of(h.source),
                    status=collections.status_of(docs[h.source].meta if docs[h.source] else None))
            for h, hl in zip(hits, highlights)]


def best_sentences(embedder, question: str, texts: list[str]) -> list[str]:
    """For each passage, its sentence most similar to the question (one batched embedding call)."""
    per_text: list[list[str]] = []
    for t in texts:
        cands = [re.sub(r"^(?:[-*•]|\d+[.)])\s+", "", s) for s in split_sentences(t)]
        cands = [s for s in cands if s and s in t]
        per_text.append([s for s in cands if len(s.split()) >= 4] or cands)
    flat = [s for sents in per_text for s in sents]
    if not flat:
        return ["" for _ in texts]
    # The guidance sentences recur from one answer to the next: their vectors are remembered, the question's not.
    sims = embedder.embed_remembered(flat) @ embedder.embed_one(question)
    out, i = [], 0
    for sents in per_text:
        if not sents:
            out.append("")
            continue
        j = int(np.argmax(sims[i:i + len(sents)]))
        out.append(sents[j])
        i += len(sents)
    return out


EXAMPLES = (
    "ask how do I frame this for a company?",
    "ask what goes into a due-diligence check?",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I ask you a question about the guidance?",
    "can I ask you questions in my own words?",
    "where do your answers come from?",
    "do I need a command to ask you something?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)
