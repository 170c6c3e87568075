"""Reading a one-line log: the head (partner, kind, date), the summary and the `;`-separated extras.

Extras: `next: STEP [by DATE]` (a date anywhere in the step counts: "call them next Friday"), `due: DATE`,
`level: high|medium|low`, and outcomes, with or without a colon: `placed: 5`, `placed 5`, `trained 15 survivors`,
`cash: 2,000,000 riel`, `in-kind ฿15,000`. A count of survivors told in a sentence (`placed 3 survivors at the
hotel`) is read and the sentence kept as the summary; a count of other people (`trained 20 HR staff`) is only words.
A part that cannot be understood is not dropped: it is listed in
`Parsed.problems` (segment, message) so the caller can keep a draft and ask about it alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from records import checks, dates, interactions, money, names
from storage.schema import ACTION_LEVELS, INTERACTION_KINDS

KIND_WORDS = {
    "meeting": "meeting", "meet": "meeting", "met": "meeting", "mtg": "meeting", "visit": "meeting",
    "visited": "meeting", "call": "call", "called": "call", "phone": "call", "phoned": "call", "zoom": "call",
    "email": "email", "emailed": "email", "e-mail": "email", "mail": "email", "wrote": "email",
    "event": "event", "workshop": "event", "conference": "event", "forum": "event", "webinar": "event",
    "training": "training", "agreement": "agreement", "mou": "agreement", "signed": "agreement",
    "signing": "agreement", "contract": "agreement",
}
OUTCOME_KEYS = {
    "placed": "survivors_placed", "survivors placed": "survivors_placed", "placements": "survivors_placed",
    "trained": "survivors_trained", "survivors trained": "survivors_trained",
    "cash": "cash", "funding": "cash", "funds": "cash", "money": "cash",
    "in-kind": "in_kind", "in kind": "in_kind", "inkind": "in_kind", "in_kind": "in_kind",
    "activities": "joint_activity", "activity": "joint_activity", "joint activities": "joint_activity",
    "joint activity": "joint_activity", "policy": "policy_change", "policies": "policy_change",
    "policy change": "policy_change", "policy changes": "policy_change",
}
for _m in ("3", "6", "12"):
    for _w in ("employed", "still employed", "retained"):
        OUTCOME_KEYS[f"{_w} {_m}m"] = f"retained_{_m}m"
        OUTCOME_KEYS[f"{_w} {_m} months"] = f"retained_{_m}m"
NEXT_KEYS = ("next", "next step", "next steps", "todo", "to do", "follow up", "follow-up")
LEVEL_KEYS = ("level", "action level", "action")
DUE_KEYS = ("due", "by", "deadline")
PEOPLE = (r"(?:survivors?|people|persons|workers|women|men|participants|girls|boys|young people|youths?|trainees|"
          r"beneficiaries|returnees|victims)")
_SURVIVORS = r"(?:survivors?|victims?|returnees?|trafficked (?:people|persons|women|men|girls|boys))"
_KEY_ALT = "|".join(re.escape(k) for k in sorted(OUTCOME_KEYS, key=len, reverse=True))
# `placed 2`, `trained 15 survivors`, `cash 5000 USD`  /  `2 placed`, `15 survivors trained`
_OUTCOME_FIRST = re.compile(rf"({_KEY_ALT})\s+(.*\d.*?)(?:\s+{PEOPLE})?", re.IGNORECASE)
_OUTCOME_LAST = re.compile(rf"(\d[\d,]*)\s+(?:{PEOPLE}\s+)?({_KEY_ALT})", re.IGNORECASE)


def _counted(rest: str) -> tuple[re.Pattern, re.Pattern]:
    """`placed 3 survivors at Lotus Hotels`, `3 survivors placed at Lotus Hotels`: a count told in a sentence,
    followed by `rest`."""
    return (re.compile(rf"(?P<key>{_KEY_ALT})\s+(?P<n>\d[\d,]*)\s+{_SURVIVORS}{rest}", re.IGNORECASE),
            re.compile(rf"(?P<n>\d[\d,]*)\s+{_SURVIVORS}\s+(?:were\s+)?(?P<key>{_KEY_ALT}){rest}", re.IGNORECASE))


_COUNT_IN_WORDS = _counted(r"\s+\S.*")
# `placed two survivors in housekeeping`: a count in words (one to twenty), read only right before a word for
# survivors, and then also with nothing after it (`placed two survivors`)
_COUNT_WORDS = {w: n for w, n in dates.NUMBER_WORDS.items() if w not in ("a", "an")}
_WORDED = re.compile(rf"\b({'|'.join(_COUNT_WORDS)})(?=\s+{_SURVIVORS}\b)", re.IGNORECASE)
_COUNT_WORDED = _counted(r"(?:\s+\S.*)?")
# `trained 20 HR staff`: the number counts people who are not survivors (`2 or 3`, `5 to 6` stay numbers to ask about)
_OTHERS_COUNTED = re.compile(rf"\d[\d,.]*\s+(?!(?:{PEOPLE}|or|to|and)\b)[A-Za-z]", re.IGNORECASE)


class LogError(ValueError):
    def __init__(self, message: str, field_name: str | None = None):
        super().__init__(message)
        self.field = field_name


@dataclass
class Parsed:
    partner_text: str
    kind: str
    occurred_on: date
    summary: str
    next_step: str = ""
    next_due: date | None = None
    level: str | None = None
    outcomes: list[interactions.OutcomeDraft] = field(default_factory=list)
    kind_given: bool = True
    problems: list[tuple[str, str]] = field(default_factory=list)  # (the part as typed, what is wrong)


MAX_HEAD_WORDS = 24  # partner name + kind + date words; more is a summary typed before the colon


def split_head(store, head: str, today: date, viewer=None) -> tuple[str, str | None, date]:
    """Partner words, kind and date from `Acme Foods meeting yesterday` (the longest known name wins).

    Only names of partners `viewer` may see count as known (None: all partners)."""
    words = head.split()
    if not words:
        raise LogError("Start with the partner's name, then the kind of contact and when.")
    if len(words) > MAX_HEAD_WORDS:
        raise LogError(f"The part before the colon has {len(words)} words; it should only be the partner's name, "
                       "the kind of contact and when (e.g. `Acme Foods meeting yesterday`). Put the rest after "
                       "the colon.")
    for j in names.known_prefix_lengths(store, words, viewer):
        try:
            kind, day = _explain(words[j:], today)
        except dates.DateError:
            continue
        return " ".join(words[:j]), kind, day
    fits = [j for j in range(1, len(words) + 1) if _is_when(words[j:], today)]
    # Prefer a split whose name part is a partner we can find; if such a name is followed by words that are
    # not a date ("Blue Ocean call yestrday"), report those words rather than asking to create a partner.
    found = [j for j in range(1, len(words) + 1)
             if names.find_partner(store, " ".join(words[:j]), viewer).status == "found"]
    for j in found:
        if j in fits:
            kind, day = _explain(words[j:], today)
            return " ".join(words[:j]), kind, day
    for j in found:
        if j < len(words) and _kind_word(words[j]):
            _explain(words[j:], today)  # raises the DateError naming the words it could not read
    for j in found:  # "Acme Foods meating yesterday": the name is known, the kind of contact is misspelt
        rest = words[j + 1:]
        if j >= len(words) or any(_kind_word(w) for w in rest) or not _is_when(rest, today):
            continue  # ("Blue Ocean Mail meeting yesterday": a longer, new name)
        close = difflib.get_close_matches(words[j].lower(), KIND_WORDS, n=1, cutoff=0.75)
        if close:
            raise LogError(f"“{words[j]}” is not a kind of contact; did you mean {KIND_WORDS[close[0]]}? Kinds: "
                           f"{', '.join(INTERACTION_KINDS)}.")
    if fits:
        j = fits[0]
        kind, day = _explain(words[j:], today)
        return " ".join(words[:j]), kind, day
    raise LogError(f"I couldn't tell which words of “{head.strip()}” are the partner, the kind of contact "
                   f"({', '.join(INTERACTION_KINDS)}) and the date.")


def without_colon(store, text: str, today: date, viewer=None) -> tuple[str, str] | None:
    """`Acme Foods meeting yesterday talked about the pilot` typed without its colon: (head, what happened), when
    a known partner's name is followed by a kind of contact, then a date if any (the longest that reads as one,
    up to four words, never ending in a bare number: "yesterday 5 survivors placed"), then more words. None
    otherwise: then the user is asked for the colon."""
    words = text.split()
    for j in names.known_prefix_lengths(store, words, viewer):
        if j >= len(words) - 1 or _kind_word(words[j]) is None:
            continue
        for k in range(min(len(words) - 1, j + 5), j, -1):  # words[j:k]: the kind and the date words
            when = words[j + 1:k]
            if (when and re.fullmatch(r"[\d,.]+", when[-1])) or any(_kind_word(w) for w in when):
                continue
            if _is_when(when, today):
                return " ".join(words[:k]), " ".join(words[k:])
    return None


def _is_when(words: list[str], today: date) -> bool:
    """Whether the words are a kind of contact and a date, or either, or nothing (today)."""
    try:
        _explain(words, today)
    except dates.DateError:
        return False
    return True


def _kind_word(word: str) -> str | None:
    return KIND_WORDS.get(word.lower().strip(",."))


def _explain(rest: list[str], today: date) -> tuple[str | None, date]:
    kind, others = None, []
    for w in rest:
        k = _kind_word(w)
        if k is not None and kind is None:
            kind = k
        else:
            others.append(w)
    text = " ".join(others)
    return kind, (dates.parse_date(text, today) if text.strip() else today)


def outcome_segment(seg: str) -> tuple[str, str] | None:
    """(outcome kind, value) for an outcome written without a colon: `placed 2`, `15 survivors trained`."""
    s = " ".join(seg.split())
    m = _OUTCOME_FIRST.fullmatch(s)
    if m:
        kind = OUTCOME_KEYS[m.group(1).lower()]
        if kind not in checks.MONEY_KINDS and _OTHERS_COUNTED.match(m.group(2)):
            return None  # words about the meeting, not an outcome
        return kind, m.group(2)
    m = _OUTCOME_LAST.fullmatch(s)
    if m:
        return OUTCOME_KEYS[m.group(2).lower()], m.group(1)
    return None


def count_in_words(seg: str) -> tuple[str, str] | None:
    """(outcome kind, number) for a count told in a sentence that is also the summary: `placed 3 survivors at
    Lotus Hotels`, `3 survivors were placed at the hotel`, `placed two survivors` (a count in words)."""
    s = " ".join(seg.split())
    worded = _WORDED.sub(lambda m: str(_COUNT_WORDS[m.group(1).lower()]), s)
    for pattern in (_COUNT_IN_WORDS if worded == s else _COUNT_WORDED):
        m = pattern.fullmatch(worded)
        if m and OUTCOME_KEYS[m.group("key").lower()] not in checks.MONEY_KINDS:
            return OUTCOME_KEYS[m.group("key").lower()], m.group("n")
    return None


_TOLD = ((re.compile(rf"\b(?:placed|hired|employed)\b[^;.]*?\b{_SURVIVORS}|\b{_SURVIVORS}\b[^;.]*?\b(?:placed|hired|"
                    rf"employed)\b", re.IGNORECASE), "survivors_placed"),
         (re.compile(rf"\btrained\b[^;.]*?\b{_SURVIVORS}|\b{_SURVIVORS}\b[^;.]*?\btrained\b", re.IGNORECASE),
          "survivors_trained"))


def uncounted(summary: str, outcomes) -> list[str]:
    """The survivor counts a summary speaks of ("placed twenty-five survivors", "trained some survivors") that no
    outcome of the log records: the saved reply says so, so nobody believes a number was counted."""
    kinds = {o.kind for o in outcomes}
    return [kind for pattern, kind in _TOLD if kind not in kinds and pattern.search(summary or "")]


def segment_key(seg: str) -> str:
    """What a `;`-part is about (`cash`, `level`, `next`, `due`, or '' for summary text) — to match a fix to it."""
    key, sep, _ = seg.partition(":")
    k = " ".join(key.lower().split())
    if sep and k in OUTCOME_KEYS:
        return OUTCOME_KEYS[k]
    if sep and k in NEXT_KEYS:
        return "next"
    if sep and k in LEVEL_KEYS:
        return "level"
    if sep and k in DUE_KEYS:
        return "due"
    bare = outcome_segment(seg)
    return bare[0] if bare else ""


def parse(store, head: str, tail: str, today: date, viewer=None) -> Parsed:
    """Raises LogError / DateError only for the head; problems with the extras are collected in `problems`."""
    partner_text, kind, day = split_head(store, head, today, viewer)
    segments = [s.strip() for s in re.split(r"[;\n]", tail)]
    summary_parts, told, p = [], [], Parsed(partner_text, kind or "meeting", day, "", kind_given=kind is not None)
    opening = None  # the first part read as an outcome but not understood: (kind, problem)
    for i, seg in enumerate(segments):
        if not seg:
            continue
        key, sep, value = seg.partition(":")
        k = " ".join(key.lower().split())
        try:
            if not sep or (i == 0 and k not in OUTCOME_KEYS):
                bare, told_in_words = outcome_segment(seg), count_in_words(seg)
                if told_in_words:  # the count is read and the sentence stays the summary
                    p.outcomes.append(parse_outcome(*told_in_words))
                    summary_parts.append(seg)
                elif bare and i == 0:
                    try:
                        p.outcomes.append(parse_outcome(*bare))
                        told.append(seg)
                    except LogError as e:
                        opening = (bare[0], str(e))
                elif bare:
                    p.outcomes.append(parse_outcome(*bare))
                    told.append(seg)
                else:
                    summary_parts.append(seg)
            elif k in NEXT_KEYS:
                p.next_step, due = split_due(value.strip(), today, day)
                p.next_due = due or p.next_due
            elif k in DUE_KEYS:
                p.next_due = dates.due_date(value, today, day)
            elif k in LEVEL_KEYS:
                level = value.strip().lower()
                if level not in ACTION_LEVELS:
                    raise LogError(f"“{value.strip()}” is not an action level; use high, medium or low "
                                   f"({checks.LEVEL_HELP}).", "level")
                p.level = level
            elif k in OUTCOME_KEYS:
                p.outcomes.append(parse_outcome(OUTCOME_KEYS[k], value))
                told.append(seg)
            else:
                summary_parts.append(seg)
        except (LogError, dates.DateError) as e:
            p.problems.append((seg, str(e)))
    if opening:  # "trained about 12; trained: 12": the opening words are the summary
        if opening[0] in {o.kind for o in p.outcomes}:
            summary_parts.insert(0, segments[0])
        else:
            p.problems.insert(0, (segments[0], opening[1]))
    # only outcomes given: they say what happened (unless the unread opening does: `log confirm` makes it the summary)
    unread_opening = bool(opening) and bool(p.problems) and p.problems[0][0] == segments[0]
    p.summary = "; ".join(summary_parts) or ("" if unread_opening else "; ".join(told))
    unique = []  # the same outcome said twice ("3 survivors placed; placed: 3") is one outcome
    for o in p.outcomes:
        if not any((u.kind, u.quantity, u.currency) == (o.kind, o.quantity, o.currency) for u in unique):
            unique.append(o)
    p.outcomes = unique
    kinds = [o.kind for o in p.outcomes]
    dup = {k for k in kinds if kinds.count(k) > 1}
    if dup:
        raise LogError(f"{checks.OUTCOME_LABELS[dup.pop()].capitalize()} is given twice; give it once.")
    return p


def split_due(step: str, today: date, contact_day: date | None = None) -> tuple[str, date | None]:
    """`send concept note by Friday` → ("send concept note", the Friday); `call them next Friday` keeps its words.
    A day and month without a year count from the contact's day (`dates.due_date`).

    A step that names a date-like phrase that cannot be read (`by someday soon`) raises DateError."""
    found = dates.find_date(step, today, future=True)
    if found:
        return found[1] or step, dates.due_date(found[2], today, contact_day)
    m = re.match(r"^(.*\S)\s+(?:by|before|due)\s+(\S.*)$", step, re.IGNORECASE)
    if m and len(m.group(2).split()) <= 4:
        dates.parse_date(m.group(2), today, future=True)  # raises the DateError naming the words
    return step, None


def parse_outcome(kind: str, value: str) -> interactions.OutcomeDraft:
    """`5`, `15 survivors`, `5,000 USD`, `USD 5000`, `$5000`, `2,000,000 riel` → an outcome draft."""
    v = " ".join(value.strip().split())
    label = checks.OUTCOME_LABELS[kind]
    if kind in checks.MONEY_KINDS:
        try:
            qty, code = money.parse_money(v)
        except money.MoneyError as e:
            raise LogError(f"For {label}: {e}", kind) from None
        return interactions.OutcomeDraft(kind, qty, code)
    m = re.fullmatch(rf"([\d][\d,]*(?:\.\d+)?|[a-z]+)(?:\s+{PEOPLE})?", v, re.IGNORECASE)
    word = m and _COUNT_WORDS.get(m.group(1).lower())  # `placed: two`
    number = word or (money.parse_number(m.group(1)) if m and m.group(1)[0].isdigit() else None)
    if number is None:
        raise LogError(f"I couldn't read “{v}” as a number for {label}. Write e.g. `placed: 5`.", kind)
    draft = interactions.OutcomeDraft(kind, float(number), None)
    problem = interactions.outcome_problem(draft)  # `placed: 2.5`: asked about in the draft, not refused outright
    if problem:
        raise LogError(problem, kind)
    return draft


def format_outcome(o: interactions.OutcomeDraft) -> str:
    """An outcome as a log extra that `parse` reads back: `cash: 2,000,000 KHR`, `placed: 3`."""
    key = {"survivors_placed": "placed", "survivors_trained": "trained", "in_kind": "in-kind",
           "joint_activity": "activities", "policy_change": "policy"}.get(o.kind, o.kind)
    if o.kind.startswith("retained_"):
        key = "employed " + o.kind.split("_")[1]
    return f"{key}: {money.format_amount(o.quantity, o.currency)}"
