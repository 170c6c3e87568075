"""Collections: an organisation's own documents and the bundled guidance, and how much the bundled guidance counts.

Every document belongs to one of two collections: the bundled guidance (knowledge/corpus, sources
`corpus/<file>.md`) or "your documents" (everything ingested or shared with the bot). Answers name the collection of
each passage, and a document whose front matter says `status: example` is shown as an example to adapt, not policy.

An admin decides, for every process at once, how the bundled guidance is searched:

    kb bundled              # the current setting
    kb bundled off          # not searched at all; its documents stay stored and up to date, so `on` is instant
    kb bundled on
    kb bundled weight 0.5   # 0 < w ≤ 1: its fused score is multiplied by w (1: it counts as much as your documents)

The setting is two rows of `kb_meta` (`bundled_enabled`, `bundled_weight`); without them the bundled guidance is
on with the default weight of knowledge/ranking.py. `KnowledgeBase.bundled_setting()` reads them at most once per
index refresh interval (one small query), so a change made through any process holds in all within about a second.
`pse-bot kb bundled …` and the chat command `kb bundled …` both call `change()` and show the text it returns (the
markup dialect); a change is audited by the caller with `curation.audit` (who, the setting before and after).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from knowledge.ranking import BUNDLED_WEIGHT
from markup.dialect import code, escape, plural

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.base import KnowledgeBase
    from storage.store import Store

BUNDLED_PREFIX = "corpus/"
BUNDLED = "bundled guidance"
YOURS = "your documents"
ENABLED_KEY = "bundled_enabled"
WEIGHT_KEY = "bundled_weight"
EXAMPLE = "example"


def collection_of(source: str) -> str:
    """"bundled guidance" for a bundled source (`corpus/<file>.md`), else "your documents"."""
    return BUNDLED if source.startswith(BUNDLED_PREFIX) else YOURS


def status_of(meta: dict[str, Any] | None) -> str:
    """The `status` a document's front matter gives (e.g. "example"), lower-cased; "" when none."""
    value = (meta or {}).get("status")
    return " ".join(str(value).split()).lower() if value is not None else ""


@dataclass(frozen=True)
class BundledSetting:
    """Whether the bundled guidance is searched, and how much it counts in fused ranking against your documents.
    `weight_set` is False while the default of knowledge/ranking.py applies."""

    enabled: bool
    weight: float
    weight_set: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "weight": self.weight, "default_weight": not self.weight_set}


def read(store: "Store", default_weight: float) -> BundledSetting:
    """The stored setting (one query); the defaults where nothing was stored or a value is unreadable."""
    rows = dict(store.execute("SELECT key, value FROM kb_meta WHERE key IN (?, ?)", (ENABLED_KEY, WEIGHT_KEY)))
    weight = parse_weight(rows.get(WEIGHT_KEY) or "")
    return BundledSetting(enabled=rows.get(ENABLED_KEY, "1") != "0",
                          weight=weight if weight is not None else default_weight, weight_set=weight is not None)


def write(store: "Store", default_weight: float, enabled: bool | None = None,
          weight: float | None = None) -> tuple[BundledSetting, BundledSetting]:
    """Store a new setting (None: keep that part) in one transaction; returns (before, after)."""
    if weight is not None and parse_weight(str(weight)) is None:
        raise ValueError(f"the bundled weight must be above 0 and at most 1, not {weight!r}")
    with store.transaction():
        if store.dialect == "postgresql":  # two admins at once: the second reads what the first wrote
            store.execute("SELECT value FROM kb_meta WHERE key = 'schema' FOR UPDATE")
        before = read(store, default_weight)
        for key, value in ((ENABLED_KEY, None if enabled is None else "1" if enabled else "0"),
                           (WEIGHT_KEY, None if weight is None else repr(float(weight)))):
            if value is not None:
                store.execute("INSERT INTO kb_meta (key, value) VALUES (?, ?) "
                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))
        after = read(store, default_weight)
    return before, after


def parse_weight(text: str) -> float | None:
    """A weight from what someone typed ("0.5", "0,5", ".25"), or None unless it is a number above 0 and ≤ 1."""
    try:
        w = float(text.strip().replace(",", ".", 1))
    except ValueError:
        return None
    return w if math.isfinite(w) and 0 < w <= 1 else None


# ------------------------------------------------------------------------------------------ the command


@dataclass(frozen=True)
class Change:
    """What `kb bundled …` did: `text` for the person who asked; `changed` says whether to audit."""

    ok: bool
    text: str
    changed: bool = False
    before: BundledSetting | None = None
    after: BundledSetting | None = None

    def audit_detail(self) -> dict[str, Any]:
        return {"setting": BUNDLED, "before": self.before.as_dict() if self.before else None,
                "after": self.after.as_dict() if self.after else None}


