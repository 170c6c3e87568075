"""Questions about using the bot itself ("how do I log a meeting?", "what can you do?"): which command they are
about, and the answer: the command's usage line, what it does and examples that work as typed.

Each intent declares `asks`, the ways people ask for it in plain words (intents/contract.py). A question is
compared with all of them by the same MiniLM model that answers guidance questions; its best match names the
command it is about (`u`, cosine similarity). The question is also compared with the guidance (`g`, the best
passage similarity `ask` has already computed): a question is about the bot when it is closer to a command's
phrasings than to any guidance passage by a margin. The margin and the closeness needed are smaller when the
question addresses the bot ("the bot", "command", "type", "channel"…) or names the command outright ("log",
"digest", "pipeline"…; a named command is preferred to the closest one).

A question that names a command in everyday words ("how do I frame this…", "what goes into a due-diligence
check?") is answered from the guidance as usual, with a one-line hint naming the command; one that is only fairly
close to a command's phrasings gets that hint when the guidance has no answer, instead of a bare "not sure".

The thresholds were calibrated on the dev split of tests/data/usage_questions.jsonl (bench/usage_calibration.py;
figures in README, "Questions about the bot itself").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

import intents
from bot.message import Message
from bot.reply import Reply
from indicators.definitions import IndicatorError, find_indicator
from indicators.periods import looks_like_period_word
from indicators.report import DEFAULT_COUNTRIES
from knowledge.answerability import specifics
from records.access import ROLES

USAGE_FLOOR = 0.55   # u needed to answer with a command when nothing in the wording points at the bot…
CUE_FLOOR = 0.40     # …and when the question addresses the bot or names the command
USAGE_MARGIN = 0.075 # u − g needed to answer with the command when nothing in the wording points at the bot
CUE_MARGIN = -0.075  # … and when the question addresses the bot or names the command
HINT_FLOOR = 0.10    # a guidance answer names a command the question names in words (see _HINTED_BY)…
LEAN_FLOOR = 0.50    # a "not sure" reply names the command a question is this close to (≤ 5% of dev others get one)

# Words that address the bot rather than the work: "in the bot", "what do I type here", "this channel". Not "you":
# guidance questions say "what do you say when…" and "do you have guidance on…" as often as usage questions.
_BOT_WORDS = re.compile(r"\b(bot|assistant|commands?|type|typing|slash|here|channel)\b|/pse\b", re.I)
# Commands whose name is not an everyday word of PSE work ("partner", "stage", "report", "target", "rate" and
# "frame" are; a guidance question uses them all the time), with the other words that name them.
_NAMED_BY = {"log": ("log", "logs", "logged", "logging"), "digest": ("digest", "digests"), "pipeline": ("pipeline",),
             "export": ("export", "exports", "exporting", "csv", "spreadsheet"), "kb": ("kb", "knowledge base"),
             "feedback": ("feedback", "thumbs-down", "thumbs down")}
# A guidance answer may also point to a command that these words name (they are too common to mean the command).
_HINTED_BY = {**_NAMED_BY, "frame": ("frame", "framing", "wording", "draft"),
              "diligence": ("due diligence", "due-diligence", "dd", "checklist"), "report": ("indicator report",)}
# Commands people are pointed to from a guidance answer (not help, ask or the curators' and admins' tools).
_HINTABLE = ("log", "pipeline", "report", "digest", "frame", "diligence", "export")


@dataclass(frozen=True)
class Thresholds:
    floor: float = USAGE_FLOOR
    cue_floor: float = CUE_FLOOR
    margin: float = USAGE_MARGIN
    cue_margin: float = CUE_MARGIN
    hint: float = HINT_FLOOR
    lean: float = LEAN_FLOOR


@dataclass(frozen=True)
class Verdict:
    """What a question is about. `kind`: "usage" (answer with the command), "hint" (answer from the guidance and
    name the command), "lean" (name the command only if the guidance has no answer) or "none". `intent` is the
    closest command either way."""

    kind: Literal["usage", "hint", "lean", "none"]
    intent: str
    similarity: float  # u: the question against the intent's phrasings
    margin: float      # u − g
    cue: bool          # the question addresses the bot or names the command


@lru_cache(maxsize=1)
def phrasings() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(intent name, phrasing) pairs of every registered intent, as two parallel tuples."""
    names: list[str] = []
    asks: list[str] = []
    for name in intents.INTENTS:
        for phrase in intents.load(name).asks:
            names.append(name)
            asks.append(phrase)
    return tuple(names), tuple(asks)


