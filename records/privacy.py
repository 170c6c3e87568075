"""Refuse text that looks like it holds a person's identifiers before anything is stored.

Logs are about companies. Survivors are counted, never named or identified: a phone number, email address,
passport or ID number in a partner log could expose a survivor (or a worker) if the database or a digest is
ever seen by the wrong person. The checks are deliberately cautious; the refusal explains how to rephrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# +66 81 234 5678, +855-12-345-678, 0066 81..., (+977) 98...
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)\s?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{1,5}\)?){2,6}(?!\w)")
# 081 234 5678, 012-345-678, (02) 123 4567, 0812345678
_PHONE_LOCAL = re.compile(r"(?<![\w/.-])\(?0\d{1,3}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?![\w/-])")
# passport-like: one or two letters then 6-9 digits (AB1234567, N1234567)
_PASSPORT = re.compile(r"(?<!\w)[A-Za-z]{1,2}\d{6,9}(?!\w)")
# Thai-style grouped ID: 1-2345-67890-12-3 and similar runs of digit groups
_GROUPED_ID = re.compile(r"(?<![\w-])\d{1,6}(?:[- ]\d{1,6}){3,}(?![\w-])")
_LONG_DIGITS = re.compile(r"(?<![\d.,])\d{9,}(?![\d.,])")
_ID_WORDS = re.compile(
    r"\b(passport|national id|id card|id no|id number|id#|nid|citizenship (?:no|number|card)|"
    r"birth certificate|visa no|work permit no)\b[\s.:#-]*(?:no\.?|number)?[\s.:#-]*([A-Za-z0-9-]*\d[A-Za-z0-9-]*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    kind: str      # "email", "phone number", "passport or ID number", "long number"
    masked: str    # a hint of what was found, without repeating it whole

    def __str__(self) -> str:
        return f"{self.kind} ({self.masked})"


def _mask(text: str) -> str:
    text = text.strip()
    if len(text) <= 4:
        return "…"
    return text[:2] + "…" + text[-2:]


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def find_identifiers(text: str) -> list[Finding]:
    """What in `text` looks like a personal identifier (empty list when nothing does)."""
    if not text:
        return []
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, m: re.Match, group: int = 0) -> None:
        span = m.span(group)
        if any(a < span[1] and span[0] < b for a, b in taken):
            return
        taken.append(span)
        found.append(Finding(kind, _mask(m.group(group))))

    for m in _EMAIL.finditer(text):
        add("email address", m)
    for m in _ID_WORDS.finditer(text):
        add("passport or ID number", m, 2)
    for m in _PHONE_INTL.finditer(text):
        if 8 <= _digits(m.group()) <= 15:
            add("phone number", m)
    for m in _PHONE_LOCAL.finditer(text):
        if 9 <= _digits(m.group()) <= 11:
            add("phone number", m)
    for m in _PASSPORT.finditer(text):
        add("passport or ID number", m)
    for m in _GROUPED_ID.finditer(text):
        if _digits(m.group()) >= 9:
            add("ID-like number", m)
    for m in _LONG_DIGITS.finditer(text):
        add("long number (ID-like)", m)
    return found


def refusal(findings: list[Finding], where: str = "your message") -> str:
    """The friendly explanation shown instead of storing."""
    kinds = ", ".join(dict.fromkeys(f.kind for f in findings))
    return (f"I didn't save anything: {where} seems to contain personal identifiers ({kinds}). "
            "To protect survivors' privacy, partner logs hold counts only — never names, phone numbers, emails, "
            "passport or ID numbers of survivors or workers. Remove them (e.g. write “3 survivors placed”) and "
            "send it again. If it is a company's office number, leave it out: contacts belong in your address book.")