def _cmd(prefix: str, rest: str) -> str:
    return code(f"{prefix}kb bundled {rest}".rstrip())


def _weight_words(s: BundledSetting) -> str:
    default = "the default" if not s.weight_set else "set by an admin"
    return f"{s.weight:g} ({default}; 1 would count it as much as your own)"


def describe(kb: "KnowledgeBase", s: BundledSetting, prefix: str = "", turned: bool = False) -> str:
    """The state of the two collections and what to type to change it (markup dialect); `turned`: it was just
    switched to this state."""
    docs = kb.documents()
    bundled = [d for d in docs if d.source.startswith(BUNDLED_PREFIX)]
    yours = [d for d in docs if not d.source.startswith(BUNDLED_PREFIX)]
    size = f"{plural(len(bundled), 'document')}, {plural(sum(d.chunks for d in bundled), 'passage')}"
    own = f"your documents ({plural(len(yours), 'document')}, {plural(sum(d.chunks for d in yours), 'passage')})"
    if not s.enabled:
        head = ("Turned the bundled guidance **off** for every server (within a second)" if turned
                else "The bundled guidance is **off**")
        where = (f", so answers come only from {own}." if yours else
                 ". You have no documents of your own yet, so `ask` has nothing to answer from until you add some "
                 "(share a file with me, or `pse-bot ingest PATH` on the server).")
        return (f"{head}: its {size} stay stored and up to date but are not searched{where} {_cmd(prefix, 'on')} "
                f"turns it back on at once; it will then count {_weight_words(s)} when both match a question.")
    head = (f"Turned the bundled guidance back **on** for every server (within a second): its {size} are searched "
            "again" if turned else f"The bundled guidance is **on** ({size})")
    where = (f"{' beside' if turned else ', searched beside'} {own}. When both match a question, its passages count "
             f"{_weight_words(s)}." if yours else ". There are no documents of your own yet, so answers come from it "
                                                  f"alone; once you add some, its passages count {_weight_words(s)} "
                                                  "when both match a question.")
    return (f"{head}{where} {_cmd(prefix, 'weight W')} (above 0, at most 1) changes that; "
            f"{_cmd(prefix, 'off')} stops searching it without deleting anything.")


def change(kb: "KnowledgeBase", words: list[str], prefix: str = "") -> Change:
    """`kb bundled [on | off | weight W]`: show or change the setting for every process."""
    words = [w.lower() for w in words]
    usage = f"{_cmd(prefix, '')}, {_cmd(prefix, 'on')}, {_cmd(prefix, 'off')} or {_cmd(prefix, 'weight 0.5')}"
    now = kb.bundled_setting(fresh=True)
    if not words:
        return Change(True, describe(kb, now, prefix), before=now, after=now)
    if words in (["on"], ["off"]):
        on = words[0] == "on"
        if now.enabled == on:
            return Change(True, f"The bundled guidance is already {words[0]}; nothing changed. "
                                + describe(kb, now, prefix), before=now, after=now)
        before, after = kb.set_bundled(enabled=on)
        return Change(True, describe(kb, after, prefix, turned=True), changed=before != after, before=before,
                      after=after)
    if words[:1] == ["weight"]:
        if len(words) != 2:
            return Change(False, f"Say how much the bundled guidance should count, a number above 0 and at most 1, "
                                 f"e.g. {_cmd(prefix, 'weight 0.5')}. Now it counts {_weight_words(now)}.")
        w = parse_weight(words[1])
        if w is None:
            hint = (f" To stop searching it altogether, use {_cmd(prefix, 'off')}." if _is_zero(words[1]) else "")
            return Change(False, f"“{escape(words[1])}” is not a weight I can use: it must be a number above 0 "
                                 f"and at most 1 (1 counts the bundled guidance as much as your documents, "
                                 f"{BUNDLED_WEIGHT:g} is the default), e.g. {_cmd(prefix, 'weight 0.5')}. Nothing changed.{hint}")
        if now.weight_set and now.weight == w:
            return Change(True, f"The bundled guidance already counts {w:g}; nothing changed.", before=now, after=now)
        before, after = kb.set_bundled(weight=w)
        off = (" It is switched off at the moment; the weight applies once it is back on "
               f"({_cmd(prefix, 'on')})." if not after.enabled else " Every answer uses it within a second.")
        return Change(True, f"The bundled guidance now counts {w:g} against your documents "
                            f"(it was {before.weight:g}).{off}", changed=True, before=before, after=after)
    return Change(False, f"I don't know {_cmd(prefix, ' '.join(words))}. Say {usage}. Nothing changed.")


def _is_zero(text: str) -> bool:
    try:
        return float(text.strip().replace(",", ".", 1)) == 0
    except ValueError:
        return False
