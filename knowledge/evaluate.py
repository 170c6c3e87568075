"""Retrieval quality of a knowledge base against a curator's own question set: hit@k and MRR per ranking mode.

A question set is a JSON-lines file, one object per line:

    {"question": "how do I open a conversation with a seafood exporter?", "expected_source": "corpus/framing-and-business-case.md"}

`expected_section` is optional; when given, a hit counts only if its section contains that text (case-insensitive).
`expected_text` is optional too: a distinctive phrase of the passage that holds the answer; a hit counts only if
its text contains the phrase (compared as lower-case words, so punctuation, quotes and line breaks do not matter).
This names the answer without depending on chunk ids, so the same question set scores any chunking.
`split` ("dev" or "heldout") is kept as given, so a tuning script can leave the held-out questions alone.
A passage matches the expected source when its source is the same path, or ends with it ("corpus/x.md" matches
"/data/docs/corpus/x.md"), so curators can write short names.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from knowledge.types import SEARCH_MODES

REQUIRED_KEYS = ("question", "expected_source")
MAX_REPORTED_PROBLEMS = 20


class QuestionFileError(Exception):
    """The question file cannot be used; the message says which line and what to fix."""


@dataclass(frozen=True)
class Question:
    question: str
    expected_source: str
    expected_section: str = ""
    line: int = 0
    expected_text: str = ""
    split: str = ""


@dataclass(frozen=True)
class QuestionResult:
    """How one question fared: the 1-based rank of the first matching passage (None: not in the top k)."""

    question: str
    expected_source: str
    expected_section: str
    rank: int | None
    first_source: str = ""
    first_section: str = ""
    line: int = 0

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0


@dataclass
class EvalResult:
    """The scores of one ranking mode over a question set."""

    mode: str
    top_k: int
    results: list[QuestionResult] = field(default_factory=list)

    def hit_at(self, k: int) -> float:
        if not self.results:
            return 0.0
        return sum(1 for r in self.results if r.rank is not None and r.rank <= k) / len(self.results)

    @property
    def mrr(self) -> float:
        if not self.results:
            return 0.0
        return sum(r.reciprocal_rank for r in self.results) / len(self.results)

    @property
    def failures(self) -> list[QuestionResult]:
        return [r for r in self.results if r.rank is None]

    def as_json(self, ks: Sequence[int] = (1, 3, 5)) -> dict[str, Any]:
        cuts = sorted({k for k in ks if k <= self.top_k} | {self.top_k})
        return {
            "mode": self.mode,
            "top_k": self.top_k,
            "questions": len(self.results),
            "hit_at": {str(k): round(self.hit_at(k), 4) for k in cuts},
            "mrr": round(self.mrr, 4),
            "failures": [asdict(r) for r in self.failures],
        }


def load_questions(path: Path | str) -> list[Question]:
    """Read a JSON-lines question file. Every problem found (up to a limit) is reported at once, by line."""
    path = Path(path)
    if not path.exists():
        raise QuestionFileError(
            f"{path}: no such file. Create a JSON-lines file with one object per line, e.g. "
            '{"question": "how do I vet a company?", "expected_source": "corpus/due-diligence-checklist.md"}'
        )
    if path.is_dir():
        raise QuestionFileError(f"{path} is a folder; give the path of a .jsonl file of questions.")
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise QuestionFileError(f"{path}: not UTF-8 text; save the question file as UTF-8 JSON lines.") from None
    except OSError as exc:
        raise QuestionFileError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc

    questions: list[Question] = []
    problems: list[str] = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno}).")
            continue
        if not isinstance(item, dict):
            problems.append(f"line {number}: expected a JSON object like "
                            '{"question": ..., "expected_source": ...}, got ' + type(item).__name__ + ".")
            continue
        missing = [k for k in REQUIRED_KEYS if not isinstance(item.get(k), str) or not item.get(k).strip()]
        if missing:
            problems.append(f"line {number}: missing or empty " + " and ".join(f'"{k}"' for k in missing) + ".")
            continue
        section = item.get("expected_section") or ""
        if not isinstance(section, str):
            problems.append(f'line {number}: "expected_section" must be text.')
            continue
        phrase, split = item.get("expected_text") or "", item.get("split") or ""
        if not isinstance(phrase, str) or not isinstance(split, str):
            problems.append(f'line {number}: "expected_text" and "split" must be text.')
            continue
        questions.append(Question(item["question"].strip(), _norm(item["expected_source"]), section.strip(), number,
                                  phrase.strip(), split.strip()))

    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        tail = f"\n…and {more} more." if more > 0 else ""
        raise QuestionFileError(f"{path}: {len(problems)} line(s) need fixing; nothing was evaluated.\n"
                                + "\n".join(shown) + tail)
    if not questions:
        raise QuestionFileError(f"{path}: no questions found. Add one JSON object per line with "
                                '"question" and "expected_source".')
    return questions


def _norm(source: str) -> str:
    return source.strip().replace("\\", "/")


def source_matches(hit_source: str, expected: str) -> bool:
    hit_source, expected = _norm(hit_source), _norm(expected)
    return hit_source == expected or hit_source.endswith("/" + expected.lstrip("/"))


def normalise_words(text: str) -> str:
    """Lower-case words joined by single spaces (a word cut by an end-of-line hyphen is joined first)."""
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text or "")
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).replace("_", " ").split())


def passage_matches(source: str, section: str, text: str, q: Question) -> bool:
    """Does a passage (its source, section label and text) hold the answer `q` expects?"""
    if not source_matches(source, q.expected_source):
        return False
    if q.expected_section and q.expected_section.lower() not in (section or "").lower():
        return False
    return not q.expected_text or normalise_words(q.expected_text) in normalise_words(text)


def _matches(hit: Any, q: Question) -> bool:
    return passage_matches(hit.source, hit.section, hit.text, q)


def evaluate(kb: Any, questions: Iterable[Question], mode: str = "fused", top_k: int = 5) -> EvalResult:
    """Search each question with `mode` and record where the expected passage first appears in the top k."""
    if mode not in SEARCH_MODES:
        raise ValueError(f"mode must be one of {', '.join(SEARCH_MODES)}")
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    result = EvalResult(mode=mode, top_k=top_k)
    for q in questions:
        hits = kb.search(q.question, top_k=top_k, mode=mode)
        rank = next((i for i, h in enumerate(hits, 1) if _matches(h, q)), None)
        first = hits[0] if hits else None
        result.results.append(QuestionResult(
            question=q.question, expected_source=q.expected_source, expected_section=q.expected_section,
            rank=rank, first_source=first.source if first else "", first_section=first.section if first else "",
            line=q.line,
        ))
    return result


def unknown_sources(kb: Any, questions: Iterable[Question]) -> list[str]:
    """Expected sources that match no document in the knowledge base (usually a typo or a file not ingested)."""
    known = [d.source for d in kb.documents()]
    missing: dict[str, None] = {}
    for q in questions:
        if not any(source_matches(s, q.expected_source) for s in known):
            missing.setdefault(q.expected_source, None)
    return list(missing)


def format_table(results: Sequence[EvalResult], ks: Sequence[int] = (1, 3, 5)) -> str:
    """A small fixed-width table: one row per mode."""
    top_k = results[0].top_k if results else 5
    cuts = sorted({k for k in ks if k <= top_k} | {top_k})
    head = ["mode", "questions"] + [f"hit@{k}" for k in cuts] + [f"MRR@{top_k}"]
    rows = [[r.mode, str(len(r.results))] + [f"{r.hit_at(k):.3f}" for k in cuts] + [f"{r.mrr:.3f}"]
            for r in results]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    fmt = lambda row: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))  # noqa: E731
    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def format_failures(result: EvalResult) -> str:
    if not result.failures:
        return f"{result.mode}: every question found its expected passage in the top {result.top_k}."
    lines = [f"{result.mode}: {len(result.failures)} question(s) missed the top {result.top_k}:"]
    for r in result.failures:
        want = r.expected_source + (f" › {r.expected_section}" if r.expected_section else "")
        got = (r.first_source + (f" › {r.first_section}" if r.first_section else "")) if r.first_source else "(nothing)"
        lines.append(f"  line {r.line}: {r.question}\n    expected: {want}\n    first instead: {got}")
    return "\n".join(lines)
