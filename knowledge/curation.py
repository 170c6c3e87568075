"""Curating the knowledge base: list, remove and restore documents, with the same words everywhere.

`pse-bot kb list|remove|restore` (bot/cli/knowledge.py) and the chat command `kb …` (intents/kb.py) both call
these functions and show the text they return; only the command prefix differs (`pse-bot kb …` at the
terminal, `kb …` in chat). Texts are in the reply markup dialect (markup/dialect.py); the terminal prints them
through `to_plain`.

Every change is written to the audit trail of the store (who, when, which document, its checksum), in its own
transaction right after the knowledge base changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.collections import BUNDLED, EXAMPLE, BundledSetting, collection_of, status_of
from knowledge.ranking_model import describe
from knowledge.types import DocumentInfo
from markup.dialect import Table, code

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.base import KnowledgeBase
    from knowledge.collections import Change
    from storage.store import Store

BUNDLED_PREFIX = "corpus/"
AUDIT_TABLE = "documents"


@dataclass(frozen=True)
class Outcome:
    """What a curation request did. `text` is for the person who asked; `changed` says whether to audit."""

    ok: bool
    text: str
    changed: bool = False
    source: str = ""
    title: str = ""
    sha256: str = ""
    passages: int = 0

    def audit_detail(self) -> dict:
        return {"source": self.source, "title": self.title, "sha256": self.sha256, "passages": self.passages}


def _cmd(prefix: str, rest: str) -> str:
    return code(f"{prefix}kb {rest}")


def added_on(info: DocumentInfo | None) -> str:
    """The date a document was added (or last replaced), YYYY-MM-DD; "" if unknown."""
    return (info.ingested_at or "")[:10] if info is not None else ""


def version_of(info: DocumentInfo | None) -> str:
    """A short form of the document's checksum, enough to tell two versions apart."""
    return (info.sha256 or "")[:8] if info is not None else ""


# ----------------------------------------------------------------------------------------------- list


@dataclass
class Listing:
    documents: list[DocumentInfo]
    excluded: list[str] = field(default_factory=list)
    prefix: str = ""
    bundled: BundledSetting | None = None
    model: dict | None = None  # the adapted search model in use (ranking_model.describe), None: the packaged one

    @property
    def passages(self) -> int:
        return sum(d.chunks for d in self.documents)

    def collection(self, d: DocumentInfo) -> str:
        """Its collection, "· off" while the bundled guidance is not searched, "· example" for an example to adapt."""
        name = collection_of(d.source)
        off = name == BUNDLED and self.bundled is not None and not self.bundled.enabled
        return name + (" · off" if off else "") + (" · example" if status_of(d.meta) == EXAMPLE else "")

    def table(self) -> Table:
        rows = tuple((d.source, d.doc_type, str(d.chunks), added_on(d), version_of(d), d.title, self.collection(d))
                     for d in self.documents)
        return Table(header=("Source", "Type", "Passages", "Added", "Version", "Title", "Collection"), rows=rows,
                     align=("left", "left", "right", "left", "left", "left", "left"))

    def summary(self) -> str:
        """The sentences around the table (markup dialect)."""
        lines = []
        if not self.documents:
            lines.append("The knowledge base is empty. Add documents with `pse-bot ingest PATH…`.")
        else:
            lines.append(f"{len(self.documents)} documents, {self.passages} passages.")
            examples = [d.source for d in self.documents if status_of(d.meta) == EXAMPLE]
            if examples:
                lines.append(f"Examples to adapt, not policy (front matter `status: example`; answers say so): "
                             f"{', '.join(code(s) for s in examples)}.")
        if self.bundled is not None and not self.bundled.enabled:
            lines.append(f"The bundled guidance is switched off: it is listed but not searched. "
                         f"{_cmd(self.prefix, 'bundled on')} turns it back on.")
        if self.model:
            lines.append(f"Search ranks with a model adapted to these documents on {self.model['created_at'][:10]} "
                         f"(`pse-bot kb adapt`); documents added since are searched with it too.")
        if self.excluded:
            lines.append(f"Removed bundled guidance (kept out until restored): "
                         f"{', '.join(code(s) for s in self.excluded)}. "
                         f"{_cmd(self.prefix, 'restore SOURCE')} brings one back.")
        return "\n".join(lines)

    def rows_text(self) -> list[str]:
        """The listing as aligned plain-text lines (the terminal's table)."""
        if not self.documents:
            return []
        width = max(len(d.source) for d in self.documents)
        cw = max(len(self.collection(d)) for d in self.documents)
        out = [f"{'SOURCE'.ljust(width)}  {'COLLECTION'.ljust(cw)}  {'TYPE':<9} {'CHUNKS':>6}  {'ADDED':<10}  TITLE"]
        out += [f"{d.source.ljust(width)}  {self.collection(d).ljust(cw)}  {d.doc_type:<9} {d.chunks:>6}  "
                f"{added_on(d):<10}  {d.title}" for d in self.documents]
        return out


def list_documents(kb: "KnowledgeBase", prefix: str = "") -> Listing:
    return Listing(kb.documents(), kb.excluded_bundled(), prefix, kb.bundled_setting(), describe(kb.index))


