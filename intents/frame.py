"""`frame`: check a draft message to a company for wording that alarms businesses, and offer a better version.

The term list and business-case points live in knowledge/framing_terms.yml; the cited passages come from the
framing guidance in the knowledge base (the bundled "Framing and the business case", or whatever document an
organisation put in its place — any document whose title or file name mentions framing is preferred).
"""

from __future__ import annotations

import logging
import time

from bot import deadline
from bot.message import Message
from bot.reply import Passage, Reply
from intents.contract import Intent
from knowledge.framing import FramingCheck, FramingRulesError, Rules, check, load_rules
from markup.dialect import escape

log = logging.getLogger("pse.intents.frame")

NAME = "frame"
SUMMARY = "check a draft message to a company for sensitive wording; get alternatives, a reworded draft and the business case"
USAGE = "frame DRAFT MESSAGE TO A COMPANY"
ACCESS = "guest"

MAX_PASSAGES = 2
SEARCH_DEPTH = 30  # deep enough that the framing document shows up even for an unusual draft
FALLBACK_SIMILARITY = 0.35  # a passage from another document is cited only when it is clearly on topic


def handle(message: Message, services) -> Reply:
    draft = message.text.strip()
    if not draft:
        return Reply.problem(
            "Paste the draft after the word, e.g. `frame Dear Ms Chan, we would like to discuss how our project "
            "fights human trafficking in your supply chain…`. I'll point out words companies find alarming, "
            "suggest alternatives, reword the draft and add business-case points."
        )
    try:
        rules = load_rules()
    except FramingRulesError as exc:
        log.error("framing terms unusable: %s", exc)
        return Reply.problem(f"I can't check wording right now: {exc} Ask your admin to fix the file; meanwhile "
                             "`ask how do I frame this for a company?` shows the framing guidance.")
    result = check(draft, rules)
    passages, slow = _guidance(services, result)
    text = _compose(result, rules, cited=bool(passages))
    if slow:
        text += ("\n\n(The guidance search took too long, so this answer has no quotes from the framing guidance; "
                 "`ask how do I frame this for a company?` shows them.)")
    data = result.as_data()
    data["citations"] = [p.source for p in passages]
    if slow:
        data["search_timed_out"] = True
    # Drafts often name partners and people: only the asker sees the answer.
    return Reply(text=text, passages=passages, private=True, data=data)


def _compose(result: FramingCheck, rules: Rules, cited: bool) -> str:
    lines: list[str] = []
    if result.clean:
        lines.append("Nothing in this draft is likely to alarm a company — it leads with shared goals rather "
                     "than with crime or blame. Good.")
    else:
        n = len(result.flags)
        lines.append(f"I found {n} kind{'s' if n != 1 else ''} of wording that companies often find alarming:")
        for f in result.flags:
            used = ", ".join(f"“{escape(w)}”" for w in f.found)
            times = f" ({f.count}×)" if f.count > 1 else ""
            lines.append(f"- **{f.term.label}** — you wrote {used}{times}. {f.term.why} "
                         f"Try instead: {', '.join(f.term.alternatives)}.")
        lines.append("")
        lines.append("**Reworded draft** (a starting point — read it through before sending):")
        lines.append("")  # the user's own words, made inert: no link, bold or list markup of theirs is live
        lines.extend(_italic(escape(line)) if line.strip() else "" for line in result.reworded.strip().splitlines())
        if result.dropped:
            lines.append("")
            lines.append("I left out " + ("this sentence" if len(result.dropped) == 1 else "these sentences") + ": "
                         + " ".join(f"“{escape(s)}”" for s in result.dropped)
                         + " Warnings about crime or punishment read as a threat in writing; explain our "
                         "reporting duty in person, before any agreement is signed.")
        by_hand = [w for f in result.flags if not f.term.drop_sentence for w in f.by_hand]
        if by_hand:
            lines.append("Rephrase by hand: " + ", ".join(f"“{escape(w)}”" for w in by_hand) + ".")
    if rules.business_case:
        lines.append("")
        lines.append("**Business-case points** to weave in (pick the two or three that fit this company):")
        lines.extend(f"- **{p.label}**: {p.text}" for p in rules.business_case)
    if cited:
        lines.append("")
        lines.append("From the framing guidance:")
    return "\n".join(lines)


def _italic(text: str) -> str:
    """A line of the reworded draft in italics (the dialect has no quote blocks)."""
    return f"_{text.strip()}_"


def _guidance(services, result: FramingCheck) -> tuple[list[Passage], bool]:
    """The framing guidance passages that back this advice: word alternatives first, then the business case;
    and whether the searches ran out of time (PSE_SEARCH_TIMEOUT bounds both searches together)."""
    if result.clean:
        queries = ["rules of thumb for a first message to a company: start with its own goals, stay truthful",
                   "business case points that persuade a company: legal compliance, reputation, buyers"]
    else:
        labels = ", ".join(f.term.label for f in result.flags[:4])
        queries = [f"words to use instead of {labels} with companies",
                   "business case points that persuade a company: legal compliance, reputation, buyers"]
    try:
        kb = services.knowledge
        kb.warm()  # the one-time model load stays outside the search time bound
        chosen = []
        budget_ends = time.monotonic() + deadline.search_timeout(services)
        for q in queries:
            hits = deadline.call_with_timeout(kb.search, budget_ends - time.monotonic(), q,
                                              top_k=SEARCH_DEPTH, mode="fused")
            framing = [h for h in hits if _is_framing(h)]
            pool = framing or [h for h in hits if h.similarity >= FALLBACK_SIMILARITY]
            pick = next((h for h in pool if all(h.chunk_id != c.chunk_id for c, _ in chosen)), None)
            if pick is not None:
                chosen.append((pick, q))
            if len(chosen) == MAX_PASSAGES:
                break
        if not chosen:
            return [], False
        highlights = _highlights(kb, chosen)
    except deadline.TimedOut:
        log.warning("framing guidance search timed out; answering without citations")
        return [], True
    except Exception:  # noqa: BLE001 - the framing check is still useful without citations
        log.exception("framing guidance lookup failed")
        return [], False
    from intents.ask import cite

    return cite(kb, [h for h, _ in chosen], highlights), False


def _is_framing(hit) -> bool:
    return "framing" in hit.source.lower() or "framing" in (hit.title or "").lower()


def _highlights(kb, chosen) -> list[str]:
    from intents.ask import best_sentences

    return [best_sentences(kb.embedder, q, [h.text])[0] for h, q in chosen]


EXAMPLES = (
    "frame Dear Ms Chan, we want to help you eliminate forced labour from your supply chain.",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "can you check my draft email to a company for sensitive words?",
    "how do I check the wording of a message before I send it to a firm?",
    "can you reword my message to a company so it does not alarm them?",
    "is there a command that reviews my draft for alarming words?",
    "can you suggest softer wording for a draft I wrote to a company?",
    "how do I use the framing check on my draft?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)