# Names in a question ("how do I move Acme to…", "the report for Nepal") pull MiniLM away from the phrasings,
# which say "a partner", "my country": a run of capitalised words inside a sentence is compared as such.
_NAME_RUN = re.compile(r"(?<![.?!:;]\s)(?<!^)\b[A-Z][\w&'’-]*[a-z][\w&-]*(?:\s+[A-Z][\w&'’-]*[a-z][\w&-]*)*\b")
_PARTNER_BEFORE = re.compile(r"\b(with|for|move|moved|mark|add|log|logged|about|at|from|on)\s+$", re.I)
_NOT_NAMES = {*calendar.day_name, *calendar.month_name[1:], *calendar.month_abbr[1:], "PSE", "Slack", "Teams", "MoU",
              "Assistant", "Bot"}


def generic(question: str, partners: bool = True) -> str:
    """The question with country names written as "my country", and (with `partners`) the names that follow the
    words people use before a partner ("with", "for", "move", "mark"…) as "a partner" (not "a trip to Pokhara", "the
    capital of…")."""
    def swap(m: re.Match) -> str:
        words = m.group(0)
        if words in _NOT_NAMES or all(w in _NOT_NAMES for w in words.split()):
            return words
        if any(words.lower().startswith(c.lower().split()[0]) for c in DEFAULT_COUNTRIES + ("Laos",)):
            return "my country"
        return "a partner" if partners and _PARTNER_BEFORE.search(m.string, 0, m.start()) else words
    return _NAME_RUN.sub(swap, question.strip())


# A phrasing about one partner says "a partner"; only those are compared with the question whose names were read as
# "a partner". Others ("how many partners do we have at each stage?") meet the question with its names as written,
# so that "the per diem rate for Bangkok" does not become "the per diem rate for a partner".
_ONE_PARTNER = re.compile(r"\ba partner\b", re.I)


@lru_cache(maxsize=1)
def _about_one_partner() -> np.ndarray:
    """For each phrasing (in `phrasings()` order): whether it is about one partner."""
    return np.array([bool(_ONE_PARTNER.search(a)) for a in phrasings()[1]])


@lru_cache(maxsize=None)
def _words(intent: str, hinting: bool) -> re.Pattern | None:
    words = (_HINTED_BY if hinting else _NAMED_BY).get(intent)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])", re.I) if words else None


def names(question: str, intent: str, hinting: bool = False) -> bool:
    """Does the question name the command `intent` (for a hint: in words that may also mean the work itself)?"""
    pattern = _words(intent, hinting)
    return bool(pattern and pattern.search(question))


def cues(question: str, intent: str) -> tuple[bool, bool]:
    """(addresses the bot, names the command `intent`)."""
    return bool(_BOT_WORDS.search(question)), names(question, intent)


def similarities(question: str, embedder) -> dict[str, float]:
    """Each intent's best similarity between the question and its phrasings (the phrasings' vectors are kept)."""
    names, asks = phrasings()
    vectors = embedder.embed_remembered(list(asks))
    read, as_written = generic(question), generic(question, partners=False)
    sims = vectors @ embedder.embed_one(read)
    if read != as_written:
        sims = np.where(_about_one_partner(), sims, vectors @ embedder.embed_one(as_written))
    best: dict[str, float] = {}
    for name, s in zip(names, sims):
        best[name] = max(best.get(name, -1.0), float(s))
    return best


def judge(question: str, embedder, guidance: float, sims: dict[str, float] | None = None,
          t: Thresholds = Thresholds()) -> Verdict:
    """Is `question` about using the bot? `guidance` is the best similarity of any guidance passage to it."""
    sims = sims if sims is not None else similarities(question, embedder)
    # A question that names a command outright ("digest", "pipeline", "log"…) is about that command if anything.
    named = [n for n in sims if names(question, n)]
    intent = max(named or sims, key=lambda n: sims[n])
    u = sims[intent]
    to_bot, names_it = cues(question, intent)
    cue = to_bot or names_it
    margin = u - guidance
    if u >= (t.cue_floor if cue else t.floor) and margin >= (t.cue_margin if cue else t.margin):
        return Verdict("usage", intent, round(u, 3), round(margin, 3), cue)
    hinted = [n for n in _HINTABLE if sims.get(n, 0.0) >= t.hint and names(question, n, hinting=True)]
    if hinted:
        best = max(hinted, key=lambda n: sims[n])
        return Verdict("hint", best, round(sims[best], 3), round(sims[best] - guidance, 3), True)
    return Verdict("lean" if u >= t.lean else "none", intent, round(u, 3), round(margin, 3), cue)


# ------------------------------------------------------------------------------------------------- replies

INTRO = "I answer questions from your PSE guidance, log partner work and report indicators."
# The short overview ("what can you do?"): the everyday commands, each with its first example. `help` lists all.
OVERVIEW = (("log", "record a meeting, call or agreement"), ("partner", "add a partner or see its card"),
            ("pipeline", "partners by stage"), ("report", "indicator progress against targets"),
            ("digest", "a weekly digest in this channel"), ("frame", "check a draft to a company for alarming words"))


