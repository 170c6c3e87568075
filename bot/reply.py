"""The one platform-neutral answer every intent returns; adapters render it (Block Kit, Adaptive Card, text).

`Reply.text`, `FormField.hint` and `Table.note`-free prose are written in the one markup dialect of
markup/dialect.py (a small CommonMark subset); user-supplied parts go through `markup.escape` first. Everything
else — fact labels and values, table cells, button labels, passage titles — is plain text that renderers
show literally. Passage text is document markdown (`markup.parse_document`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from markup.dialect import Table, blocks_plain, clean, parse_document, table_text, to_plain

__all__ = ["Button", "Fact", "Form", "FormField", "Passage", "Reply", "Table"]


@dataclass(frozen=True)
class Passage:
    """A cited piece of guidance: the text, where it comes from, and its most relevant sentence."""

    text: str
    source: str
    title: str
    section: str = ""
    score: float = 0.0
    highlight: str = ""
    version: str = ""  # a short form of the document's checksum, e.g. "2d407503"
    added: str = ""    # when the document (this version of it) was added, YYYY-MM-DD
    collection: str = ""  # "your documents" or "bundled guidance" (knowledge/collections.py)
    status: str = ""      # the document's front-matter status, e.g. "example"

    def provenance(self) -> str:
        """Plain text after the source name: its collection, which version of the document, when it was added."""
        parts = [self.collection, f"version {self.version}" if self.version else "",
                 f"added {self.added}" if self.added else ""]
        return " · ".join(p for p in parts if p)

    def source_line(self) -> str:
        """The source with its collection, version and date, e.g.
        "corpus/x.md · bundled guidance · version 2d407503 · added 2024-05-03"."""
        return " · ".join(p for p in (self.source, self.provenance()) if p)

    def status_note(self) -> str:
        """Plain text every platform shows under a passage whose document is not settled policy; "" otherwise."""
        if self.status == "example":
            return "Example to adapt, not policy: your programme should set its own."
        return f"Marked “{self.status}” by its authors." if self.status else ""


@dataclass(frozen=True)
class Fact:
    """A labelled value shown as a field (e.g. "Stage" → "Due diligence")."""

    label: str
    value: str


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True)
class FormField:
    """One input of an interactive form (Slack modal, Adaptive Card, console prompt)."""

    name: str
    label: str
    kind: Literal["text", "long_text", "select", "partner", "date", "number"] = "text"
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    placeholder: str = ""
    initial: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Form:
    """A form the adapter should open; its submission comes back as a Message with `command` and `form` set."""

    command: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Save"
    state: str = ""


@dataclass
class Reply:
    """What the bot says back.

    `private` means only the asker should see it (ephemeral in Slack, a DM or private note in Teams).
    `errors` maps form field names to messages when a form submission was rejected.
    """

    text: str
    passages: list[Passage] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    image: Path | None = None
    image_title: str = ""
    private: bool = False
    form: Form | None = None
    errors: dict[str, str] = field(default_factory=dict)
    ok: bool = True
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def problem(cls, text: str, **kw: Any) -> "Reply":
        """A friendly refusal or validation message: nothing was changed."""
        kw.setdefault("private", True)
        return cls(text=text, ok=False, **kw)

    def as_text(self) -> str:
        """Plain-text rendering used by the terminal and as a fallback by every adapter: no markup left."""
        parts = [to_plain(self.text.rstrip())] if self.text else []
        for t in self.tables:
            parts.append("\n".join(x for x in (clean(t.title), table_text(t), clean(t.note)) if x))
        for i, p in enumerate(self.passages, 1):
            where = clean(p.title) + (f" › {clean(p.section)}" if p.section and p.section != p.title else "")
            body = blocks_plain(parse_document(p.text.strip(), p.highlight))
            hl = " ".join(clean(p.highlight).replace("**", "").split()) if p.highlight else ""
            if hl and hl in body:
                body = body.replace(hl, f"»{hl}«", 1)
            note = f"    note: {clean(p.status_note())}\n" if p.status_note() else ""
            parts.append(f"[{i}] {where}\n    source: {clean(p.source_line())}\n{note}" + _indent(body, "    "))
        if self.facts:
            width = max(len(clean(f.label)) for f in self.facts)
            parts.append("\n".join(f"{clean(f.label).ljust(width)}  {clean(f.value)}" for f in self.facts))
        for name, err in self.errors.items():
            parts.append(f"! {clean(name)}: {to_plain(err)}")
        if self.image:
            parts.append(f"(chart: {self.image})")
        return "\n\n".join(p for p in parts if p)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())
