"""`ask`: answer a "how do I…" question with the best passages of the guidance, each cited and highlighted.

Confidence comes from the cosine similarity between the question and the passages (all-MiniLM-L6-v2). The
thresholds were tuned on the bundled corpus with the retrieval question set (tests/data/questions.jsonl,
on-topic: median best similarity 0.45, 10th percentile 0.36) and off-topic questions ("banana bread recipe",
"who won the football match", office/IT/HR questions: all below the threshold). Below CONFIDENT the bot shows no
passage as an answer; between SUGGEST and CONFIDENT it names the closest topic so the user can rephrase.
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
from knowledge import answerability
from knowledge.answerability import judge
from knowledge.chunking import split_sentences
from knowledge.curation import added_on, version_of
from markup.dialect import escape

NAME = "ask"
SUMMARY = "ask a question about PSE work in your own words; I answer from the team's guidance with sources"
USAGE = "ask QUESTION"
ACCESS = "guest"

CONFIDENT = answerability.CONFIDENT  # best passage similarity needed to answer at all (calibrated there)
SUGGEST = 0.25          # above this (but not confident) the closest topic is named as a hint
KEEP_WITHIN = 0.12      # further passages must be this close to the best one…
PASSAGE_FLOOR = 0.30    # …and at least this similar themselves
MAX_PASSAGES = 3
SEARCH_DEPTH = 8


def handle(message: Message, services) -> Reply:
    question = " ".join(message.text.split())
    if not question:
        return Reply.problem(
            "Ask me a question in your own words, for example: `ask how do I frame this for a company?` "
            "or `ask what goes into a due-diligence check?`. Type `help` to see everything else I can do."
        )
    kb = services.knowledge
    kb.warm()  # the one-time model load is start-up, not a slow search: it stays outside the time bound
    # A bounded search: on timeout the router tells the user to retry or shorten the question (bot.deadline).
    hits = deadline.call_with_timeout(kb.search, deadline.search_timeout(services), question,
                                      top_k=SEARCH_DEPTH, mode="fused")
    best = max((h.similarity for h in hits), default=0.0)
    # A question about using the bot itself gets the command and an example (intents/usage.py); one that only
    # names a command is answered from the guidance, with a line pointing to the command.
    about = usage.judge(question, kb.embedder, best)
    if about.kind == "usage":
        return usage.answer(about.intent, message, question, kb.embedder)
    tip = usage.hint(about.intent, message) if about.kind == "hint" else ""
    chosen = choose(hits)
    # Never answer confidently about a code or number no shown passage contains, or with passages that share
    # almost none of the question's topic words (knowledge/answerability.py).
    if best < CONFIDENT or not judge(question, [h.similarity for h in chosen], [h.text for h in chosen],
                                     threshold=CONFIDENT).confident:
        gaps_note.keep(message, services.store, question, "not_sure")
        # Rather than only "not sure", point to the command a question leans towards (intents/usage.py).
        return _no_match(question, hits, best, usage.hint(about.intent, message) if about.kind != "none" else "")
    highlights = best_sentences(kb.embedder, question, [h.text for h in chosen])
    passages = cite(kb, chosen, highlights)
    top = chosen[0]
    where = top.title + (f" › {top.section}" if top.section else "")
    lead = f"Here is what the guidance says, best match first (from _{escape(where)}_)." + (f"\n{tip}" if tip else "")
    vote = {"query": question[:200], "source": top.source}
    buttons = [
        Button(label="👍 Helpful", action="feedback", value=json.dumps({"vote": 1, **vote})),
        Button(label="👎 Not helpful", action="feedback", value=json.dumps({"vote": -1, **vote})),
    ]
    return Reply(text=lead, passages=passages, buttons=buttons,
                 data={"answered": True, "query": question, "similarity": round(best, 3),
                       "sources": [p.source for p in passages], "hint": about.intent if tip else None})


def choose(hits) -> list:
    """The passages an answer shows: the best, and up to two more nearly as close (none below PASSAGE_FLOOR)."""
    best = max((h.similarity for h in hits), default=0.0)
    chosen = []
    for h in hits:
        if h.similarity >= max(PASSAGE_FLOOR, best - KEEP_WITHIN) and all(h.chunk_id != c.chunk_id for c in chosen):
            chosen.append(h)
        if len(chosen) == MAX_PASSAGES:
            break
    return chosen


def _no_match(question: str, hits, best: float, tip: str = "") -> Reply:
    shown = question if len(question) <= 80 else question[:77] + "…"
    text = (f"I couldn't find anything in the PSE guidance that answers “{shown}”. "
            "Try rephrasing with the words your team uses (for example “due diligence”, “survivor employment”, "
            "“how to frame trafficking for a company”), or type `help` to see what else I can do.")
    if hits and best >= SUGGEST:
        near = max(hits, key=lambda h: h.similarity)
        topic = near.title + (f" › {near.section}" if near.section else "")
        text += f"\nThe closest topic I have is _{escape(topic)}_; ask about that if it is what you meant."
    if tip:
        text += f"\n{tip}"
    return Reply(text=text, data={"answered": False, "query": question, "similarity": round(best, 3)})


def cite(kb, hits, highlights: list[str]) -> list[Passage]:
    """Passages for the hits, each saying which document and version it came from and when that was added."""
    docs = {h.source: kb.document(h.source) for h in hits}
    return [Passage(text=h.text, source=h.source, title=h.title, section=h.section, score=round(h.similarity, 3),
                    highlight=hl, version=version_of(docs[h.source]), added=added_on(docs[h.source]))
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