def typed(message: Message, command: str) -> str:
    """A command as the user types it on their platform (Slack: after `/pse`)."""
    return f"/pse {command}" if message.platform == "slack" else command


def answer(intent_name: str, message: Message, question: str = "", embedder=None) -> Reply:
    """The command's usage line, what it does, one or two examples as code, and where to read more."""
    if intent_name == "help":
        return overview(message)
    intent = intents.load(intent_name)
    lines = [f"Use `{typed(message, intent.name)}`: {intent.summary}.", f"Usage: `{typed(message, intent.usage)}`"]
    shown = pick_examples(intent.examples, question, embedder, notes=intent.notes)
    if shown:
        lines.append("For example:" if len(shown) == 1 else "For example, type one of these:")
        lines += [example_line(message, e, intent.notes) for e in shown]
    note = _role_note(intent, message, shown)
    if note:
        lines.append(note)
    unknown = _unknown_indicators(question) if intent.name in ("report", "target") else []
    if unknown:  # "what does indicator PSE-7b measure?": say it is none of ours rather than let it pass
        lines.append(f"No indicator here is called {' or '.join(f'“{c}”' for c in unknown)}; "
                     f"`{typed(message, 'report how')}` lists the indicators and how each is counted.")
    lines.append(f"Type `{typed(message, 'help ' + intent.name)}` for more.")
    return Reply(text="\n".join(lines), private=True,
                 data={"answered": False, "usage": intent.name, "query": question, "examples": list(shown)})


def example_line(message: Message, example: str, notes: dict[str, str]) -> str:
    """An example as a list line: the command as typed, and what it does when the intent says."""
    note = notes.get(example)
    return f"- `{typed(message, example)}`" + (f" — {note}" if note else "")


def _unknown_indicators(question: str) -> list[str]:
    """Indicator-like codes the question names ("PSE-7b", "IND-4.3": letters and a digit) that are no indicator's
    name or alias."""
    unknown = []
    for code in specifics(question):  # not a period ("Q2", "FY2027") nor an ordinal ("3rd")
        if not re.fullmatch(r"[A-Za-z]{2,}[-_./]?\d[\w.-]*", code) or looks_like_period_word(code):
            continue
        try:
            find_indicator(code)
        except IndicatorError:
            unknown.append(code)
    return unknown


def pick_examples(examples: tuple[str, ...], question: str, embedder, n: int = 2,
                  notes: dict[str, str] | None = None) -> list[str]:
    """The first example, and the other example closest to the question (when there are several): compared by what
    it does where the intent says so (MiniLM matches "how do I undo my last log?" with "undo … the last log you
    made" far better than with `log undo`), else by the command itself."""
    if len(examples) <= 1 or embedder is None or not question:
        return list(examples[:n])
    rest = list(examples[1:])
    notes = notes or {}
    sims = embedder.embed_remembered([notes.get(e, e) for e in rest]) @ embedder.embed_one(generic(question))
    order = [rest[i] for i in np.argsort(-sims)]
    return [examples[0], *order[:n - 1]]


def _role_note(intent, message: Message, shown: list[str]) -> str:
    """Say so when the asker's role is below what the examples need (the router would refuse them)."""
    if message.role is None or not shown:
        return ""
    needed = max((intent.required_role(message.with_text(e.split(maxsplit=1)[1] if " " in e else "", intent.name))
                  for e in shown), key=ROLES.index)
    if ROLES.index(message.role) >= ROLES.index(needed):
        return ""
    who = "you are not registered with me yet" if message.role == "guest" else f"your role is {message.role}"
    return f"This needs the {needed} role and {who}: ask an admin to add you."


def hint(intent_name: str, message: Message) -> str:
    """One line naming the command a guidance answer also touches."""
    intent = intents.load(intent_name)
    what = re.split(r"[;:(]", intent.summary, maxsplit=1)[0].strip()
    return (f"Tip: the `{typed(message, intent.name)}` command may help here ({what}); "
            f"type `{typed(message, 'help ' + intent.name)}` to see how.")


def overview(message: Message) -> Reply:
    """What the bot does, in a few lines with an example each (the answer to "what can you do?")."""
    ask_example = intents.load("ask").examples[0].split(maxsplit=1)[1]
    lines = [INTRO, f"• Ask in your own words, e.g. `{ask_example}`"]
    for name, what in OVERVIEW:
        lines.append(f"• {what}: `{typed(message, intents.load(name).examples[0])}`")
    lines.append(f"Type `{typed(message, 'help')}` for every command, or `{typed(message, 'help log')}` for one.")
    return Reply(text="\n".join(lines), private=True, data={"answered": False, "usage": "help"})
