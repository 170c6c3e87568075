"""Adding a document by sharing a file with the bot (Slack DM or @mention, Teams personal chat): the words the
person sees and the rules, the same on every platform. The adapters download the file and show the progress
(adapters/common/file_share.py); knowledge/shared_files.py places and ingests it.

- Only admins add documents; anyone else gets a polite refusal before anything is downloaded.
- PDF, Word (.docx), HTML, Markdown and text within the ingest size limit (PSE_MAX_INGEST_MB); anything else,
  an oversized file or one that is not what its name says is refused and nothing changes.
- Every added or replaced document goes to the audit trail: who, when, which file, its checksum.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from bot.message import Message
from bot.reply import Fact, Reply
from knowledge import shared_files
from knowledge.curation import AUDIT_TABLE
from markup.dialect import code, escape
from records import access

STAGES = {"loading": "loading the text", "chunking": "splitting it into passages", "embedding": "embedding"}


def not_admin(services, message: Message, name: str) -> Reply | None:
    """A polite refusal when the person sharing is not an admin (checked before anything is downloaded)."""
    user = access.current_user(services.store, message)
    if user.at_least("admin"):
        return None
    who = "you are not registered with me yet" if user.role == "guest" else f"your role is {user.role}"
    return Reply.problem(f"Thanks for sharing **{escape(name)}**, but only admins can add documents to the "
                         f"guidance, and {who}. I haven't opened the file and nothing was added. Send it to one "
                         "of your admins, who can share it with me.")


def unsuitable(services, name: str, size: int | None) -> Reply | None:
    """A refusal for a type or size that will not do (judged before downloading), or None."""
    problem = shared_files.refusal_before_download(name, size, services.settings.max_ingest_bytes)
    if problem:
        return Reply.problem(f"I can't add **{escape(name)}**: {problem} Nothing was added.")
    return None


def reading(name: str, redo: bool = False) -> str:
    if redo:
        return (f"Reading **{escape(name)}** again: I was restarted while I was adding it, so I'm checking "
                "what made it in…")
    return f"Reading **{escape(name)}**…"


def progress(name: str, what: str, done: int = 0, total: int = 0) -> str:
    step = STAGES.get(what, what)
    if what == "embedding" and total:
        step = f"embedding passages {done}/{total}"
    elif what == "downloading":
        step = "downloading"
    return f"Reading **{escape(name)}**… {step}."


def too_large(name: str, size: int | None, max_bytes: int) -> Reply:
    return Reply.problem(f"I can't add **{escape(name)}**: {shared_files.too_large(size, max_bytes)} "
                         "Nothing was added.")


def download_failed(name: str, why: str) -> Reply:
    return Reply.problem(f"I couldn't download **{escape(name)}** ({escape(why)}); nothing was added. "
                         "Please share it again in a minute.")


def add(services, message: Message, staged: Path, name: str,
        stage: Callable[[str, int, int], None] | None = None, redo: bool = False) -> Reply:
    """Ingest the downloaded file (run in a worker thread) and say what happened."""
    settings = services.settings
    done = shared_files.place_and_ingest(services.knowledge, settings.documents_dir, staged, name,
                                         settings.max_ingest_bytes, stage)
    shown = escape(name)
    if done.status == "refused":
        note = (" The version added earlier is still in place." if services.knowledge.document(done.source)
                else "")
        return Reply.problem(f"I can't add **{shown}**: {escape(done.problem)} Nothing was added.{note}",
                             data={"file": name, "status": done.status})
    if done.changed:
        _audit(services, message, done)
    facts = [Fact("Document", done.title), Fact("Passages", str(done.passages)),
             Fact("Version", done.sha256[:8])]
    data = {"file": name, "status": done.status, "source": done.source, "passages": done.passages,
            "sha256": done.sha256, "example": done.example}
    example = f"\nTry asking: “{escape(done.example)}”" if done.example else ""
    if done.status == "unchanged":
        before = ("It had been fully added before I was restarted, so nothing is missing or half-added. "
                  if redo else "")
        return Reply(text=f"**{shown}** is already up to date ({done.passages} passages), so there was nothing "
                          f"to do. {before}{example}".rstrip(), facts=facts, data=data)
    verb = "Replaced the earlier version of" if done.status == "updated" else "Added"
    after = ("I was restarted part-way through, and nothing of it had been stored then; it is complete now. "
             if redo else "")
    return Reply(text=f"{verb} **{shown}**: {done.passages} passages, searchable now. {after}"
                      f"Staff can ask about it anywhere.{example}\n"
                      f"{code('kb list')} shows every document; {code('kb remove ' + done.source)} takes it out.",
                 facts=facts, data=data)


def _audit(services, message: Message, done: shared_files.Added) -> None:
    store = services.store
    if store is None:
        return
    detail = {"source": done.source, "title": done.title, "sha256": done.sha256, "passages": done.passages,
              "file": done.name, "replaced": done.status == "updated", "via": message.platform}
    with store.transaction():
        store.audit(f"{message.platform}:{message.user_id}", "kb.add", AUDIT_TABLE, None, detail)
