"""Framing check for messages to companies: find terms businesses find alarming, explain why, reword the draft.

Pure text work, no model and no index: the term list lives in `framing_terms.yml` beside this file (editable
without code changes). `check(draft)` returns the flagged terms and a reworded draft; the `frame` intent adds
the business case and the cited guidance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TERMS_FILE = Path(__file__).with_name("framing_terms.yml")

# What may follow "promote X" when the original said "eliminate X from your supply chain".
_PLACE_TAIL = (r"(?:\s+(?:from|in|within|out\s+of|across)\s+(?P<owner>your|their|its|the|our)\s+"
               r"(?P<place>supply[- ]chains?|operations|factories|workplaces?|business(?:es)?|industry|sector|"
               r"suppliers|fleets?|vessels|farms|sites))?")


@dataclass(frozen=True)
class Variant:
    pattern: str
    replace: str
    case_sensitive: bool = False


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    why: str
    alternatives: tuple[str, ...]
    positive: str
    variants: tuple[Variant, ...]
    drop_sentence: bool = False


@dataclass(frozen=True)
class BusinessPoint:
    id: str
    label: str
    text: str


@dataclass
class Flag:
    """One sensitive term found in the draft, with the exact words used (in order of first appearance)."""

    term: Term
    found: list[str] = field(default_factory=list)
    count: int = 0
    by_hand: list[str] = field(default_factory=list)  # phrases the rewrite left alone: rephrase them yourself


@dataclass
class FramingCheck:
    draft: str
    flags: list[Flag]
    reworded: str
    dropped: list[str] = field(default_factory=list)  # sentences the reworded draft leaves out

    @property
    def clean(self) -> bool:
        return not self.flags

    def as_data(self) -> dict[str, Any]:
        return {
            "flags": [{"term": f.term.id, "label": f.term.label, "found": f.found, "count": f.count,
                       "alternatives": list(f.term.alternatives), "by_hand": f.by_hand} for f in self.flags],
            "reworded": self.reworded,
            "dropped": self.dropped,
        }


@dataclass(frozen=True)
class Rules:
    terms: tuple[Term, ...]
    business_case: tuple[BusinessPoint, ...]
    finder: re.Pattern[str]
    group_variant: dict[str, tuple[Term, Variant]]
    opposing: re.Pattern[str] | None


class FramingRulesError(Exception):
    """The framing terms file is broken; the message says where."""


def load_rules(path: Path | str | None = None) -> Rules:
    path = Path(path) if path else TERMS_FILE
    return _load_rules_cached(str(path), path.stat().st_mtime_ns if path.exists() else 0)


@lru_cache(maxsize=4)
def _load_rules_cached(path: str, _mtime: int) -> Rules:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FramingRulesError(f"{path}: the framing terms file is missing.") from None
    except yaml.YAMLError as exc:
        raise FramingRulesError(f"{path}: not valid YAML ({exc}).") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("terms"), list):
        raise FramingRulesError(f"{path}: expected a 'terms:' list.")
    terms: list[Term] = []
    for i, t in enumerate(raw["terms"]):
        try:
            variants = tuple(Variant(str(v["pattern"]), str(v.get("replace") or ""), bool(v.get("case_sensitive")))
                             for v in t["variants"])
            terms.append(Term(str(t["id"]), str(t.get("label") or t["id"]), " ".join(str(t["why"]).split()),
                              tuple(str(a) for a in t.get("alternatives") or ()), str(t.get("positive") or ""),
                              variants, bool(t.get("drop_sentence"))))
        except (KeyError, TypeError) as exc:
            raise FramingRulesError(f"{path}: term #{i + 1} is missing {exc}.") from exc
    points = tuple(BusinessPoint(str(p["id"]), str(p["label"]), " ".join(str(p["text"]).split()))
                   for p in raw.get("business_case") or ())

    entries = [(term, v) for term in terms for v in term.variants]
    entries.sort(key=lambda tv: -len(tv[1].pattern))  # longer, more specific phrases first
    group_variant: dict[str, tuple[Term, Variant]] = {}
    parts = []
    for n, (term, v) in enumerate(entries):
        name = f"v{n}"
        group_variant[name] = (term, v)
        body = v.pattern if not v.case_sensitive else f"(?-i:{v.pattern})"
        parts.append(f"(?P<{name}>{body})")
    try:
        finder = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
    except re.error as exc:
        raise FramingRulesError(f"{path}: a pattern is not a valid regular expression ({exc}).") from exc

    opposing = None
    verbs = [str(v) for v in raw.get("opposing_verbs") or ()]
    turnable = [v for term, v in entries if term.positive]
    if verbs and turnable:
        obj = "(?:" + "|".join(v.pattern if not v.case_sensitive else f"(?-i:{v.pattern})" for v in turnable) + ")"
        obj = rf"(?:the\s+)?(?:risks?\s+of\s+)?{obj}"
        verb = "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in sorted(verbs, key=len, reverse=True))
        opposing = re.compile(
            rf"(?<![\w-])(?P<verb>{verb})\s+(?P<objects>{obj}(?:(?:\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)"
            rf"{obj})*)(?![\w-]){_PLACE_TAIL}",
            re.IGNORECASE,
        )
    return Rules(tuple(terms), points, finder, group_variant, opposing)


def _match_term(rules: Rules, m: re.Match[str]) -> tuple[Term, Variant]:
    return rules.group_variant[m.lastgroup]  # type: ignore[index]


def _same_case(original: str, replacement: str, sentence_start: bool = False) -> str:
    """Carry the original's capital letter over: "Trafficking" -> "Unsafe migration"; an acronym such as TIP
    is capitalised only at the start of a sentence."""
    if not replacement:
        return replacement
    acronym = len(original) > 1 and original.isupper()
    if (original[:1].isupper() and not acronym) or (acronym and sentence_start):
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _at_sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?:\n\"\u201c"


def check(draft: str, rules: Rules | None = None) -> FramingCheck:
    """Flag sensitive terms in `draft` and produce a reworded version (a starting point for a person to edit)."""
    rules = rules or load_rules()
    flags: dict[str, Flag] = {}
    for m in rules.finder.finditer(draft):
        term, variant = _match_term(rules, m)
        flag = flags.setdefault(term.id, Flag(term))
        flag.count += 1
        words = m.group(0)
        if words.lower() not in (f.lower() for f in flag.found):
            flag.found.append(words)
        if not variant.replace and words not in flag.by_hand:
            flag.by_hand.append(words)
    ordered = sorted(flags.values(), key=lambda f: [t.id for t in rules.terms].index(f.term.id))
    if not flags:
        return FramingCheck(draft=draft, flags=[], reworded=draft)
    kept, dropped = _drop_sentences(draft, rules)
    return FramingCheck(draft=draft, flags=ordered, reworded=reword(kept, rules), dropped=dropped)


_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+[\"\u201d)]*|\n|$)")


def _drop_sentences(draft: str, rules: Rules) -> tuple[str, list[str]]:
    """Leave out sentences that contain a `drop_sentence` term (talk of crime, prosecution, punishment)."""
    if not any(t.drop_sentence for t in rules.terms):
        return draft, []
    kept: list[str] = []
    dropped: list[str] = []
    for m in _SENTENCE.finditer(draft):
        sentence = m.group(0)
        if not sentence:
            continue
        hit = any(_match_term(rules, x)[0].drop_sentence for x in rules.finder.finditer(sentence))
        if hit:
            dropped.append(sentence.strip())
            if sentence.endswith("\n"):
                kept.append("\n")
        else:
            kept.append(sentence)
    text = "".join(kept)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"(?<=[.!?]) {2,}", " ", text)
    return text, dropped


_NEW = "\x00"  # marks where a replacement starts, while the articles before replacements are mended


def reword(draft: str, rules: Rules | None = None) -> str:
    """Replace sensitive terms in `draft` (sentences are kept; `check` also drops threatening ones)."""
    rules = rules or load_rules()
    draft = draft.replace(_NEW, "")

    def turn_around(m: re.Match[str]) -> str:
        positives: list[str] = []
        for inner in rules.finder.finditer(m.group("objects")):
            term, _ = _match_term(rules, inner)
            if term.positive and term.positive not in positives:
                positives.append(term.positive)
        if not positives:
            return m.group(0)
        verb = m.group("verb")
        new_verb = "promoting" if verb.lower().endswith("ing") else "promote"
        new_verb = _same_case(verb, new_verb, _at_sentence_start(m.string, m.start()))
        text = f"{new_verb} " + _join(positives)
        if m.group("place"):
            owner = m.group("owner")
            text += f" across {owner} {m.group('place')}"
        return text

    out = rules.opposing.sub(turn_around, draft) if rules.opposing else draft

    def replace(m: re.Match[str]) -> str:
        _, variant = _match_term(rules, m)
        if not variant.replace:
            return m.group(0)
        return _NEW + _same_case(m.group(0), variant.replace, _at_sentence_start(m.string, m.start()))

    out = rules.finder.sub(replace, out)
    # "an anti-trafficking NGO" -> "a safe-migration NGO": the article before a replacement follows its first letter
    out = re.sub(rf"\b([Aa])n?(\s+){_NEW}(\w)",
                 lambda m: f"{m.group(1)}{'n' if m.group(3).lower() in 'aeiou' else ''}{m.group(2)}{m.group(3)}", out)
    out = out.replace(_NEW, "")
    # "unsafe migration and unsafe migration" (two variants of one term side by side) reads as a mistake.
    for phrase in {v.replace for t in rules.terms for v in t.variants if v.replace}:
        p = re.escape(phrase)
        out = re.sub(rf"\b({p})(?:\s*,\s*|\s+and\s+|\s+or\s+)\1\b", r"\1", out, flags=re.IGNORECASE)
    return out


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