# --------------------------------------------------------------------------------------------- remove


def _listing(sources: list[str], limit: int = 12) -> str:
    shown = ", ".join(code(s) for s in sources[:limit])
    return shown + (f" and {len(sources) - limit} more" if len(sources) > limit else "")


def _what_exists(kb: "KnowledgeBase", source: str, prefix: str) -> str:
    """A sentence naming what the user could have meant: the bundled sources, or the documents there are."""
    docs = [d.source for d in kb.documents()]
    guess = BUNDLED_PREFIX + source.rsplit("/", 1)[-1]
    if not source.startswith(BUNDLED_PREFIX) and guess in kb.bundled_sources():
        return f"Did you mean {code(guess)}?"
    if source.startswith(BUNDLED_PREFIX):
        bundled = [s for s in kb.bundled_sources() if s in docs]
        return (f"Bundled documents: {_listing(bundled, 20)}." if bundled
                else "No bundled document is in the knowledge base.")
    if not docs:
        return "The knowledge base is empty."
    return f"Documents: {_listing(docs)}. {_cmd(prefix, 'list')} shows them all."


def _find(kb: "KnowledgeBase", source: str) -> DocumentInfo | None:
    info = kb.document(source)
    if info is None and not source.startswith(BUNDLED_PREFIX):
        alt = str(Path(source).expanduser().resolve())
        info = kb.document(alt) if alt != source else None
    return info


def remove_document(kb: "KnowledgeBase", source: str, prefix: str = "") -> Outcome:
    """Remove one document by its source (as listed) or its file's path. A bundled document stays out of later
    syncs until restored."""
    source = source.strip()
    if not source:
        return Outcome(False, f"Say which document to remove, e.g. {_cmd(prefix, 'remove corpus/pse-strategy.md')}. "
                              f"{_cmd(prefix, 'list')} shows them all.")
    info = _find(kb, source)
    facts = dict(source=info.source if info else source, title=info.title if info else "",
                 sha256=info.sha256 if info else "", passages=info.chunks if info else 0)
    bundled = source.startswith(BUNDLED_PREFIX)
    restore = _cmd(prefix, f"restore {source}")
    if bundled and source in kb.excluded_bundled():
        if kb.remove(source):  # a stray copy, e.g. written by an older version running at the same time
            return Outcome(True, f"Removed {code(source)}.", changed=True, **facts)
        return Outcome(False, f"{code(source)} is already removed; nothing changed. {restore} brings it back.")
    if not kb.remove(source):
        return Outcome(False, f"No document {code(source)} in the knowledge base; nothing changed. "
                              + _what_exists(kb, source, prefix))
    if bundled:
        return Outcome(True, f"Removed {code(source)} from the bundled guidance; it stays out when the bot "
                             f"restarts. {restore} brings it back.", changed=True, **facts)
    return Outcome(True, f"Removed {code(facts['source'])}.", changed=True, **facts)


# -------------------------------------------------------------------------------------------- restore


def restore_document(kb: "KnowledgeBase", source: str, prefix: str = "") -> Outcome:
    """Bring back a bundled document that was removed (its source as corpus/<file>.md)."""
    source = source.strip()
    excluded = kb.excluded_bundled()
    if not source:
        return Outcome(False, f"Say which bundled document to bring back, e.g. "
                              f"{_cmd(prefix, 'restore corpus/pse-strategy.md')}.")
    if source not in excluded:
        present = {d.source for d in kb.documents()}
        guess = BUNDLED_PREFIX + source.rsplit("/", 1)[-1]
        for name in (source, guess):
            if name in present:
                return Outcome(False, f"{code(name)} is already in the knowledge base; nothing changed.")
        removed = (f"Did you mean {code(guess)}?" if guess in excluded
                   else f"Removed bundled documents: {', '.join(code(s) for s in excluded)}." if excluded
                   else "No bundled document has been removed.")
        return Outcome(False, f"{code(source)} is not a removed bundled document; nothing changed. {removed} "
                              "`restore` only brings back bundled guidance; add your own files with "
                              "`pse-bot ingest PATH`.")
    report = kb.restore_bundled(source)
    if report.errors:
        _, err = report.errors[0]
        return Outcome(False, f"{code(source)} could not be loaded ({err}); it stays removed, nothing changed.")
    if not (report.added or report.updated or report.unchanged):
        return Outcome(True, f"{code(source)} no longer ships with this version of the bot, so there is nothing "
                             "to add back; it is no longer listed as removed.", changed=True, source=source)
    info = kb.document(source)
    return Outcome(True, f"Restored {code(source)} ({report.chunks_total} passages).", changed=True, source=source,
                   title=info.title if info else "", sha256=info.sha256 if info else "",
                   passages=report.chunks_total)


# ---------------------------------------------------------------------------------------------- audit


def audit(store: "Store | None", actor: str, action: str, outcome: "Outcome | Change") -> None:
    """Write a change to the audit trail (who = `actor`; when = now; which file and its checksum, or for a setting
    of the bundled guidance (`Change`, knowledge/collections.py) what it was before and after)."""
    if store is None or not outcome.changed:
        return
    with store.transaction():
        store.audit(actor, action, AUDIT_TABLE, None, outcome.audit_detail())
