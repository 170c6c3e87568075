"""Should an answer be given at all? A calibrated similarity threshold plus a guard on specifics.

`CONFIDENT` is the best passage similarity (cosine, all-MiniLM-L6-v2) below which the bot says it is not sure.
It is calibrated by bench/answer_calibration.py on the DEV split of the answerable questions
(tests/data/real_docs_questions.jsonl) and unanswerable ones (tests/data/answerability_questions.jsonl: a
per-diem rate, a report deadline, a made-up indicator code…), and checked on the held-out split.

The guard: a question that names a specific — a code such as "PSE-7b" or "IND-4.3", a number, a year — is only
answered if some passage about to be shown contains that specific. Similarity alone cannot tell "what does
indicator PSE-7b measure?" from "what do the indicators measure?", and quoting the latter as the answer to the
former is a confident wrong answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

CONFIDENT = 0.38
SUGGEST = 0.25
# Share of the question's topic words (stop words dropped, compared by their first 5 letters so "recruiters" meets
# "recruitment") that must appear in the passages about to be shown. A question about a hotel, an airline or a
# salary scale is near the guidance in meaning but shares few of its words. Calibrated on the dev split.
MIN_COVERAGE = 0.20

# A token holding a digit (PSE-7b, IND-4.3, 2023, 14.2, $500) or a code-like capitalised token with a dash/slash.
_SPECIFIC = re.compile(r"(?<![\w.])[$€£]?[A-Za-z]*[-/]?\d[\w./-]*", re.UNICODE)
_WORD_NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}


def specifics(question: str) -> list[str]:
    """The codes and numbers a question names, e.g. ["PSE-7b"] or ["2023"] (ordinals like "1st" included)."""
    found = []
    for m in _SPECIFIC.finditer(question or ""):
        tok = m.group(0).strip(".,;:?!/-").lstrip("$€£")
        if tok and tok.lower() not in _WORD_NUMBERS:
            found.append(tok)
    return list(dict.fromkeys(found))


def _norm(text: str) -> str:
    return " " + " ".join(re.sub(r"[^\w.]+", " ", (text or "").lower()).replace(". ", " ").split()) + " "


def missing_specifics(question: str, passages: Iterable[str]) -> list[str]:
    """Specifics of the question that no passage contains (compared without case or punctuation)."""
    texts = [_norm(p) for p in passages]
    out = []
    for tok in specifics(question):
        key = _norm(tok).strip()
        parts = key.replace("-", " ").replace("/", " ").split()
        variants = {key, " ".join(parts)}
        if not any(f" {v} " in t or f" {v}." in t for v in variants for t in texts):
            out.append(tok)
    return out


def coverage(question: str, passages: Iterable[str]) -> float:
    """Share of the question's topic words found (by 5-letter stem) in the passages; 1.0 if it has none."""
    from knowledge.ranking import query_terms

    terms = [t for t in query_terms(question) if len(t) > 2 and not t.isdigit()]
    if not terms:
        return 1.0
    stems = {w[:5] for p in passages for w in re.findall(r"\w+", p.lower())}
    return sum(1 for t in terms if t[:5] in stems) / len(terms)


@dataclass(frozen=True)
class Verdict:
    confident: bool
    best: float
    reason: str = ""  # "", "low-similarity", "unsupported-specific" or "off-topic-words"
    missing: tuple[str, ...] = ()


def judge(question: str, similarities: Sequence[float], passages: Sequence[str],
          threshold: float = CONFIDENT, min_coverage: float = MIN_COVERAGE) -> Verdict:
    """Answer only when the best similarity reaches `threshold`, every specific of the question is in a passage,
    and enough of its topic words are (see MIN_COVERAGE)."""
    best = max(similarities, default=0.0)
    if best < threshold:
        return Verdict(False, best, "low-similarity")
    missing = missing_specifics(question, passages)
    if missing:
        return Verdict(False, best, "unsupported-specific", tuple(missing))
    if coverage(question, passages) < min_coverage:
        return Verdict(False, best, "off-topic-words")
    return Verdict(True, best)
